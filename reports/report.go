// Package reports turns the run history into recovery-time reports for the
// people who read them: which systems can be recovered within their
// objectives, which are getting worse, which have not been drilled, and
// which postmortem each drill answers. It reads the store; it never runs a
// drill.
package reports

import (
	"context"
	"fmt"
	"maps"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/redrill/redrill/scenarios/cron"
	"github.com/redrill/redrill/store"
)

// Risk is where a scenario stands, worst first.
type Risk string

// The risks, in ranking order. The values are identifiers (JSON, CSS
// classes); Label is how people read them.
const (
	RiskDisrupted Risk = "disrupted" // the last run's rollback failed or did not run
	RiskNotMet    Risk = "not_met"   // the last run missed, failed, aborted, was interrupted or was not run (no runner matched)
	RiskNeverRan  Risk = "never_ran" // scheduled, but no run recorded
	RiskForecast  Risk = "forecast"  // the RTO trend crosses the objective soon
	RiskStale     Risk = "stale"     // not drilled for too long
	RiskAtRisk    Risk = "at_risk"   // last RTO above 80% of the objective
	RiskHealthy   Risk = "healthy"
)

var riskOrder = map[Risk]int{RiskDisrupted: 0, RiskNotMet: 1, RiskNeverRan: 2, RiskForecast: 3, RiskStale: 4, RiskAtRisk: 5, RiskHealthy: 6}

// Label is the risk as people read it: "not met", "at risk".
func (r Risk) Label() string { return strings.ReplaceAll(string(r), "_", " ") }

// DefaultWindow is how far back a report looks when it is not told.
const DefaultWindow = 90 * 24 * time.Hour

// Options choose the report's window.
type Options struct {
	// Since starts the window; zero means DefaultWindow before Now.
	Since time.Time
	// Scheduled are the scenarios a scheduler runs: one that never ran
	// is listed too, as never_ran.
	Scheduled []ScheduledScenario
	// Now is the report's time; zero means time.Now().
	Now time.Time
	// CompareBy groups each scenario's runs by where they ran and compares
	// them: "host", or a runner label key; empty compares nothing.
	CompareBy string
}

// Report is the recovery-time report.
type Report struct {
	GeneratedAt time.Time        `json:"generated_at"`
	Since       time.Time        `json:"since"`
	Scenarios   []ScenarioReport `json:"scenarios"`
	GameDays    []GameDay        `json:"-"`
	// Runners are the runners registered in the store, for the dashboard;
	// empty in a report written by redrill report.
	Runners []RunnerStatus `json:"runners,omitempty"`
	// PeopleTime ranks the manual steps of the window's runs by the time
	// they waited for people, longest first (people.go).
	PeopleTime []PeopleTime `json:"-"`
}

// ScenarioReport is one scenario's standing.
type ScenarioReport struct {
	Scenario     string         `json:"scenario"`
	Risk         Risk           `json:"risk"`
	RiskReason   string         `json:"risk_reason"`
	ObjectiveRTO *time.Duration `json:"-"`
	ObjectiveRPO *time.Duration `json:"-"`
	LastRun      store.Run      `json:"-"`
	Runs         int            `json:"runs"`
	Verdicts     map[string]int `json:"verdicts"`
	RTOMedian    *time.Duration `json:"-"`
	RTOP95       *time.Duration `json:"-"`
	RTOMax       *time.Duration `json:"-"`
	// TrendPerThirtyDays is the change of RTO per 30 days (least squares
	// over the window); nil with fewer than two measured runs.
	TrendPerThirtyDays *time.Duration `json:"-"`
	BreachForecast     *time.Time     `json:"breach_forecast"`
	DaysSinceLastRun   float64        `json:"-"`
	// NeverRan is set for a scheduled scenario with no run: LastRun is
	// then empty.
	NeverRan bool `json:"-"`
	// Stale is set when the last run is older than StaleAfter, whatever
	// the risk: a scenario can be both not met and stale.
	Stale      bool          `json:"stale"`
	StaleAfter time.Duration `json:"-"`
	Schedule   string        `json:"-"`
	// Interval is how often the last run's schedule ticks now (zero
	// without one), the time between its next two ticks.
	Interval    time.Duration      `json:"-"`
	Postmortems []store.Postmortem `json:"postmortems"`
	// Points are the window's measured RTOs, oldest first, for charts:
	// the newest ChartRuns of them.
	Points []Point `json:"-"`
	// Unmeasured are the window's runs that measured no RTO (failed,
	// aborted, interrupted, not run, running), oldest first: a chart
	// draws them too.
	Unmeasured []Point `json:"-"`
	// Load is what the clients of its drills saw; nil for a scenario
	// that never ran under load.
	Load *LoadReport `json:"-"`
	// Measures are what its measure blocks recorded in the window
	// (measures.go); Throughput the last run's restore throughput, nil
	// without a bytes measure and an RTO; Growth the forecast against
	// size (forecast.go), nil without enough data for it.
	Measures   []MeasureSeries `json:"measures"`
	Throughput *Throughput     `json:"restore_throughput"`
	Growth     *GrowthForecast `json:"growth_forecast"`
	// Comparison compares its runs by where they ran, when the report was
	// asked to (Options.CompareBy; compare.go).
	Comparison *Comparison `json:"comparison,omitempty"`
}

