package runner

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/go-co-op/gocron/v2"
	"github.com/jonboulle/clockwork"

	"github.com/redrill/redrill/reports"
	"github.com/redrill/redrill/scenarios"
	"github.com/redrill/redrill/store"
)

// ScheduleStore is what a scheduler needs of the history: it claims
// ticks, tells whether a drill still runs elsewhere, and records the runs
// it starts.
type ScheduleStore interface {
	store.Recorder
	store.Claimer
	store.RunnerRegistry
}

// SchedulerOptions configure scheduled drills.
type SchedulerOptions struct {
	Store ScheduleStore
	// Clock drives the schedules; nil means the real clock. Tests pass a
	// fake one. Runs and heartbeats are on RunClock.
	Clock clockwork.Clock
	// RunClock measures the runs the scheduler starts and dates their
	// heartbeats, which runners sharing a store compare; nil means the
	// real clock.
	RunClock clockwork.Clock
	// Identity names this runner in claims and in the runs it records;
	// zero means this process (LocalIdentity).
	Identity Identity
	// Labels say what this runner is (site=eu-west): it runs only the
	// scenarios and game days whose runner block they match.
	Labels map[string]string
	Logger *slog.Logger
	// Observe, when set, receives every event of every scheduled run,
	// besides the set's notify webhooks.
	Observe func(store.Event)
	// DashboardURL is where runs are shown; notifications link to them.
	DashboardURL string

	// skipped counts the ticks not run, across reloads: Reload passes it
	// on to the next schedule.
	skipped *skippedTicks
	// unclaimedAfter, when set, replaces the wait of the same name
	// (placement.go) for tests on the real run clock.
	unclaimedAfter time.Duration
	// tickDone, when set, is called once a tick's work on this runner is
	// over, whatever it was (run, skipped, left to another runner): a
	// test driving the clock waits on it before it moves the clock on.
	tickDone func(scenario string, scheduledAt time.Time)
}

// Scheduler runs scenarios on their schedule. With a store shared by
// several runners, each tick is claimed first, so it runs once.
type Scheduler struct {
	set       *scenarios.Set
	opts      SchedulerOptions
	scheduler gocron.Scheduler
	notifier  *Notifier
	drills    *drillPool
	// stopHousekeeping stops the marking of the runs of stopped runners.
	stopHousekeeping func()
	// known is the store's list of runners, read at most once a heartbeat
	// interval: every tick of a scenario this runner does not match asks
	// it, a thousand a minute on a large set.
	known knownRunners
}

// knownRunners caches the runners the store lists.
type knownRunners struct {
	mu      sync.Mutex
	runners []store.Runner
	readAt  time.Time
}

// NewScheduler creates a job per scheduled scenario, named after it, and
// one per game day still to come.
func NewScheduler(set *scenarios.Set, opts SchedulerOptions) (*Scheduler, error) {
	return newScheduler(set, opts, newDrillPool())
}

// Reload replaces the schedule with that of set. Drills under way go on
// to their end; a scenario still running is not started again meanwhile.
// When set cannot be scheduled, the current schedule keeps running.
func (s *Scheduler) Reload(set *scenarios.Set) (*Scheduler, error) {
	next, err := newScheduler(set, s.opts, s.drills)
	if err != nil {
		return nil, err
	}
	// gocron waits for the old jobs under way; the pool already does.
	s.stopHousekeeping()
	go func() { _ = s.scheduler.Shutdown() }()
	next.Start()
	return next, nil
}

