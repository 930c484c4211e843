package draft

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/zclconf/go-cty/cty"
)

// Write returns the draft scenario, formatted as `redrill fmt` would.
func Write(pm *Postmortem) []byte {
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
	if u, err := url.Parse(pm.URL); err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" {
		postmortem.SetAttributeValue("url", cty.StringVal(pm.URL))
	}
	if pm.Finding != "" {
		postmortem.SetAttributeValue("finding", cty.StringVal(pm.Finding))
	}
	scenario.AppendNewline()

	objective := scenario.AppendNewBlock("objective", nil).Body()
	observed := "not found in the timeline"
	if pm.Observed > 0 {
		observed = pm.Observed.String()
	}
	comment(objective, "TODO: the objective you commit to. The incident's observed recovery: "+observed+".")
	objective.SetAttributeValue("rto", cty.StringVal("1h"))
	if pm.DataLoss != "" {
		comment(objective, fmt.Sprintf("The incident lost about %s of data: add rpo and a data_loss block that measures it.", pm.DataLoss))
	}
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
	comment(recovered, "TODO: a check that passes only when the system serves again (http, sql, tcp...).")
	stub(recovered.AppendNewBlock("check", []string{"recovered"}).Body(), "check that the system is recovered")

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

func isoDate(text string) string {
	for _, layout := range []string{time.DateOnly, time.RFC3339, "January 2, 2006", "Jan 2, 2006", "2 January 2006", "2006/01/02"} {
		if t, err := time.Parse(layout, strings.TrimSpace(text)); err == nil {
			return t.Format(time.DateOnly)
		}
	}
	return ""
}
