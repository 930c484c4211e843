package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redrill/redrill/internal/pgtest"
	"github.com/redrill/redrill/store"
)

// The dashboard load of TestServeTicksUnderDashboardLoad: this many
// clients, each looping GET / and GET /metrics, for this many scheduled
// ticks of a drill scheduled every second.
const (
	dashboardClients = 32
	loadedTicks      = 15
	// minTicksRun is the share of the loaded ticks that must run.
	minTicksRun = 0.9
	// The history the dashboard shows meanwhile.
	seededRuns      = 2000
	seededScenarios = 20
)

// envTestBinary names a prebuilt redrill binary to run instead of building
// this checkout: how docs/performance.md measures an older commit.
const envTestBinary = "REDRILL_TEST_BINARY"

// Scheduled drills come first: under a dashboard read by many clients at
// once, the drill scheduled every second still runs at (nearly) every tick,
// and every tick that does not run is logged as skipped, with its reason,
// and counted in /metrics.
func TestServeTicksUnderDashboardLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the dashboard for 15 s per store")
	}
	binary := os.Getenv(envTestBinary)
	if binary == "" {
		binary = redrillBinary(t)
	}
	for _, backend := range []struct {
		name  string
		store func(t *testing.T, dir string) string
	}{
		{"sqlite", func(t *testing.T, dir string) string { return filepath.Join(dir, "history.db") }},
		{"postgres", func(t *testing.T, dir string) string { return pgtest.NewDatabase(t) }},
	} {
		t.Run(backend.name, func(t *testing.T) {
			dir := t.TempDir()
			serveUnderLoad(t, binary, dir, backend.store(t, dir))
		})
	}
}

func serveUnderLoad(t *testing.T, binary, dir, storeTarget string) {
	path := writeFile(t, dir, "scheduled.hcl", everySecondDrill)
	history, err := store.Open(context.Background(), storeTarget, store.Options{SpoolDir: filepath.Join(dir, "test-spool")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { history.Close() })
	seedHistory(t, history)
	serve := exec.Command(binary, "serve", path, "--store", storeTarget, "--listen", "127.0.0.1:0")
	serve.Env = append(os.Environ(), "XDG_STATE_HOME="+dir)
	logs := &lockedBuffer{}
	serve.Stderr = logs
	if err := serve.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = serve.Process.Kill(); _ = serve.Wait() })
	var dashboard string
	serving := regexp.MustCompile(`msg=serving dashboard=(http://\S+)/`)
	waitFor(t, func() bool {
		m := serving.FindStringSubmatch(logs.String())
		if m != nil {
			dashboard = m[1]
		}
		return m != nil
	})
	if host, _, _ := net.SplitHostPort(strings.TrimPrefix(dashboard, "http://")); host != "127.0.0.1" {
		t.Fatalf("dashboard on %s, want 127.0.0.1 only", dashboard)
	}

	// The load starts over a second before the first counted tick and ends
	// with the last one.
	first := time.Now().Truncate(time.Second).Add(2 * time.Second)
	last := first.Add((loadedTicks - 1) * time.Second)
	requests := loadDashboard(t, dashboard, last.Add(time.Second))

	// Once the load is over the drill runs again: wait until a tick after
	// the last counted one has run or was skipped, so that every counted
	// tick has its outcome.
	var ran map[int64]bool
	var skipped map[int64]string
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		ran = ranTicks(t, history, first)
		skipped = skippedTicks(t, logs.String())
		done := false
		for tick := range ran {
			done = done || tick > last.Unix()
		}
		for tick := range skipped {
			done = done || tick > last.Unix()
		}
		if done {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no tick after %s ran or was skipped within 30 s of the load's end; logs:\n%s", last.Format(time.TimeOnly), logs.String())
		}
	}
	runCount := 0
	for second := range loadedTicks {
		tick := first.Add(time.Duration(second) * time.Second)
		switch reason, wasSkipped := skipped[tick.Unix()]; {
		case ran[tick.Unix()]:
			runCount++
		case wasSkipped:
			t.Logf("tick %s skipped: %s", tick.Format(time.TimeOnly), reason)
		default:
			t.Errorf("tick %s neither ran nor was logged as skipped", tick.Format(time.TimeOnly))
		}
	}
	t.Logf("%d of %d ticks ran with %d dashboard clients (%d requests answered)", runCount, loadedTicks, dashboardClients, requests)
	if float64(runCount) < minTicksRun*loadedTicks {
		t.Errorf("only %d of %d ticks ran under the dashboard load, want at least %.0f%%; logs:\n%s", runCount, loadedTicks, 100*minTicksRun, logs.String())
	}
	checkSkipsCounted(t, dashboard, logs)
}

