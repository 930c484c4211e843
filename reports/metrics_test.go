package reports

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redrill/redrill/internal/buildinfo"
	"github.com/redrill/redrill/store"
)

// promtool is the path of Prometheus's promtool. Without it the test is
// skipped, except under CI=true, where it fails: .ci/run installs it.
func promtool(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("promtool")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("promtool is not installed (apt-get install prometheus); CI=true requires it")
		}
		t.Skip("promtool is not installed (apt-get install prometheus): skipping")
	}
	return path
}

// exposition is a scrape of /metrics: each series as written, by its
// value.
type exposition map[string]float64

func parseExposition(t *testing.T, body string) exposition {
	t.Helper()
	series := exposition{}
	for line := range strings.Lines(body) {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		cut := strings.LastIndexByte(line, ' ')
		value, err := strconv.ParseFloat(line[cut+1:], 64)
		if err != nil {
			t.Fatalf("series %q: %v", line, err)
		}
		series[line[:cut]] = value
	}
	return series
}

// names lists the series of one metric, for failure messages.
func (e exposition) names(metric string) []string {
	var names []string
	for s := range e {
		if s == metric || strings.HasPrefix(s, metric+"{") {
			names = append(names, s)
		}
	}
	return names
}

func TestMetricsForAlerting(t *testing.T) {
	dir := t.TempDir()
	history, err := store.Open(context.Background(), filepath.Join(dir, "history.db"), store.Options{SpoolDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { history.Close() })
	now := time.Now().Truncate(time.Second)
	var seq int
	// record writes a run as the runner does: started, then finished
	// unless verdict is empty (still running).
	record := func(scenario string, hoursAgo int, verdict, rollback string) time.Time {
		t.Helper()
		seq++
		id := fmt.Sprintf("%s-%d", scenario, seq)
		started := now.Add(-time.Duration(hoursAgo) * time.Hour)
		objective := 30 * time.Minute
		run := store.Run{ID: id, Scenario: scenario, ScenarioHash: "h", Trigger: store.TriggerSchedule, Host: "runner-1", PID: 1,
			StartedAt: started, HeartbeatAt: started, ObjectiveRTO: &objective, Schedule: "0 3 * * *", Owner: "team-" + scenario}
		if err := history.StartRun(context.Background(), run); err != nil {
			t.Fatal(err)
		}
		if verdict == "" {
			return started
		}
		finish := store.Finish{EndedAt: started.Add(time.Minute), Verdict: verdict, Rollback: rollback, Reason: "as recorded"}
		if verdict == store.VerdictMet || verdict == store.VerdictMissed {
			rto := 20 * time.Minute
			if verdict == store.VerdictMissed {
				rto = 40 * time.Minute
			}
			finish.ClockStart, finish.ClockStop, finish.RTO = started, started.Add(rto), &rto
		}
		if err := history.FinishRun(context.Background(), id, finish); err != nil {
			t.Fatal(err)
		}
		return started
	}
	// billing: its last drill failed.
	record("billing", 50, store.VerdictMet, store.RollbackPassed)
	record("billing", 26, store.VerdictFailed, store.RollbackPassed)
	// orders: met, missed, then failed, and a drill under way now.
	ordersMet := record("orders", 72, store.VerdictMet, store.RollbackPassed)
	ordersMissed := record("orders", 48, store.VerdictMissed, store.RollbackPassed)
	record("orders", 24, store.VerdictFailed, store.RollbackPassed)
	ordersRunning := record("orders", 0, "", "")
	// dns: met, but its rollback failed.
	record("dns", 5, store.VerdictMet, store.RollbackFailed)

	next := now.Add(6 * time.Hour)
	server := httptest.NewServer(Handler(history, HandlerOptions{
		Scheduled: func() []ScheduledScenario {
			return []ScheduledScenario{
				{Scenario: "orders", Owner: "team-orders", Schedule: "0 3 * * *", Timezone: "UTC", NextRun: next, Interval: 24 * time.Hour},
				// cache: loaded by serve, never ran.
				{Scenario: "cache", Owner: "team-cache", Schedule: "0 4 * * SAT", Timezone: "Europe/Paris", NextRun: next, Interval: 7 * 24 * time.Hour},
			}
		},
	}))
	defer server.Close()
	resp, err := http.Get(server.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: %d %v", resp.StatusCode, err)
	}

	check := exec.Command(promtool(t), "check", "metrics")
	check.Stdin = bytes.NewReader(body)
	if out, err := check.CombinedOutput(); err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Errorf("promtool check metrics: %v\n%s", err, out)
	}

	seconds := func(at time.Time) float64 { return float64(at.UnixMilli()) / 1000 }
	got := parseExposition(t, string(body))
	want := []struct {
		name   string
		series string
		value  float64
	}{
		{"the store is up", `redrill_store_up`, 1},
		{"a failed run is its last verdict", `redrill_last_verdict{scenario="billing",verdict="failed"}`, 1},
		{"a failed run counts", `redrill_runs_total{scenario="billing",verdict="failed"}`, 1},
		{"missed then failed: the last verdict is failed, a run under way does not hide it", `redrill_last_verdict{scenario="orders",verdict="failed"}`, 1},
		{"missed then failed: the missed run is newer than the last met one", `redrill_last_missed_timestamp_seconds{scenario="orders"}`, seconds(ordersMissed)},
		{"missed then failed: the last met run", `redrill_last_met_timestamp_seconds{scenario="orders"}`, seconds(ordersMet)},
		{"the run under way is the last run", `redrill_last_run_timestamp_seconds{scenario="orders"}`, seconds(ordersRunning)},
		{"every finished run is counted by verdict", `redrill_runs_total{scenario="orders",verdict="met"}`, 1},
		{"a never-ran scheduled scenario has its info", `redrill_scenario_info{owner="team-cache",scenario="cache",schedule="0 4 * * SAT",timezone="Europe/Paris"}`, 1},
		{"a never-ran scheduled scenario has its next run", `redrill_next_run_timestamp_seconds{scenario="cache"}`, seconds(next)},
		{"a never-ran scheduled scenario has its interval", `redrill_expected_interval_seconds{scenario="cache"}`, 7 * 24 * 3600},
		{"an unscheduled scenario's interval is its last run's schedule", `redrill_expected_interval_seconds{scenario="dns"}`, 24 * 3600},
		{"a scenario only in the history has the info its last run recorded", `redrill_scenario_info{owner="team-dns",scenario="dns",schedule="0 3 * * *",timezone="UTC"}`, 1},
		{"a failed rollback is the last rollback", `redrill_last_rollback{rollback="failed",scenario="dns"}`, 1},
		{"the RTO of the newest run is kept", `redrill_objective_rto_seconds{scenario="dns"}`, 1800},
	}
	for _, w := range want {
		value, ok := got[w.series]
		if !ok || value != w.value {
			metric, _, _ := strings.Cut(w.series, "{")
			t.Errorf("%s: %s = %v (present %v), want %v; series of %s: %v", w.name, w.series, value, ok, w.value, metric, got.names(metric))
		}
	}
	absent := []struct{ name, series string }{
		{"the cache never ran", `redrill_last_run_timestamp_seconds{scenario="cache"}`},
		{"only the current verdict is exported", `redrill_last_verdict{scenario="orders",verdict="missed"}`},
		{"a run under way has no verdict", `redrill_last_verdict{scenario="orders",verdict="running"}`},
		{"a run under way is not counted", `redrill_runs_total{scenario="orders",verdict="running"}`},
	}
	for _, a := range absent {
		if _, ok := got[a.series]; ok {
			t.Errorf("%s: %s is exported", a.name, a.series)
		}
	}
	var buildInfo bool
	for s := range got {
		build := buildinfo.Read()
		buildInfo = buildInfo || s == fmt.Sprintf(`redrill_build_info{builddate=%q,goversion=%q,revision=%q,version=%q}`, build.Date, build.GoVersion, build.ShortCommit(), build.Version)
	}
	if !buildInfo {
		t.Errorf("no redrill_build_info: %v", got.names("redrill_build_info"))
	}
}

