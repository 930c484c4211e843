package runner

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/zclconf/go-cty/cty"

	"github.com/redrill/redrill/checks"
	"github.com/redrill/redrill/runner/workload"
	"github.com/redrill/redrill/scenarios"
	"github.com/redrill/redrill/scenarios/phase"
	"github.com/redrill/redrill/store"
)

// runningWorkload is a workload of the drill while it runs.
type runningWorkload struct {
	spec    *scenarios.Workload
	running *workload.Workload
	// env is the workload's own: its pools hold a connection per worker,
	// and the drill's steps letting go of idle connections leave them be.
	env      *checks.Env
	verified *store.LostWrites
}

// workloads are the drill's workloads and what reports their progress.
type workloads struct {
	list         []*runningWorkload
	stopProgress func()
	stopped      sync.Once
}

// progressEvery is how often the live output hears of the workloads.
const progressEvery = time.Second

// startWorkloads starts every workload of the scenario, with the results
// of the steps that ran before them.
func (r *run) startWorkloads(ctx context.Context) {
	if len(r.sc.Workloads) == 0 {
		return
	}
	r.mu.Lock()
	results := make(scenarios.Results, len(r.results))
	for name, value := range r.results {
		results[name] = value
	}
	r.mu.Unlock()
	for _, spec := range r.sc.Workloads {
		env := checks.NewEnv(checks.Deps{Now: r.opts.Checks.Now, Connections: spec.Concurrency}, r.set.ScenarioSecrets(r.sc)...)
		w := &runningWorkload{spec: spec, env: env}
		w.running = workload.Start(ctx, workload.Options{
			Name: spec.Name, Kind: spec.Attempt.Kind.Name(), Rate: spec.Rate, Concurrency: spec.Concurrency,
			Clock: r.clock, Redact: env.Redactor.String,
		}, r.attempt(spec, env, results))
		r.workloads.list = append(r.workloads.list, w)
	}
	r.workloads.stopProgress = r.reportProgress()
}

// warmUp lets the workloads run for the longest of their warmups before
// the drill goes on; false when ctx ended first.
func (r *run) warmUp(ctx context.Context) bool {
	var warmup time.Duration
	for _, w := range r.sc.Workloads {
		warmup = max(warmup, w.Warmup)
	}
	if warmup == 0 {
		return true
	}
	return r.sleepUntil(ctx, r.clock.Now().Add(warmup))
}

// attempt sends one attempt of a workload through its check kind; its
// asserts, if any, decide whether the system acknowledged it.
func (r *run) attempt(spec *scenarios.Workload, env *checks.Env, results scenarios.Results) workload.Attempt {
	var secretsOnce sync.Once
	attempts := r.set.Attempts(spec, results)
	return func(ctx context.Context, seq int64, at time.Time) error {
		config, diags := attempts.Config(seq, at)
		// What is computed from a secret is the same in every attempt.
		secretsOnce.Do(func() {
			for _, text := range scenarios.SensitiveTexts(config) {
				env.Redactor.Add(text)
			}
		})
		if diags.HasErrors() {
			return errors.New(env.Redactor.String(diags.Error()))
		}
		call := checks.Call{Kind: spec.Attempt.Kind, Config: scenarios.Unmarked(config), Timeout: spec.Attempt.Timeout}
		if len(spec.Attempt.Asserts) > 0 {
			call.Judge = func(result cty.Value) (bool, string) {
				failures := attempts.CheckAsserts(result, seq, at)
				messages := make([]string, len(failures))
				for i, f := range failures {
					messages[i] = f.Message
				}
				return len(failures) == 0, strings.Join(messages, "; ")
			}
		}
		if outcome := env.Execute(ctx, call); !outcome.Passed {
			return errors.New(outcome.Message)
		}
		return nil
	}
}

