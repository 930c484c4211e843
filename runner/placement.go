package runner

import (
	"cmp"
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/redrill/redrill/internal/labels"
	"github.com/redrill/redrill/scenarios"
	"github.com/redrill/redrill/store"
)

// Where a drill runs: the runners the store lists as up, which of them
// match a runner block, and the not_run record when none does.

// notForThisRunner handles the tick of a scenario whose runner block this
// runner does not match: a live runner that matches will run it; when
// there is none, the tick is claimed like any and recorded not_run, once
// across runners, so that no runner for a drill is a finding, not silence.
func (s *Scheduler) notForThisRunner(sc *scenarios.Scenario, scheduledAt time.Time) {
	runners, err := s.runners()
	if err != nil {
		s.opts.Logger.Warn("cannot tell whether a runner matches the scenario", "scenario", sc.Name, "labels", labels.String(sc.RunnerLabels), "error", err)
		return
	}
	if matching := Matching(runners, sc.RunnerLabels, s.opts.RunClock.Now()); len(matching) > 0 {
		if s.watches(runners, sc.RunnerLabels) {
			s.drills.watch(func() { s.recordIfUnclaimed(sc, scheduledAt, matching) })
		}
		return
	}
	s.recordNotRun(sc, scheduledAt, "scheduled drill not run: no live runner has its labels", NoRunnerReason(sc.RunnerLabels, runners, s.opts.RunClock.Now()))
}

// unclaimedAfter is how long after a tick the runner watching it looks
// whether a runner with its labels took it: longer than a claim takes
// under load (seconds), and than a killed runner stays up in the list
// (RunnerGoneAfter), the blind spot this watch covers.
const unclaimedAfter = 2 * store.RunnerGoneAfter

// watches tells whether this runner watches the ticks that only runners
// of labels want run: the first by name of the live runners without
// them, so that one runner, not every one, asks the store again.
func (s *Scheduler) watches(runners []store.Runner, want map[string]string) bool {
	now := s.opts.RunClock.Now()
	for _, r := range runners { // by name, as the store lists them
		if r.State(now) == store.RunnerUp && !store.Matches(r.Labels, want) {
			return r.Name == s.opts.Identity.String()
		}
	}
	return false
}

// recordIfUnclaimed records a tick not_run when no runner took it a while
// after it was due: the runners with its labels looked alive when it
// fell, but none claimed it (killed a moment before: a runner is listed
// up until RunnerGoneAfter without a heartbeat). A tick that fell while a
// run of the drill was under way is not such a tick: it was skipped.
// Only one runner watches (watches), and it must schedule the scenario
// itself: a runner that loads other scenario files does not.
func (s *Scheduler) recordIfUnclaimed(sc *scenarios.Scenario, scheduledAt time.Time, matching []store.Runner) {
	select {
	case <-s.opts.RunClock.After(cmp.Or(s.opts.unclaimedAfter, unclaimedAfter)):
	case <-s.drills.ctx.Done():
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), storeWriteLimit)
	defer cancel()
	last, ran, err := s.opts.Store.LatestRun(ctx, sc.Name)
	if err != nil {
		s.opts.Logger.Warn("cannot tell whether a runner took the tick", "scenario", sc.Name, "scheduled_at", scheduledAt, "error", err)
		return
	}
	if ran && drillBusyAt(last, sc.RunnerLabels, scheduledAt, s.opts.RunClock.Now()) {
		return
	}
	var names []string
	for _, r := range matching {
		names = append(names, r.Name)
	}
	s.recordNotRun(sc, scheduledAt, "scheduled drill not run: no runner with its labels took it", fmt.Sprintf("not run: no runner took the tick within %s; the runners with labels %s (%s) were listed up when it fell, and none claimed it",
		cmp.Or(s.opts.unclaimedAfter, unclaimedAfter), labels.String(sc.RunnerLabels), strings.Join(names, ", ")))
}

// drillBusyAt tells whether the scenario's newest run says a runner with
// the labels want handled the tick (a not_run record has no labels, and
// is under way for a moment while it is written): it is still under way
// (a fresh heartbeat); it started after the tick, so a matching runner
// lived on and skipped the tick, counted in its metrics (still_running:
// the run before it had not ended); or it was under way when the tick
// fell.
func drillBusyAt(last store.Run, want map[string]string, tick, now time.Time) bool {
	if len(want) == 0 || !store.Matches(last.RunnerLabels, want) {
		return false
	}
	if runAlive(last, now) || last.StartedAt.After(tick) {
		return true
	}
	// Alive at the tick: a run whose runner died long before it skipped
	// nothing.
	return last.StartedAt.Before(tick) && (last.EndedAt.IsZero() || last.EndedAt.After(tick)) &&
		last.HeartbeatAt.After(tick.Add(-store.StaleAfter))
}

// claimAttemptsForNotRun is how many times a not_run record's claim is
// tried before the tick is counted as skipped (claim_failed).
const claimAttemptsForNotRun = 3

// runAlive tells whether a run is under way at now: running, with a
// heartbeat newer than store.StaleAfter.
func runAlive(run store.Run, now time.Time) bool {
	return run.Status == store.StatusRunning && run.HeartbeatAt.After(now.Add(-store.StaleAfter))
}

