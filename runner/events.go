package runner

import (
	"time"

	"github.com/redrill/redrill/scenarios/phase"
)

// EventType names what happened in a run.
type EventType string

// The events a run emits, in the order they can happen.
const (
	EventStart           EventType = "start"
	EventPhase           EventType = "phase"
	EventClockStart      EventType = "clock_start"
	EventStepStart       EventType = "step_start"
	EventStepEnd         EventType = "step_end"
	EventClockStop       EventType = "clock_stop"
	EventRollbackSkipped EventType = "rollback_skipped"
	EventEnd             EventType = "end"
)

// Event is one thing that happened during a run, for live output.
type Event struct {
	Type     EventType
	RunID    string
	Scenario string
	At       time.Time
	Phase    phase.Phase
	Step     string
	Kind     string
	Round    int
	// Result is set on EventStepEnd.
	Result *StepResult
	// Run is the run so far; read it only during the callback.
	Run *Result
}
