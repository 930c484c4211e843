package reports

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/redrill/redrill/internal/labels"
	"github.com/redrill/redrill/scenarios/phase"
	"github.com/redrill/redrill/store"
)

// WriteHistory lists runs, newest first. The client downtime and lost
// writes of drills under load are columns only when a listed run has
// workloads: a history without any reads as it always did.
func WriteHistory(w io.Writer, runs []store.Run) error {
	if len(runs) == 0 {
		_, err := fmt.Fprintln(w, "No runs recorded.")
		return err
	}
	underLoad := slices.ContainsFunc(runs, func(r store.Run) bool { return len(r.Workloads) > 0 })
	table := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	header := "RUN\tSCENARIO\tSTARTED\tTRIGGER\tVERDICT\tRTO\tRPO"
	if underLoad {
		header += "\tDOWNTIME\tLOST WRITES"
	}
	fmt.Fprintln(table, header)
	for _, r := range runs {
		verdict := r.Verdict
		if r.Status == store.StatusRunning {
			verdict = "running"
		}
		row := fmt.Sprintf("%s\t%s\t%s\t%s\t%s\t%s\t%s", r.ID, r.Scenario, r.StartedAt.UTC().Format("2006-01-02 15:04:05"),
			r.Trigger, verdict, readable(r.RTO), readable(r.RPO))
		if underLoad {
			row += "\t" + readable(store.ClientDowntime(r.Workloads)) + "\t" + countOrDash(store.LostWritesOf(r.Workloads))
		}
		fmt.Fprintln(table, row)
	}
	return table.Flush()
}

// WriteRun shows one run step by step, with the clock, then what its
// workloads measured.
func WriteRun(w io.Writer, record store.Record) error {
	writeRunHeader(w, record)
	if len(record.Steps) == 0 {
		fmt.Fprintln(w, "No step recorded.")
	} else if err := writeSteps(w, record); err != nil {
		return err
	}
	return writeWorkloads(w, record.Run)
}

// writeRunHeader is what a run says of itself: when and where it ran, the
// clock, the verdict and the measurements against their objectives.
func writeRunHeader(w io.Writer, record store.Record) {
	r := record.Run
	fmt.Fprintf(w, "run %s of %s\n", r.ID, r.Scenario)
	trigger := r.Trigger
	if r.GameDay != "" {
		trigger += " " + r.GameDay
	}
	fmt.Fprintf(w, "  started   %s on %s (%s)\n", formatTime(r.StartedAt), r.Host, trigger)
	if len(r.RunnerLabels) > 0 {
		fmt.Fprintf(w, "  runner    %s\n", labels.String(r.RunnerLabels))
	}
	if !r.EndedAt.IsZero() {
		fmt.Fprintf(w, "  ended     %s\n", formatTime(r.EndedAt))
	}
	if !r.ClockStart.IsZero() {
		fmt.Fprintf(w, "  clock     %s → %s\n", formatTime(r.ClockStart), orDash(formatTime(r.ClockStop)))
	}
	if r.Status == store.StatusRunning {
		fmt.Fprintf(w, "  verdict   none yet: the run is still running\n")
	} else {
		fmt.Fprintf(w, "  verdict   %s\n", verdictLine(r))
	}
	if r.Rollback != "" {
		fmt.Fprintf(w, "  rollback  %s\n", rollbackLine(r))
	}
	for _, line := range leftDisrupted(record) {
		fmt.Fprintf(w, "  WARNING   %s\n", line)
	}
	fmt.Fprintf(w, "  RTO       %s (objective %s)\n  RPO       %s (objective %s)\n",
		readable(r.RTO), readable(r.ObjectiveRTO), readable(r.RPO), readable(r.ObjectiveRPO))
	for _, line := range clientLines(r) {
		fmt.Fprintf(w, "  %s\n", line)
	}
	for _, line := range measureLines(r) {
		fmt.Fprintf(w, "  %s\n", visible(line))
	}
	fmt.Fprintf(w, "  time      %s\n", timeSplit(r))
	if r.Abort != nil {
		fmt.Fprintf(w, "  abort     requested by %s at %s%s\n", visible(r.Abort.By), formatTime(r.Abort.At), visible(prefixed(": ", r.Abort.Note)))
	}
	fmt.Fprintln(w)
}

// prefixed is text after prefix; empty when text is.
func prefixed(prefix, text string) string {
	if text == "" {
		return ""
	}
	return prefix + text
}

