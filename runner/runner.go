// Package runner executes drills: the phases of a scenario in order, the
// recovery clock, the guard, timeouts, rollback and the verdict, writing
// every step to the store as it ends; the scheduler that runs drills on
// their schedules and game days at their start; and the webhooks that
// tell people about them. How a run is shown is the reports package's.
package runner

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/jonboulle/clockwork"

	"github.com/redrill/redrill/checks"
	"github.com/redrill/redrill/scenarios"
	"github.com/redrill/redrill/scenarios/phase"
	"github.com/redrill/redrill/store"
)

// Options are what a run needs besides the scenario.
type Options struct {
	Store   store.Recorder
	Trigger string // store.TriggerOnDemand when empty
	GameDay string
	// ScheduledAt is the scheduled tick the run is for; zero when it was
	// not scheduled.
	ScheduledAt time.Time
	// Observe receives every event as it happens, for live output; nil
	// means none. The guard's goroutine calls it too, possibly while the
	// drill's does.
	Observe func(store.Event)
	// RollbackContext bounds rollback; it is separate from the drill's
	// context so rollback still runs after an interrupt. Nil means
	// context.Background().
	RollbackContext context.Context
	// Clock measures the run and paces its polling; nil means the real
	// clock.
	Clock clockwork.Clock
	// Identity is the runner, as the record names it; zero means this
	// process (LocalIdentity).
	Identity Identity
	// Checks are handed to every check of the drill; their clock is Clock
	// unless they say otherwise.
	Checks checks.Deps
	// Labels are the labels of the runner, recorded with the run so that
	// reports can compare where drills ran.
	Labels map[string]string
	// NotRunBecause, when set, records the run as not run, with this
	// reason, touching nothing: a scheduled tick no live runner matches.
	NotRunBecause string
	// OnlyIfStartStored makes the run touch nothing unless the store
	// holds its start (not only the spool): other runners must see it
	// running, or one of them could start the same drill at once. The
	// scheduler sets it; `redrill run` does not.
	OnlyIfStartStored bool
	// Prompter asks manual steps at the terminal that runs the drill; nil
	// when there is none (serve, a pipe): answers come through the store.
	Prompter Prompter
	// AutoAnswer answers manual steps without people (run --yes,
	// --answer); nil leaves every one to people.
	AutoAnswer AutoAnswer
}

// SpoolReporter is a store that tells whether it holds a scenario's events
// in its spool, unseen by other runners.
type SpoolReporter interface {
	Spooled(scenario string) bool
}

// Identity names a runner in the record of its runs and in its claims.
type Identity struct {
	Host string
	PID  int
}

// LocalIdentity is this process on this machine.
func LocalIdentity() Identity {
	host, _ := os.Hostname()
	return Identity{Host: host, PID: os.Getpid()}
}

// String is how claims name the runner: host:pid.
func (id Identity) String() string { return fmt.Sprintf("%s:%d", id.Host, id.PID) }

func (o Options) withDefaults() Options {
	if o.Trigger == "" {
		o.Trigger = store.TriggerOnDemand
	}
	if o.RollbackContext == nil {
		o.RollbackContext = context.Background()
	}
	if o.Clock == nil {
		o.Clock = clockwork.NewRealClock()
	}
	if o.Labels == nil {
		o.Labels = map[string]string{}
	}
	if o.Identity == (Identity{}) {
		o.Identity = LocalIdentity()
	}
	if o.Checks.Now == nil {
		o.Checks.Now = o.Clock.Now
	}
	return o
}

// Result is the outcome of one run: its record, and whether it could be
// stored.
type Result struct {
	store.Record
	// StoreError is set when the run could not be fully written to the
	// store: it wraps store.ErrNotRecorded when an event was lost, reaching
	// not even the spool; otherwise what is missing waits in the spool.
	StoreError error
}

