package runner

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/redrill/redrill/reports"
	"github.com/redrill/redrill/scenarios"
	"github.com/redrill/redrill/store"
)

// ServeOptions configure Serve.
type ServeOptions struct {
	// Set is the scenarios to schedule; Reload reads them again, at each
	// value received from Reloads.
	Set     *scenarios.Set
	Reload  func() (*scenarios.Set, error)
	Reloads <-chan struct{}
	Store   store.Store
	// Listener is where the dashboard and /metrics are served; Token, when
	// set, is required on every path but /healthz.
	Listener net.Listener
	Token    string
	// DashboardURL is where people reach the dashboard, for the links in
	// notifications; empty means http://LISTENER.
	DashboardURL string
	Logger       *slog.Logger
	Identity     Identity
	// Labels say what this runner is; it registers in the store with
	// them and runs only the drills whose runner block they match.
	Labels map[string]string
	// Version is this runner's version, as the store's list of runners
	// shows it.
	Version string
	// ShutdownTimeout bounds how long drills under way may take to roll
	// back once ctx ends; zero means ten minutes.
	ShutdownTimeout time.Duration
}

// ErrDrillsOutlivedShutdown is returned by Serve when drills were still
// running when the shutdown timeout ran out.
var ErrDrillsOutlivedShutdown = errors.New("drills still running at shutdown")

// spoolFlushEvery is how often serve writes the events spooled while the
// store was away, without waiting for the next drill to end.
const spoolFlushEvery = time.Minute

// Serve runs the set's scheduled drills and game days and serves the
// dashboard until ctx ends; then it stops the schedule, lets the drills
// under way roll back and returns. A reload that fails keeps the running
// schedule.
func Serve(ctx context.Context, opts ServeOptions) error {
	if opts.DashboardURL == "" {
		opts.DashboardURL = "http://" + opts.Listener.Addr().String()
	}
	if opts.ShutdownTimeout == 0 {
		opts.ShutdownTimeout = 10 * time.Minute
	}
	if opts.Identity == (Identity{}) {
		opts.Identity = LocalIdentity()
	}
	console := reports.NewConsole(nil)
	defer console.Close()
	scheduler, err := NewScheduler(opts.Set, SchedulerOptions{Store: opts.Store, Logger: opts.Logger, DashboardURL: opts.DashboardURL, Identity: opts.Identity, Labels: opts.Labels, Observe: console.Observe})
	if err != nil {
		return err
	}
	presence := startPresence(opts)
	defer presence.stop()
	warnUnmatched(opts, opts.Set)
	scheduler.Start()
	// The dashboard reads the schedule while a reload may replace it.
	var current atomic.Pointer[Scheduler]
	current.Store(scheduler)
	server := &http.Server{
		Handler: reports.Handler(opts.Store, reports.HandlerOptions{
			Token:        opts.Token,
			Runners:      opts.Store,
			Scheduled:    func() []reports.ScheduledScenario { return current.Load().ScheduledScenarios() },
			SkippedTicks: func() []reports.SkippedTicks { return current.Load().SkippedTicks() },
			Console: reports.ConsoleOptions{
				Console:   console,
				GameDays:  func() []reports.ConsoleGameDay { return ConsoleGameDays(current.Load().set) },
				Actions:   opts.Store,
				PublicURL: opts.DashboardURL,
			},
		}),
		ReadHeaderTimeout: 10 * time.Second,
	}
	// The console's event streams never end on their own.
	server.RegisterOnShutdown(console.Close)
	go func() {
		if err := server.Serve(opts.Listener); err != nil && !errors.Is(err, http.ErrServerClosed) {
			opts.Logger.Error("dashboard stopped", "error", err)
		}
	}()
	opts.Logger.Info("serving", "dashboard", "http://"+opts.Listener.Addr().String()+"/", "store", opts.Store.Where(), "scheduled", len(scheduler.Jobs()))
	serveUntilDone(ctx, opts, &current)

	shutdownCtx, cancel := context.WithTimeout(context.Background(), opts.ShutdownTimeout)
	defer cancel()
	_ = server.Shutdown(shutdownCtx)
	// The drills under way end with ctx's cause: "received SIGTERM".
	if err := current.Load().shutdown(shutdownCtx, context.Cause(ctx)); err != nil {
		return fmt.Errorf("%w: %w", ErrDrillsOutlivedShutdown, err)
	}
	return nil
}

// serveUntilDone reloads on request and flushes the spool every minute
// until ctx ends.
func serveUntilDone(ctx context.Context, opts ServeOptions, current *atomic.Pointer[Scheduler]) {
	flushing := time.NewTicker(spoolFlushEvery)
	defer flushing.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-flushing.C:
			flushCtx, cancel := context.WithTimeout(context.Background(), storeWriteLimit)
			if err := opts.Store.Flush(flushCtx); err != nil {
				opts.Logger.Warn("spooled events still wait for the store", "error", err)
			}
			cancel()
		case <-opts.Reloads:
			current.Store(reload(opts, current.Load()))
		}
	}
}