func newScheduler(set *scenarios.Set, opts SchedulerOptions, drills *drillPool) (*Scheduler, error) {
	if opts.Clock == nil {
		opts.Clock = clockwork.NewRealClock()
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.RunClock == nil {
		opts.RunClock = clockwork.NewRealClock()
	}
	if opts.Identity == (Identity{}) {
		opts.Identity = LocalIdentity()
	}
	if opts.skipped == nil {
		opts.skipped = &skippedTicks{counts: map[skippedKey]int{}}
	}
	scheduler, err := gocron.NewScheduler(gocron.WithClock(opts.Clock), gocron.WithLocation(time.UTC), gocron.WithStopTimeout(time.Second))
	if err != nil {
		return nil, err
	}
	s := &Scheduler{set: set, opts: opts, scheduler: scheduler, notifier: NewNotifier(set.Notifiers, opts.Logger), drills: drills, stopHousekeeping: func() {}}
	s.notifier.DashboardURL = opts.DashboardURL
	drills.mu.Lock()
	drills.notifiers = append(drills.notifiers, s.notifier)
	drills.mu.Unlock()
	for _, sc := range set.Scenarios {
		if sc.Schedule == nil {
			continue
		}
		_, err := scheduler.NewJob(
			sc.Schedule.Ticks.Job(),
			gocron.NewTask(func() { s.tick(sc) }),
			gocron.WithName(sc.Name),
			// No singleton mode: gocron would drop a tick that comes
			// while the previous one runs without a word. Every tick
			// calls tick, which skips it when the drill still runs
			// (drills.enter), and logs and counts it.
		)
		if err != nil {
			_ = scheduler.Shutdown()
			return nil, fmt.Errorf("schedule %s: %w", sc.Name, err)
		}
	}
	for _, gd := range set.GameDays {
		if !gd.Start.After(opts.Clock.Now()) {
			opts.Logger.Info("game day not scheduled: its start is past (redrill run --gameday runs it now)", "gameday", gd.Name, "start", gd.Start)
			continue
		}
		_, err := scheduler.NewJob(
			gocron.OneTimeJob(gocron.OneTimeJobStartDateTime(gd.Start)),
			gocron.NewTask(func() { s.gameDay(gd) }),
			gocron.WithName(gameDayJob(gd.Name)),
		)
		if err != nil {
			_ = scheduler.Shutdown()
			return nil, fmt.Errorf("game day %s: %w", gd.Name, err)
		}
	}
	return s, nil
}

// Start starts the schedules, and the marking of runs whose runner
// stopped.
func (s *Scheduler) Start() {
	// Every heartbeat interval, on the clock the heartbeats are dated by.
	s.stopHousekeeping = sync.OnceFunc(every(s.opts.RunClock, store.HeartbeatInterval, func(time.Time) { s.markStoppedRunners() }))
	s.scheduler.Start()
}

// Jobs lists the scheduled scenarios and game days and their next run.
func (s *Scheduler) Jobs() map[string]time.Time {
	next := map[string]time.Time{}
	for _, job := range s.scheduler.Jobs() {
		if at, err := job.NextRun(); err == nil {
			next[job.Name()] = at
		}
	}
	return next
}

// NextScenarioRuns is Jobs without the game days: each scheduled
// scenario's next run.
func (s *Scheduler) NextScenarioRuns() map[string]time.Time {
	next := s.Jobs()
	for name := range next {
		if strings.HasPrefix(name, gameDayJob("")) {
			delete(next, name)
		}
	}
	return next
}

// ScheduledScenarios is every scheduled scenario with its owner, schedule
// and next run, for the dashboard's /metrics: it lists a scenario from the
// moment it is loaded, before its first run.
func (s *Scheduler) ScheduledScenarios() []reports.ScheduledScenario {
	next, now := s.Jobs(), s.opts.Clock.Now()
	var scheduled []reports.ScheduledScenario
	for _, sc := range s.set.Scenarios {
		if sc.Schedule == nil {
			continue
		}
		scheduled = append(scheduled, reports.ScheduledScenario{
			Scenario: sc.Name, Owner: sc.Owner, Schedule: sc.Schedule.Cron, Timezone: sc.Schedule.Location.String(),
			NextRun: next[sc.Name], Interval: sc.Schedule.Ticks.Interval(now),
		})
	}
	return scheduled
}

// Shutdown stops the schedules, cancels the drills under way (their
// rollback runs) and waits for them and their notifications, at most
// until ctx ends.
func (s *Scheduler) Shutdown(ctx context.Context) error {
	return s.shutdown(ctx, errSchedulerShutdown)
}

// errSchedulerShutdown is why Shutdown interrupts the drills under way.
var errSchedulerShutdown = errors.New("the scheduler shut down")

// shutdown is Shutdown with the cause that interrupted drills name.
func (s *Scheduler) shutdown(ctx context.Context, cause error) error {
	s.stopHousekeeping()
	s.drills.stop(cause)
	_ = s.scheduler.Shutdown()
	done := make(chan struct{})
	go func() { s.drills.running.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		return fmt.Errorf("drills still running at shutdown: %w", ctx.Err())
	}
	s.drills.mu.Lock()
	notifiers := slices.Clone(s.drills.notifiers)
	s.drills.mu.Unlock()
	for _, n := range notifiers {
		n.Wait(ctx)
	}
	return nil
}

// observe passes a run's events to the webhooks and to Options.Observe.
func (s *Scheduler) observe(e store.Event) {
	s.notifier.Observe(e)
	if s.opts.Observe != nil {
		s.opts.Observe(e)
	}
}

// gameDayJob names a game day's job and its claim; scenario names are
// identifiers, so they never contain the slash.
func gameDayJob(name string) string { return "gameday/" + name }

// tick runs one scheduled drill if this runner claims the tick; a tick
// it does not run is logged and counted with the reason.
func (s *Scheduler) tick(sc *scenarios.Scenario) {
	scheduledAt := sc.Schedule.Ticks.TickAt(s.opts.Clock.Now())
	if s.opts.tickDone != nil {
		// Deferred first, so called last: after the drill is let go.
		defer s.opts.tickDone(sc.Name, scheduledAt)
	}
	if !store.Matches(s.opts.Labels, sc.RunnerLabels) {
		s.notForThisRunner(sc, scheduledAt)
		return
	}
	if !s.drills.enter(sc.Name) {
		if s.drills.ctx.Err() != nil {
			s.skip(sc.Name, scheduledAt, skipStopping, "tick skipped: serve is stopping")
		} else {
			s.skip(sc.Name, scheduledAt, skipStillRunning, "tick skipped: the drill is still running here (its previous tick or a game day)")
		}
		return
	}
	defer s.drills.leave(sc.Name)
	won, err := s.claim(sc.Name, scheduledAt)
	switch {
	case err != nil:
		s.skip(sc.Name, scheduledAt, skipClaimFailed, "tick skipped: cannot claim it in the store", "error", err)
		return
	case !won:
		s.skip(sc.Name, scheduledAt, skipTakenElsewhere, "tick skipped: taken by another runner")
		return
	}
	if s.runningElsewhere(sc.Name, scheduledAt) {
		return
	}
	run := s.runOptions()
	run.Trigger, run.ScheduledAt = store.TriggerSchedule, scheduledAt
	result := Run(s.drills.ctx, s.set, sc, run)
	s.opts.Logger.Info("scheduled drill finished", "scenario", sc.Name, "run_id", result.ID, "verdict", result.Verdict)
}

// gameDay runs a game day at its start if this runner claims it.
func (s *Scheduler) gameDay(gd *scenarios.GameDay) {
	job := gameDayJob(gd.Name)
	if !store.Matches(s.opts.Labels, gd.RunnerLabels) {
		s.gameDayNotForThisRunner(gd)
		return
	}
	if !s.drills.enter(job) {
		return
	}
	defer s.drills.leave(job)
	won, err := s.claim(job, gd.Start)
	if err != nil {
		s.opts.Logger.Error("game day skipped: cannot claim it in the store", "gameday", gd.Name, "start", gd.Start, "error", err)
		return
	}
	if !won {
		s.opts.Logger.Info("game day taken by another runner", "gameday", gd.Name, "start", gd.Start)
		return
	}
	// A scenario of the game day may be running on its own schedule: the
	// game day waits for it rather than run it twice at once.
	if busy := s.drills.busy(gd.Scenarios); len(busy) > 0 {
		s.opts.Logger.Info("game day waits for drills under way to end", "gameday", gd.Name, "running", busy)
	}
	if !s.drills.enterAll(gd.Scenarios) {
		return
	}
	defer s.drills.leave(gd.Scenarios...)
	s.opts.Logger.Info("game day started", "gameday", gd.Name, "scenarios", gd.Scenarios, "parallel", gd.Parallel)
	results, err := RunGameDay(s.drills.ctx, s.set, gd, s.runOptions())
	if err != nil {
		s.opts.Logger.Error("game day not run", "gameday", gd.Name, "error", err)
		return
	}
	verdicts := map[string]int{}
	for _, r := range results {
		verdicts[r.Verdict]++
	}
	s.opts.Logger.Info("game day finished", "gameday", gd.Name, "runs", len(results), "verdicts", verdicts)
}

// runOptions are what every run the scheduler starts gets.
func (s *Scheduler) runOptions() Options {
	return Options{Store: s.opts.Store, Observe: s.observe, Clock: s.opts.RunClock, Identity: s.opts.Identity, Labels: s.opts.Labels, OnlyIfStartStored: true}
}

// claim records in the store that this runner takes the job's tick, and
// tells whether it won it.
func (s *Scheduler) claim(job string, scheduledAt time.Time) (bool, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return s.opts.Store.Claim(ctx, job, scheduledAt, s.opts.Identity.String())
}

// runningElsewhere tells whether another runner sharing the store is
// still running the scenario (its previous tick, or a game day): the drill
// must not run twice at once. A run whose runner is gone (a dead process
// of this host, or a heartbeat gone stale) is marked interrupted first and
// does not count.
func (s *Scheduler) runningElsewhere(scenario string, scheduledAt time.Time) bool {
	s.markStoppedRunners()
	ctx, cancel := context.WithTimeout(context.Background(), storeWriteLimit)
	defer cancel()
	last, ran, err := s.opts.Store.LatestRun(ctx, scenario)
	if err != nil {
		s.skip(scenario, scheduledAt, skipRunningUnknown, "tick skipped: cannot tell whether the drill still runs elsewhere", "error", err)
		return true
	}
	// Heartbeats are on the run clock, whatever drives the schedule.
	if ran && runAlive(last, s.opts.RunClock.Now()) {
		s.skip(scenario, scheduledAt, skipRunningElsewhere, "tick skipped: the drill is still running on another runner", "run_id", last.ID, "host", last.Host)
		return true
	}
	return false
}

// markStoppedRunners ends, as interrupted, the runs whose runner is gone,
// so that neither the scheduler nor a report takes them for running.
func (s *Scheduler) markStoppedRunners() {
	ctx, cancel := context.WithTimeout(context.Background(), storeWriteLimit)
	defer cancel()
	marked, err := s.opts.Store.MarkInterrupted(ctx, s.opts.RunClock.Now().Add(-store.StaleAfter))
	if err != nil {
		s.opts.Logger.Warn("cannot mark the runs of stopped runners as interrupted", "error", err)
		return
	}
	if marked > 0 {
		s.opts.Logger.Info("runs of stopped runners marked interrupted", "runs", marked)
	}
}

// Why a scheduled tick was not run: the reason label of
// redrill_ticks_skipped_total and the reason of the log line.
const (
	skipStillRunning     = "still_running"     // its previous tick, or a game day, still runs it here
	skipStopping         = "stopping"          // serve is stopping
	skipTakenElsewhere   = "taken_elsewhere"   // another runner claimed the tick (and runs it)
	skipClaimFailed      = "claim_failed"      // the claim could not be written: store unreachable or too slow
	skipRunningElsewhere = "running_elsewhere" // another runner still runs its previous tick
	skipRunningUnknown   = "running_unknown"   // the store could not say whether it runs elsewhere
)

// skippedKey is what skipped ticks are counted by.
type skippedKey struct{ scenario, reason string }

// skippedTicks counts the ticks not run since serve started.
type skippedTicks struct {
	mu     sync.Mutex
	counts map[skippedKey]int
}

// skip logs a tick not run, with why, and counts it.
func (s *Scheduler) skip(scenario string, scheduledAt time.Time, reason, message string, attrs ...any) {
	level := slog.LevelInfo
	if reason == skipClaimFailed || reason == skipRunningUnknown {
		level = slog.LevelError
	}
	s.opts.Logger.Log(context.Background(), level, message, append([]any{"scenario", scenario, "scheduled_at", scheduledAt, "reason", reason}, attrs...)...)
	s.opts.skipped.mu.Lock()
	s.opts.skipped.counts[skippedKey{scenario, reason}]++
	s.opts.skipped.mu.Unlock()
}

// SkippedTicks counts, by scenario and reason, the ticks not run since
// serve started, across reloads: redrill_ticks_skipped_total.
func (s *Scheduler) SkippedTicks() []reports.SkippedTicks {
	s.opts.skipped.mu.Lock()
	defer s.opts.skipped.mu.Unlock()
	skipped := make([]reports.SkippedTicks, 0, len(s.opts.skipped.counts))
	for key, ticks := range s.opts.skipped.counts {
		skipped = append(skipped, reports.SkippedTicks{Scenario: key.scenario, Reason: key.reason, Ticks: ticks})
	}
	slices.SortFunc(skipped, func(a, b reports.SkippedTicks) int {
		return cmp.Or(strings.Compare(a.Scenario, b.Scenario), strings.Compare(a.Reason, b.Reason))
	})
	return skipped
}