// run is the state of one drill in progress.
type run struct {
	set   *scenarios.Set
	sc    *scenarios.Scenario
	opts  Options
	clock clockwork.Clock
	env   *checks.Env
	// mu guards result, results and storeErr: the guard's goroutine runs
	// steps while the drill does.
	mu       sync.Mutex
	result   Result
	results  scenarios.Results
	storeErr error
	// lastSeq is the sequence number of the last step numbered.
	lastSeq int
	// recorder writes steps and the end of the run; the start is written
	// before the first step, directly.
	recorder *recorder
	// touched is set once setup or the clock has started: from then on
	// rollback must run, whatever happens.
	touched    atomic.Bool
	background *background
	workloads  workloads
	// abort stops the drill as an interrupt does, when someone asked
	// through the store (abort.go).
	abort context.CancelCauseFunc
}

// Run executes a scenario. ctx ends the drill early (a signal): the
// running step is cancelled, rollback runs, the verdict is interrupted.
func Run(ctx context.Context, set *scenarios.Set, sc *scenarios.Scenario, opts Options) Result {
	opts = opts.withDefaults()
	r := &run{
		set: set, sc: sc, opts: opts, clock: opts.Clock,
		env:     checks.NewEnv(opts.Checks, set.ScenarioSecrets(sc)...),
		results: scenarios.Results{},
	}
	defer r.env.Close()
	r.result.Run = r.startRecord()
	r.result.Steps = []store.Step{}

	r.record(func(ctx context.Context) error { return opts.Store.StartRun(ctx, r.result.Run) })
	r.recorder = startRecorder(r.setStoreErr)
	// An abort request ends the drill as the caller's interrupt would.
	ctx, r.abort = context.WithCancelCause(ctx)
	defer r.abort(nil)
	r.emit(store.Event{Type: store.EventStart})
	stopHeartbeat := r.heartbeat()

	drillCtx, cancelDrill := context.WithCancelCause(ctx)
	defer cancelDrill(nil)
	if sc.Timeout > 0 {
		var cancel context.CancelFunc
		drillCtx, cancel = context.WithTimeoutCause(drillCtx, sc.Timeout, fmt.Errorf("%w after %s", errDrillTimeout, sc.Timeout))
		defer cancel()
	}

	r.background = newBackground(drillCtx)
	switch {
	case opts.NotRunBecause != "":
		r.end(store.VerdictNotRun, opts.NotRunBecause)
		r.rollbackIs(store.RollbackNotNeeded, "")
	case r.startUnseen():
		r.end(store.VerdictAborted, "not run: its start reached only the spool, not the store, so another runner could have started the same drill")
		r.rollbackIs(store.RollbackNotNeeded, "")
	case r.drillCatchingPanic(drillCtx, ctx):
		r.endDrill()
		r.rollbackCatchingPanic()
	default:
		r.endDrill()
		r.rollbackIs(store.RollbackNotNeeded, "")
	}
	stopHeartbeat()
	r.finish()
	return r.snapshot()
}

// startRecord is the record of the run as it starts: what it runs, for
// whom, and what the reports need of its scenario.
func (r *run) startRecord() store.Run {
	id, err := uuid.NewV7()
	if err != nil {
		id = uuid.New()
	}
	sc := r.sc
	// The source is kept for reports; its secrets are not.
	source := checks.NewRedactor(r.set.ScenarioSecrets(sc)...)
	source.AddCredentials(string(sc.Source.Text))
	run := store.Run{
		ID: id.String(), Scenario: sc.Name, ScenarioHash: sc.Hash, ScenarioSource: source.String(string(sc.Source.Text)),
		Trigger: r.opts.Trigger, GameDay: r.opts.GameDay, ScheduledAt: r.opts.ScheduledAt,
		Host: r.opts.Identity.Host, PID: r.opts.Identity.PID, RunnerLabels: maps.Clone(r.opts.Labels),
		Status: store.StatusRunning, StartedAt: r.clock.Now(),
		ObjectiveRTO: optional(sc.Objective.RTO), ObjectiveRPO: optional(sc.Objective.RPO),
		ObjectiveDowntime: optional(sc.Objective.Downtime), ObjectiveLostWrites: sc.Objective.LostWrites,
		Workloads: []store.Workload{}, Measures: []store.Measure{},
		Owner: sc.Owner, Tags: append([]string{}, sc.Tags...), Postmortems: append([]store.Postmortem{}, sc.Postmortems...),
	}
	for _, step := range sc.Steps() {
		run.Plan = append(run.Plan, store.PlanStep{Phase: step.Phase, Name: step.Name, Kind: step.Kind.Name()})
	}
	if sc.Schedule != nil {
		run.Schedule = sc.Schedule.Cron
		if sc.Schedule.Location != time.UTC {
			run.ScheduleTimezone = sc.Schedule.Location.String()
		}
	}
	return run
}

