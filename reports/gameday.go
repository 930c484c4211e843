package reports

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/redrill/redrill/store"
)

// GameDay is one game day: its runs, their verdicts, its span and what
// missed.
type GameDay struct {
	Name    string
	Started time.Time
	// Ended is when its last run ended; zero while a run is running.
	Ended time.Time
	Runs  []store.Run
	// Verdicts counts the runs by verdict ("running" for those running).
	Verdicts map[string]int
	// Missed says, for each run that did not meet its objectives or left
	// the system disrupted, its scenario and why.
	Missed []string
}

// groupGameDays groups runs (newest first) by game day, newest game day
// first, runs in start order.
func groupGameDays(runs []store.Run) []GameDay {
	index := map[string]int{}
	var days []GameDay
	for i := len(runs) - 1; i >= 0; i-- {
		run := runs[i]
		at, ok := index[run.GameDay]
		if !ok {
			at = len(days)
			index[run.GameDay] = at
			days = append(days, GameDay{Name: run.GameDay, Started: run.StartedAt, Verdicts: map[string]int{}, Missed: []string{}})
		}
		days[at].add(run)
	}
	for i := range days {
		days[i].Ended = endOf(days[i].Runs)
	}
	sort.SliceStable(days, func(i, j int) bool { return days[i].Started.After(days[j].Started) })
	return days
}

// GameDayOf is the game day made of runs (any order), for history
// --gameday.
func GameDayOf(runs []store.Run) []GameDay {
	sorted := append([]store.Run(nil), runs...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].StartedAt.After(sorted[j].StartedAt) })
	return groupGameDays(sorted)
}

func (g *GameDay) add(run store.Run) {
	g.Runs = append(g.Runs, run)
	verdict := run.Verdict
	if run.Status == store.StatusRunning {
		verdict = store.StatusRunning
	}
	g.Verdicts[verdict]++
	switch {
	case run.LeftDisrupted():
		g.Missed = append(g.Missed, fmt.Sprintf("%s (rollback %s: the system may still be disrupted)", run.Scenario, run.Rollback))
	case run.Status == store.StatusFinished && run.Verdict != store.VerdictMet:
		g.Missed = append(g.Missed, fmt.Sprintf("%s (%s)", run.Scenario, verdictAndReason(run)))
	}
}

// endOf is when the last of runs ended; zero while one is running.
func endOf(runs []store.Run) time.Time {
	var ended time.Time
	for _, r := range runs {
		if r.Status == store.StatusRunning {
			return time.Time{}
		}
		if r.EndedAt.After(ended) {
			ended = r.EndedAt
		}
	}
	return ended
}

// summary is the game day in one line: when, how long, how many drills
// and their verdicts.
func (g GameDay) summary() string {
	text := fmt.Sprintf("Game day %s, %s", g.Name, g.Started.UTC().Format("2006-01-02 15:04 MST"))
	drills := fmt.Sprintf("%d drills", len(g.Runs))
	if len(g.Runs) == 1 {
		drills = "1 drill"
	}
	if g.Ended.IsZero() {
		text += ", " + drills + ", still running"
	} else {
		span := g.Ended.Sub(g.Started)
		text += fmt.Sprintf(", %s over %s", drills, readable(&span))
	}
	return text + ": " + verdictCounts(g.Verdicts)
}

// MissedLine says what missed, or that nothing did.
func (g GameDay) MissedLine() string {
	if len(g.Missed) == 0 {
		return "Nothing missed"
	}
	return "Missed: " + strings.Join(g.Missed, "; ")
}

// writeGameDaysText writes each game day as a short table.
func writeGameDaysText(w io.Writer, days []GameDay) error {
	for _, g := range days {
		fmt.Fprintln(w, g.summary())
		if err := writeGameDayTable(w, g); err != nil {
			return err
		}
	}
	return nil
}

// writeGameDayTable writes a game day's runs as a table, and what missed.
func writeGameDayTable(w io.Writer, g GameDay) error {
	table := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(table, "  SCENARIO\tRUN\tSTARTED\tVERDICT\tRTO (OBJECTIVE)\tRPO (OBJECTIVE)")
	for _, r := range g.Runs {
		fmt.Fprintf(table, "  %s\t%s\t%s\t%s\t%s (%s)\t%s (%s)\n", r.Scenario, r.ID, g.startOf(r),
			runVerdict(r), readable(r.RTO), readable(r.ObjectiveRTO), readable(r.RPO), readable(r.ObjectiveRPO))
	}
	if err := table.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "  %s\n\n", visible(g.MissedLine()))
	return nil
}

// WriteGameDays writes game days for a terminal (history --gameday).
func WriteGameDays(w io.Writer, days []GameDay) error {
	if len(days) == 0 {
		_, err := fmt.Fprintln(w, "No run of this game day recorded.")
		return err
	}
	return writeGameDaysText(w, days)
}

// startOf is when a run of the game day started: the time, with the date
// when it is not the game day's first.
func (g GameDay) startOf(r store.Run) string {
	if r.StartedAt.UTC().Format(time.DateOnly) != g.Started.UTC().Format(time.DateOnly) {
		return r.StartedAt.UTC().Format(time.DateTime)
	}
	return r.StartedAt.UTC().Format(time.TimeOnly)
}

// runVerdict is a run's verdict, or "running".
func runVerdict(r store.Run) string {
	if r.Status == store.StatusRunning {
		return store.StatusRunning
	}
	return orDash(r.Verdict)
}

// gameDayJSON is the JSON form of a game day.
type gameDayJSON struct {
	Name      string         `json:"name"`
	StartedAt time.Time      `json:"started_at"`
	EndedAt   *time.Time     `json:"ended_at"`
	Verdicts  map[string]int `json:"verdicts"`
	Missed    []string       `json:"missed"`
	Runs      []runJSON      `json:"runs"`
}

func newGameDayJSON(g GameDay) gameDayJSON {
	out := gameDayJSON{Name: g.Name, StartedAt: stored(g.Started), EndedAt: timeOrNil(g.Ended), Verdicts: g.Verdicts, Missed: g.Missed, Runs: []runJSON{}}
	for _, r := range g.Runs {
		out.Runs = append(out.Runs, toRunJSON(r))
	}
	return out
}

// WriteGameDaysJSON writes game days as {"gamedays": [...]}.
func WriteGameDaysJSON(w io.Writer, days []GameDay) error {
	out := make([]gameDayJSON, 0, len(days))
	for _, g := range days {
		out = append(out, newGameDayJSON(g))
	}
	return writeJSON(w, struct {
		GameDays []gameDayJSON `json:"gamedays"`
	}{out})
}

// writeGameDaysMarkdown writes each game day as a section with a table.
func writeGameDaysMarkdown(w io.Writer, days []GameDay) {
	for _, g := range days {
		fmt.Fprintf(w, "## %s\n\n", markdown(g.summary()))
		writeGameDayMarkdownTable(w, g)
	}
}

// writeGameDayMarkdownTable writes a game day's runs as a Markdown table,
// and what missed.
func writeGameDayMarkdownTable(w io.Writer, g GameDay) {
	fmt.Fprintln(w, "| Scenario | Run | Started | Verdict | RTO (objective) | RPO (objective) |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|")
	for _, r := range g.Runs {
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s (%s) | %s (%s) |\n", markdown(r.Scenario), markdown(r.ID), g.startOf(r),
			runVerdict(r), readable(r.RTO), readable(r.ObjectiveRTO), readable(r.RPO), readable(r.ObjectiveRPO))
	}
	fmt.Fprintf(w, "\n%s.\n\n", markdown(g.MissedLine()))
}
