package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/redrill/redrill/scenarios/draft"
)

func newDraftCommand() *cobra.Command {
	var output, format string
	cmd := &cobra.Command{
		Use:   "draft POSTMORTEM.md|POSTMORTEM.html",
		Short: "Draft a drill scenario from a postmortem (Markdown or a saved web page)",
		Long: `draft reads a postmortem (Markdown with YAML or TOML front matter, or a saved
.html web page; any template or free form) and writes a scenario skeleton: the postmortem
block, the incident's observed recovery time and data loss next to the RTO and
RPO, one recover step per recovery action, a recovered_when check and a
data_loss stub. Every step is a stub that fails until replaced, so a draft
never passes for a drill. --format json prints the facts found instead, each
with the words and line it came from. See docs/draft-and-catalog.md.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			doc, err := os.ReadFile(args[0])
			if err != nil {
				return usageError(cmd, err)
			}
			if format != "hcl" && format != "json" {
				return usageError(cmd, fmt.Errorf("--format %q: want hcl or json", format))
			}
			pm, err := draft.ParseFile(args[0], doc)
			if err != nil {
				return usageError(cmd, fmt.Errorf("%s: %w", args[0], err))
			}
			out := draft.Write(pm)
			if format == "json" {
				out = pm.JSON()
			}
			if output == "" {
				_, err = cmd.OutOrStdout().Write(out)
				return err
			}
			if _, err := os.Stat(output); err == nil {
				return usageError(cmd, fmt.Errorf("%s exists; draft does not overwrite files", output))
			}
			if err := os.WriteFile(output, out, 0o644); err != nil {
				return usageError(cmd, err)
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "wrote %s: replace each TODO step, set the objectives, then redrill validate %s\n", output, output)
			return nil
		},
	}
	cmd.Flags().StringVar(&format, "format", "hcl", "hcl (the draft scenario) or json (the facts found)")
	cmd.Flags().StringVarP(&output, "output", "o", "", "write the scenario to this new file instead of stdout")
	return cmd
}
