package scenarios

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

var gameDaySchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "start", Required: true},
		{Name: "scenarios", Required: true},
		{Name: "parallel"},
	},
}

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

// decodeGameDays runs after the scenarios, so it can check the names a game
// day lists.
func (l *loader) decodeGameDays(blocks hcl.Blocks) hcl.Diagnostics {
	ctx := l.set.evalContext
	var diags hcl.Diagnostics
	seen := map[string]*hcl.Block{}
	var scenarioNames []string
	for _, sc := range l.set.Scenarios {
		scenarioNames = append(scenarioNames, sc.Name)
	}
	for _, block := range blocks {
		name := block.Labels[0]
		if previous, ok := seen[name]; ok {
			diags = append(diags, duplicate("gameday", name, block, previous))
			continue
		}
		seen[name] = block
		if d := checkName("gameday", block); d != nil {
			diags = append(diags, d)
		}
		gd := &GameDay{Name: name, Range: block.DefRange}
		content, contentDiags := block.Body.Content(gameDaySchema)
		diags = append(diags, contentDiags...)

		var start string
		if attr := content.Attributes["start"]; attr != nil {
			startDiags := decodeString(attr, ctx, &start)
			diags = append(diags, startDiags...)
			if !startDiags.HasErrors() {
				parsed, err := time.Parse(time.RFC3339, start)
				if err != nil {
					diags = append(diags, &hcl.Diagnostic{
						Severity: hcl.DiagError,
						Summary:  "Invalid start time",
						Detail:   fmt.Sprintf("%q is not an RFC 3339 time: write it with a date, a time and a zone, such as \"2026-12-05T09:00:00+01:00\".", start),
						Subject:  attr.Expr.Range().Ptr(),
					})
				}
				gd.Start = parsed
			}
		}
		if attr := content.Attributes["scenarios"]; attr != nil {
			listDiags := decodeStringList(attr, ctx, &gd.Scenarios)
			diags = append(diags, listDiags...)
			if !listDiags.HasErrors() && len(gd.Scenarios) == 0 {
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Game day without scenarios",
					Detail:   "List at least one scenario name in scenarios.",
					Subject:  attr.Expr.Range().Ptr(),
				})
			}
			for i, scName := range gd.Scenarios {
				if slices.Contains(gd.Scenarios[:i], scName) {
					diags = append(diags, &hcl.Diagnostic{
						Severity: hcl.DiagError,
						Summary:  "Scenario listed twice",
						Detail:   fmt.Sprintf("Game day %q lists scenario %q twice; a game day runs each scenario once.", name, scName),
						Subject:  attr.Expr.Range().Ptr(),
					})
				}
				if !slices.Contains(scenarioNames, scName) {
					diags = append(diags, &hcl.Diagnostic{
						Severity: hcl.DiagError,
						Summary:  "Unknown scenario in game day",
						Detail:   fmt.Sprintf("Game day %q lists scenario %q, which is not defined in these files.%s", name, scName, suggest(scName, scenarioNames)),
						Subject:  attr.Expr.Range().Ptr(),
					})
				}
			}
		}
		diags = append(diags, decodeBool(content.Attributes["parallel"], ctx, &gd.Parallel)...)
		l.set.GameDays = append(l.set.GameDays, gd)
	}
	return diags
}

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
