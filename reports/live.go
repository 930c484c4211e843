package reports

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/redrill/redrill/scenarios/phase"
	"github.com/redrill/redrill/store"
)

// LiveText prints runs as they happen, for a person: each phase and step,
// and a live line: while the recovery clock runs, the time elapsed against
// the RTO; outside it, while a step runs, the step's time. The line is
// rewritten in place on a terminal and repeated every ten seconds
// otherwise.
type LiveText struct {
	// Prefixed starts every line with the scenario's name, for drills
	// that run in parallel; the live line is then off.
	Prefixed bool

	w        io.Writer
	terminal bool
	mu       sync.Mutex
	stop     chan struct{}
	clock    bool // the recovery clock runs: the live line is its own
	live     bool // a live line is on screen and must be cleared
	// shown is what was last printed of each workload, by run and name.
	shown map[string]workloadShown
	// prompt is the question a manual step asks at the terminal, shown
	// as the last line while promptShown (live_manual.go).
	prompt      string
	promptShown bool
}

// NewLiveText writes to w; terminal says whether w is a terminal.
func NewLiveText(w io.Writer, terminal bool) *LiveText {
	return &LiveText{w: w, terminal: terminal}
}

// Observe is the runner's Options.Observe.
func (t *LiveText) Observe(e store.Event) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.clearLive()
	defer t.showPrompt()
	if t.Prefixed {
		w := t.w
		t.w = &prefixWriter{w: w, prefix: "[" + e.Record.Scenario + "] "}
		defer func() { t.w = w }()
	}
	switch e.Type {
	case store.EventStart:
		fmt.Fprintf(t.w, "▶ %s   run %s\n", e.Record.Scenario, e.Record.ID)
	case store.EventPhase:
		if !e.Phase.Clocked() {
			t.stopTicker() // the clock stopped without recovery
			t.clock = false
		}
		fmt.Fprintf(t.w, "  %s\n", e.Phase)
	case store.EventClockStart:
		fmt.Fprintf(t.w, "  ⏱ recovery clock started%s\n", budget(e.Record.ObjectiveRTO))
		t.stopTicker()
		t.clock = true
		objective := e.Record.ObjectiveRTO
		t.startTicker(e.Record.ClockStart, func(elapsed time.Duration) string { return clockLine(elapsed, objective) })
	case store.EventStepStart:
		t.stepStarted(e)
	case store.EventManualWait:
		t.manualWait(e)
	case store.EventStepEnd:
		// A background step ends while the drill goes on: the live line
		// is that of the step or clock in the foreground.
		if !t.clock && !e.Step.Background {
			t.stopTicker()
		}
		t.step(e)
	case store.EventWorkload:
		t.workloads(e)
	case store.EventClockStop:
		t.stopTicker()
		t.clock = false
		fmt.Fprintf(t.w, "  ⏱ recovered after %s\n", readable(e.Record.RTO))
	case store.EventRollbackSkipped:
		fmt.Fprintln(t.w, "  rollback skipped: interrupted twice")
	case store.EventEnd:
		t.stopTicker()
		t.forgetWorkloads(e.Record)
		fmt.Fprintln(t.w, Summary(e.Record))
	}
}

// stepStarted shows a long step's time on the live line, outside the
// clock; a step in the background is said to start, as the drill goes on
// without waiting for it.
func (t *LiveText) stepStarted(e store.Event) {
	if e.Step.Background {
		fmt.Fprintf(t.w, "    ↷ %s (%s) started in the background\n", visible(e.Step.Name), e.Step.Kind)
		return
	}
	if !t.clock {
		t.stopTicker()
		name := e.Step.Name
		t.startTicker(e.At, func(elapsed time.Duration) string { return stepLine(name, elapsed) })
	}
}

func (t *LiveText) step(e store.Event) {
	s := e.Step
	if s.Background || s.Cancelled {
		fmt.Fprintln(t.w, backgroundStepLine(*s))
		return
	}
	mark := "✓"
	if !s.Passed {
		mark = "✗"
	}
	polled := e.Phase.Polled()
	if s.Passed && e.Phase == phase.Guard {
		return // a guard that holds is news only when it fails
	}
	if polled && !s.Passed && s.Round > 1 && s.Round%10 != 0 {
		return // not every failed round: the live line shows progress
	}
	line := fmt.Sprintf("    %s %s (%s)  %s", mark, s.Name, s.Kind, readable(&s.Duration))
	if polled {
		line = fmt.Sprintf("    %s round %d: %s (%s)  %s", mark, s.Round, s.Name, s.Kind, readable(&s.Duration))
	}
	if s.Attempts > 1 {
		line += fmt.Sprintf(", %d attempts", s.Attempts)
	}
	if s.Passed && s.Manual != nil && s.Manual.Answer != nil {
		line += ", " + answerLine(s.Manual)
	}
	if !s.Passed && s.Message != "" {
		line += "\n      " + strings.ReplaceAll(visible(s.Message), "\n", "\n      ")
	}
	fmt.Fprintln(t.w, line)
}