var errDrillTimeout = errors.New("drill timeout reached")

// startUnseen tells whether a run that must be seen by other runners
// before it starts (OnlyIfStartStored) has its start only in the spool.
func (r *run) startUnseen() bool {
	spool, ok := r.opts.Store.(SpoolReporter)
	return r.opts.OnlyIfStartStored && ok && spool.Spooled(r.sc.Name)
}

// drillCatchingPanic runs drill and turns a panic into a failed run, so
// that the run is recorded and rollback still runs rather than the process
// dying with the system disrupted. It reports whether the drill got past
// steady_state, so that rollback must run.
func (r *run) drillCatchingPanic(ctx, parent context.Context) (pastSteadyState bool) {
	defer func() {
		if caught := recover(); caught != nil {
			r.end(store.VerdictFailed, "redrill failed: "+r.panicText(caught))
			// Nothing was touched before setup or the clock started.
			pastSteadyState = r.touched.Load()
		}
	}()
	return r.drill(ctx, parent)
}

// rollbackCatchingPanic runs rollback; a panic in it is reported as a
// failed rollback, and the run is still finished and recorded.
func (r *run) rollbackCatchingPanic() {
	defer func() {
		if caught := recover(); caught != nil {
			r.rollbackIs(store.RollbackFailed, "rollback failed: redrill "+r.panicText(caught))
		}
	}()
	r.rollback()
}

// panicText describes a caught panic, with secrets hidden.
func (r *run) panicText(caught any) string {
	return r.env.Redactor.String(fmt.Sprintf("panic: %v", caught))
}

// drill runs every phase before rollback and sets the verdict. It reports
// whether the drill got past steady_state.
func (r *run) drill(ctx, parent context.Context) bool {
	if !r.phase(ctx, phase.SteadyState, r.sc.SteadyState) {
		r.endWith(ctx, parent, store.VerdictAborted, "steady state not met")
		return false
	}
	if r.prepare(ctx, parent) && r.recoverTimed(ctx, parent) {
		r.measureLoss(ctx, parent)
	}
	return true
}

// prepare runs setup and starts the workloads, letting them warm up; false
// when the drill ended there.
func (r *run) prepare(ctx, parent context.Context) bool {
	if len(r.sc.Setup) > 0 {
		r.touched.Store(true)
		if !r.phase(ctx, phase.Setup, r.sc.Setup) {
			r.endWith(ctx, parent, store.VerdictAborted, "a setup step failed: "+r.lastFailure())
			return false
		}
	}
	r.startWorkloads(ctx)
	if !r.warmUp(ctx) {
		r.endWith(ctx, parent, store.VerdictAborted, "stopped while the workloads warmed up")
		return false
	}
	return true
}

