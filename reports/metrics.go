package reports

import (
	"cmp"
	"context"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/redrill/redrill/internal/buildinfo"
	"github.com/redrill/redrill/store"
)

// ScheduledScenario is a scenario that serve runs on its schedule, as
// serve has it loaded now: /metrics exports it even before its first run,
// so that a drill that never ran can be alerted on.
type ScheduledScenario struct {
	Scenario string
	Owner    string
	// Schedule is the cron expression as written; Timezone is the IANA
	// name of its time zone ("UTC" by default).
	Schedule string
	Timezone string
	// NextRun is the next tick; zero when none is coming.
	NextRun time.Time
	// Interval is how often it runs: the time between its next two ticks.
	Interval time.Duration
}

// SkippedTicks counts the scheduled ticks of a scenario that serve did not
// run for one reason (still_running, taken_elsewhere, claim_failed, ...),
// since it started.
type SkippedTicks struct {
	Scenario string
	Reason   string
	Ticks    int
}

// scrapeTimeout bounds the store reads of one scrape; past it the scrape
// answers redrill_store_up 0.
const scrapeTimeout = 30 * time.Second

// scrapesInFlight bounds the scrapes that read the store at once (they
// differ by query or encoding: the same scrape asked at once is written
// once, shared.go); more wait for their turn, then are answered 503.
const scrapesInFlight = 4

// collector reads the store at each scrape, so the metrics are never stale.
type collector struct {
	history   store.Reader
	summaries *Summaries
	opts      HandlerOptions
	build     buildinfo.Info
	runners   runnerFamilies

	// scheduledSince is when this collector first saw each scheduled
	// scenario: how long a drill that never ran has been waiting.
	mu             sync.Mutex
	scheduledSince map[string]time.Time
}

func newCollector(history store.Reader, summaries *Summaries, opts HandlerOptions) *collector {
	return &collector{history: history, summaries: summaries, opts: opts, build: buildinfo.Read(), scheduledSince: map[string]time.Time{}}
}

var (
	metricBuildInfo      = gaugeFamily("redrill_build_info", "Always 1: the version and commit of redrill serving these metrics, when it was built and the Go version it was built with.", "version", "revision", "builddate", "goversion")
	metricUp             = gaugeFamily("redrill_store_up", "Whether the run history could be read; when 0, no scenario series is exported.")
	metricInfo           = gaugeFamily("redrill_scenario_info", "Always 1: every scenario scheduled by serve or in the history, with its owner and schedule (serve's loaded definition, else what its last run recorded).", "scenario", "owner", "schedule", "timezone")
	metricScheduledSince = gaugeFamily("redrill_scheduled_since_timestamp_seconds", "When this serve process first had the scenario scheduled (reset when serve restarts).", "scenario")
	metricNextRun        = gaugeFamily("redrill_next_run_timestamp_seconds", "When the scenario is scheduled to run next.", "scenario")
	metricInterval       = gaugeFamily("redrill_expected_interval_seconds", "How often the scenario is scheduled to run: the time between its next two ticks.", "scenario")
	metricLastRun        = gaugeFamily("redrill_last_run_timestamp_seconds", "When the scenario's newest run started, finished or still running.", "scenario")
	metricLastVerdict    = gaugeFamily("redrill_last_verdict", "Always 1, for the verdict of the scenario's last finished run only.", "scenario", "verdict")
	metricLastRollback   = gaugeFamily("redrill_last_rollback", "Always 1, for the rollback outcome of the scenario's last finished run only (none, not_needed, passed, failed, skipped).", "scenario", "rollback")
	metricLastMet        = gaugeFamily("redrill_last_met_timestamp_seconds", "When the scenario's last run that met its objectives started.", "scenario")
	metricLastMissed     = gaugeFamily("redrill_last_missed_timestamp_seconds", "When the scenario's last run that missed an objective started.", "scenario")
	metricRunsTotal      = counterFamily("redrill_runs_total", "Finished runs in the whole history, by verdict.", "scenario", "verdict")
	metricRuns           = gaugeFamily("redrill_runs", "Runs in the report window, by verdict (running included).", "scenario", "verdict")
	metricRTO            = gaugeFamily("redrill_last_rto_seconds", "Recovery time measured by the scenario's newest run.", "scenario")
	metricRPO            = gaugeFamily("redrill_last_rpo_seconds", "Data loss window measured by the scenario's newest run.", "scenario")
	metricObjectiveRTO   = gaugeFamily("redrill_objective_rto_seconds", "The scenario's RTO objective.", "scenario")
	metricObjectiveRPO   = gaugeFamily("redrill_objective_rpo_seconds", "The scenario's RPO objective.", "scenario")
	metricTicksSkipped   = counterFamily("redrill_ticks_skipped_total", "Scheduled ticks this serve process did not run since it started, by reason.", "scenario", "reason")
	collectorFamilies    = []*family{metricBuildInfo, metricTicksSkipped, metricUp, metricInfo, metricScheduledSince, metricNextRun, metricInterval, metricLastRun, metricLastVerdict, metricLastRollback, metricLastMet, metricLastMissed, metricRunsTotal, metricRuns, metricRTO, metricRPO, metricObjectiveRTO, metricObjectiveRPO}
)