// reload reads the scenarios again; a set that cannot be read or
// scheduled keeps the old schedule, and drills under way go on.
func reload(opts ServeOptions, current *Scheduler) *Scheduler {
	set, err := opts.Reload()
	if err != nil {
		opts.Logger.Error("reload refused; the previous schedule keeps running", "error", err)
		return current
	}
	next, err := current.Reload(set)
	if err != nil {
		opts.Logger.Error("reload refused; the previous schedule keeps running", "error", err)
		return current
	}
	opts.Logger.Info("reloaded", "scheduled", len(next.Jobs()))
	warnUnmatched(opts, set)
	return next
}

// presence keeps this runner registered in the store while it serves: a
// heartbeat every store.HeartbeatInterval, and its stop when it ends.
type presence struct {
	opts          ServeOptions
	stopHeartbeat func()
	// reaching says whether the last heartbeat reached the store, so that
	// a lost store is logged once, and its return once.
	reaching bool
}

func startPresence(opts ServeOptions) *presence {
	p := &presence{opts: opts, reaching: true}
	ctx, cancel := context.WithTimeout(context.Background(), storeWriteLimit)
	defer cancel()
	now := time.Now()
	err := opts.Store.RegisterRunner(ctx, store.Runner{
		Name: opts.Identity.String(), Labels: maps.Clone(opts.Labels), Version: opts.Version,
		Host: opts.Identity.Host, PID: opts.Identity.PID, StartedAt: now, HeartbeatAt: now,
	})
	if err != nil {
		// Drills still run; other runners see this one only once its
		// heartbeat reaches the store.
		opts.Logger.Warn("cannot register this runner in the store", "runner", opts.Identity.String(), "error", err)
	}
	p.stopHeartbeat = every(clockwork.NewRealClock(), store.HeartbeatInterval, p.heartbeat)
	return p
}

func (p *presence) heartbeat(now time.Time) {
	ctx, cancel := context.WithTimeout(context.Background(), storeWriteLimit)
	defer cancel()
	err := p.opts.Store.RunnerHeartbeat(ctx, p.opts.Identity.String(), now)
	if err == nil && !p.reaching {
		p.opts.Logger.Info("runner heartbeat reaches the store again", "runner", p.opts.Identity.String())
	}
	if err != nil && p.reaching {
		p.opts.Logger.Warn("runner heartbeat cannot reach the store", "runner", p.opts.Identity.String(), "error", err)
	}
	p.reaching = err == nil
}

// stop ends the heartbeat and records that this runner stopped, so that
// it shows as stopped rather than gone.
func (p *presence) stop() {
	p.stopHeartbeat()
	ctx, cancel := context.WithTimeout(context.Background(), storeWriteLimit)
	defer cancel()
	if err := p.opts.Store.StopRunner(ctx, p.opts.Identity.String(), time.Now()); err != nil {
		p.opts.Logger.Warn("cannot record this runner's stop in the store", "runner", p.opts.Identity.String(), "error", err)
	}
}

// warnUnmatched warns, for each scheduled scenario and game day, when no
// live runner (this one included) has the labels its runner block asks
// for: its ticks will be recorded not_run.
func warnUnmatched(opts ServeOptions, set *scenarios.Set) {
	ctx, cancel := context.WithTimeout(context.Background(), storeWriteLimit)
	defer cancel()
	runners, err := opts.Store.Runners(ctx)
	if err != nil {
		opts.Logger.Warn("cannot list the runners to check the scenarios' runner blocks", "error", err)
		return
	}
	now := time.Now()
	for _, sc := range set.Scenarios {
		if sc.Schedule == nil || len(sc.RunnerLabels) == 0 {
			continue
		}
		if len(Matching(runners, sc.RunnerLabels, now)) == 0 {
			opts.Logger.Warn("no live runner matches a scheduled scenario: its ticks will be recorded not_run", "scenario", sc.Name, "reason", NoRunnerReason(sc.RunnerLabels, runners, now))
		}
	}
	for _, gd := range set.GameDays {
		if len(gd.RunnerLabels) > 0 && len(Matching(runners, gd.RunnerLabels, now)) == 0 {
			opts.Logger.Warn("no live runner matches a game day: its scenarios will be recorded not_run unless one does", "gameday", gd.Name, "reason", NoRunnerReason(gd.RunnerLabels, runners, now))
		}
	}
}

// ConsoleGameDays are the set's game days as the console and the day's
// report show them.
func ConsoleGameDays(set *scenarios.Set) []reports.ConsoleGameDay {
	days := make([]reports.ConsoleGameDay, 0, len(set.GameDays))
	for _, gd := range set.GameDays {
		days = append(days, reports.ConsoleGameDay{
			Name: gd.Name, Start: gd.Start, Scenarios: gd.Scenarios, Parallel: gd.Parallel,
			Description: gd.Description, Facilitator: gd.Facilitator, Participants: gd.Participants,
		})
	}
	return days
}
