package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/redrill/redrill/reports"
	"github.com/redrill/redrill/runner"
	"github.com/redrill/redrill/store"
)

func newServeCommand() *cobra.Command {
	var flags varFlags
	var listen, token, storeTarget, dashboardURL string
	cmd := &cobra.Command{
		Use:   "serve PATH",
		Short: "Run drills on their schedules and serve the dashboard and /metrics",
		Long: `serve runs every scenario of PATH that has a schedule, posts notify webhooks,
and serves the dashboard (/), runs (/runs/ID), JSON (/api/report, /api/runs),
Prometheus metrics (/metrics) and /healthz. Several serve processes may share
one PostgreSQL store: each scheduled tick runs once. SIGHUP reloads PATH (an
invalid set is refused and the running schedule kept); SIGTERM or SIGINT stop
the schedule, let running drills roll back, then exit.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkListen(listen, token); err != nil {
				return usageError(cmd, err)
			}
			logger := slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), nil))
			set, err := loadSet(cmd, args[0], flags)
			if err != nil {
				return err
			}
			release, err := store.LockExclusive(storeTarget)
			if err != nil {
				return usageError(cmd, err)
			}
			defer release()
			history, err := openStore(cmd, storeTarget)
			if err != nil {
				return err
			}
			defer history.Close()

			listener, err := net.Listen("tcp", listen)
			if err != nil {
				return usageError(cmd, err)
			}
			if dashboardURL == "" {
				dashboardURL = "http://" + listener.Addr().String()
			}
			scheduler, err := runner.NewScheduler(set, runner.SchedulerOptions{Store: history, Logger: logger, DashboardURL: dashboardURL})
			if err != nil {
				return usageError(cmd, err)
			}
			scheduler.Start()
			// The dashboard reads the schedule while SIGHUP may replace it.
			var current atomic.Pointer[runner.Scheduler]
			current.Store(scheduler)
			server := &http.Server{
				Handler: reports.Handler(history, reports.HandlerOptions{
					Token:    token,
					NextRuns: func() map[string]time.Time { return current.Load().NextScenarioRuns() },
				}),
				ReadHeaderTimeout: 10 * time.Second,
			}
			go func() {
				if err := server.Serve(listener); err != nil && !errors.Is(err, http.ErrServerClosed) {
					logger.Error("dashboard stopped", "error", err)
				}
			}()
			logger.Info("serving", "dashboard", "http://"+listener.Addr().String()+"/", "store", history.Where(), "scheduled", len(scheduler.Jobs()))

			// Events spooled while the store was away reach it once it is
			// back, without waiting for the next drill to end.
			flushing := time.NewTicker(time.Minute)
			defer flushing.Stop()

			signals := make(chan os.Signal, 2)
			signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
			defer signal.Stop(signals)
		wait:
			for {
				select {
				case <-flushing.C:
					flushCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
					if err := history.Flush(flushCtx); err != nil {
						logger.Warn("spooled events still wait for the store", "error", err)
					}
					cancel()
				case sig := <-signals:
					if sig == syscall.SIGHUP {
						current.Store(reload(cmd, args[0], flags, logger, current.Load()))
						continue
					}
					logger.Info("stopping: running drills roll back first (signal again to exit at once)", "signal", sig.String())
					break wait
				}
			}
			go func() {
				sig := <-signals
				logger.Error("stopped at once: rollback of drills under way skipped", "signal", sig.String())
				os.Exit(exitInterrupted)
			}()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
			defer cancel()
			_ = server.Shutdown(ctx)
			if err := current.Load().Shutdown(ctx); err != nil {
				logger.Error("shutdown", "error", err)
				return exitError{code: exitNotMet}
			}
			return nil
		},
	}
	flags.register(cmd)
	cmd.Flags().StringVar(&listen, "listen", "127.0.0.1:8080", "address of the dashboard and /metrics")
	cmd.Flags().StringVar(&dashboardURL, "url", "", "address people reach the dashboard at, for the links in notifications (default http://LISTEN)")
	cmd.Flags().StringVar(&token, "token", os.Getenv("REDRILL_TOKEN"), "bearer token required on every path but /healthz (required off loopback; default $REDRILL_TOKEN)")
	storeFlag(cmd, &storeTarget)
	return cmd
}

// reload re-reads the scenarios; an invalid set keeps the old schedule,
// and drills under way go on.
func reload(cmd *cobra.Command, path string, flags varFlags, logger *slog.Logger, current *runner.Scheduler) *runner.Scheduler {
	set, err := loadSet(cmd, path, flags)
	if err != nil {
		logger.Error("reload refused: the scenarios have errors; the previous schedule keeps running", "path", path)
		return current
	}
	next, err := current.Reload(set)
	if err != nil {
		logger.Error("reload refused; the previous schedule keeps running", "error", err)
		return current
	}
	logger.Info("reloaded", "path", path, "scheduled", len(next.Jobs()))
	return next
}

// checkListen requires a token when the dashboard is reachable off this
// machine.
func checkListen(listen, token string) error {
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		return fmt.Errorf("--listen %q: %w", listen, err)
	}
	if ip := net.ParseIP(host); (ip != nil && ip.IsLoopback()) || host == "localhost" {
		return nil
	}
	if token == "" {
		return fmt.Errorf("--listen %s is reachable from other machines: give --token (or REDRILL_TOKEN)", listen)
	}
	return nil
}
