package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/redrill/redrill/scenarios"
)

func newFmtCommand() *cobra.Command {
	var check bool
	cmd := &cobra.Command{
		Use:   "fmt [-check] [PATH...]",
		Short: "Rewrite scenario files in canonical format",
		Long: `Fmt rewrites each *.hcl file under PATH (default: the current folder, with
subfolders) in canonical format and prints the names of the files it changed.
Files with syntax errors are refused and left untouched (exit code 2).
With -check, nothing is written: the files that need formatting are listed
and the exit code is 1 when there is any.`,
		RunE: func(cmd *cobra.Command, args []string) error { return formatFiles(cmd, args, check) },
	}
	cmd.Flags().BoolVar(&check, "check", false, "list files that need formatting, change nothing, exit 1 if any")
	return cmd
}

// formatFiles rewrites, or with check only lists, the files of paths
// that are not in canonical format.
func formatFiles(cmd *cobra.Command, paths []string, check bool) error {
	if len(paths) == 0 {
		paths = []string{"."}
	}
	invalid, unformatted := false, false
	for _, path := range paths {
		files, err := scenarios.FormattableFiles(path)
		if err != nil {
			fmt.Fprintf(cmd.ErrOrStderr(), "Error: %v\n", err)
			invalid = true
			continue
		}
		for _, file := range files {
			changed, sources, diags := scenarios.FormatFile(file, !check)
			if diags.HasErrors() {
				printDiagnostics(cmd.ErrOrStderr(), sources, diags)
				invalid = true
				continue
			}
			if changed {
				unformatted = true
				fmt.Fprintln(cmd.OutOrStdout(), file)
			}
		}
	}
	switch {
	case invalid:
		return exitError{code: exitInvalid}
	case check && unformatted:
		return exitError{code: exitNotMet}
	}
	return nil
}
