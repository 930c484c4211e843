package reports

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/redrill/redrill/scenarios/phase"
	"github.com/redrill/redrill/store"
)

// DayReport is the report of one game day: every scenario's phases on one
// time axis, the verdicts, the time people took against the time the
// automation took, what operators noted, and what missed and why.
type DayReport struct {
	GameDay
	// About is the game day as the scenario files define it; zero when
	// they were not given (the store keeps runs, not game-day blocks).
	About ConsoleGameDay
	// Drills are the game day's runs with their phases, in start order.
	Drills []DayDrill
	// HumanTime is the time drills spent waiting for people (manual
	// steps); AutomatedTime the rest of their running time.
	HumanTime     time.Duration
	AutomatedTime time.Duration
	// Notes are what operators wrote when they answered manual steps.
	Notes []OperatorNote
}

// DayDrill is one run of the day, with its phases as they happened.
type DayDrill struct {
	Run    store.Run
	Phases []PhaseSpan
	// HumanTime is the time it spent in manual steps.
	HumanTime time.Duration
}

// PhaseSpan is when a phase of a run ran: from its first step's start to
// its last step's end.
type PhaseSpan struct {
	Phase phase.Phase
	Start time.Time
	End   time.Time
}

// OperatorNote is what a person answered to a manual step, when it says
// more than "done": a note, a failure or a skip.
type OperatorNote struct {
	Scenario string
	RunID    string
	Step     string
	At       time.Time
	By       string
	Outcome  string // store.AnswerDone, AnswerFailed or AnswerSkipped
	// Automatic is an answer run --yes or --answer gave, not a person.
	Automatic bool
	Note      string
}

func answerOf(step store.Step) *store.Answer {
	if step.Manual == nil {
		return nil
	}
	return step.Manual.Answer
}

// ErrNoGameDayRuns says a game day has no run in the history.
var ErrNoGameDayRuns = errors.New("no run in the history")

// BuildDayReport reads the runs of the game day name, and their steps.
// about is the game day as the loaded files define it, or zero.
func BuildDayReport(ctx context.Context, history store.Reader, name string, about ConsoleGameDay) (DayReport, error) {
	runs, err := history.Runs(ctx, store.RunQuery{GameDay: name})
	if err != nil {
		return DayReport{}, fmt.Errorf("runs of game day %q: %w", name, err)
	}
	days := GameDayOf(runs)
	if len(days) == 0 {
		return DayReport{}, fmt.Errorf("game day %q: %w", name, ErrNoGameDayRuns)
	}
	report := DayReport{GameDay: days[0], About: about}
	for _, run := range report.Runs {
		_, steps, err := history.Run(ctx, run.ID)
		if err != nil {
			return DayReport{}, fmt.Errorf("steps of run %s: %w", run.ID, err)
		}
		// People's time is the store's (the manual steps' durations);
		// automation's the rest of the run, so far for one still running.
		drill := DayDrill{Run: run, Phases: phaseSpans(steps), HumanTime: run.HumanTime}
		for _, step := range steps {
			if answer := answerOf(step); answer != nil && (strings.TrimSpace(answer.Note) != "" || answer.Outcome != store.AnswerDone) {
				report.Notes = append(report.Notes, OperatorNote{Scenario: run.Scenario, RunID: run.ID, Step: step.Name,
					At: answer.At, By: plainText(answer.By), Outcome: answer.Outcome, Automatic: answer.Automatic, Note: plainText(answer.Note)})
			}
		}
		report.HumanTime += drill.HumanTime
		machine, ended := run.MachineTime()
		if !ended {
			machine = max(run.HeartbeatAt.Sub(run.StartedAt)-run.HumanTime, 0)
		}
		report.AutomatedTime += machine
		report.Drills = append(report.Drills, drill)
	}
	return report, nil
}