// backgroundStepLine says how a step that ran in the background ended,
// later than it started: a cancelled one was still running when the drill
// ended, which is not a failure.
func backgroundStepLine(s store.Step) string {
	took := readable(&s.Duration)
	switch {
	case s.Cancelled:
		return fmt.Sprintf("    ⊘ %s (%s) cancelled after %s: still running when the drill ended", visible(s.Name), s.Kind, took)
	case s.Passed:
		return fmt.Sprintf("    ✓ %s (%s) ended in the background after %s", visible(s.Name), s.Kind, took)
	}
	line := fmt.Sprintf("    ✗ %s (%s) failed in the background after %s", visible(s.Name), s.Kind, took)
	if s.Message != "" {
		line += "\n      " + strings.ReplaceAll(visible(s.Message), "\n", "\n      ")
	}
	return line
}

// startTicker shows line(time since start) every tick until stopped.
func (t *LiveText) startTicker(start time.Time, line func(elapsed time.Duration) string) {
	if t.Prefixed {
		return
	}
	t.stop = make(chan struct{})
	stop := t.stop
	every := 10 * time.Second
	if t.terminal {
		every = 500 * time.Millisecond
	}
	go func() {
		ticker := time.NewTicker(every)
		defer ticker.Stop()
		for {
			select {
			case <-stop:
				return
			case <-ticker.C:
				t.mu.Lock()
				if t.stop == stop { // not stopped while this tick waited
					t.printLive(line(time.Since(start)))
				}
				t.mu.Unlock()
			}
		}
	}()
}

func (t *LiveText) stopTicker() {
	if t.stop != nil {
		close(t.stop)
		t.stop = nil
	}
}

// clockLine is the live line of the recovery clock: the elapsed time
// against the RTO budget.
func clockLine(elapsed time.Duration, objective *time.Duration) string {
	text := "    … " + formatElapsed(elapsed) + " elapsed"
	if objective != nil && *objective > 0 {
		share := float64(elapsed) / float64(*objective)
		text += fmt.Sprintf(" of RTO %s %s %3.0f%%", readable(objective), bar(share, 20), share*100)
	}
	return text
}

// stepLine is the live line of a long step outside the recovery clock.
func stepLine(step string, elapsed time.Duration) string {
	return fmt.Sprintf("    … %s: %s elapsed", step, formatElapsed(elapsed))
}

// formatElapsed shows tenths of a second in the first minute, whole
// seconds after: a live line that changes every tick.
func formatElapsed(d time.Duration) string {
	if d < time.Minute {
		return fmt.Sprintf("%.1fs", d.Truncate(100*time.Millisecond).Seconds())
	}
	return strings.Replace(d.Truncate(time.Second).String(), "m0s", "m", 1)
}

// printLive shows a live line.
func (t *LiveText) printLive(text string) {
	if t.prompt != "" {
		return // the operator is typing on the last line
	}
	if t.terminal {
		fmt.Fprintf(t.w, "\r%s\033[K", text)
		t.live = true
		return
	}
	fmt.Fprintln(t.w, text)
}

func (t *LiveText) clearLive() {
	if t.promptShown {
		fmt.Fprint(t.w, "\r\033[K")
		t.promptShown = false
	}
	if t.live {
		fmt.Fprint(t.w, "\r\033[K")
		t.live = false
	}
}

func bar(share float64, width int) string {
	filled := int(share * float64(width))
	filled = max(0, min(filled, width))
	return "[" + strings.Repeat("#", filled) + strings.Repeat("-", width-filled) + "]"
}

func budget(objective *time.Duration) string {
	if objective == nil || *objective == 0 {
		return " (no RTO objective)"
	}
	return " (RTO objective " + readable(objective) + ")"
}

// prefixWriter starts every line with a prefix.
type prefixWriter struct {
	w      io.Writer
	prefix string
}

func (p *prefixWriter) Write(b []byte) (int, error) {
	text := strings.TrimSuffix(string(b), "\n")
	lines := strings.Split(text, "\n")
	out := p.prefix + strings.Join(lines, "\n"+p.prefix)
	if strings.HasSuffix(string(b), "\n") {
		out += "\n"
	}
	if _, err := io.WriteString(p.w, out); err != nil {
		return 0, err
	}
	return len(b), nil
}
