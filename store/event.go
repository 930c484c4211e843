package store

import (
	"time"

	"github.com/redrill/redrill/scenarios/phase"
)

// EventType names what happened in a run.
type EventType string

// The events of a run, in the order they can happen.
const (
	EventStart      EventType = "start"
	EventPhase      EventType = "phase"
	EventClockStart EventType = "clock_start"
	EventStepStart  EventType = "step_start"
	// EventManualWait: a manual step waits for an answer; its Step holds
	// the instructions (Step.Manual).
	EventManualWait EventType = "manual_wait"
	EventStepEnd    EventType = "step_end"
	EventClockStop  EventType = "clock_stop"
	// EventWorkload reports the workloads' progress (Record.Workloads),
	// every second while they run.
	EventWorkload        EventType = "workload"
	EventRollbackSkipped EventType = "rollback_skipped"
	EventEnd             EventType = "end"
)

// Event is one thing that happened during a run, as it happened: what
// live output, webhooks and the record of the run are made of.
type Event struct {
	Type EventType
	At   time.Time
	// Phase is the phase that began (EventPhase) or of the step.
	Phase phase.Phase
	// Step is the step that started (name, kind and round only) or ended.
	Step *Step
	// Record is the run so far, a copy that is the observer's to keep.
	Record Record
}

// Record is a run with its steps, in order.
type Record struct {
	Run
	Steps []Step
}