// reportProgress puts the workloads' progress in the record and tells the
// observer, every progressEvery, until stopped.
func (r *run) reportProgress() (stop func()) {
	return every(r.clock, progressEvery, func(time.Time) {
		r.setWorkloads(func(w *runningWorkload) store.Workload { return w.running.Progress() })
		r.emit(store.Event{Type: store.EventWorkload})
	})
}

func (r *run) setWorkloads(measure func(*runningWorkload) store.Workload) {
	measured := make([]store.Workload, len(r.workloads.list))
	for i, w := range r.workloads.list {
		measured[i] = measure(w)
		measured[i].Verified = w.verified
	}
	r.update(func(run *store.Run) { run.Workloads = measured })
}

// stopWorkloads stops every workload and records what it measured. It may
// be called more than once.
func (r *run) stopWorkloads() {
	r.workloads.stopped.Do(func() {
		if r.workloads.stopProgress != nil {
			r.workloads.stopProgress()
		}
		var wg sync.WaitGroup
		for _, w := range r.workloads.list {
			wg.Go(func() { w.running.Stop() })
		}
		wg.Wait()
		r.setWorkloads(func(w *runningWorkload) store.Workload { return w.running.Stop() })
		for _, w := range r.workloads.list {
			w.env.Close()
		}
	})
}

// verifyWorkloads runs the verify of each workload that has one and
// compares its acknowledged writes with the survivors.
func (r *run) verifyWorkloads(ctx context.Context) error {
	if r.sc.DataLoss == nil && slices.ContainsFunc(r.sc.Workloads, func(w *scenarios.Workload) bool { return w.Verify != nil }) {
		r.emit(store.Event{Type: store.EventPhase, Phase: phase.DataLoss})
	}
	for _, w := range r.workloads.list {
		if w.spec.Verify == nil {
			continue
		}
		if err := r.verify(ctx, w); err != nil {
			return fmt.Errorf("workload %q: %w", w.spec.Name, err)
		}
	}
	return nil
}

func (r *run) verify(ctx context.Context, w *runningWorkload) error {
	check := w.spec.Verify.Check
	if !r.waitFor(ctx, check) {
		return context.Cause(ctx)
	}
	// Writes acknowledged from now on may land after the query reads.
	started := r.clock.Now()
	if done := r.step(ctx, check, 0); !done.Passed {
		return errors.New(done.Message)
	}
	r.mu.Lock()
	result, results := r.results[check.Name], r.results
	r.mu.Unlock()
	if err := truncatedRows(check, result); err != nil {
		return err
	}
	value, diags := r.set.Survivors(w.spec.Verify, result, results)
	if diags.HasErrors() {
		return errors.New(r.env.Redactor.String(diags.Error()))
	}
	survivors, err := survivorRanges(value)
	if err != nil {
		return err
	}
	lost := w.running.Verify(survivors, r.clockStart(), started)
	w.verified = &lost
	return nil
}

// truncatedRows refuses a verify query whose rows did not all fit in its
// result: counting the missing ones as lost would be a lie.
func truncatedRows(check *scenarios.Step, result cty.Value) error {
	if check.Kind.Name() != "sql" || result.IsNull() || !result.Type().IsObjectType() {
		return nil
	}
	count, rows := result.GetAttr("row_count"), result.GetAttr("rows")
	if count.IsNull() || !count.IsKnown() || rows.IsNull() || !rows.CanIterateElements() {
		return nil
	}
	total, _ := count.AsBigFloat().Int64()
	if kept := int64(rows.LengthInt()); kept < total {
		return fmt.Errorf("the verify query returned %d rows and a result keeps %d: return the survivors as islands of consecutive sequence numbers, one [first, last] row each (docs/language.md shows the query)", total, kept)
	}
	return nil
}