// phaseSpans are the phases of a run in the order they began; the polled
// phases (guard, recovered_when) span their rounds.
func phaseSpans(steps []store.Step) []PhaseSpan {
	var spans []PhaseSpan
	for _, step := range steps {
		if step.StartedAt.IsZero() {
			continue
		}
		end := step.StartedAt.Add(step.Duration)
		i := slices.IndexFunc(spans, func(s PhaseSpan) bool { return s.Phase == step.Phase })
		if i < 0 {
			spans = append(spans, PhaseSpan{Phase: step.Phase, Start: step.StartedAt, End: end})
			continue
		}
		spans[i].Start = minTime(spans[i].Start, step.StartedAt)
		spans[i].End = maxTime(spans[i].End, end)
	}
	slices.SortStableFunc(spans, func(a, b PhaseSpan) int { return a.Start.Compare(b.Start) })
	return spans
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// span is the day's time axis: from the first run's start to the last
// run's end (or the newest thing seen of a run still running).
func (d DayReport) span() (time.Time, time.Time) {
	start, end := d.Started, d.Ended
	for _, drill := range d.Drills {
		end = maxTime(end, drill.Run.EndedAt)
		end = maxTime(end, drill.Run.HeartbeatAt)
		for _, p := range drill.Phases {
			end = maxTime(end, p.End)
		}
	}
	if !end.After(start) {
		end = start.Add(time.Second)
	}
	return start, end
}

// phaseLetters draw the phases in the text timeline.
var phaseLetters = map[phase.Phase]byte{
	phase.SteadyState: 's', phase.Setup: 'u', phase.Disrupt: 'd', phase.Recover: 'r',
	phase.RecoveredWhen: 'w', phase.Guard: 'g', phase.DataLoss: 'l', phase.Rollback: 'b',
}

// timelineWidth is the text timeline's width in characters.
const timelineWidth = 60

// timelineRow draws a run's phases on the day's axis; a phase shorter
// than a character still shows.
func (d DayReport) timelineRow(drill DayDrill) string {
	start, end := d.span()
	row := []byte(strings.Repeat(" ", timelineWidth))
	column := func(t time.Time) int {
		c := int(float64(t.Sub(start)) / float64(end.Sub(start)) * timelineWidth)
		return max(0, min(c, timelineWidth-1))
	}
	if !drill.Run.StartedAt.IsZero() {
		runEnd := maxTime(drill.Run.EndedAt, drill.Run.StartedAt)
		for c := column(drill.Run.StartedAt); c <= column(runEnd); c++ {
			row[c] = '.'
		}
	}
	// The longest phases first, so that a short one drawn over them
	// still shows.
	phases := slices.Clone(drill.Phases)
	slices.SortStableFunc(phases, func(a, b PhaseSpan) int { return cmp.Compare(b.End.Sub(b.Start), a.End.Sub(a.Start)) })
	for _, p := range phases {
		letter := phaseLetters[p.Phase]
		if letter == 0 {
			letter = '?'
		}
		for c := column(p.Start); c <= column(p.End); c++ {
			row[c] = letter
		}
	}
	return string(row)
}

// timeShare says the human and automated time, with the human share.
func (d DayReport) timeShare() string {
	total := d.HumanTime + d.AutomatedTime
	if total == 0 {
		return "no drill time recorded yet"
	}
	human, automated := d.HumanTime, d.AutomatedTime
	return fmt.Sprintf("people %s (%.0f%%), automation %s", readable(&human), 100*float64(human)/float64(total), readable(&automated))
}

// aboutLines are the day's description, facilitator and participants.
func (d DayReport) aboutLines() []string {
	var lines []string
	if d.About.Description != "" {
		lines = append(lines, plainText(d.About.Description))
	}
	if d.About.Facilitator != "" {
		lines = append(lines, "Facilitator: "+plainText(d.About.Facilitator))
	}
	if len(d.About.Participants) > 0 {
		lines = append(lines, "Participants: "+plainText(strings.Join(d.About.Participants, ", ")))
	}
	return lines
}

func noteLine(n OperatorNote) string {
	who := n.By
	if n.Automatic {
		who += ", automatic"
	}
	line := fmt.Sprintf("%s %s / %s, %s by %s", n.At.UTC().Format(time.TimeOnly), n.Scenario, n.Step, n.Outcome, who)
	if n.Note != "" {
		line += ": " + strings.ReplaceAll(n.Note, "\n", " ")
	}
	return line
}

// WriteDayText writes the day's report for a terminal.
func WriteDayText(w io.Writer, d DayReport) error {
	fmt.Fprintln(w, visible(d.summary()))
	for _, line := range d.aboutLines() {
		fmt.Fprintln(w, "  "+line)
	}
	start, end := d.span()
	fmt.Fprintf(w, "\nTimeline, %s to %s UTC (s steady_state, u setup, d disrupt, r recover, w recovered_when, g guard, l data_loss, b rollback)\n",
		start.UTC().Format(time.TimeOnly), end.UTC().Format(time.TimeOnly))
	table := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, drill := range d.Drills {
		fmt.Fprintf(table, "  %s\t|%s|\t%s\n", visible(drill.Run.Scenario), d.timelineRow(drill), runVerdict(drill.Run))
	}
	if err := table.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w)
	if err := writeGameDayTable(w, d.GameDay); err != nil {
		return err
	}
	fmt.Fprintf(w, "Time: %s (people: waiting for manual steps)\n", d.timeShare())
	if len(d.Notes) > 0 {
		fmt.Fprintln(w, "\nNotes from operators")
		for _, n := range d.Notes {
			fmt.Fprintln(w, "  "+visible(noteLine(n)))
		}
	}
	return nil
}

