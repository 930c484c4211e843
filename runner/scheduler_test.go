package runner

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/redrill/redrill/reports"
	"github.com/redrill/redrill/scenarios"
	"github.com/redrill/redrill/store"
)

// Scheduled drills run at their ticks on a fake clock, and two schedulers
// sharing one store run each tick once.
func TestSchedulerRunsEachTickOnce(t *testing.T) {
	src := `scenario "every-minute" {
		owner = "team-db"
		schedule {
			cron = "* * * * *"
		}
		recover {
			step "restore" {
				command { run = ["true"] }
			}
		}
	}`
	set := scheduledSet(t, src)
	history := scheduleHistory(t, t.TempDir())

	clock := clockwork.NewFakeClockAt(time.Date(2026, 11, 25, 3, 0, 30, 0, time.UTC))
	schedulers := startSchedulers(t, set, SchedulerOptions{Store: history, Clock: clock}, "runner-a", "runner-b")
	if next := schedulers[0].Jobs()["every-minute"]; !next.Equal(time.Date(2026, 11, 25, 3, 1, 0, 0, time.UTC)) {
		t.Errorf("next run %s, want 03:01:00", next)
	}
	// /metrics lists it before its first run.
	scheduled := schedulers[0].ScheduledScenarios()
	if len(scheduled) != 1 || scheduled[0].Scenario != "every-minute" || scheduled[0].Owner != "team-db" || scheduled[0].Schedule != "* * * * *" ||
		scheduled[0].Timezone != "UTC" || scheduled[0].Interval != time.Minute || !scheduled[0].NextRun.Equal(time.Date(2026, 11, 25, 3, 1, 0, 0, time.UTC)) {
		t.Errorf("scheduled scenarios %+v, want every-minute of team-db, every minute in UTC, next at 03:01:00", scheduled)
	}

	for tick := 1; tick <= 3; tick++ {
		// Both schedulers wait on the clock before it moves on.
		advance(t, clock, 2, time.Minute)
		waitUntil(t, finishedRuns(t, history, tick))
		// A run is recorded finished a moment before its runner lets go
		// of it; the next tick would find it still running there.
		waitUntil(t, func() bool {
			for _, s := range schedulers {
				if len(s.drills.busy([]string{"every-minute"})) > 0 {
					return false
				}
			}
			return true
		})
	}
	runs, _ := history.Runs(context.Background(), store.RunQuery{})
	if len(runs) != 3 {
		t.Errorf("%d runs for 3 ticks on 2 schedulers, want 3", len(runs))
	}
	// The runner that lost a tick's claim counts it, as taken elsewhere.
	// A loser may still be logging the third tick: wait for it.
	waitUntil(t, func() bool {
		taken := 0
		for _, s := range schedulers {
			for _, skipped := range s.SkippedTicks() {
				if skipped.Scenario != "every-minute" || skipped.Reason != "taken_elsewhere" {
					t.Fatalf("skipped ticks %+v, want only taken_elsewhere", skipped)
				}
				taken += skipped.Ticks
			}
		}
		return taken == 3
	})
	for _, r := range runs {
		if r.Trigger != store.TriggerSchedule || r.Verdict != store.VerdictMet {
			t.Errorf("run %+v", r)
		}
	}
}

