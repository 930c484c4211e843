package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redrill/redrill/scenarios/phase"
)

// A manual step waits for a person. Its runner records it as waiting when
// it starts; whoever answers first, from the runner's terminal, the CLI of
// another machine or the dashboard, writes the answer to the step's row,
// and the runner, which polls that row, carries on. The store is the only
// channel, so answers work across machines and serve replicas, and the
// first answer wins wherever it came from.

// The outcomes of an answer.
const (
	AnswerDone    = "done"
	AnswerFailed  = "failed"
	AnswerSkipped = "skipped"
)

// KindManual is the check kind of a manual step, as steps record it.
const KindManual = "manual"

// Answer is a person's answer to a manual step.
type Answer struct {
	Outcome string    `json:"outcome"` // AnswerDone, AnswerFailed or AnswerSkipped
	By      string    `json:"by"`      // who answered, as they said
	Note    string    `json:"note"`
	At      time.Time `json:"at"`
	// Automatic says nobody answered: run --yes or --answer did.
	Automatic bool `json:"automatic"`
}

// Manual is what a recorded manual step adds to its Step.
type Manual struct {
	Instructions string        `json:"instructions"`
	Timeout      time.Duration `json:"timeout"`
	// Answer is nil while nobody answered, and for a step that timed out
	// or was cut short.
	Answer *Answer `json:"answer"`
}

// WaitingStep is a manual step of a running run that waits for an answer.
type WaitingStep struct {
	RunID    string      `json:"run_id"`
	Scenario string      `json:"scenario"`
	Phase    phase.Phase `json:"phase"`
	// Step is the step's name, as Answer takes it.
	Step         string        `json:"step"`
	Instructions string        `json:"instructions"`
	Since        time.Time     `json:"since"`
	Timeout      time.Duration `json:"timeout"`
}

// AbortRequest is someone's request that a running run stop.
type AbortRequest struct {
	By   string    `json:"by"`
	Note string    `json:"note"`
	At   time.Time `json:"at"`
}

// Operators is how people act on running drills from any machine that
// reaches the store: the CLI and the dashboard.
type Operators interface {
	// Answer records the answer to the manual step step (its name, or
	// PHASE.NAME as in "recover.promote") of a running run. The first
	// answer wins: a later one fails with *AlreadyAnsweredError. A run
	// that is not running, or a step that is not a manual step waiting
	// for an answer, fails with an error that is ErrNotWaiting and says
	// which; an unknown run with ErrNotFound.
	Answer(ctx context.Context, runID, step string, a Answer) error
	// Waiting lists the manual steps of running runs that wait for an
	// answer, oldest first.
	Waiting(ctx context.Context) ([]WaitingStep, error)
	// RequestAbort asks the runner of a running run to abort it, as an
	// interrupt would. A run that is not running fails with an error that
	// is ErrNotRunning; a second request with *AbortRequestedError.
	RequestAbort(ctx context.Context, runID, by, note string) error
}

// Awaiter is how a runner learns what people decided about its run.
type Awaiter interface {
	// AnswerOf returns the answer to the manual step seq of a run; false
	// while there is none.
	AnswerOf(ctx context.Context, runID string, seq int) (Answer, bool, error)
	// StopWaiting ends the wait of the manual step seq (it timed out, or
	// the drill stops): from then on answers are refused. It returns the
	// answer that arrived first, if one did.
	StopWaiting(ctx context.Context, runID string, seq int) (Answer, bool, error)
	// AbortRequested returns the request to abort a run; false when there
	// is none.
	AbortRequested(ctx context.Context, runID string) (AbortRequest, bool, error)
}

// ErrNotWaiting is what an answer that nothing waits for is: the run is
// not running, or the step is not a manual step that waits.
var ErrNotWaiting = errors.New("not waiting for an answer")

// ErrNotRunning is a request about a run that is no longer running.
var ErrNotRunning = errors.New("run is not running")

// refusal is an ErrNotWaiting or ErrNotRunning whose message says why.
type refusal struct {
	message string
	kind    error
}

func (e refusal) Error() string        { return e.message }
func (e refusal) Is(target error) bool { return target == e.kind }

// AlreadyAnsweredError is an answer to a step someone answered first.
type AlreadyAnsweredError struct {
	By      string
	At      time.Time
	Outcome string
}

func (e *AlreadyAnsweredError) Error() string {
	return fmt.Sprintf("already answered by %s at %s", e.By, e.At.UTC().Format(time.RFC3339))
}

// AbortRequestedError is a request to abort a run someone asked to abort
// first.
type AbortRequestedError struct {
	By string
	At time.Time
}

func (e *AbortRequestedError) Error() string {
	return fmt.Sprintf("abort already requested by %s at %s", e.By, e.At.UTC().Format(time.RFC3339))
}

// validAnswer checks an answer before it is written.
func validAnswer(a Answer) error {
	switch a.Outcome {
	case AnswerDone, AnswerFailed, AnswerSkipped:
	default:
		return fmt.Errorf("answer %q is not one of %s, %s, %s", a.Outcome, AnswerDone, AnswerFailed, AnswerSkipped)
	}
	if a.By == "" {
		return errors.New("an answer says who gave it: By is empty")
	}
	return nil
}

// ManualTime is where people's time went in one manual step of one
// scenario, over the runs of a window.
type ManualTime struct {
	Scenario string      `json:"scenario"`
	Phase    phase.Phase `json:"phase"`
	Step     string      `json:"step"`
	// Waits counts the runs in which the step waited; Automatic those
	// answered by run --yes or --answer.
	Waits     int           `json:"waits"`
	Automatic int           `json:"automatic"`
	Total     time.Duration `json:"total"`
	Longest   time.Duration `json:"longest"`
}