// WriteDayMarkdown writes the day's report as Markdown, the timeline in a
// code block.
func WriteDayMarkdown(w io.Writer, d DayReport) error {
	fmt.Fprintf(w, "# Game day %s\n\n%s.\n\n", markdown(d.Name), markdown(strings.TrimPrefix(d.summary(), "Game day "+d.Name+", ")))
	for _, line := range d.aboutLines() {
		fmt.Fprintf(w, "%s  \n", markdown(line))
	}
	start, end := d.span()
	fmt.Fprintf(w, "\n## Timeline\n\n%s to %s UTC; s steady_state, u setup, d disrupt, r recover, w recovered_when, g guard, l data_loss, b rollback.\n\n```\n",
		start.UTC().Format(time.TimeOnly), end.UTC().Format(time.TimeOnly))
	width := 0
	for _, drill := range d.Drills {
		width = max(width, len(visible(drill.Run.Scenario)))
	}
	for _, drill := range d.Drills {
		fmt.Fprintf(w, "%-*s |%s| %s\n", width, strings.ReplaceAll(visible(drill.Run.Scenario), "`", "'"), d.timelineRow(drill), runVerdict(drill.Run))
	}
	fmt.Fprintln(w, "```")
	fmt.Fprintln(w, "\n## Verdicts")
	fmt.Fprintln(w)
	writeGameDayMarkdownTable(w, d.GameDay)
	fmt.Fprintf(w, "Time: %s (people: waiting for manual steps).\n", d.timeShare())
	if len(d.Notes) > 0 {
		fmt.Fprintln(w, "\n## Notes from operators")
		fmt.Fprintln(w)
		for _, n := range d.Notes {
			fmt.Fprintf(w, "- %s\n", markdown(noteLine(n)))
		}
	}
	return nil
}

// dayJSON is the JSON of the day's report.
type dayJSON struct {
	gameDayJSON
	Description          string         `json:"description,omitempty"`
	Facilitator          string         `json:"facilitator,omitempty"`
	Participants         []string       `json:"participants"`
	HumanTimeSeconds     float64        `json:"human_time_seconds"`
	AutomatedTimeSeconds float64        `json:"automated_time_seconds"`
	Timeline             []dayDrillJSON `json:"timeline"`
	Notes                []dayNoteJSON  `json:"notes"`
	Span                 [2]time.Time   `json:"span"`
}

type dayDrillJSON struct {
	Scenario         string          `json:"scenario"`
	RunID            string          `json:"run_id"`
	Verdict          string          `json:"verdict"`
	HumanTimeSeconds float64         `json:"human_time_seconds"`
	Phases           []phaseSpanJSON `json:"phases"`
}

type phaseSpanJSON struct {
	Phase string    `json:"phase"`
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

type dayNoteJSON struct {
	Scenario  string    `json:"scenario"`
	RunID     string    `json:"run_id"`
	Step      string    `json:"step"`
	At        time.Time `json:"at"`
	By        string    `json:"by"`
	Outcome   string    `json:"outcome"`
	Automatic bool      `json:"automatic"`
	Note      string    `json:"note"`
}

// WriteDayJSON writes the day's report as JSON: the game day as history
// --gameday --format json writes it, and the timeline, times and notes.
func WriteDayJSON(w io.Writer, d DayReport) error {
	start, end := d.span()
	out := dayJSON{gameDayJSON: newGameDayJSON(d.GameDay), Description: d.About.Description, Facilitator: d.About.Facilitator,
		Participants: append([]string{}, d.About.Participants...), HumanTimeSeconds: d.HumanTime.Seconds(),
		AutomatedTimeSeconds: d.AutomatedTime.Seconds(), Timeline: []dayDrillJSON{}, Notes: []dayNoteJSON{},
		Span: [2]time.Time{stored(start), stored(end)}}
	for _, drill := range d.Drills {
		row := dayDrillJSON{Scenario: drill.Run.Scenario, RunID: drill.Run.ID, Verdict: runVerdict(drill.Run),
			HumanTimeSeconds: drill.HumanTime.Seconds(), Phases: []phaseSpanJSON{}}
		for _, p := range drill.Phases {
			row.Phases = append(row.Phases, phaseSpanJSON{Phase: string(p.Phase), Start: stored(p.Start), End: stored(p.End)})
		}
		out.Timeline = append(out.Timeline, row)
	}
	for _, n := range d.Notes {
		out.Notes = append(out.Notes, dayNoteJSON{Scenario: n.Scenario, RunID: n.RunID, Step: n.Step, At: stored(n.At),
			By: n.By, Outcome: n.Outcome, Automatic: n.Automatic, Note: n.Note})
	}
	return writeJSON(w, out)
}
