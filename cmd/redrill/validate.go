package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

func newValidateCommand() *cobra.Command {
	var flags varFlags
	cmd := &cobra.Command{
		Use:   "validate [PATH...]",
		Short: "Parse and check scenario files; errors name file:line:col",
		Long: `Validate loads each PATH (a scenario file, or a folder of *.hcl and *.hcl.json
files read together) and checks it completely without running anything. Every
error is reported with its file:line:col and source line. Exit code 2 when any
PATH has an error. With no PATH, the current folder is validated.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				args = []string{"."}
			}
			failed := false
			for _, path := range args {
				set, err := loadSet(cmd, path, flags)
				if err != nil {
					failed = true
					continue
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%s: valid: %d scenario%s, %d game day%s, %d notifier%s\n", path,
					len(set.Scenarios), plural(len(set.Scenarios)), len(set.GameDays), plural(len(set.GameDays)),
					len(set.Notifiers), plural(len(set.Notifiers)))
			}
			if failed {
				return exitError{code: exitInvalid}
			}
			return nil
		},
	}
	flags.register(cmd)
	return cmd
}
