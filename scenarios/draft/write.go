package draft

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/zclconf/go-cty/cty"
)

// Write returns the draft scenario, formatted as `redrill fmt` would.
func Write(pm *Document) []byte {
	file := hclwrite.NewEmptyFile()
	root := file.Body()
	comment(root, fmt.Sprintf("Drafted by redrill from the postmortem %q.", pm.Title))
	comment(root, "Every step below is a stub that fails until you replace it with the real action.")
	root.AppendNewline()

	scenario := root.AppendNewBlock("scenario", []string{scenarioName(pm.Title)}).Body()
	scenario.SetAttributeValue("description", cty.StringVal("Rehearses the recovery of: "+pm.Title))
	scenario.SetAttributeValue("timeout", cty.StringVal("24h"))
	scenario.AppendNewline()

	postmortem := scenario.AppendNewBlock("postmortem", nil).Body()
	if pm.ID != "" {
		postmortem.SetAttributeValue("id", cty.StringVal(pm.ID))
	}
	postmortem.SetAttributeValue("title", cty.StringVal(pm.Title))
	if date := isoDate(pm.Date); date != "" {
		postmortem.SetAttributeValue("date", cty.StringVal(date))
	}
	if isWebURL(pm.URL) {
		postmortem.SetAttributeValue("url", cty.StringVal(pm.URL))
	}
	if pm.Finding != "" {
		postmortem.SetAttributeValue("finding", cty.StringVal(pm.Finding))
	}
	scenario.AppendNewline()

	objective := scenario.AppendNewBlock("objective", nil).Body()
	comment(objective, "TODO: set the objectives you commit to; each comment says what the incident saw.")
	attributeWithComment(objective, "rto", cty.StringVal("1h"), "observed in the incident: "+observedText(pm)+"; set the objective you need")
	attributeWithComment(objective, "rpo", cty.StringVal("1h"), "data lost in the incident: "+dataLossNote(pm)+"; set the objective you need")
	scenario.AppendNewline()

	recover := scenario.AppendNewBlock("recover", nil).Body()
	for i, action := range pm.Actions {
		if i > 0 {
			recover.AppendNewline()
		}
		comment(recover, "From the postmortem: "+action)
		stub(recover.AppendNewBlock("step", []string{fmt.Sprintf("action-%d", i+1)}).Body(), action)
	}
	scenario.AppendNewline()

	recovered := scenario.AppendNewBlock("recovered_when", nil).Body()
	recovered.SetAttributeValue("every", cty.StringVal("10s"))
	recovered.SetAttributeValue("timeout", cty.StringVal("1h"))
	if pm.RecoveryConfirmed != "" {
		comment(recovered, "How the postmortem confirmed recovery: "+pm.RecoveryConfirmed)
	} else {
		comment(recovered, "TODO: a check that passes only when the system serves again (http, sql, tcp...).")
	}
	stub(recovered.AppendNewBlock("check", []string{"recovered"}).Body(), "check that the system is recovered")
	scenario.AppendNewline()

	// rpo needs a data_loss block: a stub, like the steps.
	dataLoss := scenario.AppendNewBlock("data_loss", nil).Body()
	comment(dataLoss, "TODO: read the newest record that survived (sql, command...); the RPO is measured from it.")
	stub(dataLoss, "read the newest record that survived the recovery")
	dataLoss.SetAttributeTraversal("newest_record", hcl.Traversal{hcl.TraverseRoot{Name: "result"}, hcl.TraverseAttr{Name: "stdout"}})

	return hclwrite.Format(file.Bytes())
}

// stub is a command that prints "TODO: <action>" and fails, so a draft
// can never pass for a drill. The action is an argument, not shell text.
func stub(body *hclwrite.Body, action string) {
	command := body.AppendNewBlock("command", nil).Body()
	command.SetAttributeValue("run", cty.ListVal([]cty.Value{
		cty.StringVal("sh"), cty.StringVal("-c"), cty.StringVal(`echo "TODO: $1" >&2; exit 1`), cty.StringVal("sh"), cty.StringVal(action),
	}))
}

// attributeWithComment writes `name = value # note` on one line: hclwrite
// has no API for a line comment after an attribute.
func attributeWithComment(body *hclwrite.Body, name string, value cty.Value, note string) {
	tokens := hclwrite.Tokens{
		{Type: hclsyntax.TokenIdent, Bytes: []byte(name)},
		{Type: hclsyntax.TokenEqual, Bytes: []byte("=")},
	}
	tokens = append(tokens, hclwrite.TokensForValue(value)...)
	tokens = append(tokens, &hclwrite.Token{Type: hclsyntax.TokenComment, Bytes: []byte("# " + strings.Join(strings.Fields(note), " ") + "\n")})
	body.AppendUnstructuredTokens(tokens)
}

// observedText is the incident's recovery time for the rto comment.
func observedText(pm *Document) string {
	if pm.Observed <= 0 {
		return "not found in the timeline"
	}
	return fmt.Sprintf("%s (timeline %s -> %s)", shortDuration(pm.Observed), pm.ObservedFrom, pm.ObservedTo)
}

// dataLossNote is the incident's data loss for the rpo comment.
func dataLossNote(pm *Document) string {
	switch {
	case pm.DataLoss != "":
		return "about " + pm.DataLoss + " (impact section)"
	case pm.NoDataLoss:
		return "none, the postmortem says no data was lost"
	default:
		return "not stated in the postmortem"
	}
}

func comment(body *hclwrite.Body, text string) {
	for _, line := range wrap(text, 96) {
		body.AppendUnstructuredTokens(hclwrite.Tokens{
			{Type: hclsyntax.TokenComment, Bytes: []byte("# " + line + "\n")},
		})
	}
}

func wrap(text string, width int) []string {
	var lines []string
	var current string
	for _, word := range strings.Fields(text) {
		if current != "" && len(current)+1+len(word) > width {
			lines = append(lines, current)
			current = ""
		}
		if current != "" {
			current += " "
		}
		current += word
	}
	return append(lines, current)
}

var nonName = regexp.MustCompile(`[^a-z0-9]+`)

// scenarioName makes an identifier from a title.
func scenarioName(title string) string {
	name := strings.Trim(nonName.ReplaceAllString(strings.ToLower(title), "-"), "-")
	if len(name) > 48 {
		name = strings.TrimRight(name[:48], "-")
	}
	if name == "" || name[0] < 'a' || name[0] > 'z' {
		name = "drill-" + name
	}
	return strings.TrimRight(name, "-")
}
