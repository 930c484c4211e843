package reports

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/redrill/redrill/internal/labels"
	"github.com/redrill/redrill/store"
)

//go:embed templates/run.html
var runTemplates embed.FS

// runTemplate is the run page; html/template escapes what checks printed.
var runTemplate = template.Must(template.New("run.html").Funcs(template.FuncMap{
	"plain":    plainText,
	"duration": readable,
}).ParseFS(runTemplates, "templates/run.html"))

// runPageRefresh is how often a run page reloads while its run runs.
const runPageRefresh = 5

// runPage is what templates/run.html shows of a run.
type runPage struct {
	Run      store.Run
	Refresh  int
	Facts    []runFact
	Warnings []string
	Timeline runTimeline
	Steps    []runStep
	// Workloads is what show prints of them, one block per workload.
	Workloads string
}

type runFact struct{ Name, Value string }

// runTimeline is the run's steps on a time axis from its start: a row
// per step (the rounds of a polled check share one), in phase order as
// they ran, with the recovery clock's start and stop across every row.
type runTimeline struct {
	Ticks                []runTick
	Rows                 []runRow
	ClockStart, ClockEnd template.CSS // left: n%; empty when not recorded
	ClockText            string
}

type runTick struct {
	Style        template.CSS
	Label, Class string
}

type runRow struct {
	Phase    string
	NewPhase bool // the first row of its phase
	Name     string
	Kind     string
	Bars     []runBar
}

type runBar struct {
	Style template.CSS
	Class string
	Title string
}

// runStep is one step or round in the list under the timeline; its
// output is folded away.
type runStep struct {
	Seq                         int
	Phase, Name, Kind, Round    string
	Started, Duration, Attempts string
	Result, Class               string
	Message, Output             string
}

// WriteRunHTML writes the page of one run: what it says of itself, its
// steps on a time axis, each step's output folded away, its workloads.
// now ends the time axis of a run still running.
func WriteRunHTML(w io.Writer, record store.Record, now time.Time) error {
	r := record.Run
	page := runPage{Run: r, Facts: runFacts(r), Warnings: leftDisrupted(record), Timeline: timeline(record, now)}
	if r.Status == store.StatusRunning {
		page.Refresh = runPageRefresh
	}
	for _, s := range record.Steps {
		result, duration, attempts, _ := stepOutcome(r, s)
		switch attempts {
		case "-":
			attempts = ""
		case "1":
			attempts = "1 attempt"
		default:
			attempts += " attempts"
		}
		class := "ok"
		switch {
		case s.Running:
			class = "running"
		case s.Cancelled:
			class = "cancelled"
		case !s.Passed:
			class = "failed"
			result, _, _ = strings.Cut(result, " (more below")
		}
		round := ""
		if s.Round > 0 {
			round = fmt.Sprintf("round %d", s.Round)
		}
		page.Steps = append(page.Steps, runStep{Seq: s.Seq, Phase: string(s.Phase), Name: s.Name, Kind: s.Kind, Round: round,
			Started: s.StartedAt.UTC().Format("15:04:05.000"), Duration: duration, Attempts: attempts,
			Result: result, Class: class, Message: strings.TrimRight(s.Message, "\n"), Output: s.Result})
	}
	var workloads bytes.Buffer
	if err := writeWorkloads(&workloads, r); err != nil {
		return err
	}
	page.Workloads = strings.TrimLeft(workloads.String(), "\n")
	return runTemplate.Execute(w, page)
}

// runFacts are the lines at the head of show, as name and value.
func runFacts(r store.Run) []runFact {
	trigger := r.Trigger
	if r.GameDay != "" {
		trigger += " " + r.GameDay
	}
	facts := []runFact{{"started", fmt.Sprintf("%s on %s (%s)", formatTime(r.StartedAt), r.Host, trigger)}}
	if len(r.RunnerLabels) > 0 {
		facts = append(facts, runFact{"runner", labels.String(r.RunnerLabels)})
	}
	if !r.EndedAt.IsZero() {
		facts = append(facts, runFact{"ended", formatTime(r.EndedAt)})
	}
	if !r.ClockStart.IsZero() {
		facts = append(facts, runFact{"clock", formatTime(r.ClockStart) + " → " + orDash(formatTime(r.ClockStop))})
	}
	if r.Status == store.StatusRunning {
		facts = append(facts, runFact{"verdict", "none yet: the run is still running"})
	} else {
		facts = append(facts, runFact{"verdict", verdictAndReason(r)})
	}
	if r.Rollback != "" {
		facts = append(facts, runFact{"rollback", rollbackLine(r)})
	}
	facts = append(facts,
		runFact{"RTO", fmt.Sprintf("%s (objective %s)", readable(r.RTO), readable(r.ObjectiveRTO))},
		runFact{"RPO", fmt.Sprintf("%s (objective %s)", readable(r.RPO), readable(r.ObjectiveRPO))})
	for _, line := range clientLines(r) {
		name, value, _ := strings.Cut(line, " ")
		facts = append(facts, runFact{name, strings.TrimSpace(value)})
	}
	return facts
}

