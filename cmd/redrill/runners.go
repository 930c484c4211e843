package main

import (
	"time"

	"github.com/spf13/cobra"

	"github.com/redrill/redrill/reports"
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
			now := time.Now()
			statuses := reports.RunnerStatusesAt(runners, now)
			if format == "json" {
				return reports.WriteRunnersJSON(cmd.OutOrStdout(), statuses)
			}
			return reports.WriteRunners(cmd.OutOrStdout(), statuses, now)
		},
	}
	cmd.Flags().StringVar(&format, "format", "text", "text or json")
	storeFlag(cmd, &storeTarget)
	return cmd
}
