package reports

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/redrill/redrill/store"
)

// Human time and machine time: every run tells the time its manual steps
// waited for people from the rest, and the report ranks the manual steps
// by the time people took over its window.

// timeSplit says how a run's time divides between people and machines:
// "4m2s waiting for people, 12.3s machine".
func timeSplit(r store.Run) string {
	machine, ended := r.MachineTime()
	if !ended {
		return readable(&r.HumanTime) + " waiting for people in the manual steps that ended; the rest once the run ends"
	}
	return fmt.Sprintf("%s waiting for people, %s machine", readable(&r.HumanTime), readable(&machine))
}

// answerLine says how a manual step was answered: "done by ana@laptop at
// 18:04:00: lag 0 (automatic)"; empty while nobody answered.
func answerLine(m *store.Manual) string {
	if m == nil || m.Answer == nil {
		return ""
	}
	a := m.Answer
	line := fmt.Sprintf("%s by %s at %s", a.Outcome, a.By, formatTime(a.At))
	if a.Note != "" {
		line += ": " + a.Note
	}
	if a.Automatic {
		line += " (automatic)"
	}
	return visible(line)
}

// manualLines say, under a run's steps, what each manual step asked
// and who answered.
func manualLines(record store.Record) []string {
	var lines []string
	for _, s := range record.Steps {
		if s.Manual == nil {
			continue
		}
		answer := answerLine(s.Manual)
		switch {
		case answer != "":
		case s.Running && record.Status == store.StatusRunning:
			answer = "waiting for an answer"
		default:
			answer = "no answer"
		}
		lines = append(lines, fmt.Sprintf("#%d %s %s asked: %s\n    %s", s.Seq, s.Phase, visible(s.Name),
			strings.ReplaceAll(visible(s.Manual.Instructions), "\n", "\n    "), answer))
	}
	return lines
}

// PeopleTime is one manual step's share of the people's time in a
// report's window, as the report ranks them.
type PeopleTime struct {
	store.ManualTime
	// Share is the step's part of all the manual steps' time, 0 to 1.
	Share float64
}

// readPeopleTime reads where the people's time went since since, ranked.
func readPeopleTime(ctx context.Context, history store.Reader, since time.Time) ([]PeopleTime, error) {
	times, err := history.ManualTimes(ctx, since)
	if err != nil {
		return nil, err
	}
	return rankPeopleTime(times), nil
}

// rankPeopleTime gives each manual step its share of the total.
func rankPeopleTime(times []store.ManualTime) []PeopleTime {
	var total time.Duration
	for _, t := range times {
		total += t.Total
	}
	ranked := make([]PeopleTime, len(times))
	for i, t := range times {
		ranked[i] = PeopleTime{ManualTime: t}
		if total > 0 {
			ranked[i].Share = float64(t.Total) / float64(total)
		}
	}
	return ranked
}

// peopleTimeJSON is the JSON form of a ranked manual step.
type peopleTimeJSON struct {
	Scenario       string  `json:"scenario"`
	Phase          string  `json:"phase"`
	Step           string  `json:"step"`
	Waits          int     `json:"waits"`
	Automatic      int     `json:"automatic"`
	TotalSeconds   float64 `json:"total_seconds"`
	LongestSeconds float64 `json:"longest_seconds"`
	Share          float64 `json:"share"`
}

func peopleTimesJSON(ranked []PeopleTime) []peopleTimeJSON {
	out := make([]peopleTimeJSON, 0, len(ranked))
	for _, p := range ranked {
		out = append(out, peopleTimeJSON{Scenario: p.Scenario, Phase: string(p.Phase), Step: p.Step, Waits: p.Waits, Automatic: p.Automatic,
			TotalSeconds: p.Total.Seconds(), LongestSeconds: p.Longest.Seconds(), Share: p.Share})
	}
	return out
}

func lastHuman(s ScenarioReport) *float64 {
	if s.NeverRan {
		return nil
	}
	return seconds(&s.LastRun.HumanTime)
}

func lastMachine(s ScenarioReport) *float64 {
	if machine, ended := s.LastRun.MachineTime(); ended && !s.NeverRan {
		return seconds(&machine)
	}
	return nil
}

// withPeople are the scenarios whose last run waited for people.
func withPeople(r Report) []ScenarioReport {
	var out []ScenarioReport
	for _, s := range r.Scenarios {
		if !s.NeverRan && s.LastRun.HumanTime > 0 {
			out = append(out, s)
		}
	}
	return out
}

// writePeopleText ranks where the people's time went, after the main
// table; nothing when no drill of the window had a manual step.
func writePeopleText(w io.Writer, r Report) error {
	if len(r.PeopleTime) == 0 {
		return nil
	}
	fmt.Fprintf(w, "\nWaiting for people, the manual steps by the time they took:\n")
	table := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(table, "SCENARIO\tSTEP\tWAITS\tTOTAL\tLONGEST\tSHARE")
	for _, p := range r.PeopleTime {
		fmt.Fprintf(table, "%s\t%s.%s\t%s\t%s\t%s\t%.0f%%\n", visible(p.Scenario), p.Phase, visible(p.Step), waitsCell(p.ManualTime),
			readable(&p.Total), readable(&p.Longest), p.Share*100)
	}
	if err := table.Flush(); err != nil {
		return err
	}
	for _, s := range withPeople(r) {
		fmt.Fprintf(w, "  last run of %s: %s\n", visible(s.Scenario), timeSplit(s.LastRun))
	}
	return nil
}

// writePeopleMarkdown is writePeopleText for Markdown.
func writePeopleMarkdown(w io.Writer, r Report) {
	if len(r.PeopleTime) == 0 {
		return
	}
	fmt.Fprintln(w, "Waiting for people, the manual steps by the time they took:")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| Scenario | Step | Waits | Total | Longest | Share |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|")
	for _, p := range r.PeopleTime {
		fmt.Fprintf(w, "| %s | %s.%s | %s | %s | %s | %.0f%% |\n", markdown(p.Scenario), p.Phase, markdown(p.Step), waitsCell(p.ManualTime),
			readable(&p.Total), readable(&p.Longest), p.Share*100)
	}
	fmt.Fprintln(w)
	for _, s := range withPeople(r) {
		fmt.Fprintf(w, "- Last run of %s: %s\n", markdown(s.Scenario), timeSplit(s.LastRun))
	}
	fmt.Fprintln(w)
}

// waitsCell counts a step's waits, saying how many were answered
// automatically: their time is no person's.
func waitsCell(t store.ManualTime) string {
	if t.Automatic == 0 {
		return fmt.Sprint(t.Waits)
	}
	return fmt.Sprintf("%d (%d automatic)", t.Waits, t.Automatic)
}
