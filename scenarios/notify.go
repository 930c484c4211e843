package scenarios

import (
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

var notifySchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "webhook", Required: true},
		{Name: "format"},
		{Name: "on"},
	},
}

// Notification formats and events.
var (
	notifyFormats = []string{"json", "slack"}
	notifyEvents  = []string{"start", "finish"}
)

// decodeNotifiers reads the notify blocks of a set.
func (l *loader) decodeNotifiers(blocks hcl.Blocks) hcl.Diagnostics {
	ctx := l.set.evalContext
	var diags hcl.Diagnostics
	seen := map[string]*hcl.Block{}
	for _, block := range blocks {
		name := block.Labels[0]
		if previous, ok := seen[name]; ok {
			diags = append(diags, duplicate("notify", name, block, previous))
			continue
		}
		seen[name] = block
		if d := checkName("notify", block); d != nil {
			diags = append(diags, d)
		}
		n := &Notifier{Name: name, Format: "json", On: notifyEvents, Range: block.DefRange}
		content, contentDiags := block.Body.Content(notifySchema)
		diags = append(diags, contentDiags...)
		if attr := content.Attributes["webhook"]; attr != nil {
			diags = append(diags, decodeWebhook(attr, ctx, n)...)
		}
		if attr := content.Attributes["format"]; attr != nil {
			diags = append(diags, decodeString(attr, ctx, &n.Format)...)
			if !slices.Contains(notifyFormats, n.Format) {
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Invalid format",
					Detail:   fmt.Sprintf("The notify format %q is not known; use %s.", n.Format, quoteOr(notifyFormats)),
					Subject:  attr.Expr.Range().Ptr(),
				})
			}
		}
		if attr := content.Attributes["on"]; attr != nil {
			onDiags := decodeStringList(attr, ctx, &n.On)
			diags = append(diags, onDiags...)
			if !onDiags.HasErrors() && len(n.On) == 0 {
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Notifier without events",
					Detail:   fmt.Sprintf("The notifier would never post; list at least one of %s, or leave on out for all of them.", quoteOr(notifyEvents)),
					Subject:  attr.Expr.Range().Ptr(),
				})
			}
			for _, event := range n.On {
				if !slices.Contains(notifyEvents, event) {
					diags = append(diags, &hcl.Diagnostic{
						Severity: hcl.DiagError,
						Summary:  "Invalid event",
						Detail:   fmt.Sprintf("The notify event %q is not known; use %s.", event, quoteOr(notifyEvents)),
						Subject:  attr.Expr.Range().Ptr(),
					})
				}
			}
		}
		l.set.Notifiers = append(l.set.Notifiers, n)
	}
	return diags
}

// decodeWebhook reads a webhook URL, which may carry a token and so may
// come from a sensitive variable.
func decodeWebhook(attr *hcl.Attribute, ctx *hcl.EvalContext, n *Notifier) hcl.Diagnostics {
	value, diags := attr.Expr.Value(ctx)
	if diags.HasErrors() {
		return explainReferences(attr.Expr, ctx, diags)
	}
	n.Sensitive = IsSensitive(value)
	value, _ = value.UnmarkDeep()
	if value.Type() != cty.String || value.IsNull() || !value.IsKnown() {
		return append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Invalid webhook",
			Detail:   "The webhook attribute must be a URL string.",
			Subject:  attr.Expr.Range().Ptr(),
		})
	}
	n.Webhook = value.AsString()
	if d := checkWebURL(attr, n.Webhook); d != nil {
		diags = append(diags, d)
	}
	return diags
}

// quoteOr writes ["a", "b"] as `"a" or "b"`.
func quoteOr(items []string) string {
	quoted := make([]string, len(items))
	for i, item := range items {
		quoted[i] = fmt.Sprintf("%q", item)
	}
	if len(quoted) == 1 {
		return quoted[0]
	}
	return fmt.Sprintf("%s or %s", strings.Join(quoted[:len(quoted)-1], ", "), quoted[len(quoted)-1])
}
