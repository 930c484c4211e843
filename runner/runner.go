// Package runner executes one drill scenario: its phases in order, the
// recovery clock, the guard, timeouts, rollback and the verdict, writing
// every step to the store as it ends.
package runner

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"

	"github.com/redrill/redrill/checks"
	"github.com/redrill/redrill/scenarios"
	"github.com/redrill/redrill/scenarios/phase"
	"github.com/redrill/redrill/store"
)

// Options are what a run needs besides the scenario.
type Options struct {
	Store   store.Store
	Trigger string // store.TriggerOnDemand when empty
	GameDay string
	// Observe receives every event as it happens, for live output; nil
	// means none.
	Observe func(Event)
	// RollbackContext bounds rollback; it is separate from the drill's
	// context so rollback still runs after an interrupt. Nil means
	// context.Background().
	RollbackContext context.Context
}

// Result is the outcome of one run.
type Result struct {
	RunID        string
	Scenario     string
	Verdict      string
	Reason       string
	StartedAt    time.Time
	EndedAt      time.Time
	ClockStart   time.Time
	ClockStop    time.Time
	RTO          *time.Duration
	RPO          *time.Duration
	ObjectiveRTO time.Duration
	ObjectiveRPO time.Duration
	Steps        []StepResult
	// RollbackFailed is set when a rollback step failed or was skipped:
	// the system may be left disrupted whatever the verdict.
	RollbackFailed bool
	// StoreError is set when the run could not be recorded (it was then
	// kept in the spool).
	StoreError error
}

// StepResult is one step or check round as it ran.
type StepResult struct {
	Phase     phase.Phase
	Name      string
	Kind      string
	Round     int
	StartedAt time.Time
	Duration  time.Duration
	Attempts  int
	Passed    bool
	Message   string
}

// run is the state of one drill in progress.
type run struct {
	set      *scenarios.Set
	sc       *scenarios.Scenario
	opts     Options
	env      *checks.Env
	result   *Result
	mu       sync.Mutex // guards results, seq, result.Steps, storeErr
	results  scenarios.Results
	seq      int
	storeErr error
	// recorder writes steps and the end of the run; the start is written
	// before the first step, directly.
	recorder *recorder
}

// Run executes a scenario. ctx ends the drill early (a signal): the
// running step is cancelled, rollback runs, the verdict is interrupted.
func Run(ctx context.Context, set *scenarios.Set, sc *scenarios.Scenario, opts Options) Result {
	if opts.Trigger == "" {
		opts.Trigger = store.TriggerOnDemand
	}
	if opts.RollbackContext == nil {
		opts.RollbackContext = context.Background()
	}
	id, err := uuid.NewV7()
	if err != nil {
		id = uuid.New()
	}
	r := &run{
		set: set, sc: sc, opts: opts,
		env:     checks.NewEnv(checks.Deps{}, set.SecretValues()...),
		results: scenarios.Results{},
		result: &Result{
			RunID: id.String(), Scenario: sc.Name, StartedAt: time.Now(),
			ObjectiveRTO: sc.Objective.RTO, ObjectiveRPO: sc.Objective.RPO,
		},
	}
	defer r.env.Close()

	// The source is kept for reports; its secrets are not.
	source := checks.NewRedactor(set.SecretValues()...)
	source.AddCredentials(string(sc.Source.Text))
	host, _ := os.Hostname()
	r.record(func(ctx context.Context) error {
		return opts.Store.StartRun(ctx, store.Run{
			ID: r.result.RunID, Scenario: sc.Name, ScenarioHash: sc.Hash, ScenarioSource: source.String(string(sc.Source.Text)),
			Host: host, PID: os.Getpid(),
			Trigger: opts.Trigger, GameDay: opts.GameDay, StartedAt: r.result.StartedAt,
			ObjectiveRTO: optional(sc.Objective.RTO), ObjectiveRPO: optional(sc.Objective.RPO),
		})
	})
	r.recorder = startRecorder(r.setStoreErr)
	r.emit(Event{Type: EventStart})
	stopHeartbeat := r.heartbeat()

	drillCtx, cancelDrill := context.WithCancelCause(ctx)
	defer cancelDrill(nil)
	if sc.Timeout > 0 {
		var cancel context.CancelFunc
		drillCtx, cancel = context.WithTimeoutCause(drillCtx, sc.Timeout, fmt.Errorf("%w after %s", errDrillTimeout, sc.Timeout))
		defer cancel()
	}

	pastSteadyState := r.drillRecovered(drillCtx, ctx)
	if pastSteadyState {
		r.rollbackRecovered()
	}
	stopHeartbeat()
	r.finish()
	return *r.result
}

