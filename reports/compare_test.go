package reports

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redrill/redrill/store"
)

// runsOn is n runs on a runner with labels and host, each with this RTO.
func runsOn(host string, labels map[string]string, rto time.Duration, n int, from time.Time) []store.Measurement {
	out := make([]store.Measurement, n)
	for i := range out {
		measured := rto + time.Duration(i)*time.Second
		out[i] = store.Measurement{Scenario: "orders", StartedAt: from.Add(time.Duration(i) * time.Hour), RTO: &measured,
			Verdict: store.VerdictMet, Host: host, RunnerLabels: labels}
	}
	return out
}

func TestCompareRuns(t *testing.T) {
	day := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	newHW, oldHW := map[string]string{"hw": "new"}, map[string]string{"hw": "old"}
	tests := []struct {
		name     string
		by       string
		runs     []store.Measurement
		summary  string
		groups   []string // labels with their run counts
		reliable bool
	}{
		{
			name: "medians of several runs a side give a ratio",
			by:   "hw",
			runs: append(runsOn("db-1", newHW, 18*time.Minute, 5, day), runsOn("db-2", oldHW, 10*time.Minute, 4, day)...),
			summary: "on hw=new the restore takes 1.8× as long as on hw=old " +
				"(median 18m2s of 5 runs against 10m1s of 4 runs)",
			groups:   []string{"hw=new 5", "hw=old 4"},
			reliable: true,
		},
		{
			name:    "one run on a side is said to be an anecdote",
			by:      "hw",
			runs:    append(runsOn("db-1", newHW, 18*time.Minute, 1, day), runsOn("db-2", oldHW, 10*time.Minute, 4, day)...),
			summary: "on hw=new the restore takes 1.8× as long as on hw=old (median 18m of 1 run against 10m1s of 4 runs); one run on a side is an anecdote, not a ratio to rely on",
			groups:  []string{"hw=new 1", "hw=old 4"},
		},
		{
			name:    "runs without the label are shown, not ranked",
			by:      "hw",
			runs:    append(runsOn("db-1", newHW, 18*time.Minute, 3, day), runsOn("db-9", map[string]string{}, time.Minute, 2, day)...),
			summary: "every measured run ran on hw=new (3 runs): nothing to compare",
			groups:  []string{"hw=new 3", "no hw label 2"},
		},
		{
			name:     "by host",
			by:       CompareByHost,
			runs:     append(runsOn("db-1", newHW, 20*time.Minute, 2, day), runsOn("db-2", newHW, 10*time.Minute, 2, day)...),
			summary:  "on host db-1 the restore takes 2.0× as long as on host db-2 (median 20m of 2 runs against 10m of 2 runs)",
			groups:   []string{"host db-1 2", "host db-2 2"},
			reliable: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := compareRuns(tt.by, tt.runs)
			if c.Summary != tt.summary {
				t.Errorf("summary\n%s\nwant\n%s", c.Summary, tt.summary)
			}
			var groups []string
			for _, g := range c.Groups {
				groups = append(groups, g.Label+" "+strconv.Itoa(g.Runs))
			}
			if strings.Join(groups, ", ") != strings.Join(tt.groups, ", ") {
				t.Errorf("groups %v, want %v", groups, tt.groups)
			}
			if c.Reliable != tt.reliable {
				t.Errorf("reliable %v, want %v", c.Reliable, tt.reliable)
			}
		})
	}
}

// The comparison's chart has a row per group, a dot per measured run at
// its RTO, the group's median, and the objective when it is near.
func TestComparisonChart(t *testing.T) {
	day := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	runs := append(runsOn("db-1", map[string]string{"hw": "new"}, 18*time.Minute, 5, day), runsOn("db-2", map[string]string{"hw": "old"}, 10*time.Minute, 4, day)...)
	runs = append(runs, store.Measurement{Scenario: "orders", StartedAt: day, Verdict: store.VerdictFailed, Host: "db-3"})
	for _, tc := range []struct {
		name      string
		objective time.Duration
		want      []string
		wantNot   []string
	}{
		{"an objective near the runs", 30 * time.Minute,
			[]string{`hw=new (5)</text>`, `hw=old (4)</text>`, `no hw label (0)</text>`, `<title>median 18m2s</title>`, `<title>median 10m1s</title>`, `>objective 30m</text>`, `>30m</text>`},
			nil},
		{"an objective far above", 24 * time.Hour,
			[]string{`<title>median 18m2s</title>`},
			[]string{"objective"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			report := ScenarioReport{Scenario: "orders", ObjectiveRTO: &tc.objective, Comparison: compareRuns("hw", runs)}
			svg := string(report.ComparisonChart())
			if got := strings.Count(svg, `<circle class="run"`); got != 9 {
				t.Errorf("%d dots, want one per measured run (9)", got)
			}
			for _, want := range tc.want {
				if !strings.Contains(svg, want) {
					t.Errorf("the chart lacks %s:\n%s", want, svg)
				}
			}
			for _, not := range tc.wantNot {
				if strings.Contains(svg, not) {
					t.Errorf("the chart has %s", not)
				}
			}
		})
	}
	if svg := (ScenarioReport{Scenario: "orders"}).ComparisonChart(); svg != "" {
		t.Errorf("a report compared by nothing draws %q", svg)
	}
}
