package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/redrill/redrill/checks"
	"github.com/redrill/redrill/reports"
	"github.com/redrill/redrill/store"
)

// storeFlag registers --store, defaulting to $REDRILL_STORE.
func storeFlag(cmd *cobra.Command, target *string) {
	cmd.Flags().StringVar(target, "store", os.Getenv(store.EnvStore), "history: a postgres:// URL or an SQLite file (default $"+store.EnvStore+", else the state folder)")
}

func openStore(cmd *cobra.Command, target string) (store.Store, error) {
	history, err := store.Open(cmd.Context(), target, store.Options{})
	if err != nil {
		fmt.Fprintf(cmd.ErrOrStderr(), "Error: %v\n", err)
		return nil, exitError{code: exitInvalid}
	}
	return history, nil
}

func newReportCommand() *cobra.Command {
	var format, since, output, storeTarget string
	cmd := &cobra.Command{
		Use:   "report",
		Short: "Recovery-time report: which systems meet their objectives, which are at risk",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			window, err := checks.ParseDuration(since)
			if err != nil {
				return usageError(cmd, fmt.Errorf("--since: %v", err))
			}
			write := map[string]func(io.Writer, reports.Report) error{
				"text": reports.WriteText, "markdown": reports.WriteMarkdown, "json": reports.WriteJSON, "html": reports.WriteHTML,
			}[format]
			if write == nil {
				return usageError(cmd, fmt.Errorf("--format %q: use text, markdown, json or html", format))
			}
			history, err := openStore(cmd, storeTarget)
			if err != nil {
				return err
			}
			defer history.Close()
			now := time.Now()
			report, err := reports.Build(cmd.Context(), history, reports.Options{Since: now.Add(-window), Now: now})
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			if output != "" {
				file, err := os.Create(output)
				if err != nil {
					return usageError(cmd, err)
				}
				defer file.Close()
				w = file
			}
			return write(w, report)
		},
	}
	cmd.Flags().StringVar(&format, "format", "text", "text, markdown, json or html (one self-contained file)")
	cmd.Flags().StringVar(&since, "since", "90d", "window of runs the statistics cover")
	cmd.Flags().StringVarP(&output, "output", "o", "", "write to this file instead of stdout")
	storeFlag(cmd, &storeTarget)
	return cmd
}

func newHistoryCommand() *cobra.Command {
	var scenario, format, storeTarget string
	var limit int
	cmd := &cobra.Command{
		Use:   "history",
		Short: "Past runs, newest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "text" && format != "json" {
				return usageError(cmd, fmt.Errorf("--format %q: use text or json", format))
			}
			history, err := openStore(cmd, storeTarget)
			if err != nil {
				return err
			}
			defer history.Close()
			runs, err := history.Runs(cmd.Context(), store.RunQuery{Scenario: scenario, Limit: limit})
			if err != nil {
				return err
			}
			if format == "json" {
				return reports.WriteHistoryJSON(cmd.OutOrStdout(), runs)
			}
			return reports.WriteHistory(cmd.OutOrStdout(), runs)
		},
	}
	cmd.Flags().StringVar(&scenario, "scenario", "", "only this scenario's runs")
	cmd.Flags().IntVar(&limit, "limit", 20, "at most this many runs (0: all)")
	cmd.Flags().StringVar(&format, "format", "text", "text or json")
	storeFlag(cmd, &storeTarget)
	return cmd
}

func newShowCommand() *cobra.Command {
	var format, storeTarget string
	cmd := &cobra.Command{
		Use:   "show RUN",
		Short: "One run, step by step, with the recovery clock",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "text" && format != "json" {
				return usageError(cmd, fmt.Errorf("--format %q: use text or json", format))
			}
			history, err := openStore(cmd, storeTarget)
			if err != nil {
				return err
			}
			defer history.Close()
			run, steps, err := history.Run(cmd.Context(), args[0])
			if errors.Is(err, store.ErrNotFound) {
				return usageError(cmd, fmt.Errorf("no run %s in %s; redrill history lists them", args[0], history.Where()))
			}
			if err != nil {
				return err
			}
			if format == "json" {
				return reports.WriteRunJSON(cmd.OutOrStdout(), run, steps)
			}
			return reports.WriteRun(cmd.OutOrStdout(), run, steps)
		},
	}
	cmd.Flags().StringVar(&format, "format", "text", "text or json")
	storeFlag(cmd, &storeTarget)
	return cmd
}
