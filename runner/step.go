package runner

import (
	"cmp"
	"context"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"

	"github.com/redrill/redrill/checks"
	"github.com/redrill/redrill/scenarios"
	"github.com/redrill/redrill/store"
)

// step runs one step or check and records it.
func (r *run) step(ctx context.Context, step *scenarios.Step, round int) store.Step {
	done, _ := r.runStep(ctx, step, round, false)
	return done
}

// runStep runs a step and records it, unless discardIfCancelled is set and
// ctx ended meanwhile (a guard check cut short by the recovery it guards
// is no failure). It also returns when the deciding attempt started.
//
// A step is recorded as running when it starts, so that a runner that dies
// leaves the step it died in; its sequence number is taken then. A step
// that may be discarded (the guard's) is recorded only when it ends, and
// numbered then, so that no running row or gap is left behind for it.
func (r *run) runStep(ctx context.Context, step *scenarios.Step, round int, discardIfCancelled bool) (store.Step, time.Time) {
	r.emit(store.Event{Type: store.EventStepStart, Phase: step.Phase, Step: &store.Step{
		RunID: r.result.ID, Phase: step.Phase, Name: step.Name, Kind: step.Kind.Name(), Round: round, Background: step.Background,
	}})
	r.mu.Lock()
	results := make(scenarios.Results, len(r.results))
	for name, value := range r.results {
		results[name] = value
	}
	r.mu.Unlock()

	if !step.Phase.Polled() {
		// Between the rounds of a polled check its connections are kept;
		// any other step first lets go of the drill's idle ones.
		r.env.ReleaseIdle()
	}
	started := r.clock.Now()
	seq := 0
	var asker *manualAsk
	if !discardIfCancelled {
		seq = r.nextSeq()
		// A manual step is recorded as it starts to wait, with its
		// instructions: its asker writes it.
		if asker = r.askerFor(step, seq, started); asker != nil {
			ctx = checks.WithAsker(ctx, asker)
		} else {
			running := store.Step{RunID: r.result.ID, Seq: seq, Phase: step.Phase, Name: step.Name, Kind: step.Kind.Name(),
				Round: round, StartedAt: started, Running: true, Background: step.Background}
			r.recorder.add(func(ctx context.Context) error { return r.opts.Store.StartStep(ctx, running) })
		}
	}
	outcome := r.execute(ctx, step, results, started)
	if discardIfCancelled && ctx.Err() != nil {
		return store.Step{Name: step.Name}, time.Time{}
	}
	if step.Measure != nil && outcome.Passed {
		r.keepMeasure(step, outcome.Result, results)
	}
	if seq == 0 {
		seq = r.nextSeq()
	}
	done := store.Step{
		RunID: r.result.ID, Phase: step.Phase, Name: step.Name, Kind: step.Kind.Name(), Round: round,
		StartedAt: outcome.Started, Duration: outcome.Duration, Attempts: outcome.Attempts,
		Passed: outcome.Passed, Message: r.env.Redactor.String(outcome.Message), Result: resultJSON(outcome.Result),
		Background: step.Background,
	}
	if asker != nil {
		done.Manual = &asker.manual
	}
	if step.Background && ctx.Err() != nil {
		done.Passed, done.Cancelled, done.Message = false, true, cancelledMessage(ctx)
	}
	if done.StartedAt.IsZero() {
		done.StartedAt = started
	}

	done.Seq = seq
	r.mu.Lock()
	if !step.Phase.Polled() {
		r.results[step.Name] = outcome.Result
	}
	// Kept in sequence order, as the store returns them: a guard check
	// numbered at its end may end before the step numbered at its start.
	at, _ := slices.BinarySearchFunc(r.result.Steps, done.Seq, func(s store.Step, seq int) int { return cmp.Compare(s.Seq, seq) })
	r.result.Steps = slices.Insert(r.result.Steps, at, done)
	r.mu.Unlock()

	r.recorder.add(func(ctx context.Context) error { return r.opts.Store.RecordStep(ctx, done) })
	r.emit(store.Event{Type: store.EventStepEnd, Phase: step.Phase, Step: &done})
	return done, outcome.LastAttemptStarted
}

// execute decodes a step's attributes with the results so far and runs
// its check kind, judged by its asserts when it has any.
func (r *run) execute(ctx context.Context, step *scenarios.Step, results scenarios.Results, started time.Time) checks.Outcome {
	config, diags := r.set.StepConfig(step, results)
	// Marks do not survive the check, but what was computed from a secret
	// (upper(var.pw), a DSN built from it) can come back in an output or
	// an error: from now on the drill hides its text wherever it appears.
	for _, text := range append(scenarios.SensitiveTexts(config), r.set.StepSecrets(step, results)...) {
		r.env.Redactor.Add(text)
	}
	if diags.HasErrors() {
		return checks.Outcome{Started: started, Message: r.env.Redactor.String(diags.Error()), Result: cty.NullVal(step.Kind.ResultType())}
	}
	plain, _ := config.UnmarkDeep()
	call := checks.Call{Kind: step.Kind, Config: plain, Timeout: step.Timeout, Retries: step.Retries, RetryEvery: step.RetryEvery}
	if len(step.Asserts) > 0 || step.Measure != nil {
		call.Judge = func(result cty.Value) (bool, string) {
			var messages []string
			if len(step.Asserts) > 0 {
				for _, f := range r.set.CheckAsserts(step, result, results) {
					messages = append(messages, f.Message)
				}
			} else if passed, message := step.Kind.Succeeded(result); !passed {
				messages = append(messages, message)
			}
			// A measure whose value is not a number failed, and is retried
			// like any failure: the number is what it is for.
			if step.Measure != nil && len(messages) == 0 {
				if _, err := r.set.MeasureValue(step, result, results); err != nil {
					messages = append(messages, "measure "+err.Error())
				}
			}
			return len(messages) == 0, strings.Join(messages, "; ")
		}
	}
	return r.env.Execute(ctx, call)
}

// resultJSON stores a result as JSON; results are already bounded and
// redacted by checks.
func resultJSON(v cty.Value) string {
	if v == cty.NilVal || v.IsNull() {
		return ""
	}
	content, err := ctyjson.Marshal(v, v.Type())
	if err != nil {
		content, _ = json.Marshal(map[string]string{"error": "result not storable: " + err.Error()})
	}
	return string(content)
}

// nextSeq numbers a step of the run.
func (r *run) nextSeq() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lastSeq++
	return r.lastSeq
}

// keepMeasure records the number a measure's passed check gives. Its
// value was read by the check's judge already, so it reads as a number.
func (r *run) keepMeasure(step *scenarios.Step, result cty.Value, results scenarios.Results) {
	value, err := r.set.MeasureValue(step, result, results)
	if err != nil {
		return
	}
	measured := store.Measure{Name: step.Name, Unit: step.Measure.Unit, Value: value, Phase: step.Phase}
	r.update(func(run *store.Run) { run.Measures = append(run.Measures, measured) })
}