// collect is every series of a scrape: redrill's own, the runners' and
// each scenario's.
func (c *collector) collect(ctx context.Context) samples {
	var out samples
	out.add(metricBuildInfo, 1, c.build.Version, c.build.ShortCommit(), c.build.Date, c.build.GoVersion)
	// Counted by serve, not read from the store: exported while the store
	// is down too, when ticks are skipped for want of it.
	if c.opts.SkippedTicks != nil {
		for _, skipped := range c.opts.SkippedTicks() {
			out.add(metricTicksSkipped, float64(skipped.Ticks), skipped.Scenario, skipped.Reason)
		}
	}
	now := c.opts.Now()
	out = append(out, c.runners.samples(runnerStatuses(ctx, c.opts.Runners, now))...)
	scenarios, err := c.read(ctx, now)
	if err != nil {
		// No scenario series rather than some: an alert on a missing
		// series (never ran) must not fire because the store is away.
		out.add(metricUp, 0)
		return out
	}
	out.add(metricUp, 1)
	return append(out, scenarios...)
}

// scenarioSeries gathers what the series of one scenario come from.
type scenarioSeries struct {
	owner, schedule, timezone string
	interval                  time.Duration
}

// read builds every scenario series from the store and the schedule.
func (c *collector) read(ctx context.Context, now time.Time) (samples, error) {
	window := cmp.Or(c.opts.Window, DefaultWindow)
	report, err := c.summaries.Report(ctx, Options{Now: now, Since: now.Add(-window)})
	if err != nil {
		return nil, err
	}
	totals, err := c.summaries.RunTotals(ctx)
	if err != nil {
		return nil, err
	}
	// About thirty series a scenario: grown once, not as they come.
	out := make(samples, 0, 32*len(report.Scenarios))

	info := make(map[string]scenarioSeries, len(report.Scenarios))
	var named []string // info's scenarios in the order they came
	for _, s := range report.Scenarios {
		series := scenarioSeries{owner: s.LastRun.Owner, schedule: s.LastRun.Schedule, interval: s.Interval}
		if series.schedule != "" {
			series.timezone = cmp.Or(s.LastRun.ScheduleTimezone, "UTC")
		}
		info[s.Scenario] = series
		named = append(named, s.Scenario)
		out.add(metricLastRun, unixSeconds(s.LastRun.StartedAt), s.Scenario)
		for _, measured := range []struct {
			family *family
			value  *time.Duration
		}{{metricRTO, s.LastRun.RTO}, {metricRPO, s.LastRun.RPO}, {metricObjectiveRTO, s.ObjectiveRTO}, {metricObjectiveRPO, s.ObjectiveRPO}} {
			if measured.value != nil {
				out.add(measured.family, measured.value.Seconds(), s.Scenario)
			}
		}
		for _, verdict := range slices.Sorted(maps.Keys(s.Verdicts)) { // in one order: scrapes compare
			out.add(metricRuns, float64(s.Verdicts[verdict]), s.Scenario, verdict)
		}
	}
	// The schedule serve has loaded wins over what the last run recorded.
	var scheduled []ScheduledScenario
	if c.opts.Scheduled != nil {
		scheduled = c.opts.Scheduled()
	}
	for _, s := range scheduled {
		if _, seen := info[s.Scenario]; !seen {
			named = append(named, s.Scenario)
		}
		info[s.Scenario] = scenarioSeries{owner: s.Owner, schedule: s.Schedule, timezone: s.Timezone, interval: s.Interval}
		out.add(metricScheduledSince, unixSeconds(c.firstScheduled(s.Scenario, now)), s.Scenario)
		if !s.NextRun.IsZero() {
			out.add(metricNextRun, unixSeconds(s.NextRun), s.Scenario)
		}
	}
	for _, scenario := range named {
		series := info[scenario]
		out.add(metricInfo, 1, scenario, series.owner, series.schedule, series.timezone)
		if series.interval > 0 {
			out.add(metricInterval, series.interval.Seconds(), scenario)
		}
	}
	workloads, err := workloadMetrics(ctx, c.history, report)
	if err != nil {
		return nil, err
	}
	return slices.Concat(out, totalsMetrics(totals), workloads, measureMetrics(report)), nil
}

