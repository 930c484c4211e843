package reports

import (
	"cmp"
	"context"
	"slices"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

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

// scrapesInFlight bounds the scrapes that read the store at once; more
// are answered 503 rather than piling up reads on a slow store. A scrape
// reads only the runs written since the last one (Summaries), so this
// bounds memory and connections, not work that grows with the history.
const scrapesInFlight = 32

// collector reads the store at each scrape, so the metrics are never stale.
type collector struct {
	history   store.Reader
	summaries *Summaries
	opts      HandlerOptions
	build     buildinfo.Info

	// scheduledSince is when this collector first saw each scheduled
	// scenario: how long a drill that never ran has been waiting.
	mu             sync.Mutex
	scheduledSince map[string]time.Time
}

func newCollector(history store.Reader, summaries *Summaries, opts HandlerOptions) *collector {
	return &collector{history: history, summaries: summaries, opts: opts, build: buildinfo.Read(), scheduledSince: map[string]time.Time{}}
}

var (
	metricBuildInfo       = prometheus.NewDesc("redrill_build_info", "Always 1: the version and commit of redrill serving these metrics, and the Go version it was built with.", []string{"version", "revision", "goversion"}, nil)
	metricUp              = prometheus.NewDesc("redrill_store_up", "Whether the run history could be read; when 0, no scenario series is exported.", nil, nil)
	metricInfo            = prometheus.NewDesc("redrill_scenario_info", "Always 1: every scenario scheduled by serve or in the history, with its owner and schedule (serve's loaded definition, else what its last run recorded).", []string{"scenario", "owner", "schedule", "timezone"}, nil)
	metricScheduledSince  = prometheus.NewDesc("redrill_scheduled_since_timestamp_seconds", "When this serve process first had the scenario scheduled (reset when serve restarts).", []string{"scenario"}, nil)
	metricNextRun         = prometheus.NewDesc("redrill_next_run_timestamp_seconds", "When the scenario is scheduled to run next.", []string{"scenario"}, nil)
	metricInterval        = prometheus.NewDesc("redrill_expected_interval_seconds", "How often the scenario is scheduled to run: the time between its next two ticks.", []string{"scenario"}, nil)
	metricLastRun         = prometheus.NewDesc("redrill_last_run_timestamp_seconds", "When the scenario's newest run started, finished or still running.", []string{"scenario"}, nil)
	metricLastVerdict     = prometheus.NewDesc("redrill_last_verdict", "Always 1, for the verdict of the scenario's last finished run only.", []string{"scenario", "verdict"}, nil)
	metricLastRollback    = prometheus.NewDesc("redrill_last_rollback", "Always 1, for the rollback outcome of the scenario's last finished run only (none, not_needed, passed, failed, skipped).", []string{"scenario", "rollback"}, nil)
	metricLastMet         = prometheus.NewDesc("redrill_last_met_timestamp_seconds", "When the scenario's last run that met its objectives started.", []string{"scenario"}, nil)
	metricLastMissed      = prometheus.NewDesc("redrill_last_missed_timestamp_seconds", "When the scenario's last run that missed an objective started.", []string{"scenario"}, nil)
	metricRunsTotal       = prometheus.NewDesc("redrill_runs_total", "Finished runs in the whole history, by verdict.", []string{"scenario", "verdict"}, nil)
	metricRuns            = prometheus.NewDesc("redrill_runs", "Runs in the report window, by verdict (running included).", []string{"scenario", "verdict"}, nil)
	metricRTO             = prometheus.NewDesc("redrill_last_rto_seconds", "Recovery time measured by the scenario's newest run.", []string{"scenario"}, nil)
	metricRPO             = prometheus.NewDesc("redrill_last_rpo_seconds", "Data loss window measured by the scenario's newest run.", []string{"scenario"}, nil)
	metricObjectiveRTO    = prometheus.NewDesc("redrill_objective_rto_seconds", "The scenario's RTO objective.", []string{"scenario"}, nil)
	metricObjectiveRPO    = prometheus.NewDesc("redrill_objective_rpo_seconds", "The scenario's RPO objective.", []string{"scenario"}, nil)
	metricTicksSkipped    = prometheus.NewDesc("redrill_ticks_skipped_total", "Scheduled ticks this serve process did not run since it started, by reason.", []string{"scenario", "reason"}, nil)
	collectorDescriptions = []*prometheus.Desc{metricBuildInfo, metricTicksSkipped, metricUp, metricInfo, metricScheduledSince, metricNextRun, metricInterval, metricLastRun, metricLastVerdict, metricLastRollback, metricLastMet, metricLastMissed, metricRunsTotal, metricRuns, metricRTO, metricRPO, metricObjectiveRTO, metricObjectiveRPO}
)

func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range slices.Concat(collectorDescriptions, workloadCollectorDescriptions, measureCollectorDescriptions) {
		ch <- d
	}
}