var errDrillTimeout = errors.New("drill timeout reached")

// drillRecovered runs drill and turns a panic into a failed run, so that
// the run is recorded and rollback still runs rather than the process
// dying with the system disrupted.
func (r *run) drillRecovered(ctx, parent context.Context) (pastSteadyState bool) {
	defer func() {
		if recovered := recover(); recovered != nil {
			r.result.Verdict, r.result.Reason = store.VerdictFailed, "redrill failed: "+r.panicText(recovered)
			// Nothing was touched before the clock started.
			pastSteadyState = !r.result.ClockStart.IsZero()
		}
	}()
	return r.drill(ctx, parent)
}

// rollbackRecovered runs rollback; a panic in it is reported as a failed
// rollback, and the run is still finished and recorded.
func (r *run) rollbackRecovered() {
	defer func() {
		if recovered := recover(); recovered != nil {
			r.result.Reason += "; rollback failed: redrill " + r.panicText(recovered)
			r.result.RollbackFailed = true
		}
	}()
	r.rollback()
}

// panicText describes a recovered panic, with secrets hidden.
func (r *run) panicText(recovered any) string {
	return r.env.Redactor.String(fmt.Sprintf("panic: %v", recovered))
}

// drill runs every phase before rollback and sets the verdict. It reports
// whether the drill got past steady_state.
func (r *run) drill(ctx, parent context.Context) bool {
	sc := r.sc
	if !r.phase(ctx, phase.SteadyState, sc.SteadyState) {
		r.endWith(ctx, parent, store.VerdictAborted, "steady state not met")
		return false
	}

	// The guard runs from clock start until recovery; a failure cancels
	// whatever step is running.
	guardCtx, stopGuard := context.WithCancel(ctx)
	defer stopGuard()
	phaseCtx, cancelPhase := context.WithCancelCause(ctx)
	defer cancelPhase(nil)
	var guardDone sync.WaitGroup
	startClock := func() {
		if !r.result.ClockStart.IsZero() {
			return
		}
		r.result.ClockStart = time.Now()
		r.emit(Event{Type: EventClockStart})
		if sc.Guard != nil {
			guardDone.Go(func() { r.guard(guardCtx, cancelPhase) })
		}
	}
	defer guardDone.Wait()
	defer stopGuard()

	if len(sc.Disrupt) > 0 {
		startClock()
		if !r.phase(phaseCtx, phase.Disrupt, sc.Disrupt) {
			r.endWith(phaseCtx, parent, store.VerdictFailed, "a disrupt step failed: "+r.lastFailure())
			return true
		}
	}
	if len(sc.Recover) > 0 {
		startClock()
		if !r.phase(phaseCtx, phase.Recover, sc.Recover) {
			r.endWith(phaseCtx, parent, store.VerdictFailed, "a recover step failed: "+r.lastFailure())
			return true
		}
	}
	if sc.RecoveredWhen != nil {
		startClock()
		recoveredAt, ok := r.pollRecovered(phaseCtx)
		if !ok {
			r.endWith(phaseCtx, parent, store.VerdictFailed, fmt.Sprintf("not recovered within %s: %s", r.recoveredTimeout(), r.lastFailure()))
			return true
		}
		r.result.ClockStop = recoveredAt
	} else {
		r.result.ClockStop = time.Now()
	}
	stopGuard()
	guardDone.Wait()
	if cause := context.Cause(phaseCtx); cause != nil && phaseCtx.Err() != nil {
		r.endWith(phaseCtx, parent, store.VerdictAborted, cause.Error())
		return true
	}
	rto := r.result.ClockStop.Sub(r.result.ClockStart)
	r.result.RTO = &rto
	r.emit(Event{Type: EventClockStop})

	if sc.DataLoss != nil {
		if err := r.measureDataLoss(ctx); err != nil {
			r.endWith(ctx, parent, store.VerdictFailed, "data loss not measured: "+err.Error())
			return true
		}
	}
	r.verdict()
	return true
}

