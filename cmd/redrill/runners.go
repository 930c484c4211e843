package main

import (
	"cmp"
	"encoding/json"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/redrill/redrill/internal/labels"
	"github.com/redrill/redrill/store"
)

func newRunnersCommand() *cobra.Command {
	var format, storeTarget string
	cmd := &cobra.Command{
		Use:   "runners",
		Short: "The serve runners registered in the store: labels, version, state",
		Long: `runners lists every redrill serve that registered in the store: its name
(host:pid), labels, version, when it started, its last heartbeat and its
state: up, gone (no heartbeat for 15 s and no clean stop) or stopped.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkTextOrJSON(cmd, format); err != nil {
				return err
			}
			history, err := openStore(cmd, storeTarget)
			if err != nil {
				return err
			}
			defer history.Close()
			runners, err := history.Runners(cmd.Context())
			if err != nil {
				return err
			}
			return writeRunners(cmd, runners, format, time.Now())
		},
	}
	cmd.Flags().StringVar(&format, "format", "text", "text or json")
	storeFlag(cmd, &storeTarget)
	return cmd
}

// runnerView is a runner with its state, as runners --format json writes it.
type runnerView struct {
	store.Runner
	State string `json:"state"`
}

func writeRunners(cmd *cobra.Command, runners []store.Runner, format string, now time.Time) error {
	views := make([]runnerView, len(runners))
	for i, r := range runners {
		views[i] = runnerView{Runner: r, State: r.State(now)}
	}
	if format == "json" {
		encoder := json.NewEncoder(cmd.OutOrStdout())
		encoder.SetIndent("", "  ")
		return encoder.Encode(map[string][]runnerView{"runners": views})
	}
	if len(views) == 0 {
		_, err := fmt.Fprintln(cmd.OutOrStdout(), "No runner has registered in this store: redrill serve registers itself.")
		return err
	}
	w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "RUNNER\tSTATE\tLABELS\tVERSION\tSTARTED\tLAST HEARTBEAT")
	for _, v := range views {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s ago\n", v.Name, v.State, cmp.Or(labels.String(v.Labels), "-"), cmp.Or(v.Version, "-"),
			v.StartedAt.UTC().Format("2006-01-02 15:04:05 MST"), now.Sub(v.HeartbeatAt).Round(time.Second))
	}
	return w.Flush()
}
