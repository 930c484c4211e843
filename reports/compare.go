package reports

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/redrill/redrill/store"
)

// CompareByHost groups runs by the host that ran them; any other
// Options.CompareBy is a runner label key.
const CompareByHost = "host"

// Comparison is a scenario's runs in the window grouped by where they
// ran: the host, or the value of one runner label.
type Comparison struct {
	// By is "host" or the label key.
	By     string            `json:"by"`
	Groups []ComparisonGroup `json:"groups"`
	// Ratio is the median RTO of the slowest group over the fastest's,
	// among groups that measured one (not the runs without the label);
	// nil with fewer than two such groups.
	Ratio   *float64 `json:"ratio"`
	Slowest string   `json:"slowest"`
	Fastest string   `json:"fastest"`
	// Reliable is false when either side of the ratio has a single run:
	// a ratio of two runs says little.
	Reliable bool `json:"reliable"`
	// Summary is the comparison in one sentence, with its sample sizes.
	Summary string `json:"summary"`
}

// ComparisonGroup is the runs of one host or label value.
type ComparisonGroup struct {
	// Value is the host or label value; empty for the runs whose runner
	// had no such label (Label says so).
	Value string `json:"value"`
	Label string `json:"label"`
	Runs  int    `json:"runs"`
	// Measured counts the runs with an RTO; the median is theirs.
	Measured         int            `json:"measured_runs"`
	RTOMedian        *time.Duration `json:"-"`
	RTOMedianSeconds *float64       `json:"rto_median_seconds"`
	Verdicts         map[string]int `json:"verdicts"`
	// Points are the group's measured RTOs, oldest first, for charts.
	Points []Point           `json:"-"`
	Series []ComparisonPoint `json:"points"`
	// labelled is false for the runs without the label.
	labelled bool
}

// ComparisonPoint is one measured run of a group.
type ComparisonPoint struct {
	At         time.Time `json:"at"`
	RTOSeconds float64   `json:"rto_seconds"`
	Verdict    string    `json:"verdict"`
}

// compareRuns groups a scenario's runs (oldest first) by host or label.
func compareRuns(by string, runs []store.Measurement) *Comparison {
	c := &Comparison{By: by, Groups: []ComparisonGroup{}}
	at := map[string]int{}
	for _, run := range runs {
		value, labelled := run.Host, true
		if by != CompareByHost {
			value, labelled = run.RunnerLabels[by]
		}
		key := value
		if !labelled {
			key = "\x00" // apart from a label whose value is empty
		}
		i, seen := at[key]
		if !seen {
			i = len(c.Groups)
			at[key] = i
			c.Groups = append(c.Groups, ComparisonGroup{Value: value, Label: groupLabel(by, value, labelled), Verdicts: map[string]int{}, labelled: labelled})
		}
		g := &c.Groups[i]
		g.Runs++
		g.Verdicts[cmp.Or(run.Verdict, store.StatusRunning)]++
		if run.RTO != nil {
			g.Measured++
			g.Points = append(g.Points, Point{At: run.StartedAt, RTO: *run.RTO, Verdict: run.Verdict})
			g.Series = append(g.Series, ComparisonPoint{At: run.StartedAt, RTOSeconds: run.RTO.Seconds(), Verdict: run.Verdict})
		}
	}
	slices.SortStableFunc(c.Groups, func(a, b ComparisonGroup) int { return cmp.Compare(a.Label, b.Label) })
	var ranked []*ComparisonGroup
	for i := range c.Groups {
		g := &c.Groups[i]
		if g.Series == nil {
			g.Series = []ComparisonPoint{}
		}
		rtos := make([]time.Duration, len(g.Points))
		for j, p := range g.Points {
			rtos[j] = p.RTO
		}
		g.RTOMedian = percentile(rtos, 0.5)
		g.RTOMedianSeconds = seconds(g.RTOMedian)
		// Runs without the label ran anywhere: they are shown, not ranked.
		if g.RTOMedian != nil && *g.RTOMedian > 0 && g.labelled {
			ranked = append(ranked, g)
		}
	}
	slices.SortStableFunc(ranked, func(a, b *ComparisonGroup) int { return cmp.Compare(*b.RTOMedian, *a.RTOMedian) })
	c.Summary = c.summarise(ranked)
	return c
}

// groupLabel is how a group reads: "hw=new", "host db-1", "no hw label".
func groupLabel(by, value string, labelled bool) string {
	switch {
	case by == CompareByHost:
		return "host " + value
	case !labelled:
		return "no " + by + " label"
	}
	return by + "=" + value
}

// summarise says how the slowest group compares with the fastest, with
// the sample sizes, and whether one run on a side makes it anecdote.
func (c *Comparison) summarise(ranked []*ComparisonGroup) string {
	switch len(ranked) {
	case 0:
		return fmt.Sprintf("no run with a %s measured an RTO: nothing to compare", c.byWord())
	case 1:
		return fmt.Sprintf("every measured run ran on %s (%s): nothing to compare", ranked[0].Label, runsText(ranked[0].Measured))
	}
	slowest, fastest := ranked[0], ranked[len(ranked)-1]
	ratio := slowest.RTOMedian.Seconds() / fastest.RTOMedian.Seconds()
	c.Ratio, c.Slowest, c.Fastest = &ratio, slowest.Label, fastest.Label
	c.Reliable = slowest.Measured > 1 && fastest.Measured > 1
	text := fmt.Sprintf("on %s the restore takes %.1f× as long as on %s (median %s of %s against %s of %s)",
		slowest.Label, ratio, fastest.Label, readable(slowest.RTOMedian), runsText(slowest.Measured), readable(fastest.RTOMedian), runsText(fastest.Measured))
	if !c.Reliable {
		text += "; one run on a side is an anecdote, not a ratio to rely on"
	}
	return text
}

func (c *Comparison) byWord() string {
	if c.By == CompareByHost {
		return "host"
	}
	return c.By + " label"
}

func runsText(n int) string {
	if n == 1 {
		return "1 run"
	}
	return fmt.Sprintf("%d runs", n)
}

// compared lists the scenarios with a comparison.
func compared(r Report) []ScenarioReport {
	var out []ScenarioReport
	for _, s := range r.Scenarios {
		if s.Comparison != nil {
			out = append(out, s)
		}
	}
	return out
}