// endWith sets the verdict of a drill that stopped early, telling apart
// an interrupt, the drill timeout and a guard from the failure itself.
func (r *run) endWith(ctx, parent context.Context, verdict, reason string) {
	switch cause := context.Cause(ctx); {
	case parent.Err() != nil:
		r.result.Verdict, r.result.Reason = store.VerdictInterrupted, "interrupted: "+context.Cause(parent).Error()
	case errors.Is(cause, errDrillTimeout):
		r.result.Verdict, r.result.Reason = store.VerdictAborted, cause.Error()
	case errors.Is(cause, errGuardTripped):
		r.result.Verdict, r.result.Reason = store.VerdictAborted, cause.Error()
	default:
		r.result.Verdict, r.result.Reason = verdict, reason
	}
}

// verdict compares the measurements with the objectives.
func (r *run) verdict() {
	var missed []string
	if objective := r.sc.Objective.RTO; objective > 0 && *r.result.RTO > objective {
		missed = append(missed, fmt.Sprintf("RTO %s exceeds the objective %s", round(*r.result.RTO), objective))
	}
	if objective := r.sc.Objective.RPO; objective > 0 && r.result.RPO != nil && *r.result.RPO > objective {
		missed = append(missed, fmt.Sprintf("RPO %s exceeds the objective %s", round(*r.result.RPO), objective))
	}
	if len(missed) > 0 {
		r.result.Verdict, r.result.Reason = store.VerdictMissed, strings.Join(missed, "; ")
		return
	}
	r.result.Verdict, r.result.Reason = store.VerdictMet, "recovered within the objectives"
}

// phase runs steps in order and reports whether they all passed.
func (r *run) phase(ctx context.Context, stage phase.Phase, steps []*scenarios.Step) bool {
	if len(steps) == 0 {
		return true
	}
	r.emit(Event{Type: EventPhase, Phase: stage})
	for _, step := range steps {
		if ctx.Err() != nil {
			return false
		}
		if !r.step(ctx, step, 0).Passed {
			return false
		}
	}
	return true
}

// step runs one step or check and records it.
func (r *run) step(ctx context.Context, step *scenarios.Step, round int) StepResult {
	sr, _ := r.runStep(ctx, step, round, false)
	return sr
}

// runStep runs a step and records it, unless discardIfCancelled is set and
// ctx ended meanwhile (a guard check cut short by the recovery it guards
// is no failure). It also returns when the deciding attempt started.
func (r *run) runStep(ctx context.Context, step *scenarios.Step, round int, discardIfCancelled bool) (StepResult, time.Time) {
	r.emit(Event{Type: EventStepStart, Phase: step.Phase, Step: step.Name, Kind: step.Kind.Name(), Round: round})
	r.mu.Lock()
	results := make(scenarios.Results, len(r.results))
	for name, value := range r.results {
		results[name] = value
	}
	r.mu.Unlock()

	started := time.Now()
	var outcome checks.Outcome
	config, diags := r.set.StepConfig(step, results)
	if diags.HasErrors() {
		outcome = checks.Outcome{Started: started, Message: r.env.Redactor.String(diags.Error()), Result: cty.NullVal(step.Kind.ResultType())}
	} else {
		plain, _ := config.UnmarkDeep()
		call := checks.Call{Kind: step.Kind, Config: plain, Timeout: step.Timeout, Retries: step.Retries, RetryEvery: step.RetryEvery}
		if len(step.Asserts) > 0 {
			call.Judge = func(result cty.Value) (bool, string) {
				failures := r.set.CheckAsserts(step, result, results)
				var messages []string
				for _, f := range failures {
					messages = append(messages, f.Message)
				}
				return len(failures) == 0, strings.Join(messages, "; ")
			}
		}
		outcome = r.env.Execute(ctx, call)
	}
	if discardIfCancelled && ctx.Err() != nil {
		return StepResult{Name: step.Name}, time.Time{}
	}
	sr := StepResult{
		Phase: step.Phase, Name: step.Name, Kind: step.Kind.Name(), Round: round,
		StartedAt: outcome.Started, Duration: outcome.Duration, Attempts: outcome.Attempts,
		Passed: outcome.Passed, Message: r.env.Redactor.String(outcome.Message),
	}
	if sr.StartedAt.IsZero() {
		sr.StartedAt = started
	}

	r.mu.Lock()
	if !step.Phase.Polled() {
		r.results[step.Name] = outcome.Result
	}
	r.seq++
	seq := r.seq
	r.result.Steps = append(r.result.Steps, sr)
	r.mu.Unlock()

	r.recorder.add(func(ctx context.Context) error {
		return r.opts.Store.RecordStep(ctx, store.Step{
			RunID: r.result.RunID, Seq: seq, Phase: string(sr.Phase), Name: sr.Name, Kind: sr.Kind, Round: round,
			StartedAt: sr.StartedAt, Duration: sr.Duration, Attempts: sr.Attempts, Passed: sr.Passed,
			Message: sr.Message, Result: resultJSON(outcome.Result),
		})
	})
	r.emit(Event{Type: EventStepEnd, Phase: sr.Phase, Step: sr.Name, Kind: sr.Kind, Round: round, Result: &sr})
	return sr, outcome.LastAttemptStarted
}

