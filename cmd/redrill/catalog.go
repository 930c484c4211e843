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
				date := e.Date
				if date == "" {
					date = "composite"
				}
				fmt.Fprintf(table, "%s\t%s\t%s\n", e.Name, date, e.Title)
			}
			return table.Flush()
		},
	}
	var all bool
	var outDir string
	show := &cobra.Command{
		Use:   "show NAME | show --all -o DIR",
		Short: "Print a catalog scenario, to redirect into a file, or write them all into a folder",
		Long: `show NAME prints one catalog scenario. show --all -o DIR writes every entry
as DIR/NAME.hcl; their variables have names of their own, so the folder
validates and runs as one set: redrill validate DIR.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if all {
				if len(args) != 0 || outDir == "" {
					return usageError(cmd, fmt.Errorf("--all takes no NAME and needs -o DIR"))
				}
				written, err := catalog.WriteAll(outDir)
				if err != nil {
					return err
				}
				for _, path := range written {
					fmt.Fprintln(cmd.OutOrStdout(), path)
				}
				return nil
			}
			if len(args) != 1 {
				return usageError(cmd, fmt.Errorf("show takes one NAME, or --all -o DIR"))
			}
			src, err := catalog.Source(args[0])
			if err != nil {
				return usageError(cmd, err)
			}
			if outDir != "" {
				return usageError(cmd, fmt.Errorf("-o is for --all; redirect show NAME into a file"))
			}
			_, err = cmd.OutOrStdout().Write(src)
			return err
		},
	}
	show.Flags().BoolVar(&all, "all", false, "write every entry, as DIR/NAME.hcl (with -o)")
	show.Flags().StringVarP(&outDir, "output", "o", "", "folder for --all")
	cmd.AddCommand(show)
	return cmd
}
