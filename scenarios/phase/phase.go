// Package phase names the parts of a drill and says what each one is, for
// the language that decodes them, the runner that runs them, the plan and
// the outputs that show them. It has no dependency, so that every package
// can share it.
package phase

import "time"

// Phase names a part of a drill.
type Phase string

// The phases, in the order they run; guard runs beside disrupt, recover
// and recovered_when.
const (
	SteadyState Phase = "steady_state"
	// Setup prepares the drill (starts the large operation, loads data)
	// after steady state holds and before the clock starts.
	Setup         Phase = "setup"
	Disrupt       Phase = "disrupt"
	Recover       Phase = "recover"
	RecoveredWhen Phase = "recovered_when"
	Guard         Phase = "guard"
	DataLoss      Phase = "data_loss"
	Rollback      Phase = "rollback"
)

// All returns every phase in the order they run.
func All() []Phase {
	return []Phase{SteadyState, Setup, Disrupt, Recover, RecoveredWhen, Guard, DataLoss, Rollback}
}

// Polled tells whether the checks of the phase run in rounds, at an
// interval: until they all pass (recovered_when) or one fails (guard). A
// polled check has no single result that later steps could read.
func (p Phase) Polled() bool { return p == RecoveredWhen || p == Guard }

// Observes tells whether the phase's blocks are checks, which look at the
// system, rather than steps, which act on it.
func (p Phase) Observes() bool { return p == SteadyState || p.Polled() }

// Clocked tells whether the recovery clock runs during the phase.
func (p Phase) Clocked() bool { return p == Disrupt || p == Recover || p.Polled() }

// DefaultEvery is the interval between rounds of a polled phase; zero for
// the others.
func (p Phase) DefaultEvery() time.Duration {
	switch p {
	case RecoveredWhen:
		return time.Second
	case Guard:
		return 5 * time.Second
	}
	return 0
}

// MustEnd tells whether the phase polls until its checks pass, and so
// needs a timeout (its own or the drill's) to end on a system that never
// recovers. A guard ends with recovery.
func (p Phase) MustEnd() bool { return p == RecoveredWhen }

// Background tells whether a step of the phase may run in the background:
// the drill goes on while it runs.
func (p Phase) Background() bool { return p == Setup || p == Disrupt || p == Recover }

// StepWord is what one of the phase's blocks is called: "check" or "step".
func (p Phase) StepWord() string {
	if p.Observes() {
		return "check"
	}
	return "step"
}
