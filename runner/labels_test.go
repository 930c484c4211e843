package runner

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/redrill/redrill/store"
)

const labelledSet = `scenario "eu-restore" {
	runner {
		labels = { site = "eu-west" }
	}
	schedule {
		cron = "* * * * *"
	}
	recover {
		step "restore" {
			command { run = ["true"] }
		}
	}
}
scenario "anywhere" {
	schedule {
		cron = "* * * * *"
	}
	recover {
		step "restore" {
			command { run = ["true"] }
		}
	}
}
`

// startLabelledRunners starts a scheduler per runner name, each with its
// labels and registered in history as a serve would be.
func startLabelledRunners(t *testing.T, history store.Store, clock clockwork.Clock, runners map[string]map[string]string) []*Scheduler {
	t.Helper()
	return startLabelledRunnersOf(t, labelledSet, history, clock, runners)
}

// startLabelledRunnersOf starts them on the scenarios of src.
func startLabelledRunnersOf(t *testing.T, src string, history store.Store, clock clockwork.Clock, runners map[string]map[string]string) []*Scheduler {
	t.Helper()
	return startRunners(t, src, history, clock, runners, 0)
}

// startRunners starts them, looking for unclaimed ticks after
// unclaimedAfter (zero: the default).
func startRunners(t *testing.T, src string, history store.Store, clock clockwork.Clock, runners map[string]map[string]string, unclaimedAfter time.Duration) []*Scheduler {
	t.Helper()
	var schedulers []*Scheduler
	set := scheduledSet(t, src)
	for name, own := range runners {
		identity := Identity{Host: name, PID: os.Getpid()}
		now := time.Now()
		if err := history.RegisterRunner(context.Background(), store.Runner{Name: identity.String(), Labels: own, Host: name, PID: identity.PID, StartedAt: now, HeartbeatAt: now}); err != nil {
			t.Fatal(err)
		}
		s, err := NewScheduler(set, SchedulerOptions{Store: history, Clock: clock, Identity: identity, Labels: own, unclaimedAfter: unclaimedAfter})
		if err != nil {
			t.Fatal(err)
		}
		s.Start()
		t.Cleanup(func() { _ = s.Shutdown(context.Background()) })
		schedulers = append(schedulers, s)
	}
	return schedulers
}

// waitUntilIdle waits until no scheduler holds a drill: a run is recorded
// finished a moment before its runner lets go of it, and the next tick
// would find it still running there.
func waitUntilIdle(t *testing.T, schedulers []*Scheduler) {
	t.Helper()
	waitUntil(t, func() bool {
		for _, s := range schedulers {
			if len(s.drills.busy([]string{"eu-restore", "anywhere"})) > 0 {
				return false
			}
		}
		return true
	})
}

// runsOf lists the finished runs of a scenario, oldest first.
func runsOf(t *testing.T, history store.Store, scenario string) []store.Run {
	t.Helper()
	runs, err := history.Runs(context.Background(), store.RunQuery{Scenario: scenario})
	if err != nil {
		t.Fatal(err)
	}
	var finished []store.Run
	for i := len(runs) - 1; i >= 0; i-- {
		if runs[i].Status == store.StatusFinished {
			finished = append(finished, runs[i])
		}
	}
	return finished
}