// A store that cannot be read exports redrill_store_up 0 and no scenario
// series, so that "never ran" does not fire for every scheduled scenario;
// the ticks serve skipped meanwhile, which it counts itself, are exported.
func TestMetricsStoreDown(t *testing.T) {
	dir := t.TempDir()
	history, err := store.Open(context.Background(), filepath.Join(dir, "history.db"), store.Options{SpoolDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	history.Close()
	server := httptest.NewServer(Handler(history, HandlerOptions{
		Scheduled: func() []ScheduledScenario {
			return []ScheduledScenario{{Scenario: "cache", Schedule: "@daily", Timezone: "UTC", Interval: 24 * time.Hour}}
		},
		SkippedTicks: func() []SkippedTicks {
			return []SkippedTicks{{Scenario: "cache", Reason: "claim_failed", Ticks: 3}, {Scenario: "cache", Reason: "still_running", Ticks: 1}}
		},
	}))
	defer server.Close()
	resp, err := http.Get(server.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	got := parseExposition(t, string(body))
	if value, ok := got["redrill_store_up"]; !ok || value != 0 {
		t.Errorf("redrill_store_up = %v (present %v), want 0:\n%s", value, ok, body)
	}
	if names := got.names("redrill_scenario_info"); len(names) > 0 {
		t.Errorf("scenario series while the store is down: %v", names)
	}
	for series, want := range map[string]float64{
		`redrill_ticks_skipped_total{reason="claim_failed",scenario="cache"}`:  3,
		`redrill_ticks_skipped_total{reason="still_running",scenario="cache"}`: 1,
	} {
		if value, ok := got[series]; !ok || value != want {
			t.Errorf("%s = %v (present %v), want %v:\n%s", series, value, ok, want, body)
		}
	}
	if !strings.Contains(string(body), "# TYPE redrill_ticks_skipped_total counter") {
		t.Errorf("redrill_ticks_skipped_total is not a counter:\n%s", body)
	}
}

// The workloads of each scenario's last finished run are exported, a run
// under way does not hide them, lost writes only for a verified workload,
// and a scenario without workloads has no such series.
func TestMetricsOfWorkloads(t *testing.T) {
	dir := t.TempDir()
	history, err := store.Open(context.Background(), filepath.Join(dir, "history.db"), store.Options{SpoolDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { history.Close() })
	recordLoaded(t, history)
	under := loadedRecord().Run
	// A drill of payments under way, its runner alive: its heartbeat is fresh.
	under.ID, under.StartedAt, under.Status, under.Workloads = "payments-now", now.Add(-time.Hour), store.StatusRunning, nil
	under.HeartbeatAt, under.PID = time.Now(), os.Getpid()
	mustDo(t, history.StartRun(context.Background(), under))
	quiet := store.Run{ID: "api-1", Scenario: "api", ScenarioHash: "h", Trigger: store.TriggerOnDemand, Host: "runner-1", PID: 1, StartedAt: now.Add(-2 * time.Hour)}
	mustDo(t, history.StartRun(context.Background(), quiet))
	mustDo(t, history.FinishRun(context.Background(), "api-1", store.Finish{EndedAt: quiet.StartedAt.Add(time.Minute), Verdict: store.VerdictMet}))

	body := scrape(t, Handler(history, HandlerOptions{Now: func() time.Time { return now }}))
	check := exec.Command(promtool(t), "check", "metrics")
	check.Stdin = strings.NewReader(body)
	if out, err := check.CombinedOutput(); err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Errorf("promtool check metrics: %v\n%s", err, out)
	}
	got := parseExposition(t, body)
	if last := got[`redrill_last_run_timestamp_seconds{scenario="payments"}`]; last != float64(under.StartedAt.Unix()) {
		t.Fatalf("payments' last run started at %v, want the drill under way (%d)", last, under.StartedAt.Unix())
	}
	for series, want := range map[string]float64{
		`redrill_last_workload_attempts{scenario="payments",workload="writer"}`:               1204,
		`redrill_last_workload_failed{scenario="payments",workload="writer"}`:                 37,
		`redrill_last_workload_skipped{scenario="payments",workload="reader"}`:                2,
		`redrill_last_workload_longest_outage_seconds{scenario="payments",workload="writer"}`: 12.3,
		`redrill_last_workload_longest_outage_seconds{scenario="payments",workload="reader"}`: 2.1,
		`redrill_last_workload_acknowledged_writes{scenario="payments",workload="writer"}`:    1167,
		`redrill_last_workload_lost_writes{scenario="payments",workload="writer"}`:            3,
		`redrill_objective_downtime_seconds{scenario="payments"}`:                             10,
		`redrill_objective_lost_writes{scenario="payments"}`:                                  0,
	} {
		if value, ok := got[series]; !ok || value != want {
			metric, _, _ := strings.Cut(series, "{")
			t.Errorf("%s = %v (present %v), want %v; series of %s: %v", series, value, ok, want, metric, got.names(metric))
		}
	}
	for _, absent := range []string{
		`redrill_last_workload_lost_writes{scenario="payments",workload="reader"}`,
		`redrill_last_workload_attempts{scenario="api",workload="writer"}`,
		`redrill_objective_downtime_seconds{scenario="api"}`,
	} {
		if _, ok := got[absent]; ok {
			t.Errorf("%s is exported", absent)
		}
	}
}

// scrape answers GET /metrics of handler.
func scrape(t *testing.T, handler http.Handler) string {
	t.Helper()
	server := httptest.NewServer(handler)
	defer server.Close()
	return scrapeBody(t, server.URL)
}