// rollback runs every rollback step, even after one fails.
func (r *run) rollback() {
	if len(r.sc.Rollback) == 0 {
		return
	}
	ctx := r.opts.RollbackContext
	if ctx.Err() != nil {
		r.emit(Event{Type: EventRollbackSkipped})
		r.result.Reason += "; rollback skipped by a second interrupt"
		r.result.RollbackFailed = true
		return
	}
	r.emit(Event{Type: EventPhase, Phase: phase.Rollback})
	var failed []string
	for _, step := range r.sc.Rollback {
		if ctx.Err() != nil {
			failed = append(failed, step.Name+" (skipped by a second interrupt)")
			continue
		}
		if sr := r.step(ctx, step, 0); !sr.Passed {
			failed = append(failed, fmt.Sprintf("%s: %s", step.Name, sr.Message))
		}
	}
	if len(failed) > 0 {
		r.result.Reason += "; rollback failed: " + strings.Join(failed, "; ")
		r.result.RollbackFailed = true
	}
}

func (r *run) finish() {
	r.result.EndedAt = time.Now()
	finish := store.Finish{
		EndedAt: r.result.EndedAt, ClockStart: r.result.ClockStart, ClockStop: r.result.ClockStop,
		RTO: r.result.RTO, RPO: r.result.RPO, Verdict: r.result.Verdict, Reason: r.result.Reason,
	}
	r.recorder.add(func(ctx context.Context) error { return r.opts.Store.FinishRun(ctx, r.result.RunID, finish) })
	r.recorder.close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := r.opts.Store.Flush(ctx); err != nil {
		r.setStoreErr(err)
	}
	r.result.StoreError = r.storeErr
	r.emit(Event{Type: EventEnd})
}

// record writes to the store; the store spools what it cannot write, so
// an error here is reported, never fatal to the drill.
func (r *run) record(write func(ctx context.Context) error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := write(ctx); err != nil {
		r.setStoreErr(err)
	}
}

func (r *run) setStoreErr(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.storeErr == nil {
		r.storeErr = err
	}
}

// heartbeat renews the run's heartbeat until stopped.
func (r *run) heartbeat() (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		ticker := time.NewTicker(store.HeartbeatInterval)
		defer ticker.Stop()
		for {
			select {
			case <-done:
				return
			case now := <-ticker.C:
				ctx, cancel := context.WithTimeout(context.Background(), store.HeartbeatInterval)
				_ = r.opts.Store.Heartbeat(ctx, r.result.RunID, now)
				cancel()
			}
		}
	})
	return func() { close(done); wg.Wait() }
}

func (r *run) lastFailure() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := len(r.result.Steps) - 1; i >= 0; i-- {
		if s := r.result.Steps[i]; !s.Passed {
			return fmt.Sprintf("%s %q: %s", s.Phase, s.Name, s.Message)
		}
	}
	return "no step failed"
}

func (r *run) emit(e Event) {
	if r.opts.Observe == nil {
		return
	}
	e.RunID, e.Scenario, e.At = r.result.RunID, r.sc.Name, time.Now()
	// Observers get a copy: the guard goroutine appends steps meanwhile.
	r.mu.Lock()
	snapshot := *r.result
	snapshot.Steps = append([]StepResult(nil), r.result.Steps...)
	r.mu.Unlock()
	e.Run = &snapshot
	r.opts.Observe(e)
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

func optional(d time.Duration) *time.Duration {
	if d == 0 {
		return nil
	}
	return &d
}

func round(d time.Duration) time.Duration {
	if d > time.Minute {
		return d.Round(time.Second)
	}
	return d.Round(time.Millisecond)
}
