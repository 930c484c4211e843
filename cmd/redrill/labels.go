package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/redrill/redrill/internal/labels"
)

// EnvLabels names the environment variable that gives a runner's labels
// when --label is not given: REDRILL_LABELS=site=eu-west,hw=nvme-2026.
const EnvLabels = "REDRILL_LABELS"

// labelFlag registers --label KEY=VALUE (repeatable).
func labelFlag(cmd *cobra.Command, target *[]string, usage string) {
	cmd.Flags().StringArrayVar(target, "label", nil, usage+" (repeatable; default $"+EnvLabels+", comma-separated)")
}

// runnerLabels reads the --label flags, else REDRILL_LABELS.
func runnerLabels(flags []string) (map[string]string, error) {
	if len(flags) == 0 {
		flags = []string{os.Getenv(EnvLabels)}
		parsed, err := labels.Parse(flags...)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", EnvLabels, err)
		}
		return parsed, nil
	}
	parsed, err := labels.Parse(flags...)
	if err != nil {
		return nil, fmt.Errorf("--label: %w", err)
	}
	return parsed, nil
}