// timeline lays the run's steps on an axis from its start to its end (or
// now, while it runs), in percent of the width, so that it fits any
// screen.
func timeline(record store.Record, now time.Time) runTimeline {
	r := record.Run
	start, end := r.StartedAt, r.EndedAt
	if end.IsZero() {
		end = now
	}
	for _, s := range record.Steps {
		if !s.Running && s.StartedAt.Add(s.Duration).After(end) {
			end = s.StartedAt.Add(s.Duration)
		}
		if s.StartedAt.After(end) {
			end = s.StartedAt
		}
	}
	if !end.After(start) {
		end = start.Add(time.Second)
	}
	span := end.Sub(start)
	percent := func(t time.Time) float64 { return 100 * float64(t.Sub(start)) / float64(span) }
	left := func(t time.Time) template.CSS {
		return template.CSS(fmt.Sprintf("left: %.2f%%", min(max(percent(t), 0), 100)))
	}

	var t runTimeline
	_, step := niceDurationAxis(span, 5)
	for at := time.Duration(0); at <= span; at += step {
		label := "+" + readable(&at)
		if at == 0 {
			label = start.UTC().Format("15:04:05")
		}
		tick := runTick{Style: left(start.Add(at)), Label: label, Class: "tick"}
		if p := percent(start.Add(at)); p > 80 {
			// Near the end, a label runs leftwards, inside the axis.
			tick.Style, tick.Class = template.CSS(fmt.Sprintf("right: %.2f%%", 100-p)), "tick end"
		}
		t.Ticks = append(t.Ticks, tick)
	}
	if !r.ClockStart.IsZero() {
		t.ClockStart = left(r.ClockStart)
		t.ClockText = "recovery clock from " + r.ClockStart.UTC().Format("15:04:05.000")
		if !r.ClockStop.IsZero() {
			t.ClockEnd = left(r.ClockStop)
			t.ClockText += " to " + r.ClockStop.UTC().Format("15:04:05.000")
		} else {
			t.ClockText += ", never stopped"
		}
	}
	rowOf := map[string]int{}
	for _, s := range record.Steps {
		key := string(s.Phase) + "\x00" + s.Name
		i, ok := rowOf[key]
		if !ok {
			i = len(t.Rows)
			rowOf[key] = i
			t.Rows = append(t.Rows, runRow{Phase: string(s.Phase), Name: s.Name, Kind: s.Kind,
				NewPhase: len(t.Rows) == 0 || t.Rows[len(t.Rows)-1].Phase != string(s.Phase)})
		}
		stepEnd := s.StartedAt.Add(s.Duration)
		if s.Running {
			stepEnd = end
		}
		// A step of a few milliseconds is still a visible sliver.
		barLeft := min(max(percent(s.StartedAt), 0), 99.4)
		barWidth := min(max(percent(stepEnd)-barLeft, 0.6), 100-barLeft)
		result, duration, _, _ := stepOutcome(r, s)
		class := "bar phase-" + strings.ReplaceAll(string(s.Phase), "_", "-")
		switch {
		case s.Running:
			class += " running"
		case s.Cancelled:
			class += " cancelled"
		case !s.Passed:
			class += " failed"
		}
		title := fmt.Sprintf("#%d %s, %s at %s, %s", s.Seq, s.Name, duration, s.StartedAt.UTC().Format("15:04:05.000"), firstLine(result))
		if s.Round > 0 {
			title = fmt.Sprintf("#%d %s round %d, %s at %s, %s", s.Seq, s.Name, s.Round, duration, s.StartedAt.UTC().Format("15:04:05.000"), firstLine(result))
		}
		t.Rows[i].Bars = append(t.Rows[i].Bars, runBar{Class: class, Title: title,
			Style: template.CSS(fmt.Sprintf("left: %.2f%%; width: %.2f%%", barLeft, barWidth))})
	}
	return t
}

// runPageType is the type a run page is written in for an Accept header:
// the one of text/html, application/json and text/plain it prefers (by
// q, then by the order it names them); text/plain when it names none of
// them, which keeps what curl's */* always got.
func runPageType(accept string) string {
	best, bestQ := "text/plain", 0.0
	for _, part := range strings.Split(accept, ",") {
		mediaType, params, _ := strings.Cut(part, ";")
		mediaType = strings.ToLower(strings.TrimSpace(mediaType))
		if mediaType != "text/html" && mediaType != "application/json" && mediaType != "text/plain" {
			continue
		}
		q := 1.0
		for _, param := range strings.Split(params, ";") {
			name, value, _ := strings.Cut(param, "=")
			if strings.TrimSpace(strings.ToLower(name)) == "q" {
				if parsed, err := strconv.ParseFloat(strings.TrimSpace(value), 64); err == nil {
					q = parsed
				}
			}
		}
		if q > bestQ {
			best, bestQ = mediaType, q
		}
	}
	return best
}
