package main

import (
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"

	"github.com/redrill/redrill/internal/buildinfo"
)

// newManCommand writes the man pages, one per command, from the commands
// themselves: the packages ship them, so they never drift from --help.
func newManCommand() *cobra.Command {
	return &cobra.Command{
		Use:    "man DIR",
		Short:  "Write the man pages of every command (redrill.1, redrill-run.1, ...) into DIR",
		Hidden: true,
		Args:   cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := os.MkdirAll(args[0], 0o755); err != nil {
				return fmt.Errorf("man pages: %w", err)
			}
			info := buildinfo.Read()
			// The build's date, not today's, so that a release's pages are
			// the same whenever they are made.
			date := time.Now().UTC()
			if built, err := time.Parse(time.RFC3339, info.Date); err == nil {
				date = built
			}
			header := &doc.GenManHeader{
				Title:   "REDRILL",
				Section: "1",
				Date:    &date,
				Source:  "redrill " + info.Version,
				Manual:  "redrill manual",
			}
			root := cmd.Root()
			root.DisableAutoGenTag = true
			// Cobra adds --version only when it runs; the page lists it.
			root.InitDefaultVersionFlag()
			if err := doc.GenManTree(root, header, args[0]); err != nil {
				return fmt.Errorf("man pages: %w", err)
			}
			return nil
		},
	}
}
