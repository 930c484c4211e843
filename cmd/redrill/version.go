package main

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/redrill/redrill/internal/buildinfo"
)

func newVersionCommand() *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the version, commit, build date and Go version of this redrill",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkTextOrJSON(cmd, format); err != nil {
				return err
			}
			info := buildinfo.Read()
			if format == "json" {
				encoder := json.NewEncoder(cmd.OutOrStdout())
				encoder.SetIndent("", "  ")
				return encoder.Encode(info)
			}
			_, err := fmt.Fprint(cmd.OutOrStdout(), info.String())
			return err
		},
	}
	cmd.Flags().StringVar(&format, "format", "text", "text or json")
	return cmd
}

// setVersionFlag gives the root command --version, printing what
// `redrill version` prints.
func setVersionFlag(root *cobra.Command) {
	info := buildinfo.Read()
	root.Version = info.Version
	root.SetVersionTemplate(info.String())
}