// Point is one run on a chart.
type Point struct {
	At      time.Time
	RTO     time.Duration
	Verdict string
}

// ChartRuns is how many of a scenario's measured runs its chart draws,
// the newest: a chart of a thousand runs is a line no one reads, and a
// page of a thousand scenarios would weigh tens of megabytes. The
// statistics and the trend are those of every run of the window.
const ChartRuns = 100

// staleWithoutSchedule is how long a scenario with no schedule may go
// without a run.
const staleWithoutSchedule = 30 * 24 * time.Hour

// Build reads the history and ranks every scenario that has ever run.
// It only reads: runs whose runner is gone are marked interrupted by the
// store when it opens and by the scheduler as it goes.
func Build(ctx context.Context, history store.Reader, opts Options) (Report, error) {
	if opts.Now.IsZero() {
		opts.Now = time.Now()
	}
	if opts.Since.IsZero() {
		opts.Since = opts.Now.Add(-DefaultWindow)
	}
	latest, err := history.LatestRuns(ctx)
	if err != nil {
		return Report{}, err
	}

	measurements, err := history.Measurements(ctx, opts.Since)
	if err != nil {
		return Report{}, err
	}
	byScenario := map[string][]store.Measurement{}
	for _, m := range measurements {
		byScenario[m.Scenario] = append(byScenario[m.Scenario], m)
	}

	report := Report{GeneratedAt: opts.Now.UTC(), Since: opts.Since.UTC()}
	ran := map[string]bool{}
	for _, last := range latest {
		ran[last.Scenario] = true
		report.Scenarios = append(report.Scenarios, scenarioReport(last, summarize(byScenario[last.Scenario]), opts.Now, scheduleInterval(last, opts.Now)))
		if opts.CompareBy != "" {
			report.Scenarios[len(report.Scenarios)-1].Comparison = compareRuns(opts.CompareBy, byScenario[last.Scenario])
		}
	}
	for _, scheduled := range opts.Scheduled {
		if !ran[scheduled.Scenario] {
			report.Scenarios = append(report.Scenarios, neverRan(scheduled))
		}
	}
	gameDayRuns, err := history.Runs(ctx, store.RunQuery{Since: opts.Since, GameDays: true})
	if err != nil {
		return Report{}, err
	}
	report.GameDays = groupGameDays(gameDayRuns)
	if report.PeopleTime, err = readPeopleTime(ctx, history, opts.Since); err != nil {
		return Report{}, err
	}
	rank(report.Scenarios)
	return report, nil
}

// rank orders scenarios worst first: by risk, the soonest forecast breach
// first, then by name.
func rank(scenarios []ScenarioReport) {
	sort.SliceStable(scenarios, func(i, j int) bool {
		a, b := &scenarios[i], &scenarios[j] // not copies: a report is large
		if riskOrder[a.Risk] != riskOrder[b.Risk] {
			return riskOrder[a.Risk] < riskOrder[b.Risk]
		}
		if a.Risk == RiskForecast {
			return a.BreachForecast.Before(*b.BreachForecast)
		}
		return a.Scenario < b.Scenario
	})
}

