package runner

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"time"

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
	scheduler, err := NewScheduler(opts.Set, SchedulerOptions{Store: opts.Store, Logger: opts.Logger, DashboardURL: opts.DashboardURL, Identity: opts.Identity})
	if err != nil {
		return err
	}
	scheduler.Start()
	// The dashboard reads the schedule while a reload may replace it.
	var current atomic.Pointer[Scheduler]
	current.Store(scheduler)
	server := &http.Server{
		Handler: reports.Handler(opts.Store, reports.HandlerOptions{
			Token:        opts.Token,
			Scheduled:    func() []reports.ScheduledScenario { return current.Load().ScheduledScenarios() },
			SkippedTicks: func() []reports.SkippedTicks { return current.Load().SkippedTicks() },
		}),
		ReadHeaderTimeout: 10 * time.Second,
	}
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
	return next
}
