package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"syscall"
	"unicode"

	"github.com/spf13/cobra"

	"github.com/redrill/redrill/internal/buildinfo"
	"github.com/redrill/redrill/runner"
	"github.com/redrill/redrill/scenarios"
	"github.com/redrill/redrill/store"
)

// serveOptions are the flags of redrill serve.
type serveOptions struct {
	vars                                     varFlags
	listen, token, storeTarget, dashboardURL string
	labels                                   []string
}

func newServeCommand() *cobra.Command {
	var opts serveOptions
	cmd := &cobra.Command{
		Use:   "serve PATH",
		Short: "Run drills on their schedules and serve the dashboard and /metrics",
		Long: `serve runs every scenario of PATH that has a schedule, posts notify webhooks,
and serves the dashboard (/), runs (/runs/ID), JSON (/api/report, /api/runs),
Prometheus metrics (/metrics) and /healthz. Several serve processes may share
one PostgreSQL store: each scheduled tick runs once, on a runner whose
--label flags match the scenario's runner block. SIGHUP reloads PATH (an
invalid set is refused and the running schedule kept); SIGTERM or SIGINT stop
the schedule, let running drills roll back, then exit.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return serve(cmd, args[0], opts) },
	}
	opts.vars.register(cmd)
	cmd.Flags().StringVar(&opts.listen, "listen", "127.0.0.1:8080", "address of the dashboard and /metrics")
	cmd.Flags().StringVar(&opts.dashboardURL, "url", "", "address people reach the dashboard at, for the links in notifications (default http://LISTEN)")
	cmd.Flags().StringVar(&opts.token, "token", os.Getenv("REDRILL_TOKEN"), "bearer token required on every path but /healthz (required off loopback; default $REDRILL_TOKEN)")
	labelFlag(cmd, &opts.labels, "what this runner is, KEY=VALUE such as site=eu-west: it runs the drills whose runner block these match")
	storeFlag(cmd, &opts.storeTarget)
	return cmd
}

func serve(cmd *cobra.Command, path string, opts serveOptions) error {
	if err := checkListen(opts.listen, opts.token); err != nil {
		return usageError(cmd, err)
	}
	runnerLabels, err := runnerLabels(opts.labels)
	if err != nil {
		return usageError(cmd, err)
	}
	logger := slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), nil))
	set, err := loadSet(cmd, path, opts.vars)
	if err != nil {
		return err
	}
	release, err := store.LockExclusive(opts.storeTarget)
	if err != nil {
		return usageError(cmd, err)
	}
	defer release()
	history, err := openStore(cmd, opts.storeTarget)
	if err != nil {
		return err
	}
	defer history.Close()
	listener, err := net.Listen("tcp", opts.listen)
	if err != nil {
		return usageError(cmd, err)
	}
	ctx, reloads, stop := serveSignals(logger)
	defer stop()
	err = runner.Serve(ctx, runner.ServeOptions{
		Set: set, Reload: reloadSet(cmd, path, opts.vars), Reloads: reloads, Store: history,
		Listener: listener, Token: opts.token, DashboardURL: opts.dashboardURL, Logger: logger,
		Labels: runnerLabels, Version: buildinfo.Read().Version,
	})
	switch {
	case errors.Is(err, runner.ErrDrillsOutlivedShutdown):
		logger.Error("shutdown", "error", err)
		return exitError{code: exitNotMet}
	case err != nil:
		return usageError(cmd, err)
	}
	return nil
}

// reloadSet reads the scenarios again for a reload, printing their
// diagnostics.
func reloadSet(cmd *cobra.Command, path string, vars varFlags) func() (*scenarios.Set, error) {
	return func() (*scenarios.Set, error) {
		set, err := loadSet(cmd, path, vars)
		if err != nil {
			return nil, fmt.Errorf("the scenarios of %s have errors", path)
		}
		return set, nil
	}
}

// serveSignals turns SIGHUP into a reload and the first SIGINT or SIGTERM
// into the end of ctx; a second one exits at once, skipping rollback.
//
// ctx's cause names the signal: drills it interrupts say "interrupted:
// received SIGTERM".
func serveSignals(logger *slog.Logger) (ctx context.Context, reloads <-chan struct{}, stop func()) {
	ctx, cancel := context.WithCancelCause(context.Background())
	reload := make(chan struct{}, 1)
	signals := make(chan os.Signal, 2)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	if runtime.GOOS == "windows" {
		logger.Info("Windows sends no SIGHUP: restart serve to read PATH again")
	}
	go func() {
		for sig := range signals {
			switch {
			case sig == syscall.SIGHUP:
				select {
				case reload <- struct{}{}:
				default: // a reload is already waiting
				}
			case ctx.Err() == nil:
				logger.Info("stopping: running drills roll back first (signal again to exit at once)", "signal", sig.String())
				cancel(receivedSignal(sig))
			default:
				logger.Error("stopped at once: rollback of drills under way skipped", "signal", sig.String())
				os.Exit(exitInterrupted)
			}
		}
	}()
	return ctx, reload, func() { signal.Stop(signals); cancel(nil) }
}

// receivedSignal is the cause of a context a signal ended, named as people
// send it: "received SIGTERM", not Go's "terminated". The names are those
// of the signals serve and run handle; on Windows, SIGINT is Ctrl+C or
// Ctrl+Break and SIGTERM the console closing, a logoff or a shutdown.
func receivedSignal(sig os.Signal) error {
	name := sig.String()
	switch sig {
	case syscall.SIGINT:
		name = "SIGINT"
	case syscall.SIGTERM:
		name = "SIGTERM"
	case syscall.SIGHUP:
		name = "SIGHUP"
	}
	return fmt.Errorf("received %s", name)
}

// checkListen requires a token when the dashboard is reachable off this
// machine.
func checkListen(listen, token string) error {
	if token != strings.TrimSpace(token) || strings.ContainsFunc(token, unicode.IsControl) {
		// HTTP clients trim the header's spaces: such a token never matches.
		return fmt.Errorf("--token (or REDRILL_TOKEN) is blank, begins or ends with spaces, or holds control characters: no client could send it; give a token of visible characters")
	}
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