// writeSteps is the table of a run's steps. A message of several lines
// would break the table: its first line goes in the table, the whole of
// it under the table.
func writeSteps(w io.Writer, record store.Record) error {
	table := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(table, "#\tPHASE\tSTEP\tKIND\tROUND\tSTARTED\tDURATION\tATTEMPTS\tRESULT")
	var longMessages []store.Step
	for _, s := range record.Steps {
		result, duration, attempts, more := stepOutcome(record.Run, s)
		if more {
			longMessages = append(longMessages, s)
		}
		round := "-"
		if s.Round > 0 {
			round = fmt.Sprint(s.Round)
		}
		fmt.Fprintf(table, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", s.Seq, s.Phase, s.Name, s.Kind, round,
			s.StartedAt.UTC().Format("15:04:05.000"), duration, attempts, result)
	}
	if err := table.Flush(); err != nil {
		return err
	}
	for _, s := range longMessages {
		fmt.Fprintf(w, "\n#%d %s %s failed:\n    %s\n", s.Seq, s.Phase, s.Name, strings.ReplaceAll(strings.TrimRight(visible(s.Message), "\n"), "\n", "\n    "))
	}
	for _, line := range manualLines(record) {
		fmt.Fprintf(w, "\n%s\n", line)
	}
	return nil
}

// stepOutcome is a step's result, duration and attempts as the table
// shows them, and whether its message has more lines than the table holds.
// A cancelled step did not fail: it was still running in the background
// when the drill ended.
func stepOutcome(r store.Run, s store.Step) (result, duration, attempts string, more bool) {
	d := s.Duration
	result, duration, attempts = "ok", readable(&d), fmt.Sprint(s.Attempts)
	switch {
	case s.Running && r.Status == store.StatusRunning && s.Manual != nil:
		result, duration, attempts = "WAITING for an answer (redrill confirm "+r.ID+" "+visible(s.Name)+")", "-", "-"
	case s.Running && r.Status == store.StatusRunning:
		result, duration, attempts = "running", "-", "-"
	case s.Running:
		result, duration, attempts = "NEVER ENDED: its runner stopped during it", "-", "-"
	case s.Cancelled:
		result = "CANCELLED: " + orDefault(strings.TrimPrefix(firstLine(s.Message), "cancelled: "), "still running when the drill ended")
	case !s.Passed:
		first, rest, several := strings.Cut(visible(s.Message), "\n")
		result = "FAILED: " + first
		if several && strings.TrimSpace(rest) != "" {
			result += fmt.Sprintf(" (more below, #%d)", s.Seq)
			more = true
		}
	}
	if s.Background && !s.Cancelled {
		result += " (background)"
	}
	if s.Manual != nil && s.Manual.Answer != nil && s.Passed {
		result = s.Manual.Answer.Outcome + " by " + visible(s.Manual.Answer.By)
	}
	return result, duration, attempts, more
}

func firstLine(message string) string {
	first, _, _ := strings.Cut(visible(message), "\n")
	return first
}

func orDefault(text, fallback string) string {
	if strings.TrimSpace(text) == "" {
		return fallback
	}
	return text
}

// rollbackLine says how a run's rollback went, and warns when the system
// may still be disrupted.
func rollbackLine(r store.Run) string {
	switch r.Rollback {
	case store.RollbackNone:
		return "none: the scenario has no rollback steps"
	case store.RollbackNotNeeded:
		return "not needed: the drill ended before it touched the system"
	case store.RollbackFailed, store.RollbackSkipped:
		return r.Rollback + ": WARNING, the system may still be disrupted"
	}
	return r.Rollback
}

// formatTime is a time as RFC 3339 in UTC, so that the text reads the
// same on every runner; empty for the zero time.
func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// verdictLine is a run's verdict and its reason for a terminal.
func verdictLine(r store.Run) string { return visible(verdictAndReason(r)) }

// verdictAndReason is a run's verdict and its reason, the verdict said
// once: an interrupted run's reason already begins with "interrupted:".
func verdictAndReason(r store.Run) string {
	if r.Verdict != "" && strings.HasPrefix(r.Reason, r.Verdict+":") {
		return r.Reason
	}
	return orDash(r.Verdict) + ": " + r.Reason
}

// leftDisrupted tells the operator of a run that may have left the system
// disrupted (the rollback line says so) what to look at: the steps its runner stopped during, and the
// rollback steps of its plan that never ran.
func leftDisrupted(record store.Record) []string {
	r := record.Run
	if !r.LeftDisrupted() || r.Status == store.StatusRunning {
		return nil
	}
	var lines []string
	ran := map[string]bool{}
	for _, s := range record.Steps {
		if s.Running {
			lines = append(lines, fmt.Sprintf("stopped during %s step %q, started %s", s.Phase, visible(s.Name), formatTime(s.StartedAt)))
			continue
		}
		if s.Phase == phase.Rollback {
			ran[s.Name] = true
		}
	}
	var never []string
	for _, p := range r.Plan {
		if p.Phase == phase.Rollback && !ran[p.Name] {
			never = append(never, fmt.Sprintf("%q", visible(p.Name)))
		}
	}
	if len(never) > 0 {
		lines = append(lines, "rollback steps that never ran: "+strings.Join(never, ", "))
	}
	return lines
}
