package draft

import (
	"strings"
	"testing"
	"time"

	"github.com/redrill/redrill/scenarios"
)

// What a draft reads from the shapes postmortems are written in, asserted
// on the lines of the draft the user sees (spaces folded, since alignment
// depends on the neighbouring attributes).
func TestDraftReads(t *testing.T) {
	const recovery = "\n## Resolution\n- Failed over to the replica.\n"
	tests := []struct {
		name string
		doc  string
		want []string
	}{
		{
			name: "a # line in a ``` block does not end the section",
			doc:  "# Outage\n## Resolution\n- Restarted the API:\n  ```sh\n  # restart in order\n  systemctl restart api\n  ```\n- Failed over to the replica.\n",
			want: []string{`step "action-2" {`, `run = ["sh", "-c", "echo \"TODO: $1\" >&2; exit 1", "sh", "Failed over to the replica."]`},
		},
		{
			name: "a # line in a ~~~ block does not end the section",
			doc:  "# Outage\n## Resolution\n~~~\n# psql -c 'select 1'\n~~~\n- Failed over to the replica.\n",
			want: []string{`# From the postmortem: Failed over to the replica.`},
		},
		{
			name: "sections opened by a bold label, text on the same line",
			doc:  "# Checkout outage\n\n**Root cause:** The primary's disk filled up.\n\n**Impact:** 2 hours of orders were lost.\n\n**Resolution:** Failed over to the replica. Restored the lost orders.\n",
			want: []string{
				`finding = "The primary's disk filled up."`,
				`# From the postmortem: Failed over to the replica.`,
				`# From the postmortem: Restored the lost orders.`,
				`rpo = "1h" # data lost in the incident: about 2 hours (impact section); set the objective you need`,
			},
		},
		{
			name: "a bold label that names no section is text",
			doc:  "# Outage\n## Resolution\n**Note:** this is not a section.\n- Failed over to the replica.\n",
			want: []string{`# From the postmortem: Failed over to the replica.`},
		},
		{
			name: "numbered heading 4. Resolution",
			doc:  "# Outage\n## 4. Resolution\n- Failed over to the replica.\n",
			want: []string{`# From the postmortem: Failed over to the replica.`},
		},
		{
			name: "numbered heading 4) Resolution",
			doc:  "# Outage\n## 4) Resolution\n- Failed over to the replica.\n",
			want: []string{`# From the postmortem: Failed over to the replica.`},
		},
		{
			name: "setext headings for the title and the sections",
			doc:  "Checkout outage\n===============\n\nResolution\n----------\n- Failed over to the replica.\n",
			want: []string{`title = "Checkout outage"`, `# From the postmortem: Failed over to the replica.`},
		},
		{
			name: "time-only entries under a date line, past midnight",
			doc:  "# Outage" + recovery + "## Timeline\n2015-10-21 (all times UTC)\n- 14:51 load rises\n- 23:58 index deployed\n- 00:03 serving again\n",
			want: []string{`rto = "1h" # observed in the incident: 9h12m (timeline 14:51 -> 00:03); set the objective you need`},
		},
		{
			name: "an entry out of order is not a new day",
			doc:  "# Outage" + recovery + "## Timeline\n2015-10-21\n- 09:00 load rises\n- 11:00 failover\n- 10:30 (earlier) disk alert noticed\n- 12:00 serving again\n",
			want: []string{`rto = "1h" # observed in the incident: 3h (timeline 09:00 -> 12:00); set the objective you need`},
		},
		{
			name: "time-only entries under date headings",
			doc:  "# Outage" + recovery + "## Timeline\n### 2015-10-21\n- **14:51** load rises\n### 2015-10-22\n- **16:51** serving again\n",
			want: []string{`rto = "1h" # observed in the incident: 26h (timeline 14:51 -> 16:51); set the objective you need`},
		},
		{
			name: "full timestamps",
			doc:  "# Outage" + recovery + "## Timeline\n| time | event |\n|---|---|\n| 2024-06-03T09:12:00Z | crash |\n| 2024-06-03T12:15:00Z | healthy |\n",
			want: []string{`rto = "1h" # observed in the incident: 3h3m (timeline 2024-06-03T09:12:00Z -> 2024-06-03T12:15:00Z); set the objective you need`},
		},
		{
			name: "no timeline",
			doc:  "# Outage" + recovery,
			want: []string{`rto = "1h" # observed in the incident: not found in the timeline; set the objective you need`},
		},
		{
			name: "bold metadata lines",
			doc:  "# Outage\n**Date:** 2015-10-21\n**Incident ID:** PM-12\n**URL:** https://wiki.example.com/pm/12\n" + recovery,
			want: []string{`id = "PM-12"`, `date = "2015-10-21"`, `url = "https://wiki.example.com/pm/12"`},
		},
		{
			name: "plain metadata lines and a Link line",
			doc:  "# Outage\n\nDate: 2015-10-21 (all times UTC)\nLink: [the postmortem](https://wiki.example.com/pm/13)\n" + recovery,
			want: []string{`date = "2015-10-21"`, `url = "https://wiki.example.com/pm/13"`},
		},
		{
			name: "metadata in a table",
			doc:  "# Outage\n| | |\n|---|---|\n| **Date** | Oct 21, 2015 |\n| Incident ID | INC-7 |\n" + recovery,
			want: []string{`id = "INC-7"`, `date = "2015-10-21"`},
		},
		{
			name: "front matter wins over metadata lines",
			doc:  "---\ndate: 2020-01-02\n---\n# Outage\nDate: 2015-10-21\n" + recovery,
			want: []string{`date = "2020-01-02"`},
		},
		{
			name: "the finding is the root cause, not the fault",
			doc:  "# Outage\n## Fault\nThe proxy crashed.\n## Root cause\nA config push had no canary.\n" + recovery,
			want: []string{`finding = "A config push had no canary."`},
		},
		{
			name: "the finding is the fault without a root cause",
			doc:  "# Outage\n## Fault\nThe proxy crashed.\n" + recovery,
			want: []string{`finding = "The proxy crashed."`},
		},
		{
			name: "no data lost",
			doc:  "# Outage\n## Impact\nLogins failed for 4 hours. No data was lost.\n" + recovery,
			want: []string{`rpo = "1h" # data lost in the incident: none, the postmortem says no data was lost; set the objective you need`},
		},
		{
			name: "data lost",
			doc:  "# Outage\n## Impact\nAbout 6 hours of user data was lost.\n" + recovery,
			want: []string{`rpo = "1h" # data lost in the incident: about 6 hours (impact section); set the objective you need`},
		},
		{
			name: "data loss not stated",
			doc:  "# Outage" + recovery,
			want: []string{`rpo = "1h" # data lost in the incident: not stated in the postmortem; set the objective you need`, `newest_record = result.stdout`},
		},
		{
			name: "how recovery was confirmed, from the resolution",
			doc:  "# Outage\n## Resolution\n- Failed over to the replica.\n- Verified that checkout served orders again.\n",
			want: []string{`# How the postmortem confirmed recovery: Verified that checkout served orders again.`},
		},
		{
			name: "how recovery was confirmed, from detection",
			doc:  "# Outage" + recovery + "## Detection\nAlerts fired at 09:04. Synthetic checks were healthy again at 13:30.\n",
			want: []string{`# How the postmortem confirmed recovery: Synthetic checks were healthy again at 13:30.`},
		},
		{
			name: "a rollback is not a confirmation",
			doc:  "# Outage\n## Resolution\n- Rolled back the deploy.\n",
			want: []string{`# TODO: a check that passes only when the system serves again (http, sql, tcp...).`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pm, err := Parse(tt.doc)
			if err != nil {
				t.Fatal(err)
			}
			out := Write(pm)
			if _, diags := scenarios.LoadSources(map[string][]byte{"draft.hcl": out}, scenarios.Options{}); len(diags) > 0 {
				t.Fatalf("the draft does not validate: %s\n%s", diags.Error(), out)
			}
			lines := map[string]bool{}
			for _, line := range strings.Split(string(out), "\n") {
				lines[strings.Join(strings.Fields(line), " ")] = true
			}
			for _, want := range tt.want {
				if !lines[want] {
					t.Errorf("the draft has no line\n\t%s\n%s", want, out)
				}
			}
		})
	}
}

func TestShortDuration(t *testing.T) {
	for d, want := range map[string]string{"9h12m0s": "9h12m", "3h0m0s": "3h", "58m0s": "58m", "50s": "50s", "1h0m5s": "1h0m5s"} {
		parsed, _ := time.ParseDuration(d)
		if got := shortDuration(parsed); got != want {
			t.Errorf("shortDuration(%s) = %s, want %s", d, got, want)
		}
	}
}
