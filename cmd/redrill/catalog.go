package main

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/redrill/redrill/scenarios/catalog"
)

func newCatalogCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "catalog",
		Short: "Drill scenarios derived from real public postmortems",
		Long: `catalog lists scenarios derived from real public postmortems of incidents
whose recovery took far longer than planned. "redrill catalog show NAME > drill.hcl"
writes one out as the starting point of your own drill; set its variables for
your systems, then validate, plan and run it.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			entries, err := catalog.List()
			if err != nil {
				return err
			}
			table := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 0, 2, ' ', 0)
			fmt.Fprintln(table, "NAME\tINCIDENT\tPOSTMORTEM")
			for _, e := range entries {
				fmt.Fprintf(table, "%s\t%s\t%s\n", e.Name, e.Date, e.Title)
			}
			return table.Flush()
		},
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "show NAME",
		Short: "Print a catalog scenario, to redirect into a file",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			src, err := catalog.Source(args[0])
			if err != nil {
				return usageError(cmd, err)
			}
			_, err = cmd.OutOrStdout().Write(src)
			return err
		},
	})
	return cmd
}
