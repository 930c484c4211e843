// Command redrill runs disaster-recovery drills written in HCL and reports
// how long recovery really takes against the recorded objectives.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	// Time zones of schedules must resolve on machines without tzdata.
	_ "time/tzdata"

	"github.com/spf13/cobra"
)

// Exit codes, as documented in the README.
const (
	exitMet     = 0
	exitNotMet  = 1
	exitInvalid = 2
	// exitNotRecorded: a run could not be recorded, not even in the
	// spool; whatever its verdict, the history lacks it.
	exitNotRecorded = 3
	exitInterrupted = 130
)

// exitError carries an exit code out of a command; its message, if any,
// has already been printed.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

func main() {
	os.Exit(execute(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// execute runs the CLI with the given arguments and returns the exit code.
func execute(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	root := newRootCommand()
	root.SetArgs(acceptSingleDashFlags(root, args))
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetContext(context.Background())
	err := root.Execute()
	if err == nil {
		return exitMet
	}
	var exit exitError
	if errors.As(err, &exit) {
		return exit.code
	}
	// Cobra's own errors (unknown flag, missing argument) are usage errors.
	fmt.Fprintf(stderr, "Error: %v\n", err)
	return exitInvalid
}

func newRootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "redrill",
		Short: "Disaster-recovery drills that measure recovery time against your objectives",
		Long: `redrill runs disaster-recovery drills written in HCL, measures how long
recovery takes and how much data would be lost, and compares both with the
recovery objectives (RTO/RPO) recorded in each scenario.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(
		newValidateCommand(),
		newFmtCommand(),
		newPlanCommand(),
		newRunCommand(),
		newHistoryCommand(),
		newShowCommand(),
		newReportCommand(),
		newCatalogCommand(),
		newDraftCommand(),
		newServeCommand(),
		newConfirmCommand(),
		newAbortCommand(),
		newRunnersCommand(),
		newVersionCommand(),
		newManCommand(),
	)
	setVersionFlag(root)
	return root
}

// acceptSingleDashFlags lets long flags be written with one dash, as in
// Go and Terraform tools (`redrill fmt -check`): cobra alone would read
// -check as the shorthands -c -h -e -c -k.
func acceptSingleDashFlags(root *cobra.Command, args []string) []string {
	cmd, _, err := root.Find(args)
	if err != nil {
		return args
	}
	out := append([]string(nil), args...)
	for i, arg := range args {
		if arg == "--" {
			break
		}
		if len(arg) < 3 || arg[0] != '-' || arg[1] == '-' {
			continue
		}
		name, _, _ := strings.Cut(arg[1:], "=")
		if cmd.Flags().Lookup(name) != nil {
			out[i] = "-" + arg
		}
	}
	return out
}

// usageError prints err and returns the exit code for invalid input.
func usageError(cmd *cobra.Command, err error) error {
	fmt.Fprintf(cmd.ErrOrStderr(), "Error: %v\n", err)
	return exitError{code: exitInvalid}
}