// windowSummary is what a scenario's runs of the window say, whatever the
// time of the report: it is computed once per change of those runs.
type windowSummary struct {
	runs     int
	verdicts map[string]int
	// The RTO percentiles; nil without a measured run.
	median, p95, max *time.Duration
	points           []Point
	fit              trend
	hasTrend         bool
	load             loadWindow
	measures         []MeasureSeries
	// unmeasured are the runs that measured no RTO (failed, aborted,
	// not run), drawn apart on the chart.
	unmeasured []Point
}

// summarize reads a scenario's runs of the window, oldest first.
func summarize(runs []store.Measurement) windowSummary {
	w := windowSummary{runs: len(runs), verdicts: map[string]int{
		store.VerdictMet: 0, store.VerdictMissed: 0, store.VerdictFailed: 0,
		store.VerdictAborted: 0, store.VerdictInterrupted: 0, store.VerdictNotRun: 0, store.StatusRunning: 0,
	}}
	var points []point
	var rtos []time.Duration
	for _, m := range runs {
		verdict := m.Verdict
		if verdict == "" {
			verdict = store.StatusRunning
		}
		w.verdicts[verdict]++
		if m.RTO == nil {
			w.unmeasured = append(w.unmeasured, Point{At: m.StartedAt, Verdict: m.Verdict})
			continue
		}
		points = append(points, point{at: m.StartedAt, rto: *m.RTO})
		w.points = append(w.points, Point{At: m.StartedAt, RTO: *m.RTO, Verdict: m.Verdict})
		rtos = append(rtos, *m.RTO)
	}
	if len(w.points) > ChartRuns {
		w.points = slices.Clone(w.points[len(w.points)-ChartRuns:])
	}
	if len(w.unmeasured) > ChartRuns {
		w.unmeasured = slices.Clone(w.unmeasured[len(w.unmeasured)-ChartRuns:])
	}
	w.median, w.p95, w.max = percentile(rtos, 0.50), percentile(rtos, 0.95), percentile(rtos, 1)
	w.fit, w.hasTrend = fitTrend(points)
	w.load = summarizeLoad(runs)
	w.measures = measureSeries(runs)
	return w
}

// scenarioReport ranks one scenario by its last run, which recorded what
// its scenario said when it started (schedule, postmortems, objectives),
// and by its runs of the window.
func scenarioReport(last store.Run, window windowSummary, now time.Time, interval time.Duration) ScenarioReport {
	r := ScenarioReport{
		Scenario: last.Scenario, LastRun: last,
		ObjectiveRTO: last.ObjectiveRTO, ObjectiveRPO: last.ObjectiveRPO,
		Runs: window.runs, Postmortems: append([]store.Postmortem{}, last.Postmortems...),
		// A copy: a summary is shared by the reports built from it.
		Verdicts:         maps.Clone(window.verdicts),
		DaysSinceLastRun: now.Sub(last.StartedAt).Hours() / 24,
		Schedule:         last.Schedule,
		StaleAfter:       staleWithoutSchedule,
		Points:           window.points,
		Unmeasured:       window.unmeasured,
	}
	r.Interval = interval
	if interval > 0 {
		r.StaleAfter = 2 * interval
	}
	r.Stale = now.Sub(last.StartedAt) > r.StaleAfter
	r.RTOMedian, r.RTOP95, r.RTOMax = window.median, window.p95, window.max
	r.Load = loadReport(last, window.load)
	if window.hasTrend {
		perThirtyDays := window.fit.PerThirtyDays
		r.TrendPerThirtyDays = &perThirtyDays
		if r.ObjectiveRTO != nil {
			if when, ok := window.fit.breach(*r.ObjectiveRTO, now); ok {
				r.BreachForecast = &when
			}
		}
	}
	r.addMeasures(last, window.measures, now)

	switch {
	case last.LeftDisrupted():
		r.Risk, r.RiskReason = RiskDisrupted, fmt.Sprintf("last run's rollback %s: the system may still be disrupted (%s)", last.Rollback, last.Reason)
	case last.Verdict != store.VerdictMet && last.Status == store.StatusFinished:
		r.Risk, r.RiskReason = RiskNotMet, "last run "+verdictAndReason(last)
	case r.BreachForecast != nil:
		r.Risk, r.RiskReason = RiskForecast, fmt.Sprintf("RTO trend reaches the objective around %s", r.BreachForecast.Format(time.DateOnly))
		if r.Growth != nil {
			r.RiskReason = r.Growth.Summary
		}
	case r.Stale:
		r.Risk, r.RiskReason = RiskStale, fmt.Sprintf("not drilled for %d days (limit %.0f)", int(r.DaysSinceLastRun), r.StaleAfter.Hours()/24)
	case last.RTO != nil && r.ObjectiveRTO != nil && *last.RTO > *r.ObjectiveRTO*8/10:
		r.Risk, r.RiskReason = RiskAtRisk, fmt.Sprintf("last RTO is %.0f%% of the objective", 100*last.RTO.Seconds()/r.ObjectiveRTO.Seconds())
	default:
		r.Risk, r.RiskReason = RiskHealthy, "last run met its objectives"
	}
	return r
}

