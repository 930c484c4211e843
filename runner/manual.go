package runner

import (
	"context"
	"errors"
	"time"

	"github.com/redrill/redrill/checks"
	"github.com/redrill/redrill/scenarios"
	"github.com/redrill/redrill/scenarios/phase"
	"github.com/redrill/redrill/store"
)

// A manual step waits for a person. Its runner records it as waiting,
// then takes the first answer of: an automatic one (run --yes, --answer),
// the terminal that runs the drill (Options.Prompter), or the store, which
// `redrill confirm` and the dashboard write to from anywhere and which the
// runner polls every ManualPollInterval. An answer given here is written
// to the store too, so that the first answer wins wherever it came from.

// ManualPollInterval is how often a waiting manual step reads the store
// for its answer: one read of one row by key.
const ManualPollInterval = time.Second

// Question is what a manual step asks people at the terminal.
type Question struct {
	RunID        string
	Scenario     string
	Phase        phase.Phase
	Step         string
	Instructions string
	// Deadline is when the step stops waiting (on the real clock).
	Deadline time.Time
}

// Prompter asks a manual step's question at the terminal that runs the
// drill; it returns ctx's error when the step stopped waiting first.
type Prompter interface {
	Prompt(ctx context.Context, q Question) (store.Answer, error)
}

// AutoAnswer answers a manual step without a person (run --yes,
// --answer FILE): false leaves the step to people.
type AutoAnswer func(phase phase.Phase, step string) (store.Answer, bool)

// manualAsk asks people the question of one manual step of a run.
type manualAsk struct {
	r       *run
	step    *scenarios.Step
	seq     int
	started time.Time
	// manual is what the step asked and, once answered, the answer.
	manual store.Manual
}

// Ask records the step as waiting, then waits for the first answer.
func (a *manualAsk) Ask(ctx context.Context, q checks.Question) (checks.Reply, error) {
	r := a.r
	a.manual = store.Manual{Instructions: q.Instructions}
	if !q.Deadline.IsZero() {
		a.manual.Timeout = time.Until(q.Deadline).Round(time.Second)
	}
	waiting := store.Step{RunID: r.result.ID, Seq: a.seq, Phase: a.step.Phase, Name: a.step.Name, Kind: a.step.Kind.Name(),
		StartedAt: a.started, Running: true, Manual: &store.Manual{Instructions: a.manual.Instructions, Timeout: a.manual.Timeout}}
	recorded := make(chan struct{})
	r.recorder.add(func(ctx context.Context) error {
		defer close(recorded)
		return r.opts.Store.StartStep(ctx, waiting)
	})
	r.emit(store.Event{Type: store.EventManualWait, Phase: a.step.Phase, Step: &waiting})
	// Answers from elsewhere can only land once the store has the step.
	select {
	case <-recorded:
	case <-ctx.Done():
		return checks.Reply{}, ctx.Err()
	}
	answer, err := a.firstAnswer(ctx, q)
	if err != nil {
		return checks.Reply{}, err
	}
	a.manual.Answer = &answer
	return checks.Reply{Outcome: answer.Outcome, By: answer.By, Note: answer.Note, At: answer.At, Automatic: answer.Automatic}, nil
}

// firstAnswer waits for the first answer, from wherever it comes, and
// stops the wait in the store whatever happens.
func (a *manualAsk) firstAnswer(ctx context.Context, q checks.Question) (store.Answer, error) {
	r := a.r
	awaiter, _ := r.opts.Store.(store.Awaiter)
	defer func() {
		if awaiter == nil {
			return
		}
		// Once the drill stops waiting, a late answer is refused; the
		// step's own record follows.
		stopCtx, cancel := context.WithTimeout(context.Background(), storeWriteLimit)
		defer cancel()
		_, _, _ = awaiter.StopWaiting(stopCtx, r.result.ID, a.seq)
	}()

	if r.opts.AutoAnswer != nil {
		if answer, ok := r.opts.AutoAnswer(a.step.Phase, a.step.Name); ok {
			answer.Automatic = true
			return a.giveAnswer(ctx, answer), nil
		}
	}
	local := make(chan store.Answer, 1)
	if r.opts.Prompter != nil {
		promptCtx, stopPrompt := context.WithCancel(ctx)
		defer stopPrompt()
		question := Question{RunID: r.result.ID, Scenario: r.sc.Name, Phase: a.step.Phase, Step: a.step.Name,
			Instructions: q.Instructions, Deadline: q.Deadline}
		go func() {
			if answer, err := r.opts.Prompter.Prompt(promptCtx, question); err == nil {
				local <- answer
			}
		}()
	}
	poll := r.clock.NewTicker(ManualPollInterval)
	defer poll.Stop()
	for {
		select {
		case <-ctx.Done():
			if awaiter != nil {
				// An answer that landed before the wait stopped counts.
				stopCtx, cancel := context.WithTimeout(context.Background(), storeWriteLimit)
				answer, ok, _ := awaiter.StopWaiting(stopCtx, r.result.ID, a.seq)
				cancel()
				if ok {
					return answer, nil
				}
			}
			return store.Answer{}, ctx.Err()
		case answer := <-local:
			return a.giveAnswer(ctx, answer), nil
		case <-poll.Chan():
			if awaiter == nil {
				continue
			}
			r.checkAbort(ctx)
			// A store that does not answer now may later: the step goes on
			// waiting, and the terminal can still answer.
			if answer, ok, err := awaiter.AnswerOf(ctx, r.result.ID, a.seq); err == nil && ok {
				return answer, nil
			}
		}
	}
}

// giveAnswer writes an answer given here to the store, and returns the
// one that counts: the store's when someone answered first. A store that
// cannot take it leaves this one, recorded with the step.
func (a *manualAsk) giveAnswer(ctx context.Context, answer store.Answer) store.Answer {
	r := a.r
	if answer.At.IsZero() {
		answer.At = r.clock.Now()
	}
	operators, ok := r.opts.Store.(store.Operators)
	if !ok {
		return answer
	}
	err := operators.Answer(ctx, r.result.ID, a.step.Name, answer)
	var already *store.AlreadyAnsweredError
	if errors.As(err, &already) {
		if awaiter, ok := r.opts.Store.(store.Awaiter); ok {
			if first, found, err := awaiter.AnswerOf(ctx, r.result.ID, a.seq); err == nil && found {
				return first
			}
		}
	}
	return answer
}

// askerFor is the Asker of a manual step, or nil for another kind.
func (r *run) askerFor(step *scenarios.Step, seq int, started time.Time) *manualAsk {
	if step.Kind.Name() != store.KindManual {
		return nil
	}
	return &manualAsk{r: r, step: step, seq: seq, started: started}
}
