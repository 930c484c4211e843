package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/redrill/redrill/internal/labels"
	"github.com/redrill/redrill/reports"
	"github.com/redrill/redrill/runner"
	"github.com/redrill/redrill/scenarios/duration"
	"github.com/redrill/redrill/store"
)

// storeFlag registers --store, defaulting to $REDRILL_STORE.
func storeFlag(cmd *cobra.Command, target *string) {
	cmd.Flags().StringVar(target, "store", os.Getenv(store.EnvStore), "history: a postgres:// URL or an SQLite file (default $"+store.EnvStore+", else the state folder)")
}

// openStore opens the history; an error is printed and ends the command
// with exit code 2.
func openStore(cmd *cobra.Command, target string) (store.Store, error) {
	// What Open can go on without (a spool it could not replay) is said
	// on the command's own error output.
	logger := slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), nil))
	history, err := store.Open(cmd.Context(), target, store.Options{Logger: logger})
	if err != nil {
		fmt.Fprintf(cmd.ErrOrStderr(), "Error: %v\n", err)
		return nil, exitError{code: exitInvalid}
	}
	return history, nil
}

// reportFormats are the writers of redrill report, by --format.
var reportFormats = map[string]func(io.Writer, reports.Report) error{
	"text": reports.WriteText, "markdown": reports.WriteMarkdown, "json": reports.WriteJSON, "html": reports.WriteHTML,
}

// reportOptions are the flags of redrill report.
type reportOptions struct {
	format, since, output, storeTarget string
	compareBy                          string
	// gameDay selects the day's report; scenarios is where the game day
	// is defined, for its description, facilitator and participants.
	gameDay, scenarios string
	vars               varFlags
}

func newReportCommand() *cobra.Command {
	var opts reportOptions
	cmd := &cobra.Command{
		Use:   "report",
		Short: "Recovery-time report: which systems meet their objectives, which are at risk",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, args []string) error { return report(cmd, opts) },
	}
	cmd.Flags().StringVar(&opts.format, "format", "text", "text, markdown, json or html (one self-contained file)")
	cmd.Flags().StringVar(&opts.since, "since", fmt.Sprintf("%.0fd", reports.DefaultWindow.Hours()/24), "window of runs the statistics cover")
	cmd.Flags().StringVarP(&opts.output, "output", "o", "", "write to this file instead of stdout")
	cmd.Flags().StringVar(&opts.compareBy, "compare-by", "", "compare each scenario's runs by where they ran: host, or a runner label KEY")
	cmd.Flags().StringVar(&opts.gameDay, "gameday", "", "the day's report of this game day: its timeline, verdicts, people's time against automation's, operators' notes, what missed")
	cmd.Flags().StringVar(&opts.scenarios, "scenarios", "", "with --gameday: the scenario files that define it, for its description, facilitator and participants")
	opts.vars.register(cmd)
	storeFlag(cmd, &opts.storeTarget)
	return cmd
}

// dayFormats are the writers of redrill report --gameday, by --format.
var dayFormats = map[string]func(io.Writer, reports.DayReport) error{
	"text": reports.WriteDayText, "markdown": reports.WriteDayMarkdown, "json": reports.WriteDayJSON, "html": reports.WriteDayHTML,
}

func report(cmd *cobra.Command, opts reportOptions) error {
	if opts.gameDay != "" {
		return dayReport(cmd, opts)
	}
	if opts.scenarios != "" {
		return usageError(cmd, errors.New("--scenarios goes with --gameday: it says where the game day is defined"))
	}
	window, err := duration.Parse(opts.since)
	if err != nil {
		return usageError(cmd, fmt.Errorf("--since: %v", err))
	}
	write := reportFormats[opts.format]
	if write == nil {
		return usageError(cmd, fmt.Errorf("--format %q: use text, markdown, json or html", opts.format))
	}
	if opts.compareBy != "" && opts.compareBy != reports.CompareByHost {
		if err := labels.CheckKey(opts.compareBy); err != nil {
			return usageError(cmd, fmt.Errorf("--compare-by: give host or a runner label key: %w", err))
		}
	}
	history, err := openStore(cmd, opts.storeTarget)
	if err != nil {
		return err
	}
	defer history.Close()
	now := time.Now()
	built, err := reports.Build(cmd.Context(), history, reports.Options{Since: now.Add(-window), Now: now, CompareBy: opts.compareBy})
	if err != nil {
		return err
	}
	if opts.output == "" {
		return write(cmd.OutOrStdout(), built)
	}
	if err := createFile(opts.output, func(file *os.File) error { return write(file, built) }); err != nil {
		return usageError(cmd, err)
	}
	return nil
}