// A game day runs once at its start, on one of two schedulers sharing a
// store, with its runs grouped under its name; one whose start is past is
// not scheduled.
func TestGameDayRunsOnceAtItsStart(t *testing.T) {
	src := `
	scenario "db" {
		recover {
			step "restore" {
				command { run = ["true"] }
			}
		}
	}
	scenario "web" {
		recover {
			step "restart" {
				command { run = ["true"] }
			}
		}
	}
	gameday "december" {
		start     = "2026-12-05T09:00:00Z"
		scenarios = ["web", "db"]
		parallel  = true
	}
	gameday "last-year" {
		start     = "2025-12-05T09:00:00Z"
		scenarios = ["db"]
	}`
	set := scheduledSet(t, src)
	history := scheduleHistory(t, t.TempDir())

	clock := clockwork.NewFakeClockAt(time.Date(2026, 12, 5, 8, 59, 0, 0, time.UTC))
	schedulers := startSchedulers(t, set, SchedulerOptions{Store: history, Clock: clock}, "runner-a", "runner-b")
	jobs := schedulers[0].Jobs()
	if len(jobs) != 1 || !jobs["gameday/december"].Equal(time.Date(2026, 12, 5, 9, 0, 0, 0, time.UTC)) {
		t.Errorf("jobs %v, want only gameday/december at 09:00", jobs)
	}
	if next := schedulers[0].NextScenarioRuns(); len(next) != 0 {
		t.Errorf("next scenario runs %v, want none: no scenario has a schedule", next)
	}

	advance(t, clock, 2, 2*time.Minute)
	waitUntil(t, finishedRuns(t, history, 2))
	runs, err := history.Runs(context.Background(), store.RunQuery{})
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, r := range runs {
		names[r.Scenario] = true
		if r.Trigger != store.TriggerGameDay || r.GameDay != "december" || r.Verdict != store.VerdictMet {
			t.Errorf("run of %s: trigger %s, game day %q, verdict %s", r.Scenario, r.Trigger, r.GameDay, r.Verdict)
		}
	}
	if len(runs) != 2 || !names["db"] || !names["web"] {
		t.Errorf("%d runs (%v), want one of db and one of web", len(runs), names)
	}
}

// A reload schedules the new set at once, lets the drill under way finish
// (not interrupted), and does not start that drill a second time meanwhile.
func TestReloadLetsRunningDrillsFinish(t *testing.T) {
	dir := t.TempDir()
	// A slow receiver: the finish post of the drill that outlives the
	// reload is still under way when the scheduler shuts down.
	var posts syncWriter
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(300 * time.Millisecond)
		body, _ := io.ReadAll(r.Body)
		posts.Write(append(body, '\n'))
	}))
	defer receiver.Close()
	notify := `notify "hook" {
		webhook = "` + receiver.URL + `"
		on      = ["finish"]
	}
	`
	slow := notify + holdingDrill(dir)
	fresh := `scenario "fresh" {
		schedule {
			cron = "* * * * *"
		}
		recover {
			step "restore" {
				command { run = ["true"] }
			}
		}
	}`
	load := func(src string) *scenarios.Set { return scheduledSet(t, strings.ReplaceAll(src, "{{dir}}", dir)) }
	history := scheduleHistory(t, dir)
	clock := clockwork.NewFakeClockAt(time.Date(2026, 11, 25, 3, 0, 30, 0, time.UTC))
	current, err := NewScheduler(load(slow), SchedulerOptions{Store: history, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	current.Start()
	defer func() { _ = current.Shutdown(context.Background()) }()

	advance(t, clock, 1, time.Minute)
	waitUntil(t, heldDrillStarted(dir))

	current, err = current.Reload(load(slow + "\n" + fresh))
	if err != nil {
		t.Fatal(err)
	}
	if jobs := current.Jobs(); len(jobs) != 2 {
		t.Fatalf("after reload: jobs %v, want slow and fresh", jobs)
	}
	advance(t, clock, 2, time.Minute)
	waitUntil(t, finishedRuns(t, history, 1)) // fresh, while slow still runs
	releaseHeldDrill(t, dir)
	waitUntil(t, finishedRuns(t, history, 2))

	runs, err := history.Runs(context.Background(), store.RunQuery{})
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, r := range runs {
		count[r.Scenario]++
		if r.Verdict != store.VerdictMet {
			t.Errorf("run of %s: %s (%s), want met", r.Scenario, r.Verdict, r.Reason)
		}
	}
	if count["slow"] != 1 || count["fresh"] != 1 {
		t.Errorf("runs %v, want slow once (its second tick came while it ran) and fresh once", count)
	}
	if err := current.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(posts.String(), `"scenario":"slow"`) || !strings.Contains(posts.String(), `"scenario":"fresh"`) {
		t.Errorf("finish posts after shutdown:\n%s\nwant one for slow (started before the reload) and one for fresh", posts.String())
	}
}

// waitUntil polls condition until it holds, for at most 10 s.
func waitUntil(t *testing.T, condition func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !condition(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 10 s")
		}
	}
}

