package draft

import (
	"fmt"
	"slices"
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
			want: []string{"actions: Restarted the API / Failed over to the replica."},
		},
		{
			name: "a # line in a ~~~ block does not end the section",
			doc:  "# Outage\n## Resolution\n~~~\n# psql -c 'select 1'\n~~~\n- Failed over to the replica.\n",
			want: []string{"actions: Failed over to the replica."},
		},
		{
			name: "sections opened by a bold label, text on the same line",
			doc:  "# Checkout outage\n\n**Root cause:** The primary's disk filled up.\n\n**Impact:** 2 hours of orders were lost.\n\n**Resolution:** Failed over to the replica. Restored the lost orders.\n",
			want: []string{"finding: The primary's disk filled up.", "actions: Failed over to the replica. / Restored the lost orders.", "data loss: some 7200"},
		},
		{
			name: "a bold label that names no section is text",
			doc:  "# Outage\n## Resolution\n**Note:** this is not a section.\n- Failed over to the replica.\n",
			want: []string{"actions: Failed over to the replica."},
		},
		{
			name: "numbered heading 4. Resolution",
			doc:  "# Outage\n## 4. Resolution\n- Failed over to the replica.\n",
			want: []string{"actions: Failed over to the replica."},
		},
		{
			name: "setext headings for the title and the sections",
			doc:  "Checkout outage\n===============\n\nResolution\n----------\n- Failed over to the replica.\n",
			want: []string{"title: Checkout outage", "actions: Failed over to the replica."},
		},
		{
			name: "wrapped list items keep their continuation lines; nested bullets are not steps",
			doc:  "# Outage\n## Resolution\n- Failed over to the replica,\n  which took a while.\n  - a detail of the failover\n- Restored the orders.\n",
			want: []string{"actions: Failed over to the replica, which took a while. / Restored the orders."},
		},
		{
			name: "follow-up items are not recovery actions",
			doc:  "# Outage\n## Resolution\n- Failed over to the replica.\n## Action items\n- Quarterly incident response drills\n",
			want: []string{"actions: Failed over to the replica.", "follow-ups: Quarterly incident response drills"},
		},
		{
			name: "sentences keep versions, decimals, abbreviations, times and URLs whole",
			doc:  "# Outage\n## Resolution\nWe released Rustup 1.23.4 at 10:42, i.e. approx. 2.5 hours later, see https://example.com/a.b. Then we waited.\n",
			want: []string{"actions: We released Rustup 1.23.4 at 10:42, i.e. approx. 2.5 hours later, see https://example.com/a.b. / Then we waited."},
		},
		{
			name: "no recovery action: a skeleton",
			doc:  "# Outage\n## Summary\nThe API was down for about 13 minutes.\n",
			want: []string{"actions: ", "impact: 13m"},
		},
		{
			name: "time-only entries under a date line, past midnight",
			doc:  "# Outage" + recovery + "## Timeline\n2015-10-21 (all times UTC)\n- 14:51 outage begins\n- 23:58 index deployed\n- 00:03 serving again, resolved\n",
			want: []string{"impact: 9h12m", "date: 2015-10-21"},
		},
		{
			name: "an entry out of order is not a new day",
			doc:  "# Outage" + recovery + "## Timeline\n2015-10-21\n- 09:00 load rises\n- 11:00 failover\n- 10:30 (earlier) disk alert noticed\n- 12:00 serving again\n",
			want: []string{"impact: 3h"},
		},
		{
			name: "time-only entries under date headings",
			doc:  "# Outage" + recovery + "## Timeline\n### 2015-10-21\n- **14:51** load rises\n### 2015-10-22\n- **16:51** serving again\n",
			want: []string{"impact: 26h"},
		},
		{
			name: "full timestamps in a table",
			doc:  "# Outage" + recovery + "## Timeline\n| time | event |\n|---|---|\n| 2024-06-03T09:12:00Z | crash |\n| 2024-06-03T12:15:00Z | healthy |\n",
			want: []string{"impact: 3h3m"},
		},
		{
			name: "a stated duration wins over the timeline",
			doc:  "# Outage" + recovery + "## Impact\nTotal impact duration: 5 hours 26 minutes\n## Timeline\n- 2024-06-03 09:12 crash\n- 2024-06-03 10:15 healthy\n",
			want: []string{"impact: 5h26m"},
		},
		{
			name: "OUTAGE BEGINS and ENDS markers",
			doc:  "# Outage" + recovery + "## Timeline\n- 2024-06-03 08:00 deploy\n- 2024-06-03 09:12 OUTAGE BEGINS\n- 2024-06-03 10:15 OUTAGE ENDS\n- 2024-06-03 12:00 postmortem meeting\n",
			want: []string{"impact: 1h3m"},
		},
		{
			name: "no timeline",
			doc:  "# Outage" + recovery,
			want: []string{"impact: none"},
		},
		{
			name: "bold metadata lines",
			doc:  "# Outage\n**Date:** 2015-10-21\n**Incident ID:** PM-12\n**URL:** https://wiki.example.com/pm/12\n" + recovery,
			want: []string{"id: PM-12", "date: 2015-10-21", "url: https://wiki.example.com/pm/12"},
		},
		{
			name: "metadata in a table",
			doc:  "# Outage\n| | |\n|---|---|\n| **Date** | Oct 21, 2015 |\n| Incident ID | INC-7 |\n" + recovery,
			want: []string{"id: INC-7", "date: 2015-10-21"},
		},
		{
			name: "an incident date in the body wins over a blog's publication date",
			doc:  "---\ndate: 2020-01-09\n---\n# Outage\n\nOn January 2nd, 2020 the API was down.\n" + recovery,
			want: []string{"date: 2020-01-02"},
		},
		{
			name: "the finding is the root cause, not the fault",
			doc:  "# Outage\n## Fault\nThe proxy crashed.\n## Root cause of the outage\nA config push had no canary.\n" + recovery,
			want: []string{"finding: A config push had no canary."},
		},
		{
			name: "no data lost",
			doc:  "# Outage\n## Impact\nLogins failed for 4 hours. No data was lost.\n" + recovery,
			want: []string{"data loss: none 0", "impact: 4h"},
		},
		{
			name: "some data loss after no data loss",
			doc:  "# Outage\n## Impact\nWe expected no data loss, while some have reported data loss for up to 5 minutes.\n" + recovery,
			want: []string{"data loss: some 300"},
		},
		{
			name: "a window of lost data",
			doc:  "# Outage\n## Impact\nData created between 17:20 UTC and 23:30 UTC has been lost.\n" + recovery,
			want: []string{"data loss: some 22200"},
		},
		{
			name: "data loss not stated",
			doc:  "# Outage" + recovery,
			want: []string{"data loss: not_stated 0"},
		},
		{
			name: "how recovery was confirmed, from the resolution",
			doc:  "# Outage\n## Resolution\n- Failed over to the replica.\n- Verified that checkout served orders again.\n",
			want: []string{"confirmed: Verified that checkout served orders again."},
		},
		{
			name: "a rollback is not a confirmation",
			doc:  "# Outage\n## Resolution\n- Rolled back the deploy.\n",
			want: []string{"confirmed: "},
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
			got := summary(pm)
			for _, want := range tt.want {
				if !slices.Contains(got, want) {
					t.Errorf("no %q in\n\t%s", want, strings.Join(got, "\n\t"))
				}
			}
		})
	}
}

// summary is a document's facts, one "name: value" line each.
func summary(pm *Document) []string {
	var actions, followUps []string
	for _, a := range pm.Actions {
		actions = append(actions, a.Text)
	}
	for _, a := range pm.FollowUps {
		followUps = append(followUps, a.Text)
	}
	impact := "none"
	if pm.Impact.Seconds > 0 {
		impact = shortDuration(time.Duration(pm.Impact.Seconds) * time.Second)
	}
	return []string{
		"title: " + pm.Title, "id: " + pm.ID, "date: " + pm.Date, "url: " + pm.URL, "finding: " + pm.Finding,
		"impact: " + impact, fmt.Sprintf("data loss: %s %d", pm.DataLoss.Kind, pm.DataLoss.Seconds),
		"actions: " + strings.Join(actions, " / "), "follow-ups: " + strings.Join(followUps, " / "),
		"confirmed: " + pm.RecoveryConfirmed,
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