// seedHistory records what a dashboard shows after a while: seededRuns
// finished runs of seededScenarios scenarios, a minute apart, up to an
// hour ago.
func seedHistory(t *testing.T, history store.Store) {
	t.Helper()
	ctx := context.Background()
	newest := time.Now().Add(-time.Hour)
	for i := range seededRuns {
		startedAt := newest.Add(-time.Duration(seededRuns-i) * time.Minute)
		run := store.Run{
			ID: fmt.Sprintf("seeded-%05d", i), Scenario: fmt.Sprintf("seeded-%02d", i%seededScenarios),
			Trigger: store.TriggerSchedule, StartedAt: startedAt, ScheduledAt: startedAt, Schedule: "* * * * *",
		}
		rto := time.Duration(20+i%20) * time.Second
		finish := store.Finish{EndedAt: startedAt.Add(rto), ClockStart: startedAt, ClockStop: startedAt.Add(rto), RTO: &rto, Verdict: store.VerdictMet, Rollback: store.RollbackNone}
		if err := history.StartRun(ctx, run); err != nil {
			t.Fatal(err)
		}
		if err := history.FinishRun(ctx, run.ID, finish); err != nil {
			t.Fatal(err)
		}
	}
}

// loadDashboard runs dashboardClients clients, each looping GET / and GET
// /metrics, from now until end, and returns how many requests were
// answered 200.
func loadDashboard(t *testing.T, dashboard string, end time.Time) int64 {
	t.Helper()
	ctx, cancel := context.WithDeadline(context.Background(), end)
	defer cancel()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: dashboardClients}}
	defer client.CloseIdleConnections()
	var answered atomic.Int64
	var clients sync.WaitGroup
	for range dashboardClients {
		clients.Go(func() {
			for ctx.Err() == nil {
				for _, page := range []string{"/", "/metrics"} {
					req, err := http.NewRequestWithContext(ctx, http.MethodGet, dashboard+page, nil)
					if err != nil {
						t.Error(err)
						return
					}
					resp, err := client.Do(req)
					if err != nil {
						continue // the load's end cancels the request under way
					}
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode == http.StatusOK {
						answered.Add(1)
					}
				}
			}
		})
	}
	clients.Wait()
	return answered.Load()
}

// ranTicks lists, in Unix seconds, the scheduled ticks from first on that
// have a run in the store.
func ranTicks(t *testing.T, history store.Store, first time.Time) map[int64]bool {
	t.Helper()
	runs, err := history.Runs(context.Background(), store.RunQuery{Since: first.Add(-time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	ticks := map[int64]bool{}
	for _, r := range runs {
		// Counted by the tick a run was for, not the second it started in.
		if !r.ScheduledAt.Before(first) {
			ticks[r.ScheduledAt.Unix()] = true
		}
	}
	return ticks
}

var skippedTick = regexp.MustCompile(`msg="tick skipped[^"]*".*? scheduled_at=(\S+).*? reason=(\S+)`)

// skippedTicks lists, in Unix seconds, the ticks that serve logged as
// skipped, with the reason it logged.
func skippedTicks(t *testing.T, logs string) map[int64]string {
	t.Helper()
	ticks := map[int64]string{}
	for _, m := range skippedTick.FindAllStringSubmatch(logs, -1) {
		at, err := time.Parse(time.RFC3339, m[1])
		if err != nil {
			t.Fatalf("skipped tick logged with scheduled_at %q: %v", m[1], err)
		}
		ticks[at.Unix()] = m[2]
	}
	return ticks
}

var skipCounter = regexp.MustCompile(`(?m)^redrill_ticks_skipped_total\{reason="([^"]+)",scenario="every-second"\} (\d+)$`)

// checkSkipsCounted checks that /metrics counts, by reason, the ticks the
// log says were skipped. Ticks go on meanwhile, so it reads the log before
// and after the scrape until both agree with it.
func checkSkipsCounted(t *testing.T, dashboard string, logs *lockedBuffer) {
	t.Helper()
	var logged, counted map[string]int
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		before := logs.String()
		resp, err := http.Get(dashboard + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if logs.String() != before {
			continue
		}
		logged, counted = map[string]int{}, map[string]int{}
		for _, m := range skippedTick.FindAllStringSubmatch(before, -1) {
			logged[m[2]]++
		}
		for _, m := range skipCounter.FindAllStringSubmatch(string(body), -1) {
			counted[m[1]], _ = strconv.Atoi(m[2])
		}
		if equalCounts(logged, counted) {
			return
		}
	}
	t.Errorf("skipped ticks by reason: logged %v, counted in redrill_ticks_skipped_total %v", logged, counted)
}

func equalCounts(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