// scheduledSet loads a scenario set from src.
func scheduledSet(t *testing.T, src string) *scenarios.Set {
	t.Helper()
	set, diags := scenarios.LoadSources(map[string][]byte{"s.hcl": []byte(src)}, scenarios.Options{})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	return set
}

// scheduleHistory opens an SQLite history in dir, closed when the test ends.
func scheduleHistory(t *testing.T, dir string) store.Store {
	t.Helper()
	history, err := store.Open(context.Background(), filepath.Join(dir, "h.db"), store.Options{SpoolDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { history.Close() })
	return history
}

// finishedRuns tells whether the history holds at least want finished runs.
func finishedRuns(t *testing.T, history store.Store, want int) func() bool {
	return func() bool {
		runs, err := history.Runs(context.Background(), store.RunQuery{})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, r := range runs {
			if r.Status == store.StatusFinished {
				n++
			}
		}
		return n >= want
	}
}

// A game day that starts while one of its scenarios runs on its own
// schedule waits for that run to end: the drill never runs twice at once.
func TestGameDayWaitsForAScheduledRunOfItsScenario(t *testing.T) {
	dir := t.TempDir()
	set := scheduledSet(t, holdingDrill(dir)+`
	gameday "drill-day" {
		start     = "2026-11-25T03:02:00Z"
		scenarios = ["slow"]
	}`)
	history := scheduleHistory(t, dir)
	clock := clockwork.NewFakeClockAt(time.Date(2026, 11, 25, 3, 0, 30, 0, time.UTC))
	logs := &syncWriter{}
	scheduler, err := NewScheduler(set, SchedulerOptions{Store: history, Clock: clock, Logger: slog.New(slog.NewTextHandler(logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	scheduler.Start()
	defer func() { _ = scheduler.Shutdown(context.Background()) }()

	advance(t, clock, 2, time.Minute) // 03:01:30: the scheduled run starts and holds
	waitUntil(t, heldDrillStarted(dir))
	advance(t, clock, 2, time.Minute) // 03:02:30: the game day is due
	waitUntil(t, func() bool { return strings.Contains(logs.String(), "game day waits for drills under way to end") })
	releaseHeldDrill(t, dir)
	waitUntil(t, finishedRuns(t, history, 2))

	runs, err := history.Runs(context.Background(), store.RunQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 2 {
		t.Fatalf("%d runs, want the scheduled one and the game day's", len(runs))
	}
	scheduled, gameDay := runs[1], runs[0] // newest first
	if scheduled.Trigger != store.TriggerSchedule || gameDay.GameDay != "drill-day" {
		t.Fatalf("runs %+v and %+v, want the scheduled run then the game day's", scheduled, gameDay)
	}
	if gameDay.StartedAt.Before(scheduled.EndedAt) {
		t.Errorf("the game day's run started at %s, before the scheduled run ended at %s", gameDay.StartedAt, scheduled.EndedAt)
	}
}

// A tick that comes while the drill of the previous one still runs is
// skipped, logged with its reason and counted for /metrics, and the drill
// does not run twice at once.
func TestTickSkippedWhileTheDrillStillRuns(t *testing.T) {
	dir := t.TempDir()
	set := scheduledSet(t, holdingDrill(dir))
	history := scheduleHistory(t, dir)
	clock := clockwork.NewFakeClockAt(time.Date(2026, 11, 25, 3, 0, 30, 0, time.UTC))
	logs := &syncWriter{}
	scheduler := startSchedulers(t, set, SchedulerOptions{Store: history, Clock: clock, Logger: slog.New(slog.NewTextHandler(logs, nil))}, "runner-a")[0]

	advance(t, clock, 1, time.Minute) // 03:01:00 starts and holds
	waitUntil(t, heldDrillStarted(dir))
	advance(t, clock, 1, time.Minute) // 03:02:00 comes while it runs
	waitUntil(t, func() bool { return strings.Contains(logs.String(), "reason=still_running") })
	if want := "tick skipped: the drill is still running here (its previous tick or a game day)\" scenario=slow scheduled_at=2026-11-25T03:02:00.000Z reason=still_running"; !strings.Contains(logs.String(), want) {
		t.Errorf("logs lack %q:\n%s", want, logs.String())
	}
	if skipped := scheduler.SkippedTicks(); len(skipped) != 1 || skipped[0] != (reports.SkippedTicks{Scenario: "slow", Reason: "still_running", Ticks: 1}) {
		t.Errorf("skipped ticks %+v, want the 03:02 tick of slow, still running", skipped)
	}
	releaseHeldDrill(t, dir)
	waitUntil(t, finishedRuns(t, history, 1))
	// The count outlives a reload.
	reloaded, err := scheduler.Reload(set)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = reloaded.Shutdown(context.Background()) })
	if skipped := reloaded.SkippedTicks(); len(skipped) != 1 || skipped[0].Ticks != 1 {
		t.Errorf("skipped ticks after a reload %+v, want the one of before", skipped)
	}
}

// Two runners share a store: while one still runs the drill of a tick,
// the other, which wins the next tick, does not start it a second time.
func TestTickSkippedWhileAnotherRunnerRunsTheDrill(t *testing.T) {
	dir := t.TempDir()
	set := scheduledSet(t, holdingDrill(dir))
	history := scheduleHistory(t, dir)
	clock := clockwork.NewFakeClockAt(time.Date(2026, 11, 25, 3, 0, 30, 0, time.UTC))
	logs := &syncWriter{}
	startSchedulers(t, set, SchedulerOptions{Store: history, Clock: clock, Logger: slog.New(slog.NewTextHandler(logs, nil))}, "runner-a", "runner-b")

	advance(t, clock, 2, time.Minute)
	waitUntil(t, heldDrillStarted(dir))
	advance(t, clock, 2, time.Minute)
	waitUntil(t, func() bool {
		return strings.Contains(logs.String(), "tick skipped: the drill is still running on another runner")
	})
	if !strings.Contains(logs.String(), "reason=running_elsewhere") {
		t.Errorf("the skipped tick is logged without its reason:\n%s", logs.String())
	}
	releaseHeldDrill(t, dir)
	waitUntil(t, finishedRuns(t, history, 1))
	runs, err := history.Runs(context.Background(), store.RunQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 1 {
		t.Errorf("%d runs of the drill, want 1: it ran twice at once", len(runs))
	}
}

// startSchedulers starts one scheduler per owner on a shared store and
// shuts them down when the test ends.
func startSchedulers(t *testing.T, set *scenarios.Set, opts SchedulerOptions, owners ...string) []*Scheduler {
	t.Helper()
	var schedulers []*Scheduler
	for _, owner := range owners {
		opts.Identity = Identity{Host: owner, PID: os.Getpid()}
		s, err := NewScheduler(set, opts)
		if err != nil {
			t.Fatal(err)
		}
		s.Start()
		t.Cleanup(func() { _ = s.Shutdown(context.Background()) })
		schedulers = append(schedulers, s)
	}
	return schedulers
}

// holdingDrill is a scheduled scenario whose step runs until the file
// release appears in dir, and says it started with the file started.
func holdingDrill(dir string) string {
	return strings.ReplaceAll(`scenario "slow" {
		schedule {
			cron = "* * * * *"
		}
		recover {
			step "restore" {
				command { run = ["sh", "-c", "touch {{dir}}/started; while [ ! -f {{dir}}/release ]; do sleep 0.02; done"] }
			}
		}
	}
	`, "{{dir}}", dir)
}

// advance moves the fake clock once waiters timers wait on it: one per
// scheduled job.
func advance(t *testing.T, clock *clockwork.FakeClock, waiters int, by time.Duration) {
	t.Helper()
	if err := clock.BlockUntilContext(context.Background(), waiters); err != nil {
		t.Fatal(err)
	}
	clock.Advance(by)
}

// heldDrillStarted tells whether the holdingDrill of dir runs.
func heldDrillStarted(dir string) func() bool {
	return func() bool { _, err := os.Stat(filepath.Join(dir, "started")); return err == nil }
}

// releaseHeldDrill lets the holdingDrill of dir end.
func releaseHeldDrill(t *testing.T, dir string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, "release"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
}
