package scenarios

import (
	"fmt"
	"slices"
	"time"

	"github.com/hashicorp/hcl/v2"
)

var gameDaySchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "start", Required: true},
		{Name: "scenarios", Required: true},
		{Name: "parallel"},
		{Name: "description"},
		{Name: "facilitator"},
		{Name: "participants"},
	},
	Blocks: []hcl.BlockHeaderSchema{{Type: "runner"}},
}

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
		// Who runs the day and who takes part are for the people reading
		// the plan, the console and the report: not enforced.
		diags = append(diags, decodeString(content.Attributes["description"], ctx, &gd.Description)...)
		diags = append(diags, decodeString(content.Attributes["facilitator"], ctx, &gd.Facilitator)...)
		diags = append(diags, decodeStringList(content.Attributes["participants"], ctx, &gd.Participants)...)
		for i, b := range content.Blocks {
			if i > 0 {
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Duplicate runner block",
					Detail:   fmt.Sprintf("A game day has at most one runner block; the first is at %s. Merge them.", at(content.Blocks[0].DefRange)),
					Subject:  b.DefRange.Ptr(),
				})
				continue
			}
			wanted, runnerDiags := decodeRunner(b, ctx)
			diags = append(diags, runnerDiags...)
			gd.RunnerLabels = wanted
		}
		l.set.GameDays = append(l.set.GameDays, gd)
	}
	return diags
}
