package reports

import (
	"fmt"
	"io"
	"text/tabwriter"
)

// The text and Markdown sections of measures, forecasts against size and
// comparisons by runner, after the main table: their columns would be
// empty for most scenarios.

// writeMeasuresText writes the measures, forecasts and comparisons.
func writeMeasuresText(w io.Writer, r Report) error {
	if list := measured(r); len(list) > 0 {
		fmt.Fprintf(w, "\nMeasured (last value, runs in the window) and the last run's restore throughput:\n")
		table := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(table, "SCENARIO\tMEASURE\tLAST\tRESTORE THROUGHPUT")
		for _, s := range list {
			for i, m := range s.Measures {
				scenario, throughput := s.Scenario, throughputCell(s.Throughput)
				if i > 0 {
					scenario, throughput = "", ""
				}
				fmt.Fprintf(table, "%s\t%s\t%s\t%s\n", scenario, m.Name, m.measureCell(), throughput)
			}
		}
		if err := table.Flush(); err != nil {
			return err
		}
		fmt.Fprintf(w, "\nForecast against size:\n")
		for _, s := range list {
			fmt.Fprintf(w, "%s: %s\n", s.Scenario, visible(growthLine(s)))
		}
	}
	if list := compared(r); len(list) > 0 {
		fmt.Fprintf(w, "\nCompared by %s:\n", list[0].Comparison.By)
		table := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(table, "SCENARIO\tWHERE\tRUNS\tWITH RTO\tRTO P50")
		for _, s := range list {
			for _, g := range s.Comparison.Groups {
				fmt.Fprintf(table, "%s\t%s\t%d\t%d\t%s\n", s.Scenario, visible(g.Label), g.Runs, g.Measured, readable(g.RTOMedian))
			}
		}
		if err := table.Flush(); err != nil {
			return err
		}
		for _, s := range list {
			fmt.Fprintf(w, "%s: %s\n", s.Scenario, visible(s.Comparison.Summary))
		}
	}
	return nil
}

// growthLine is the forecast against size, or why there is none.
func growthLine(s ScenarioReport) string {
	if s.Growth != nil {
		return s.Growth.Summary
	}
	return fmt.Sprintf("no forecast against size: it needs %d runs with an RTO and a bytes or rows measure, over %.0f days, at sizes that differ; the time trend stands",
		minGrowthRuns, minGrowthSpan.Hours()/24)
}

// writeMeasuresMarkdown is writeMeasuresText for Markdown.
func writeMeasuresMarkdown(w io.Writer, r Report) {
	if list := measured(r); len(list) > 0 {
		fmt.Fprintln(w, "Measured (last value, runs in the window) and the last run's restore throughput:")
		fmt.Fprintln(w)
		fmt.Fprintln(w, "| Scenario | Measure | Last | Restore throughput |")
		fmt.Fprintln(w, "|---|---|---|---|")
		for _, s := range list {
			for _, m := range s.Measures {
				fmt.Fprintf(w, "| %s | %s | %s | %s |\n", markdown(s.Scenario), markdown(m.Name), m.measureCell(), markdown(throughputCell(s.Throughput)))
			}
		}
		fmt.Fprintln(w)
		fmt.Fprintln(w, "Forecast against size:")
		fmt.Fprintln(w)
		for _, s := range list {
			fmt.Fprintf(w, "- **%s**: %s\n", markdown(s.Scenario), markdown(growthLine(s)))
		}
		fmt.Fprintln(w)
	}
	if list := compared(r); len(list) > 0 {
		fmt.Fprintf(w, "Compared by %s:\n\n", markdown(list[0].Comparison.By))
		fmt.Fprintln(w, "| Scenario | Where | Runs | With RTO | RTO p50 |")
		fmt.Fprintln(w, "|---|---|---|---|---|")
		for _, s := range list {
			for _, g := range s.Comparison.Groups {
				fmt.Fprintf(w, "| %s | %s | %d | %d | %s |\n", markdown(s.Scenario), markdown(g.Label), g.Runs, g.Measured, readable(g.RTOMedian))
			}
		}
		fmt.Fprintln(w)
		for _, s := range list {
			fmt.Fprintf(w, "- **%s**: %s\n", markdown(s.Scenario), markdown(s.Comparison.Summary))
		}
		fmt.Fprintln(w)
	}
}