// neverRan is the standing of a scheduled scenario that has no run: no
// evidence that it can be recovered.
func neverRan(s ScheduledScenario) ScenarioReport {
	reason := fmt.Sprintf("scheduled (%s %s), never ran", s.Schedule, s.Timezone)
	if !s.NextRun.IsZero() {
		reason += "; next run " + s.NextRun.UTC().Format("2006-01-02 15:04 MST")
	}
	return ScenarioReport{
		Scenario: s.Scenario, Risk: RiskNeverRan, RiskReason: reason, NeverRan: true,
		LastRun:  store.Run{Scenario: s.Scenario, Schedule: s.Schedule, ScheduleTimezone: s.Timezone, Owner: s.Owner},
		Verdicts: map[string]int{store.VerdictMet: 0, store.VerdictMissed: 0, store.VerdictFailed: 0, store.VerdictAborted: 0, store.VerdictInterrupted: 0, store.VerdictNotRun: 0, store.StatusRunning: 0},
		Schedule: s.Schedule, StaleAfter: 2 * s.Interval, Postmortems: []store.Postmortem{}, Measures: []MeasureSeries{},
	}
}

// scheduleInterval is how often the scenario of a run was scheduled to
// run; zero when it had no schedule (or one that no longer reads).
func scheduleInterval(run store.Run, now time.Time) time.Duration {
	interval, _ := scheduleIntervalUntil(run, now)
	return interval
}

// scheduleIntervalUntil is scheduleInterval and the schedule's next tick,
// until which the interval holds; a zero tick when there is none.
func scheduleIntervalUntil(run store.Run, now time.Time) (time.Duration, time.Time) {
	if run.Schedule == "" {
		return 0, time.Time{}
	}
	location := time.UTC
	if run.ScheduleTimezone != "" {
		zone, err := time.LoadLocation(run.ScheduleTimezone)
		if err != nil {
			return 0, time.Time{}
		}
		location = zone
	}
	schedule, err := cron.Parse(run.Schedule, location, now)
	if err != nil {
		return 0, time.Time{}
	}
	return schedule.Interval(now), schedule.Next(now)
}

// scheduleMemo keeps a schedule's interval until its next tick, when the
// interval may change: a scrape need not parse the cron expression of
// every scenario again.
type scheduleMemo struct {
	schedule, timezone string
	interval           time.Duration
	until              time.Time
}

func (m *scheduleMemo) at(run store.Run, now time.Time) time.Duration {
	if m.schedule != run.Schedule || m.timezone != run.ScheduleTimezone || !now.Before(m.until) {
		interval, until := scheduleIntervalUntil(run, now)
		*m = scheduleMemo{schedule: run.Schedule, timezone: run.ScheduleTimezone, interval: interval, until: until}
	}
	return m.interval
}

// percentile is the nearest-rank percentile, as the store's SQL computes it.
func percentile(values []time.Duration, p float64) *time.Duration {
	if len(values) == 0 {
		return nil
	}
	sorted := slices.Clone(values)
	slices.Sort(sorted)
	rank := int(math.Ceil(p*float64(len(sorted)))) - 1
	rank = max(0, min(rank, len(sorted)-1))
	return &sorted[rank]
}
