package draft

import (
	"fmt"
	"regexp"
	"strings"
	"time"

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
	if pm.Date != "" {
		postmortem.SetAttributeValue("date", cty.StringVal(pm.Date))
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
	if len(pm.Actions) == 0 {
		comment(recover, "No recovery action was found in the postmortem: write the steps that recover the system.")
		stub(recover.AppendNewBlock("step", []string{"action-1"}).Body(), "recover the system")
	}
	for i, action := range pm.Actions {
		if i > 0 {
			recover.AppendNewline()
		}
		comment(recover, fmt.Sprintf("From the postmortem (line %d): %s", action.Line, action.Text))
		stub(recover.AppendNewBlock("step", []string{fmt.Sprintf("action-%d", i+1)}).Body(), action.Text)
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

// observedText is the incident's impact duration for the rto comment,
// quoting its evidence.
func observedText(pm *Document) string {
	if pm.Impact.Seconds <= 0 {
		return "not found in the postmortem"
	}
	return fmt.Sprintf("%s (line %d: %s)", shortDuration(time.Duration(pm.Impact.Seconds)*time.Second), pm.Impact.Line, quote(pm.Impact.Evidence))
}

// dataLossNote is the incident's data loss for the rpo comment, quoting
// its evidence.
func dataLossNote(pm *Document) string {
	loss := pm.DataLoss
	switch {
	case loss.Kind == "some" && loss.Seconds > 0:
		return fmt.Sprintf("about %s (line %d: %s)", shortDuration(time.Duration(loss.Seconds)*time.Second), loss.Line, quote(loss.Evidence))
	case loss.Kind == "some":
		return fmt.Sprintf("some, how much not stated (line %d: %s)", loss.Line, quote(loss.Evidence))
	case loss.Kind == "none":
		return fmt.Sprintf("none (line %d: %s)", loss.Line, quote(loss.Evidence))
	default:
		return "not stated in the postmortem"
	}
}

func quote(text string) string { return `"` + truncate(clean(text), 140) + `"` }

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

// scenarioName makes an identifier from a title, of whole words only:
// it stops before the word that would take it past 48 characters.
func scenarioName(title string) string {
	var name string
	for _, word := range strings.Split(strings.Trim(nonName.ReplaceAllString(strings.ToLower(title), "-"), "-"), "-") {
		if word == "" {
			continue
		}
		if name != "" && len(name)+1+len(word) > 48 {
			break
		}
		if name != "" {
			name += "-"
		}
		name += word
	}
	if len(name) > 48 {
		name = name[:48] // one word longer than a name can be
	}
	if name == "" || name[0] < 'a' || name[0] > 'z' {
		name = "drill-" + name
	}
	return strings.TrimRight(name, "-")
}