// recoverTimed runs the clocked phases, with the guard beside them, and
// measures the RTO; false when the drill ended before recovery.
func (r *run) recoverTimed(ctx, parent context.Context) bool {
	sc := r.sc
	// The guard runs from clock start until recovery; a failure cancels
	// whatever step is running.
	guardCtx, stopGuard := context.WithCancel(ctx)
	defer stopGuard()
	phaseCtx, cancelPhase := context.WithCancelCause(ctx)
	defer cancelPhase(nil)
	var guardDone sync.WaitGroup
	startClock := func() {
		if r.startClock() && sc.Guard != nil {
			guardDone.Go(func() { r.guard(guardCtx, cancelPhase) })
		}
	}
	defer guardDone.Wait()
	defer stopGuard()

	if len(sc.Disrupt) > 0 {
		startClock()
		if !r.phase(phaseCtx, phase.Disrupt, sc.Disrupt) {
			r.endWith(phaseCtx, parent, store.VerdictFailed, "a disrupt step failed: "+r.lastFailure())
			return false
		}
	}
	if len(sc.Recover) > 0 {
		startClock()
		if !r.phase(phaseCtx, phase.Recover, sc.Recover) {
			r.endWith(phaseCtx, parent, store.VerdictFailed, "a recover step failed: "+r.lastFailure())
			return false
		}
	}
	clockStop := r.clock.Now()
	if sc.RecoveredWhen != nil {
		startClock()
		recoveredAt, recovered, why := r.pollRecovered(phaseCtx)
		if !recovered {
			r.endWith(phaseCtx, parent, store.VerdictFailed, fmt.Sprintf("not recovered within %s: %s", r.recoveredTimeout(), why))
			return false
		}
		clockStop = recoveredAt
	}
	stopGuard()
	guardDone.Wait()
	if cause := context.Cause(phaseCtx); cause != nil && phaseCtx.Err() != nil {
		r.endWith(phaseCtx, parent, store.VerdictAborted, cause.Error())
		return false
	}
	r.stopClock(clockStop)
	return true
}

// startClock starts the recovery clock unless it runs; it reports whether
// it started it.
func (r *run) startClock() bool {
	if !r.clockStart().IsZero() {
		return false
	}
	r.touched.Store(true)
	clockStart := r.clock.Now()
	r.update(func(run *store.Run) { run.ClockStart = clockStart })
	// Recorded now, not only at the end: a run whose runner dies says
	// that it touched the system.
	r.recorder.add(func(ctx context.Context) error { return r.opts.Store.StartClock(ctx, r.result.ID, clockStart) })
	r.emit(store.Event{Type: store.EventClockStart})
	return true
}

func (r *run) stopClock(at time.Time) {
	r.update(func(run *store.Run) {
		run.ClockStop = at
		rto := at.Sub(run.ClockStart)
		run.RTO = &rto
	})
	r.emit(store.Event{Type: store.EventClockStop})
}

// measureLoss measures data loss after recovery (data_loss, then each
// workload's verify), stops the workloads and sets the verdict.
func (r *run) measureLoss(ctx, parent context.Context) {
	if r.sc.DataLoss != nil {
		if err := r.measureDataLoss(ctx); err != nil {
			r.endWith(ctx, parent, store.VerdictFailed, "data loss not measured: "+err.Error())
			return
		}
	}
	if err := r.verifyWorkloads(ctx); err != nil {
		r.endWith(ctx, parent, store.VerdictFailed, "data loss not measured: "+err.Error())
		return
	}
	r.stopWorkloads()
	if rpo, measured := r.lostWritesRPO(r.clockStart()); measured {
		r.update(func(run *store.Run) {
			if run.RPO == nil || rpo > *run.RPO {
				run.RPO = &rpo
			}
		})
	}
	r.verdict()
}

// endDrill ends what the drill left running, before rollback: background
// steps are cancelled and workloads stopped, and both are recorded.
func (r *run) endDrill() {
	r.endBackground()
	r.stopWorkloads()
}