// unixSeconds is a time as Prometheus timestamps read, to the millisecond.
func unixSeconds(at time.Time) float64 { return float64(at.UnixMilli()) / 1000 }

// firstScheduled is when the collector first saw scenario scheduled.
func (c *collector) firstScheduled(scenario string, now time.Time) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	since, seen := c.scheduledSince[scenario]
	if !seen {
		since = now
		c.scheduledSince[scenario] = since
	}
	return since
}

// totalsMetrics are the series of the finished runs: counters by verdict,
// the last met and missed runs, and the verdict and rollback of the last
// finished run, which a run under way does not hide.
func totalsMetrics(totals []store.RunTotal) samples {
	out := make(samples, 0, len(totals)+3*len(totals)/4)
	for scenarioTotals := range chunkByScenario(totals) {
		scenario := scenarioTotals[0].Scenario
		last := scenarioTotals[0]
		// The store orders a scenario's totals by verdict, then rollback:
		// each verdict's rows are together.
		for start := 0; start < len(scenarioTotals); {
			verdict, runs, newest := scenarioTotals[start].Verdict, 0, time.Time{}
			end := start
			for ; end < len(scenarioTotals) && scenarioTotals[end].Verdict == verdict; end++ {
				t := scenarioTotals[end]
				runs += t.Runs
				if t.LastStartedAt.After(newest) {
					newest = t.LastStartedAt
				}
				if t.LastStartedAt.After(last.LastStartedAt) {
					last = t
				}
			}
			out.add(metricRunsTotal, float64(runs), scenario, verdict)
			switch verdict {
			case store.VerdictMet:
				out.add(metricLastMet, unixSeconds(newest), scenario)
			case store.VerdictMissed:
				out.add(metricLastMissed, unixSeconds(newest), scenario)
			}
			start = end
		}
		out.add(metricLastVerdict, 1, scenario, last.Verdict)
		// Runs recorded before the rollback was kept say nothing of it.
		if last.Rollback != "" {
			out.add(metricLastRollback, 1, scenario, last.Rollback)
		}
	}
	return out
}

// chunkByScenario yields the totals of each scenario in turn; the store
// returns them ordered by scenario.
func chunkByScenario(totals []store.RunTotal) func(yield func([]store.RunTotal) bool) {
	return func(yield func([]store.RunTotal) bool) {
		for start := 0; start < len(totals); {
			end := start + 1
			for end < len(totals) && totals[end].Scenario == totals[start].Scenario {
				end++
			}
			if !yield(totals[start:end]) {
				return
			}
			start = end
		}
	}
}