// survivorRanges reads survivors: sequence numbers, or [first, last] pairs.
func survivorRanges(value cty.Value) (workload.Ranges, error) {
	value, _ = value.UnmarkDeep()
	if value.IsNull() || !value.IsKnown() || !value.CanIterateElements() {
		return nil, errors.New("survivors is not a list: give the sequence numbers found, or [first, last] pairs of them")
	}
	var ranges []workload.Range
	for it := value.ElementIterator(); it.Next(); {
		key, element := it.Element()
		r, err := survivorRange(element)
		if err != nil {
			return nil, fmt.Errorf("survivors[%s]: %w", key.GoString(), err)
		}
		ranges = append(ranges, r)
	}
	return workload.NewRanges(ranges)
}

func survivorRange(element cty.Value) (workload.Range, error) {
	if element.IsNull() {
		return workload.Range{}, errors.New("null: the query found no sequence number there")
	}
	if element.Type() == cty.Number || element.Type() == cty.String {
		seq, err := sequenceNumber(element)
		return workload.Range{Lo: seq, Hi: seq}, err
	}
	if !element.CanIterateElements() || element.LengthInt() != 2 {
		return workload.Range{}, fmt.Errorf("a %s: give a sequence number or a [first, last] pair", element.Type().FriendlyName())
	}
	pair := element.AsValueSlice()
	lo, err := sequenceNumber(pair[0])
	if err != nil {
		return workload.Range{}, err
	}
	hi, err := sequenceNumber(pair[1])
	return workload.Range{Lo: lo, Hi: hi}, err
}

// sequenceNumber reads a whole number; SQL drivers may return numbers as
// text.
func sequenceNumber(v cty.Value) (int64, error) {
	if v.IsNull() {
		return 0, errors.New("null: the query found no sequence number there")
	}
	if v.Type() == cty.String {
		n, ok := new(big.Float).SetString(strings.TrimSpace(v.AsString()))
		if !ok {
			return 0, fmt.Errorf("%q is not a sequence number", v.AsString())
		}
		v = cty.NumberVal(n)
	}
	if v.Type() != cty.Number {
		return 0, fmt.Errorf("a %s is not a sequence number", v.Type().FriendlyName())
	}
	n, accuracy := v.AsBigFloat().Int64()
	if accuracy != big.Exact {
		return 0, fmt.Errorf("%s is not a whole number", v.AsBigFloat().Text('f', -1))
	}
	return n, nil
}

// lostWritesRPO is the RPO the verified workloads measured: from the
// acknowledgement of the newest write acknowledged before the clock
// started that survived, to the clock start, or to the acknowledgement of
// the last lost write when that came later (a write acknowledged while
// the disruption was under way, then lost); zero when none was lost. ok
// is false without a verified workload.
func (r *run) lostWritesRPO(clockStart time.Time) (rpo time.Duration, ok bool) {
	for _, w := range r.workloads.list {
		lost := w.verified
		if lost == nil {
			continue
		}
		ok = true
		if lost.Lost == 0 {
			continue
		}
		from := w.running.Started()
		if lost.NewestSurvivor != nil {
			from = lost.NewestSurvivor.AckedAt
		}
		to := clockStart
		if last := lost.LastLost.AckedAt; last.After(to) {
			to = last
		}
		rpo = max(rpo, to.Sub(from))
	}
	return rpo, ok
}

// workloadsMissed says which workload objectives the run missed.
func (r *run) workloadsMissed(measured []store.Workload) []string {
	objective := r.sc.Objective
	var missed []string
	for _, w := range measured {
		if objective.Downtime > 0 && w.LongestOutage > objective.Downtime {
			missed = append(missed, fmt.Sprintf("workload %q: longest outage %s exceeds the downtime objective %s", w.Name, round(w.LongestOutage), objective.Downtime))
		}
		if allowed := objective.LostWrites; allowed != nil && w.Verified != nil && w.Verified.Lost > *allowed {
			missed = append(missed, fmt.Sprintf("workload %q: %d acknowledged writes lost; the objective allows %d", w.Name, w.Verified.Lost, *allowed))
		}
	}
	return missed
}
