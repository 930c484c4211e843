package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/redrill/redrill/runner"
	"github.com/redrill/redrill/scenarios"
	"github.com/redrill/redrill/store"
)

func newRunCommand() *cobra.Command {
	var flags varFlags
	var names []string
	var format, storeTarget, junitPath, gameDay string
	var parallel int
	cmd := &cobra.Command{
		Use:   "run PATH",
		Short: "Run drills now and record their results",
		Long: `Run executes the scenarios of PATH one after another (or those named with
--scenario), prints each phase and step as it happens, and records every run
in the store. Exit code 0 when every drill met its objectives, 1 when one did
not, 2 on invalid input (nothing runs), 130 when interrupted. The first
SIGINT or SIGTERM cancels the running step and runs rollback; a second one
skips rollback.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "text" && format != "json" {
				return usageError(cmd, fmt.Errorf("--format %q: use text or json", format))
			}
			if parallel < 1 {
				return usageError(cmd, fmt.Errorf("--parallel %d: give 1 or more", parallel))
			}
			set, err := loadSet(cmd, args[0], flags)
			if err != nil {
				return err
			}
			if gameDay != "" && len(names) > 0 {
				return usageError(cmd, fmt.Errorf("--gameday runs the game day's own scenarios: drop --scenario"))
			}
			var gd *scenarios.GameDay
			if gameDay != "" {
				if gd, err = set.GameDay(gameDay); err != nil {
					return usageError(cmd, err)
				}
				names = gd.Scenarios
			}
			selected, err := set.Select(names)
			if err != nil {
				return usageError(cmd, err)
			}
			drillCtx, rollbackCtx, stop := interruptContexts(cmd)
			defer stop()

			history, err := store.Open(drillCtx, storeTarget, store.Options{})
			if err != nil {
				fmt.Fprintf(cmd.ErrOrStderr(), "Error: %v\n", err)
				return exitError{code: exitInvalid}
			}
			defer history.Close()

			opts := runner.Options{Store: history, RollbackContext: rollbackCtx}
			if format == "text" {
				output := runner.NewTextOutput(cmd.OutOrStdout(), isTerminal(cmd.OutOrStdout()))
				concurrent := parallel > 1
				if gd != nil {
					concurrent = gd.Parallel // a game day says how it runs
				}
				output.Prefixed = concurrent && len(selected) > 1
				opts.Observe = output.Observe
			}
			var notifier *runner.Notifier
			if len(set.Notifiers) > 0 {
				notifier = runner.NewNotifier(set.Notifiers, slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), nil)))
				output := opts.Observe
				opts.Observe = func(e runner.Event) {
					if output != nil {
						output(e)
					}
					notifier.Observe(e)
				}
			}
			var results []runner.Result
			if gd != nil {
				// Validation checked the game day's scenario names.
				results, _ = runner.RunGameDay(drillCtx, set, gd, opts)
			} else {
				results = runner.RunAll(drillCtx, set, selected, opts, parallel)
			}
			if notifier != nil {
				// Webhooks get a bounded time to finish; they never hold a result.
				waitCtx, cancel := context.WithTimeout(context.Background(), 35*time.Second)
				notifier.Wait(waitCtx)
				cancel()
			}

			if format == "json" {
				encoder := json.NewEncoder(cmd.OutOrStdout())
				encoder.SetIndent("", "  ")
				if err := encoder.Encode(runner.NewReport(results)); err != nil {
					return err
				}
			}
			if junitPath != "" {
				if err := writeJUnit(junitPath, results); err != nil {
					fmt.Fprintf(cmd.ErrOrStderr(), "Error: write JUnit report: %v\n", err)
					return exitError{code: exitNotMet}
				}
			}
			code := exitMet
			for _, r := range results {
				if r.StoreError != nil {
					fmt.Fprintf(cmd.ErrOrStderr(), "warning: run %s not fully recorded in %s: %v\n", r.RunID, history.Where(), r.StoreError)
				}
				if r.RollbackFailed && code == exitMet {
					code = exitNotMet
				}
				switch r.Verdict {
				case store.VerdictMet:
				case store.VerdictInterrupted:
					code = exitInterrupted
				default:
					if code == exitMet {
						code = exitNotMet
					}
				}
			}
			if drillCtx.Err() != nil {
				code = exitInterrupted
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "results recorded in %s\n", history.Where())
			if code != exitMet {
				return exitError{code: code}
			}
			return nil
		},
	}
	flags.register(cmd)
	cmd.Flags().StringArrayVar(&names, "scenario", nil, "run only this scenario (repeatable)")
	cmd.Flags().StringVar(&format, "format", "text", "output: text or json (one document on stdout)")
	cmd.Flags().IntVar(&parallel, "parallel", 1, "run up to N drills at once")
	cmd.Flags().StringVar(&gameDay, "gameday", "", "run this game day's scenarios now, grouped under its name (in parallel if it says so)")
	cmd.Flags().StringVar(&junitPath, "junit", "", "also write a JUnit XML report to this file")
	storeFlag(cmd, &storeTarget)
	return cmd
}

// interruptContexts returns the drill's context, cancelled by the first
// SIGINT or SIGTERM, and rollback's, cancelled by the second.
func interruptContexts(cmd *cobra.Command) (drill, rollback context.Context, stop func()) {
	drillCtx, cancelDrill := context.WithCancelCause(cmd.Context())
	rollbackCtx, cancelRollback := context.WithCancelCause(context.Background())
	signals := make(chan os.Signal, 2)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		count := 0
		for {
			select {
			case <-done:
				return
			case sig := <-signals:
				count++
				if count == 1 {
					fmt.Fprintf(cmd.ErrOrStderr(), "\n%s: stopping the drill, then running rollback (again to skip rollback)\n", sig)
					cancelDrill(fmt.Errorf("received %s", sig))
				} else {
					fmt.Fprintf(cmd.ErrOrStderr(), "\n%s: skipping rollback\n", sig)
					cancelRollback(fmt.Errorf("received %s twice", sig))
				}
			}
		}
	}()
	return drillCtx, rollbackCtx, func() {
		signal.Stop(signals)
		close(done)
		cancelDrill(nil)
		cancelRollback(nil)
	}
}

func isTerminal(w any) bool {
	file, ok := w.(*os.File)
	if !ok {
		return false
	}
	info, err := file.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}

func writeJUnit(path string, results []runner.Result) error {
	file, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := runner.WriteJUnit(file, results); err != nil {
		file.Close()
		return err
	}
	return file.Close()
}
