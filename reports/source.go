package reports

import (
	"time"

	"github.com/go-co-op/gocron/v2"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// Postmortem is an incident a drill comes from, as its scenario said.
type Postmortem struct {
	ID      string `json:"id,omitempty"`
	Title   string `json:"title"`
	Date    string `json:"date,omitempty"`
	URL     string `json:"url,omitempty"`
	Finding string `json:"finding,omitempty"`
}

// sourceMeta is what a report reads from the scenario source stored with a
// run: the schedule and the postmortems.
type sourceMeta struct {
	schedule    string
	interval    time.Duration
	postmortems []Postmortem
}

// readSource reads literal attributes of a stored scenario block. Values
// that need variables are left out: a report does not have them.
func readSource(source string) sourceMeta {
	var meta sourceMeta
	file, diags := hclsyntax.ParseConfig([]byte(source), "scenario.hcl", hcl.InitialPos)
	if diags.HasErrors() {
		return meta
	}
	body, ok := file.Body.(*hclsyntax.Body)
	if !ok || len(body.Blocks) != 1 {
		return meta
	}
	for _, block := range body.Blocks[0].Body.Blocks {
		switch block.Type {
		case "schedule":
			cron, zone := literal(block.Body, "cron"), literal(block.Body, "timezone")
			meta.schedule = cron
			meta.interval = cronInterval(cron, zone)
		case "postmortem":
			meta.postmortems = append(meta.postmortems, Postmortem{
				ID: literal(block.Body, "id"), Title: literal(block.Body, "title"), Date: literal(block.Body, "date"),
				URL: literal(block.Body, "url"), Finding: literal(block.Body, "finding"),
			})
		}
	}
	return meta
}

func literal(body *hclsyntax.Body, name string) string {
	attr, ok := body.Attributes[name]
	if !ok {
		return ""
	}
	value, diags := attr.Expr.Value(nil)
	if diags.HasErrors() || !value.IsKnown() || value.IsNull() || value.Type() != cty.String {
		return ""
	}
	return value.AsString()
}

// cronInterval is the time between two runs of a schedule.
func cronInterval(cron, zone string) time.Duration {
	location := time.UTC
	if zone != "" {
		if l, err := time.LoadLocation(zone); err == nil {
			location = l
		}
	}
	schedule := gocron.NewDefaultCron(true)
	now := time.Now()
	if schedule.IsValid(cron, location, now) != nil {
		return 0
	}
	first := schedule.Next(now)
	return schedule.Next(first).Sub(first)
}
