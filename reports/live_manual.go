package reports

import (
	"fmt"
	"strings"

	"github.com/redrill/redrill/store"
)

// A manual step waits for a person: the live output says what to do and
// how to answer from anywhere, and, at an interactive terminal, keeps the
// prompt as its last line. While the prompt shows, the live line is not
// rewritten (it would overwrite what the operator types); other lines are
// printed above it, and the prompt again under them.

// manualWait says what a manual step asks, and how to answer it from
// another machine.
func (t *LiveText) manualWait(e store.Event) {
	s := e.Step
	fmt.Fprintf(t.w, "    ? %s (manual) waits for a person", visible(s.Name))
	if s.Manual != nil && s.Manual.Timeout > 0 {
		fmt.Fprintf(t.w, ", at most %s", readable(&s.Manual.Timeout))
	}
	fmt.Fprintln(t.w)
	if s.Manual != nil {
		fmt.Fprintf(t.w, "      %s\n", strings.ReplaceAll(visible(s.Manual.Instructions), "\n", "\n      "))
	}
	fmt.Fprintf(t.w, "      answer from anywhere: redrill confirm %s %s [--fail] [--note TEXT]\n", e.Record.ID, visible(s.Name))
}

// Ask shows prompt as the last line of the output until Answered; a
// later Ask replaces it.
func (t *LiveText) Ask(prompt string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.clearLive()
	t.prompt = prompt
	t.showPrompt()
}

// Answered removes the prompt: the operator's Enter ended its line.
func (t *LiveText) Answered() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.prompt, t.promptShown = "", false
}

func (t *LiveText) showPrompt() {
	if t.prompt != "" {
		fmt.Fprint(t.w, t.prompt)
		t.promptShown = true
	}
}