// endWith sets the verdict of a drill that stopped early, telling apart
// an interrupt, the drill timeout and a guard from the failure itself.
func (r *run) endWith(ctx, parent context.Context, verdict, reason string) {
	switch cause := context.Cause(ctx); {
	case parent.Err() != nil:
		r.end(store.VerdictInterrupted, "interrupted: "+context.Cause(parent).Error())
	case errors.Is(cause, errDrillTimeout), errors.Is(cause, errGuardTripped):
		r.end(store.VerdictAborted, cause.Error())
	default:
		r.end(verdict, reason)
	}
}

// verdict compares the measurements with the objectives.
func (r *run) verdict() {
	measured := r.snapshot().Run
	var missed []string
	if objective := r.sc.Objective.RTO; objective > 0 && *measured.RTO > objective {
		missed = append(missed, fmt.Sprintf("RTO %s exceeds the objective %s", round(*measured.RTO), objective))
	}
	if objective := r.sc.Objective.RPO; objective > 0 && measured.RPO != nil && *measured.RPO > objective {
		missed = append(missed, fmt.Sprintf("RPO %s exceeds the objective %s", round(*measured.RPO), objective))
	}
	missed = append(missed, r.workloadsMissed(measured.Workloads)...)
	if len(missed) > 0 {
		r.end(store.VerdictMissed, strings.Join(missed, "; "))
		return
	}
	r.end(store.VerdictMet, "recovered within the objectives")
}

// end sets the verdict and its reason. The reason can quote an error
// about a value computed from a secret, so it is redacted as results are.
func (r *run) end(verdict, reason string) {
	reason = r.env.Redactor.String(reason)
	r.update(func(run *store.Run) { run.Verdict, run.Reason = verdict, reason })
}

// rollbackIs records how rollback went and adds why, if it did not
// complete, to the reason.
func (r *run) rollbackIs(outcome, why string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.result.Rollback = outcome
	if why != "" {
		r.result.Reason += "; " + r.env.Redactor.String(why)
	}
}

// phase runs steps in order and reports whether they all passed.
func (r *run) phase(ctx context.Context, stage phase.Phase, steps []*scenarios.Step) bool {
	if len(steps) == 0 {
		return true
	}
	r.emit(store.Event{Type: store.EventPhase, Phase: stage})
	for _, step := range steps {
		if ctx.Err() != nil || !r.waitFor(ctx, step) {
			return false
		}
		if step.Background {
			r.startBackground(step)
			continue
		}
		if !r.step(ctx, step, 0).Passed {
			return false
		}
	}
	return true
}

// rollback runs every rollback step, even after one fails.
func (r *run) rollback() {
	if len(r.sc.Rollback) == 0 {
		r.rollbackIs(store.RollbackNone, "")
		return
	}
	ctx := r.opts.RollbackContext
	if ctx.Err() != nil {
		r.rollbackIs(store.RollbackSkipped, "rollback skipped by a second interrupt")
		r.emit(store.Event{Type: store.EventRollbackSkipped})
		return
	}
	r.emit(store.Event{Type: store.EventPhase, Phase: phase.Rollback})
	var failed []string
	for _, step := range r.sc.Rollback {
		if ctx.Err() != nil {
			failed = append(failed, step.Name+" (skipped by a second interrupt)")
			continue
		}
		if done := r.step(ctx, step, 0); !done.Passed {
			failed = append(failed, fmt.Sprintf("%s: %s", step.Name, done.Message))
		}
	}
	if len(failed) > 0 {
		r.rollbackIs(store.RollbackFailed, "rollback failed: "+strings.Join(failed, "; "))
		return
	}
	r.rollbackIs(store.RollbackPassed, "")
}

