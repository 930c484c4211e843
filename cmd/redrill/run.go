package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/redrill/redrill/internal/labels"
	"github.com/redrill/redrill/reports"
	"github.com/redrill/redrill/runner"
	"github.com/redrill/redrill/store"
)

// runOptions are the flags of redrill run.
type runOptions struct {
	vars        varFlags
	names       []string
	gameDay     string
	parallel    int
	format      string
	junitPath   string
	storeTarget string
	labels      []string
	// yes and answerFile answer manual steps ahead, for dry runs.
	yes        bool
	answerFile string
}

func newRunCommand() *cobra.Command {
	var opts runOptions
	cmd := &cobra.Command{
		Use:   "run PATH",
		Short: "Run drills now and record their results",
		Long: `Run executes the scenarios of PATH one after another (or those named with
--scenario), prints each phase and step as it happens, and records every run
in the store. Exit code 0 when every drill met its objectives, 1 when one did
not, 2 on invalid input (nothing runs), 3 when a run could not be recorded
(not even in the spool), 130 when interrupted. The first
SIGINT or SIGTERM cancels the running step and runs rollback; a second one
skips rollback.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return runDrills(cmd, args[0], opts) },
	}
	opts.vars.register(cmd)
	cmd.Flags().StringArrayVar(&opts.names, "scenario", nil, "run only this scenario (repeatable)")
	cmd.Flags().StringVar(&opts.format, "format", "text", "output: text or json (one document on stdout)")
	cmd.Flags().IntVar(&opts.parallel, "parallel", 1, "run up to N drills at once")
	cmd.Flags().StringVar(&opts.gameDay, "gameday", "", "run this game day's scenarios now, grouped under its name (in parallel if it says so)")
	cmd.Flags().StringVar(&opts.junitPath, "junit", "", "also write a JUnit XML report to this file")
	labelFlag(cmd, &opts.labels, "what this machine is, KEY=VALUE, recorded with each run")
	cmd.Flags().BoolVar(&opts.yes, "yes", false, "answer every manual step done, without waiting (dry runs; recorded as automatic)")
	cmd.Flags().StringVar(&opts.answerFile, "answer", "", "answer manual steps from this JSON file: step name -> done, failed or skip (with a note); recorded as automatic")
	storeFlag(cmd, &opts.storeTarget)
	return cmd
}

func runDrills(cmd *cobra.Command, path string, opts runOptions) error {
	if err := checkTextOrJSON(cmd, opts.format); err != nil {
		return err
	}
	set, err := loadSet(cmd, path, opts.vars)
	if err != nil {
		return err
	}
	batch, err := runner.ChooseBatch(set, opts.names, opts.gameDay, opts.parallel)
	if err != nil {
		return usageError(cmd, err)
	}
	machineLabels, err := runnerLabels(opts.labels)
	if err != nil {
		return usageError(cmd, err)
	}
	warnRunnerMismatch(cmd, batch, machineLabels)
	drillCtx, rollbackCtx, stop := interruptContexts(cmd)
	defer stop()
	history, err := openStore(cmd, opts.storeTarget)
	if err != nil {
		return err
	}
	defer history.Close()

	run := runner.Options{Store: history, RollbackContext: rollbackCtx, Labels: machineLabels}
	if err := answerAhead(cmd, opts, batch, &run); err != nil {
		return err
	}
	if opts.format == "text" {
		live := reports.NewLiveText(cmd.OutOrStdout(), isTerminal(cmd.OutOrStdout()))
		live.Prefixed = batch.Concurrent()
		run.Observe = live.Observe
		// An operator at the terminal answers there; a drill run from a
		// pipe or a cron job is answered with confirm or the dashboard.
		if isTerminal(cmd.InOrStdin()) && isTerminal(cmd.OutOrStdout()) {
			run.Prompter = newTerminalPrompter(live, cmd.InOrStdin(), whoAnswers(""))
		}
	}
	results := runner.RunBatch(drillCtx, set, batch, run, slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), nil)))
	if err := writeRunOutputs(cmd, opts, runner.Records(results)); err != nil {
		fmt.Fprintf(cmd.ErrOrStderr(), "Error: %v\n", err)
		return exitError{code: exitNotMet}
	}
	for _, r := range results {
		if r.StoreError != nil {
			fmt.Fprintf(cmd.ErrOrStderr(), "warning: run %s not fully recorded in %s: %v\n", r.ID, history.Where(), r.StoreError)
		}
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "results recorded in %s\n", history.Where())
	return exitCodeOf(results, drillCtx.Err() != nil)
}

// answerAhead sets the answers --yes or --answer give manual steps.
func answerAhead(cmd *cobra.Command, opts runOptions, batch runner.Batch, run *runner.Options) error {
	switch {
	case opts.yes && opts.answerFile != "":
		return usageError(cmd, errors.New("--yes and --answer: give one"))
	case opts.yes:
		run.AutoAnswer = runner.AnswerEvery(whoAnswers("")).For
	case opts.answerFile != "":
		answers, err := runner.ReadAnswers(opts.answerFile, whoAnswers(""), batch.Scenarios)
		if err != nil {
			return usageError(cmd, err)
		}
		run.AutoAnswer = answers.For
	}
	return nil
}

// writeRunOutputs writes the JSON document and the JUnit file asked for.
func writeRunOutputs(cmd *cobra.Command, opts runOptions, records []store.Record) error {
	if opts.format == "json" {
		if err := reports.WriteRunsJSON(cmd.OutOrStdout(), records); err != nil {
			return fmt.Errorf("write JSON: %w", err)
		}
	}
	if opts.junitPath == "" {
		return nil
	}
	if err := createFile(opts.junitPath, func(file *os.File) error { return reports.WriteJUnit(file, records) }); err != nil {
		return fmt.Errorf("write JUnit report: %w", err)
	}
	return nil
}

// exitCodeOf is the exit code of runs: 130 when interrupted, 3 when one
// could not be recorded (not even in the spool), 1 when one did not meet
// its objectives or left its rollback failed, else 0.
func exitCodeOf(results []runner.Result, interrupted bool) error {
	code := exitMet
	for _, r := range results {
		switch {
		case r.Verdict == store.VerdictInterrupted:
			code = exitInterrupted
		case errors.Is(r.StoreError, store.ErrNotRecorded) && code != exitInterrupted:
			code = exitNotRecorded
		case (r.Verdict != store.VerdictMet || r.LeftDisrupted()) && code == exitMet:
			code = exitNotMet
		}
	}
	if interrupted {
		code = exitInterrupted
	}
	if code != exitMet {
		return exitError{code: code}
	}
	return nil
}

// interruptContexts returns the drill's context, cancelled by the first
// SIGINT, SIGTERM or SIGHUP (a dropped SSH session or a closed terminal),
// and rollback's, cancelled by the second.
func interruptContexts(cmd *cobra.Command) (drill, rollback context.Context, stop func()) {
	drillCtx, cancelDrill := context.WithCancelCause(cmd.Context())
	rollbackCtx, cancelRollback := context.WithCancelCause(context.Background())
	signals := make(chan os.Signal, 2)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
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
					cancelDrill(receivedSignal(sig))
				} else {
					fmt.Fprintf(cmd.ErrOrStderr(), "\n%s: skipping rollback\n", sig)
					cancelRollback(fmt.Errorf("%w twice", receivedSignal(sig)))
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

// createFile creates path and writes it with write; the file is closed,
// and its error reported, either way.
func createFile(path string, write func(*os.File) error) error {
	file, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := write(file); err != nil {
		file.Close()
		return err
	}
	return file.Close()
}

// warnRunnerMismatch warns for each scenario whose runner block this
// machine's labels do not match: run executes where it is started, but the
// drill was meant to run elsewhere (its measured time may not be the one
// that matters).
func warnRunnerMismatch(cmd *cobra.Command, batch runner.Batch, have map[string]string) {
	for _, sc := range batch.Scenarios {
		if missing := labels.Missing(have, sc.RunnerLabels); len(missing) > 0 {
			fmt.Fprintf(cmd.ErrOrStderr(), "Warning: scenario %s is for runners with labels %s; this one lacks %s (give --label to say what this machine is). It runs here all the same.\n",
				sc.Name, labels.String(sc.RunnerLabels), strings.Join(missing, ","))
		}
	}
}
