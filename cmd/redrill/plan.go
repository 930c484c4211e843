package main

import (
	"time"

	"github.com/spf13/cobra"

	"github.com/redrill/redrill/scenarios"
)

func newPlanCommand() *cobra.Command {
	var flags varFlags
	var names []string
	cmd := &cobra.Command{
		Use:   "plan PATH",
		Short: "Show what would run, in order, with values resolved; nothing is executed",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			set, err := loadSet(cmd, args[0], flags)
			if err != nil {
				return err
			}
			if _, err := set.Select(names); err != nil {
				return usageError(cmd, err)
			}
			return set.WritePlan(cmd.OutOrStdout(), scenarios.PlanOptions{Scenarios: names, Now: time.Now()})
		},
	}
	flags.register(cmd)
	cmd.Flags().StringArrayVar(&names, "scenario", nil, "plan only this scenario (repeatable)")
	return cmd
}
