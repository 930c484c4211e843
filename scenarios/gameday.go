package scenarios

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
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
			for _, scName := range gd.Scenarios {
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
		n := &Notifier{Name: name, Format: "json", On: notifyEvents, Range: block.DefRange}
		content, contentDiags := block.Body.Content(notifySchema)
		diags = append(diags, contentDiags...)
		if attr := content.Attributes["webhook"]; attr != nil {
			if value, valueDiags := attr.Expr.Value(ctx); !valueDiags.HasErrors() {
				n.Sensitive = IsSensitive(value)
			}
			webhookDiags := decodeString(attr, ctx, &n.Webhook)
			diags = append(diags, webhookDiags...)
			if !webhookDiags.HasErrors() {
				if d := checkWebURL(attr, n.Webhook); d != nil {
					diags = append(diags, d)
				}
			}
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
			diags = append(diags, decodeStringList(attr, ctx, &n.On)...)
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
