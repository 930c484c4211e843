package main

import (
	"fmt"
	"io"
	"os"

	"github.com/hashicorp/hcl/v2"
	"github.com/spf13/cobra"

	"github.com/redrill/redrill/scenarios"
)

// varFlags are the flags that give values to scenario variables.
type varFlags struct {
	vars     []string
	varFiles []string
}

func (f *varFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringArrayVar(&f.vars, "var", nil, "set a variable: --var NAME=VALUE (repeatable)")
	cmd.Flags().StringArrayVar(&f.varFiles, "var-file", nil, "read variables from a file of NAME = VALUE lines (repeatable)")
}

// loadSet loads one scenario set and prints its diagnostics. It returns an
// exitError when the set has errors, so nothing runs on invalid input.
func loadSet(cmd *cobra.Command, path string, flags varFlags) (*scenarios.Set, error) {
	set, diags := scenarios.Load(path, scenarios.Options{
		Vars:      flags.vars,
		VarFiles:  flags.varFiles,
		LookupEnv: os.LookupEnv,
	})
	if len(diags) > 0 {
		printDiagnostics(cmd.ErrOrStderr(), set.Files, diags)
	}
	if diags.HasErrors() {
		return set, exitError{code: exitInvalid}
	}
	return set, nil
}

// printDiagnostics writes each diagnostic with its file:line:col and the
// source line under it, then a count.
func printDiagnostics(w io.Writer, files map[string]*hcl.File, diags hcl.Diagnostics) {
	_ = scenarios.WriteDiagnostics(w, files, diags)
	if errs := len(diags.Errs()); errs > 0 {
		fmt.Fprintf(w, "%d error%s found.\n", errs, plural(errs))
	}
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
