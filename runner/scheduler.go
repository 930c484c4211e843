package runner

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/go-co-op/gocron/v2"
	"github.com/jonboulle/clockwork"

	"github.com/redrill/redrill/scenarios"
	"github.com/redrill/redrill/store"
)

// SchedulerOptions configure scheduled drills.
type SchedulerOptions struct {
	Store store.Store
	// Clock drives the schedules; nil means the real clock. Tests pass a
	// fake one.
	Clock clockwork.Clock
	// Owner names this runner in claims; empty means host and pid.
	Owner   string
	Logger  *slog.Logger
	Observe func(Event)
}

// Scheduler runs scenarios on their schedule. With a store shared by
// several runners, each tick is claimed first, so it runs once.
type Scheduler struct {
	set       *scenarios.Set
	opts      SchedulerOptions
	scheduler gocron.Scheduler
	// drills cancels running drills at shutdown; rollback still runs.
	drills       context.Context
	cancelDrills context.CancelFunc
	running      sync.WaitGroup
}

// NewScheduler creates a job per scheduled scenario, named after it.
func NewScheduler(set *scenarios.Set, opts SchedulerOptions) (*Scheduler, error) {
	if opts.Clock == nil {
		opts.Clock = clockwork.NewRealClock()
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Owner == "" {
		host, _ := os.Hostname()
		opts.Owner = fmt.Sprintf("%s:%d", host, os.Getpid())
	}
	scheduler, err := gocron.NewScheduler(gocron.WithClock(opts.Clock), gocron.WithLocation(time.UTC))
	if err != nil {
		return nil, err
	}
	s := &Scheduler{set: set, opts: opts, scheduler: scheduler}
	s.drills, s.cancelDrills = context.WithCancel(context.Background())
	for _, sc := range set.Scenarios {
		if sc.Schedule == nil {
			continue
		}
		crontab := fmt.Sprintf("CRON_TZ=%s %s", sc.Schedule.Location, sc.Schedule.Cron)
		_, err := scheduler.NewJob(
			gocron.CronJob(crontab, true),
			gocron.NewTask(func() { s.tick(sc) }),
			gocron.WithName(sc.Name),
			// A drill never overlaps itself: a tick that comes while it
			// runs is skipped.
			gocron.WithSingletonMode(gocron.LimitModeReschedule),
		)
		if err != nil {
			_ = scheduler.Shutdown()
			return nil, fmt.Errorf("schedule %s: %w", sc.Name, err)
		}
	}
	return s, nil
}

// Start starts the schedules.
func (s *Scheduler) Start() { s.scheduler.Start() }

// Jobs lists the scheduled scenarios and their next run.
func (s *Scheduler) Jobs() map[string]time.Time {
	next := map[string]time.Time{}
	for _, job := range s.scheduler.Jobs() {
		if at, err := job.NextRun(); err == nil {
			next[job.Name()] = at
		}
	}
	return next
}

// Shutdown stops the schedules, cancels running drills (their rollback
// runs) and waits for them, at most until ctx ends.
func (s *Scheduler) Shutdown(ctx context.Context) error {
	err := s.scheduler.Shutdown()
	s.cancelDrills()
	done := make(chan struct{})
	go func() { s.running.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		return fmt.Errorf("drills still running at shutdown: %w", ctx.Err())
	}
	return err
}

// tick runs one scheduled drill if this runner claims the tick.
func (s *Scheduler) tick(sc *scenarios.Scenario) {
	s.running.Add(1)
	defer s.running.Done()
	// A tick fires at or just after its time; the whole second names it
	// the same way on every runner.
	scheduledAt := s.opts.Clock.Now().UTC().Truncate(time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	won, err := s.opts.Store.Claim(ctx, sc.Name, scheduledAt, s.opts.Owner)
	cancel()
	if err != nil {
		s.opts.Logger.Error("scheduled drill skipped: cannot claim its tick", "scenario", sc.Name, "scheduled_at", scheduledAt, "error", err)
		return
	}
	if !won {
		s.opts.Logger.Info("scheduled drill taken by another runner", "scenario", sc.Name, "scheduled_at", scheduledAt)
		return
	}
	defer func() {
		if recovered := recover(); recovered != nil {
			s.opts.Logger.Error("scheduled drill panicked", "scenario", sc.Name, "panic", fmt.Sprint(recovered))
		}
	}()
	result := Run(s.drills, s.set, sc, Options{Store: s.opts.Store, Trigger: store.TriggerSchedule, Observe: s.opts.Observe})
	s.opts.Logger.Info("scheduled drill finished", "scenario", sc.Name, "run_id", result.RunID, "verdict", result.Verdict)
}