func (r *run) finish() {
	r.mu.Lock()
	r.result.EndedAt, r.result.Status = r.clock.Now(), store.StatusFinished
	r.result.HumanTime = store.HumanTimeOf(r.result.Steps)
	r.mu.Unlock()
	ended := r.snapshot().Run
	finish := store.Finish{
		EndedAt: ended.EndedAt, ClockStart: ended.ClockStart, ClockStop: ended.ClockStop,
		RTO: ended.RTO, RPO: ended.RPO, Verdict: ended.Verdict, Reason: ended.Reason, Rollback: ended.Rollback,
		Workloads: ended.Workloads, Measures: ended.Measures,
	}
	r.recorder.add(func(ctx context.Context) error { return r.opts.Store.FinishRun(ctx, ended.ID, finish) })
	r.recorder.close()
	ctx, cancel := context.WithTimeout(context.Background(), storeWriteLimit)
	defer cancel()
	if err := r.opts.Store.Flush(ctx); err != nil {
		r.setStoreErr(err)
	}
	r.mu.Lock()
	r.result.StoreError = r.storeErr
	r.mu.Unlock()
	r.emit(store.Event{Type: store.EventEnd})
}

// storeWriteLimit bounds a write to the store from the runner; the store
// bounds each of its own writes more tightly and spools what is late.
const storeWriteLimit = 30 * time.Second

// record writes to the store; the store spools what it cannot write, so
// an error here is reported, never fatal to the drill.
func (r *run) record(write func(ctx context.Context) error) {
	ctx, cancel := context.WithTimeout(context.Background(), storeWriteLimit)
	defer cancel()
	if err := write(ctx); err != nil {
		r.setStoreErr(err)
	}
}

// setStoreErr keeps the first store error, and the first lost event's
// too: a heartbeat that failed first must not hide that the record is
// incomplete.
func (r *run) setStoreErr(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case r.storeErr == nil:
		r.storeErr = err
	case errors.Is(err, store.ErrNotRecorded) && !errors.Is(r.storeErr, store.ErrNotRecorded):
		r.storeErr = errors.Join(r.storeErr, err)
	}
}

// heartbeat renews the run's heartbeat until stopped. A heartbeat that
// cannot be written is reported with the run's store error: other runners
// may take the run for dead.
func (r *run) heartbeat() (stop func()) {
	return every(r.clock, store.HeartbeatInterval, func(now time.Time) {
		ctx, cancel := context.WithTimeout(context.Background(), store.HeartbeatInterval)
		defer cancel()
		if err := r.opts.Store.Heartbeat(ctx, r.result.ID, now); err != nil {
			r.setStoreErr(fmt.Errorf("heartbeat of run %s: %w", r.result.ID, err))
		}
		r.checkAbort(ctx)
	})
}

// every calls do at each interval of clock, in a goroutine of its own,
// until stopped; stop waits for a call under way.
func every(clock clockwork.Clock, interval time.Duration, do func(now time.Time)) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		ticker := clock.NewTicker(interval)
		defer ticker.Stop()
		for {
			select {
			case <-done:
				return
			case now := <-ticker.Chan():
				do(now)
			}
		}
	})
	return func() { close(done); wg.Wait() }
}

func (r *run) lastFailure() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := len(r.result.Steps) - 1; i >= 0; i-- {
		// A background step's failure is its own, not what stopped the
		// phase.
		if s := r.result.Steps[i]; !s.Passed && !s.Background {
			return fmt.Sprintf("%s %q: %s", s.Phase, s.Name, s.Message)
		}
	}
	return "no step failed"
}

// update changes the record under the lock.
func (r *run) update(change func(run *store.Run)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	change(&r.result.Run)
}

func (r *run) clockStart() time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.result.ClockStart
}

// snapshot is a copy of the result so far: the guard's goroutine appends
// steps meanwhile.
func (r *run) snapshot() Result {
	r.mu.Lock()
	defer r.mu.Unlock()
	copied := r.result
	copied.Steps = append([]store.Step{}, r.result.Steps...)
	return copied
}

func (r *run) emit(e store.Event) {
	if r.opts.Observe == nil {
		return
	}
	e.At, e.Record = r.clock.Now(), r.snapshot().Record
	r.opts.Observe(e)
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