// A scenario with a runner block runs only on a runner with its labels,
// each tick once; one without runs anywhere; every run records the labels
// of the runner that ran it.
func TestLabelledTicksRunOnlyOnMatchingRunners(t *testing.T) {
	history := scheduleHistory(t, t.TempDir())
	clock := clockwork.NewFakeClockAt(time.Date(2026, 11, 25, 3, 0, 30, 0, time.UTC))
	schedulers := startLabelledRunners(t, history, clock, map[string]map[string]string{
		"eu-1": {"site": "eu-west", "hw": "nvme"},
		"us-1": {"site": "us-east"},
		"us-2": {"site": "us-east"},
	})
	for tick := 1; tick <= 3; tick++ {
		advance(t, clock, 3*2, time.Minute)
		waitUntil(t, func() bool {
			return len(runsOf(t, history, "eu-restore")) >= tick && len(runsOf(t, history, "anywhere")) >= tick
		})
		waitUntilIdle(t, schedulers)
	}
	eu := runsOf(t, history, "eu-restore")
	if len(eu) != 3 {
		t.Fatalf("%d runs of eu-restore for 3 ticks, want 3", len(eu))
	}
	for _, run := range eu {
		if run.Host != "eu-1" || run.Verdict != store.VerdictMet || run.RunnerLabels["site"] != "eu-west" || run.RunnerLabels["hw"] != "nvme" {
			t.Errorf("eu-restore ran on %s with labels %v, verdict %s; want eu-1 (site=eu-west, hw=nvme), met", run.Host, run.RunnerLabels, run.Verdict)
		}
	}
	if anywhere := runsOf(t, history, "anywhere"); len(anywhere) != 3 {
		t.Errorf("%d runs of anywhere for 3 ticks, want 3", len(anywhere))
	}
	// Filtered by label: the runs of the EU runner only.
	onEU, err := history.Runs(context.Background(), store.RunQuery{Labels: map[string]string{"site": "eu-west"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, run := range onEU {
		if run.Host != "eu-1" {
			t.Errorf("history --label site=eu-west lists a run of %s", run.Host)
		}
	}
}

// A tick that no live runner matches is recorded once, as not_run, by a
// runner that does not match, with the labels asked and what each live
// runner lacks.
func TestTickNoRunnerMatchesIsRecordedNotRun(t *testing.T) {
	history := scheduleHistory(t, t.TempDir())
	clock := clockwork.NewFakeClockAt(time.Date(2026, 11, 25, 3, 0, 30, 0, time.UTC))
	// An EU runner gone for an hour is no runner.
	stopped := time.Now().Add(-time.Hour)
	if err := history.RegisterRunner(context.Background(), store.Runner{Name: "eu-1:1", Labels: map[string]string{"site": "eu-west"}, StartedAt: stopped, HeartbeatAt: stopped}); err != nil {
		t.Fatal(err)
	}
	schedulers := startLabelledRunners(t, history, clock, map[string]map[string]string{
		"us-1": {"site": "us-east"},
		"us-2": {"site": "us-east"},
	})
	for tick := 1; tick <= 2; tick++ {
		advance(t, clock, 2*2, time.Minute)
		waitUntil(t, func() bool {
			return len(runsOf(t, history, "eu-restore")) >= tick && len(runsOf(t, history, "anywhere")) >= tick
		})
		waitUntilIdle(t, schedulers)
	}
	notRun := runsOf(t, history, "eu-restore")
	if len(notRun) != 2 {
		t.Fatalf("%d records of eu-restore for 2 ticks, want 2", len(notRun))
	}
	for _, run := range notRun {
		if run.Verdict != store.VerdictNotRun || run.RTO != nil || len(run.RunnerLabels) != 0 || run.ScheduledAt.IsZero() {
			t.Errorf("run %+v, want not_run, no RTO, no runner labels, its tick", run)
		}
		for _, want := range []string{"not run: no live runner with labels site=eu-west", "us-1:", "lacks site=eu-west", "us-2:"} {
			if !strings.Contains(run.Reason, want) {
				t.Errorf("reason %q does not say %q", run.Reason, want)
			}
		}
	}
	_, steps, err := history.Run(context.Background(), notRun[0].ID)
	if err != nil || len(steps) != 0 {
		t.Errorf("a not_run run has steps %v (%v): it touched nothing", steps, err)
	}
}

// A tick whose only matching runner was killed a moment before it fell
// (still listed up: its heartbeat is fresh) is claimed by no one; the
// runner watching such ticks records it not_run once, saying which
// runners did not take it, and a tick a live matching runner took is
// left alone.
func TestTickThatNoMatchingRunnerTookIsRecordedNotRun(t *testing.T) {
	history := scheduleHistory(t, t.TempDir())
	clock := clockwork.NewFakeClockAt(time.Date(2026, 11, 25, 3, 0, 30, 0, time.UTC))
	// Killed just now: no process, a heartbeat a second old.
	killed := time.Now().Add(-time.Second)
	if err := history.RegisterRunner(context.Background(), store.Runner{Name: "eu-1:1", Labels: map[string]string{"site": "eu-west"}, Host: "eu-1", PID: 1, StartedAt: killed, HeartbeatAt: killed}); err != nil {
		t.Fatal(err)
	}
	schedulers := startRunners(t, labelledSet, history, clock, map[string]map[string]string{
		"us-1": {"site": "us-east"},
		"us-2": {"site": "us-east"},
	}, 300*time.Millisecond)
	advance(t, clock, 2*2, time.Minute)
	waitUntil(t, func() bool {
		return len(runsOf(t, history, "eu-restore")) >= 1 && len(runsOf(t, history, "anywhere")) >= 1
	})
	waitUntilIdle(t, schedulers)
	notRun := runsOf(t, history, "eu-restore")
	if len(notRun) != 1 || notRun[0].Verdict != store.VerdictNotRun {
		t.Fatalf("eu-restore's tick recorded as %+v, want one not_run", notRun)
	}
	for _, want := range []string{"no runner took the tick within 300ms", "site=eu-west", "eu-1:1", "none claimed it"} {
		if !strings.Contains(notRun[0].Reason, want) {
			t.Errorf("reason %q does not say %q", notRun[0].Reason, want)
		}
	}
	if ran := runsOf(t, history, "anywhere"); len(ran) != 1 || ran[0].Verdict != store.VerdictMet {
		t.Errorf("the tick a live runner took: %+v, want one met run", ran)
	}
}

// A tick that fell while a run of the drill was under way was skipped by
// the runner running it; the watch does not record it not_run.
func TestDrillBusyAt(t *testing.T) {
	tick := time.Date(2026, 11, 25, 3, 1, 0, 0, time.UTC)
	now := tick.Add(30 * time.Second)
	eu := map[string]string{"site": "eu-west"}
	for _, tc := range []struct {
		name string
		last store.Run
		busy bool
	}{
		{"running now, a fresh heartbeat", store.Run{Status: store.StatusRunning, RunnerLabels: eu, StartedAt: tick.Add(-time.Hour), HeartbeatAt: now.Add(-time.Second)}, true},
		{"under way at the tick, finished since", store.Run{Status: store.StatusFinished, RunnerLabels: eu, StartedAt: tick.Add(-30 * time.Second), EndedAt: tick.Add(10 * time.Second), HeartbeatAt: tick.Add(10 * time.Second)}, true},
		{"finished before the tick", store.Run{Status: store.StatusFinished, RunnerLabels: eu, StartedAt: tick.Add(-time.Minute), EndedAt: tick.Add(-time.Second)}, false},
		// A matching runner lived on past the tick: it skipped it, the
		// run before still under way (CI: a tick recorded not_run so).
		{"a later run by a matching runner", store.Run{Status: store.StatusFinished, RunnerLabels: eu, StartedAt: tick.Add(time.Second), EndedAt: tick.Add(5 * time.Second)}, true},
		{"its runner dead long before the tick", store.Run{Status: store.StatusRunning, RunnerLabels: eu, StartedAt: tick.Add(-time.Hour), HeartbeatAt: tick.Add(-time.Hour)}, false},
		// Another tick's not_run record, being written: no runner labels.
		{"a not_run record under way", store.Run{Status: store.StatusRunning, RunnerLabels: map[string]string{}, StartedAt: now.Add(-time.Millisecond), HeartbeatAt: now}, false},
	} {
		if got := drillBusyAt(tc.last, eu, tick, now); got != tc.busy {
			t.Errorf("%s: busy %v, want %v", tc.name, got, tc.busy)
		}
	}
}

const labelledGameDay = `scenario "db" {
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
gameday "eu-december" {
	start     = "2026-12-05T09:00:00Z"
	scenarios = ["db", "web"]
	runner {
		labels = { site = "eu-west" }
	}
}
`

// A game day runs on a runner with its labels; when no live runner has
// them, its start is recorded once, by a runner that does not match: each
// of its scenarios not_run, under the game day's name, touching nothing.
func TestGameDayRunsOnlyOnAMatchingRunner(t *testing.T) {
	for _, tc := range []struct {
		name    string
		runners map[string]map[string]string
		verdict string
		host    string
	}{
		{"an EU runner runs it", map[string]map[string]string{"eu-1": {"site": "eu-west"}, "us-1": {"site": "us-east"}}, store.VerdictMet, "eu-1"},
		{"with no EU runner it is recorded not_run", map[string]map[string]string{"us-1": {"site": "us-east"}, "us-2": {"site": "us-east"}}, store.VerdictNotRun, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			history := scheduleHistory(t, t.TempDir())
			clock := clockwork.NewFakeClockAt(time.Date(2026, 12, 5, 8, 59, 0, 0, time.UTC))
			schedulers := startLabelledRunnersOf(t, labelledGameDay, history, clock, tc.runners)
			advance(t, clock, len(schedulers), 2*time.Minute)
			waitUntil(t, func() bool { return len(runsOf(t, history, "db")) >= 1 && len(runsOf(t, history, "web")) >= 1 })
			waitUntil(t, func() bool {
				for _, s := range schedulers {
					if len(s.drills.busy([]string{"db", "web", gameDayJob("eu-december")})) > 0 {
						return false
					}
				}
				return true
			})
			for _, scenario := range []string{"db", "web"} {
				runs := runsOf(t, history, scenario)
				if len(runs) != 1 {
					t.Fatalf("%d runs of %s for one game day, want one", len(runs), scenario)
				}
				run := runs[0]
				if run.Verdict != tc.verdict || run.GameDay != "eu-december" || run.Trigger != store.TriggerGameDay {
					t.Errorf("%s: verdict %s (%s), game day %q, trigger %s; want %s in eu-december", scenario, run.Verdict, run.Reason, run.GameDay, run.Trigger, tc.verdict)
				}
				switch tc.verdict {
				case store.VerdictMet:
					if run.Host != tc.host || run.RunnerLabels["site"] != "eu-west" {
						t.Errorf("%s ran on %s with labels %v, want %s", scenario, run.Host, run.RunnerLabels, tc.host)
					}
				case store.VerdictNotRun:
					for _, want := range []string{"not run: no live runner with labels site=eu-west", "us-1:", "us-2:"} {
						if !strings.Contains(run.Reason, want) {
							t.Errorf("%s: reason %q does not say %q", scenario, run.Reason, want)
						}
					}
					if len(run.RunnerLabels) != 0 || run.RTO != nil {
						t.Errorf("%s: runner labels %v, RTO %v; a not_run run ran nowhere", scenario, run.RunnerLabels, run.RTO)
					}
					if _, steps, err := history.Run(context.Background(), run.ID); err != nil || len(steps) != 0 {
						t.Errorf("%s: a not_run run has steps %v (%v): it touched nothing", scenario, steps, err)
					}
				}
			}
		})
	}
}