// dayReport writes the report of one game day.
func dayReport(cmd *cobra.Command, opts reportOptions) error {
	write := dayFormats[opts.format]
	if write == nil {
		return usageError(cmd, fmt.Errorf("--format %q: use text, markdown, json or html", opts.format))
	}
	var about reports.ConsoleGameDay
	if opts.scenarios != "" {
		set, err := loadSet(cmd, opts.scenarios, opts.vars)
		if err != nil {
			return err
		}
		gd, err := set.GameDay(opts.gameDay)
		if err != nil {
			return usageError(cmd, fmt.Errorf("--scenarios %s: %w", opts.scenarios, err))
		}
		for _, defined := range runner.ConsoleGameDays(set) {
			if defined.Name == gd.Name {
				about = defined
			}
		}
	}
	history, err := openStore(cmd, opts.storeTarget)
	if err != nil {
		return err
	}
	defer history.Close()
	day, err := reports.BuildDayReport(cmd.Context(), history, opts.gameDay, about)
	if errors.Is(err, reports.ErrNoGameDayRuns) {
		return usageError(cmd, fmt.Errorf("game day %q has no run in %s: it has not run yet, or its runs are in another store", opts.gameDay, history.Where()))
	}
	if err != nil {
		return err
	}
	if opts.output == "" {
		return write(cmd.OutOrStdout(), day)
	}
	if err := createFile(opts.output, func(file *os.File) error { return write(file, day) }); err != nil {
		return usageError(cmd, err)
	}
	return nil
}

// listOptions are the flags of redrill history.
type listOptions struct {
	scenario, gameDay, format, storeTarget string
	limit                                  int
	labels                                 []string
}

func newHistoryCommand() *cobra.Command {
	var opts listOptions
	cmd := &cobra.Command{
		Use:   "history",
		Short: "Past runs, newest first",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, args []string) error { return listRuns(cmd, opts) },
	}
	cmd.Flags().StringVar(&opts.scenario, "scenario", "", "only this scenario's runs")
	cmd.Flags().StringVar(&opts.gameDay, "gameday", "", "the runs of this game day: its scenarios, their verdicts, its span and what missed")
	cmd.Flags().IntVar(&opts.limit, "limit", 20, "at most this many runs (0: all)")
	cmd.Flags().StringVar(&opts.format, "format", "text", "text or json")
	cmd.Flags().StringArrayVar(&opts.labels, "label", nil, "only runs on a runner with this label, KEY=VALUE (repeatable: every one)")
	storeFlag(cmd, &opts.storeTarget)
	return cmd
}

func listRuns(cmd *cobra.Command, opts listOptions) error {
	if err := checkTextOrJSON(cmd, opts.format); err != nil {
		return err
	}
	history, err := openStore(cmd, opts.storeTarget)
	if err != nil {
		return err
	}
	defer history.Close()
	wanted, err := labels.Parse(opts.labels...)
	if err != nil {
		return usageError(cmd, fmt.Errorf("--label: %w", err))
	}
	query := store.RunQuery{Scenario: opts.scenario, GameDay: opts.gameDay, Limit: opts.limit, Labels: wanted}
	if opts.gameDay != "" {
		query.Limit = 0 // a game day is shown whole
	}
	runs, err := history.Runs(cmd.Context(), query)
	if err != nil {
		return err
	}
	switch {
	case opts.gameDay != "" && opts.format == "json":
		return reports.WriteGameDaysJSON(cmd.OutOrStdout(), reports.GameDayOf(runs))
	case opts.gameDay != "":
		return reports.WriteGameDays(cmd.OutOrStdout(), reports.GameDayOf(runs))
	}
	if opts.format == "json" {
		return reports.WriteHistoryJSON(cmd.OutOrStdout(), runs)
	}
	return reports.WriteHistory(cmd.OutOrStdout(), runs)
}

func newShowCommand() *cobra.Command {
	var format, storeTarget string
	cmd := &cobra.Command{
		Use:   "show RUN",
		Short: "One run, step by step, with the recovery clock",
		Args:  cobra.ExactArgs(1),
		RunE:  func(cmd *cobra.Command, args []string) error { return showRun(cmd, args[0], format, storeTarget) },
	}
	cmd.Flags().StringVar(&format, "format", "text", "text or json")
	storeFlag(cmd, &storeTarget)
	return cmd
}

func showRun(cmd *cobra.Command, id, format, storeTarget string) error {
	if err := checkTextOrJSON(cmd, format); err != nil {
		return err
	}
	history, err := openStore(cmd, storeTarget)
	if err != nil {
		return err
	}
	defer history.Close()
	run, steps, err := history.Run(cmd.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		return usageError(cmd, fmt.Errorf("no run %s in %s; redrill history lists them", id, history.Where()))
	}
	if err != nil {
		return err
	}
	record := store.Record{Run: run, Steps: steps}
	if format == "json" {
		return reports.WriteRunJSON(cmd.OutOrStdout(), record)
	}
	return reports.WriteRun(cmd.OutOrStdout(), record)
}

func checkTextOrJSON(cmd *cobra.Command, format string) error {
	if format != "text" && format != "json" {
		return usageError(cmd, fmt.Errorf("--format %q: use text or json", format))
	}
	return nil
}