// recordNotRun claims a tick and records it not_run with reason, once
// across runners: the claim is lost when a runner took the tick.
func (s *Scheduler) recordNotRun(sc *scenarios.Scenario, scheduledAt time.Time, message, reason string) {
	// A slot of its own for each tick, not the drill's: the record of one
	// tick (after the watch's wait) may be written while the next tick's
	// is, and neither may be dropped; the claim keeps each to one record.
	job := sc.Name + " not_run " + scheduledAt.UTC().Format(time.RFC3339Nano)
	if !s.drills.enter(job) {
		return
	}
	defer s.drills.leave(job)
	won, err := s.claim(sc.Name, scheduledAt)
	// A store slow to answer must not lose the record: asked again, a
	// second apart; the claim stays one record whoever wins.
	for attempt := 1; err != nil && attempt < claimAttemptsForNotRun; attempt++ {
		select {
		case <-s.opts.RunClock.After(time.Second):
		case <-s.drills.ctx.Done():
			return
		}
		won, err = s.claim(sc.Name, scheduledAt)
	}
	if err != nil {
		s.skip(sc.Name, scheduledAt, skipClaimFailed, "tick not recorded not_run: cannot claim it in the store", "error", err)
		return
	}
	if !won {
		return
	}
	s.opts.Logger.Warn(message, "scenario", sc.Name, "scheduled_at", scheduledAt, "reason", reason)
	run := s.runOptions()
	run.Trigger, run.ScheduledAt, run.NotRunBecause = store.TriggerSchedule, scheduledAt, reason
	// The run is recorded by this runner but was not run here.
	run.Labels = map[string]string{}
	Run(s.drills.ctx, s.set, sc, run)
}

// runners reads the runners the store knows, or the list read less than
// a heartbeat interval ago: a runner is gone only after three of them, so
// the list is never staler than the states it shows.
func (s *Scheduler) runners() ([]store.Runner, error) {
	s.known.mu.Lock()
	defer s.known.mu.Unlock()
	now := s.opts.RunClock.Now()
	if !s.known.readAt.IsZero() && now.Sub(s.known.readAt) < store.HeartbeatInterval {
		return s.known.runners, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), storeWriteLimit)
	defer cancel()
	runners, err := s.opts.Store.Runners(ctx)
	if err != nil {
		return nil, err
	}
	s.known.runners, s.known.readAt = runners, now
	return runners, nil
}

// Matching lists the runners up at now whose labels match want.
func Matching(runners []store.Runner, want map[string]string, now time.Time) []store.Runner {
	var matching []store.Runner
	for _, r := range runners {
		if r.State(now) == store.RunnerUp && store.Matches(r.Labels, want) {
			matching = append(matching, r)
		}
	}
	return matching
}

// NoRunnerReason says why no runner runs a scenario: the labels it asks
// for, and the live runners with what each lacks.
func NoRunnerReason(want map[string]string, runners []store.Runner, now time.Time) string {
	var live []string
	for _, r := range runners {
		if r.State(now) == store.RunnerUp {
			live = append(live, fmt.Sprintf("%s lacks %s", r.Name, strings.Join(labels.Missing(r.Labels, want), ",")))
		}
	}
	reason := "not run: no live runner with labels " + labels.String(want)
	if len(live) == 0 {
		return reason + " (no live runner at all)"
	}
	return reason + " (" + strings.Join(live, "; ") + ")"
}

// gameDayNotForThisRunner handles the start of a game day whose runner
// block this runner does not match, as notForThisRunner does a tick: a
// live runner that matches will run it; when there is none, the start is
// claimed like any and each of the day's scenarios recorded not_run, once
// across runners, under the game day's name.
func (s *Scheduler) gameDayNotForThisRunner(gd *scenarios.GameDay) {
	s.opts.Logger.Info("game day left to a runner with its labels", "gameday", gd.Name, "labels", labels.String(gd.RunnerLabels), "missing", labels.Missing(s.opts.Labels, gd.RunnerLabels))
	runners, err := s.runners()
	if err != nil {
		s.opts.Logger.Warn("cannot tell whether a runner matches the game day", "gameday", gd.Name, "labels", labels.String(gd.RunnerLabels), "error", err)
		return
	}
	if len(Matching(runners, gd.RunnerLabels, s.opts.RunClock.Now())) > 0 {
		return
	}
	job := gameDayJob(gd.Name)
	if !s.drills.enter(job) {
		return
	}
	defer s.drills.leave(job)
	won, err := s.claim(job, gd.Start)
	if err != nil || !won {
		return
	}
	reason := NoRunnerReason(gd.RunnerLabels, runners, s.opts.RunClock.Now())
	s.opts.Logger.Warn("game day not run: no live runner has its labels", "gameday", gd.Name, "start", gd.Start, "reason", reason)
	run := s.runOptions()
	run.NotRunBecause = reason
	// The runs are recorded by this runner but were not run here.
	run.Labels = map[string]string{}
	if _, err := RunGameDay(s.drills.ctx, s.set, gd, run); err != nil {
		s.opts.Logger.Error("game day not recorded", "gameday", gd.Name, "error", err)
	}
}