func (c *collector) Collect(ch chan<- prometheus.Metric) {
	ch <- prometheus.MustNewConstMetric(metricBuildInfo, prometheus.GaugeValue, 1, c.build.Version, c.build.ShortCommit(), c.build.GoVersion)
	// Counted by serve, not read from the store: exported while the store
	// is down too, when ticks are skipped for want of it.
	if c.opts.SkippedTicks != nil {
		for _, skipped := range c.opts.SkippedTicks() {
			ch <- prometheus.MustNewConstMetric(metricTicksSkipped, prometheus.CounterValue, float64(skipped.Ticks), skipped.Scenario, skipped.Reason)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
	defer cancel()
	metrics, err := c.read(ctx, c.opts.Now())
	if err != nil {
		// No scenario series rather than some: an alert on a missing
		// series (never ran) must not fire because the store is away.
		ch <- prometheus.MustNewConstMetric(metricUp, prometheus.GaugeValue, 0)
		return
	}
	ch <- prometheus.MustNewConstMetric(metricUp, prometheus.GaugeValue, 1)
	for _, m := range metrics {
		ch <- m
	}

}

// scenarioSeries gathers what the series of one scenario come from.
type scenarioSeries struct {
	owner, schedule, timezone string
	interval                  time.Duration
}

// read builds every scenario series from the store and the schedule.
func (c *collector) read(ctx context.Context, now time.Time) ([]prometheus.Metric, error) {
	window := cmp.Or(c.opts.Window, DefaultWindow)
	report, err := c.summaries.Report(ctx, Options{Now: now, Since: now.Add(-window)})
	if err != nil {
		return nil, err
	}
	totals, err := c.history.RunTotals(ctx)
	if err != nil {
		return nil, err
	}
	var out []prometheus.Metric
	gauge := func(desc *prometheus.Desc, value float64, labels ...string) {
		out = append(out, prometheus.MustNewConstMetric(desc, prometheus.GaugeValue, value, labels...))
	}
	seconds := func(at time.Time) float64 { return float64(at.UnixMilli()) / 1000 }

	info := map[string]scenarioSeries{}
	for _, s := range report.Scenarios {
		series := scenarioSeries{owner: s.LastRun.Owner, schedule: s.LastRun.Schedule, interval: scheduleInterval(s.LastRun, now)}
		if series.schedule != "" {
			series.timezone = cmp.Or(s.LastRun.ScheduleTimezone, "UTC")
		}
		info[s.Scenario] = series
		gauge(metricLastRun, seconds(s.LastRun.StartedAt), s.Scenario)
		for _, measured := range []struct {
			desc  *prometheus.Desc
			value *time.Duration
		}{{metricRTO, s.LastRun.RTO}, {metricRPO, s.LastRun.RPO}, {metricObjectiveRTO, s.ObjectiveRTO}, {metricObjectiveRPO, s.ObjectiveRPO}} {
			if measured.value != nil {
				gauge(measured.desc, measured.value.Seconds(), s.Scenario)
			}
		}
		for verdict, count := range s.Verdicts {
			gauge(metricRuns, float64(count), s.Scenario, verdict)
		}
	}
	// The schedule serve has loaded wins over what the last run recorded.
	var scheduled []ScheduledScenario
	if c.opts.Scheduled != nil {
		scheduled = c.opts.Scheduled()
	}
	for _, s := range scheduled {
		info[s.Scenario] = scenarioSeries{owner: s.Owner, schedule: s.Schedule, timezone: s.Timezone, interval: s.Interval}
		gauge(metricScheduledSince, seconds(c.firstScheduled(s.Scenario, now)), s.Scenario)
		if !s.NextRun.IsZero() {
			gauge(metricNextRun, seconds(s.NextRun), s.Scenario)
		}
	}
	for scenario, series := range info {
		gauge(metricInfo, 1, scenario, series.owner, series.schedule, series.timezone)
		if series.interval > 0 {
			gauge(metricInterval, series.interval.Seconds(), scenario)
		}
	}
	workloads, err := workloadMetrics(ctx, c.history, report)
	if err != nil {
		return nil, err
	}
	return append(append(append(out, totalsMetrics(totals)...), workloads...), measureMetrics(report)...), nil
}

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
func totalsMetrics(totals []store.RunTotal) []prometheus.Metric {
	var out []prometheus.Metric
	seconds := func(at time.Time) float64 { return float64(at.UnixMilli()) / 1000 }
	for scenarioTotals := range chunkByScenario(totals) {
		scenario := scenarioTotals[0].Scenario
		runs := map[string]int{}
		lastOf := map[string]time.Time{}
		last := scenarioTotals[0]
		for _, t := range scenarioTotals {
			runs[t.Verdict] += t.Runs
			if t.LastStartedAt.After(lastOf[t.Verdict]) {
				lastOf[t.Verdict] = t.LastStartedAt
			}
			if t.LastStartedAt.After(last.LastStartedAt) {
				last = t
			}
		}
		for verdict, count := range runs {
			out = append(out, prometheus.MustNewConstMetric(metricRunsTotal, prometheus.CounterValue, float64(count), scenario, verdict))
		}
		for desc, verdict := range map[*prometheus.Desc]string{metricLastMet: store.VerdictMet, metricLastMissed: store.VerdictMissed} {
			if at, ok := lastOf[verdict]; ok {
				out = append(out, prometheus.MustNewConstMetric(desc, prometheus.GaugeValue, seconds(at), scenario))
			}
		}
		out = append(out, prometheus.MustNewConstMetric(metricLastVerdict, prometheus.GaugeValue, 1, scenario, last.Verdict))
		// Runs recorded before the rollback was kept say nothing of it.
		if last.Rollback != "" {
			out = append(out, prometheus.MustNewConstMetric(metricLastRollback, prometheus.GaugeValue, 1, scenario, last.Rollback))
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
