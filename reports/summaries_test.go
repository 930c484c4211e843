package reports

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/redrill/redrill/internal/pgtest"
	"github.com/redrill/redrill/store"
)

// testClock is a settable clock for the store and the reports.
type testClock struct {
	mu sync.Mutex
	at time.Time
}

func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.at }
func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.at = c.at.Add(d)
}

// randomHistory writes random drills to a store, as runners would: runs
// started at random times (some before every window, some in the same
// microsecond), finished in random order with every verdict and rollback,
// with and without RTOs, workloads, game days and runner labels, some
// interrupted by another runner and then finished again by their own.
type randomHistory struct {
	t       *testing.T
	rng     *rand.Rand
	history store.Store
	clock   *testClock
	running []string
	done    []string
	next    int
}

var (
	randomVerdicts  = []string{store.VerdictMet, store.VerdictMet, store.VerdictMissed, store.VerdictFailed, store.VerdictAborted, store.VerdictNotRun}
	randomRollbacks = []string{store.RollbackPassed, store.RollbackPassed, store.RollbackNone, store.RollbackNotNeeded, store.RollbackFailed, store.RollbackSkipped}
	randomSchedules = []string{"", "0 3 * * *", "*/30 * * * *", "0 3 * * SAT"}
)

func (h *randomHistory) scenario() string { return fmt.Sprintf("drill-%02d", h.rng.IntN(14)) }

func (h *randomHistory) start(started time.Time) {
	h.t.Helper()
	h.next++
	// Ids do not follow starts: runs end, and tie, out of id order.
	id := fmt.Sprintf("run-%04d-%03d", h.rng.IntN(10000), h.next)
	objective := time.Duration(10+h.rng.IntN(50)) * time.Minute
	run := store.Run{ID: id, Scenario: h.scenario(), ScenarioHash: "h", ScenarioSource: `scenario "x" {}`,
		Trigger: store.TriggerSchedule, Host: "elsewhere", PID: 1, StartedAt: started, ObjectiveRTO: &objective,
		Schedule: randomSchedules[h.rng.IntN(len(randomSchedules))], Owner: "team-" + fmt.Sprint(h.rng.IntN(3)),
		Postmortems: []store.Postmortem{{Title: "restore past plan"}}}
	if h.rng.IntN(6) == 0 {
		run.GameDay = fmt.Sprintf("gameday-%d", h.rng.IntN(3))
	}
	if h.rng.IntN(3) == 0 {
		run.RunnerLabels = map[string]string{"region": []string{"eu", "us"}[h.rng.IntN(2)]}
	}
	if h.rng.IntN(4) == 0 {
		downtime, lost := 10*time.Second, int64(0)
		run.ObjectiveDowntime, run.ObjectiveLostWrites = &downtime, &lost
	}
	if err := h.history.StartRun(context.Background(), run); err != nil {
		h.t.Fatal(err)
	}
	h.running = append(h.running, id)
}

func (h *randomHistory) finish(id string) {
	h.t.Helper()
	f := store.Finish{EndedAt: h.clock.Now(), Verdict: randomVerdicts[h.rng.IntN(len(randomVerdicts))],
		Rollback: randomRollbacks[h.rng.IntN(len(randomRollbacks))], Reason: "as measured"}
	if f.Verdict != store.VerdictNotRun && h.rng.IntN(5) > 0 {
		// Microseconds, with an odd fraction: RTOs round as they are read.
		rto := time.Duration(60+h.rng.IntN(3600))*time.Second + time.Duration(h.rng.IntN(1_000_000))*time.Microsecond
		f.RTO = &rto
	}
	if h.rng.IntN(3) == 0 {
		w := store.Workload{Name: "writer", Kind: "sql", LongestOutage: time.Duration(h.rng.IntN(20_000)) * time.Millisecond}
		if h.rng.IntN(2) == 0 {
			w.Verified = &store.LostWrites{Acknowledged: 100, Lost: int64(h.rng.IntN(3))}
		}
		f.Workloads = []store.Workload{w}
	}
	if err := h.history.FinishRun(context.Background(), id, f); err != nil {
		h.t.Fatal(err)
	}
}

// round writes a batch of random events.
func (h *randomHistory) round(events int) {
	h.t.Helper()
	ctx := context.Background()
	now := h.clock.Now()
	for range events {
		switch n := h.rng.IntN(20); {
		case n < 8:
			// Mostly within the window, some before any window, some
			// in the very microsecond of another.
			started := now.Add(-time.Duration(h.rng.Int64N(int64(150 * 24 * time.Hour))))
			if n == 0 {
				started = now.Add(-time.Duration(h.rng.IntN(5)) * time.Microsecond).Truncate(time.Microsecond)
			}
			h.start(started)
		case n < 15 && len(h.running) > 0:
			at := h.rng.IntN(len(h.running))
			id := h.running[at]
			h.running = append(h.running[:at], h.running[at+1:]...)
			h.finish(id)
			h.done = append(h.done, id)
		case n < 17 && len(h.running) > 0:
			id := h.running[h.rng.IntN(len(h.running))]
			if err := h.history.Heartbeat(ctx, id, now); err != nil {
				h.t.Fatal(err)
			}
		case n < 18 && len(h.done) > 0:
			// A runner's spooled end arrives after another marked it.
			h.finish(h.done[h.rng.IntN(len(h.done))])
		case n < 19:
			// Runners whose heartbeats stopped: interrupted.
			if _, err := h.history.MarkInterrupted(ctx, now.Add(-time.Duration(h.rng.IntN(200))*24*time.Hour)); err != nil {
				h.t.Fatal(err)
			}
			h.done = append(h.done, h.running...)
			h.running = h.running[:0]
		}
	}
}

// The summaries kept from the runs' changes give the report Build gives
// over the same store: the same scenarios, ranks, counts, percentiles,
// trends, forecasts, points, load figures and game days, the same page,
// JSON and metrics, as the history grows, runs finish out of order and
// the window slides past runs. Another replica writes the runs.
func TestSummariesGiveTheReportOfAFullRebuild(t *testing.T) {
	for _, backend := range []struct {
		name   string
		target func(t *testing.T) string
	}{
		{"sqlite", func(t *testing.T) string { return filepath.Join(t.TempDir(), "h.db") }},
		{"postgres", func(t *testing.T) string { return pgtest.NewDatabase(t) }},
	} {
		t.Run(backend.name, func(t *testing.T) {
			ctx := context.Background()
			// Nanoseconds: a window starts within a microsecond.
			clock := &testClock{at: time.Date(2026, 11, 25, 12, 0, 0, 123_456_789, time.UTC)}
			// Two replicas share the store: one writes, the other reports.
			target := backend.target(t)
			var replicas [2]store.Store
			for i := range replicas {
				var err error
				if replicas[i], err = store.Open(ctx, target, store.Options{SpoolDir: t.TempDir(), Now: clock.Now}); err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { replicas[i].Close() })
			}
			history := replicas[0]
			h := &randomHistory{t: t, rng: rand.New(rand.NewPCG(2026, 12)), history: replicas[1], clock: clock}
			h.round(150) // before the summaries first read
			summaries := NewSummaries(history, DefaultWindow)
			scheduled := []ScheduledScenario{{Scenario: "drill-never", Schedule: "0 4 * * *", Timezone: "UTC", Interval: 24 * time.Hour}}
			for round := range 12 {
				for _, window := range []time.Duration{DefaultWindow, 30 * 24 * time.Hour, 200 * 24 * time.Hour} {
					now := clock.Now()
					opts := Options{Now: now, Since: now.Add(-window), Scheduled: scheduled}
					want, err := Build(ctx, history, opts)
					if err != nil {
						t.Fatal(err)
					}
					got, err := summaries.Report(ctx, opts)
					if err != nil {
						t.Fatal(err)
					}
					compareReports(t, fmt.Sprintf("round %d, window %s", round, window), got, want)
				}
				h.round(60)
				// Minutes to days: the window slides past runs.
				clock.Advance(time.Duration(h.rng.Int64N(int64(6*24*time.Hour))) + time.Duration(h.rng.IntN(1000)))
			}
		})
	}
}

// compareReports fails with the first difference between two reports,
// then compares what users read of them.
func compareReports(t *testing.T, what string, got, want Report) {
	t.Helper()
	if len(got.Scenarios) != len(want.Scenarios) {
		t.Fatalf("%s: %d scenarios, the rebuild has %d", what, len(got.Scenarios), len(want.Scenarios))
	}
	for i := range want.Scenarios {
		if !reflect.DeepEqual(got.Scenarios[i], want.Scenarios[i]) {
			t.Fatalf("%s: scenario %d is\n%+v\nthe rebuild's is\n%+v", what, i, got.Scenarios[i], want.Scenarios[i])
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s: game days\n%+v\nthe rebuild's\n%+v", what, got.GameDays, want.GameDays)
	}
	for _, format := range []struct {
		name  string
		write func(*bytes.Buffer, Report) error
	}{
		{"html", func(b *bytes.Buffer, r Report) error { return WriteHTML(b, r) }},
		{"json", func(b *bytes.Buffer, r Report) error { return WriteJSON(b, r) }},
	} {
		var gotText, wantText bytes.Buffer
		if err := format.write(&gotText, got); err != nil {
			t.Fatal(err)
		}
		if err := format.write(&wantText, want); err != nil {
			t.Fatal(err)
		}
		if gotText.String() != wantText.String() {
			t.Fatalf("%s: the %s differs from the rebuild's", what, format.name)
		}
	}
}
