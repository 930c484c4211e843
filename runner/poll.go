package runner

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/zclconf/go-cty/cty"

	"github.com/redrill/redrill/scenarios"
	"github.com/redrill/redrill/scenarios/phase"
	"github.com/redrill/redrill/store"
)

var errGuardTripped = errors.New("guard tripped")

// pollRecovered polls recovered_when until a round passes; the clock stops
// at the start of that round. When it never does, it says why: each check
// that never passed, with its last failure.
func (r *run) pollRecovered(ctx context.Context) (recoveredAt time.Time, recovered bool, why string) {
	rw := r.sc.RecoveredWhen
	if timeout := rw.Timeout; timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	r.emit(store.Event{Type: store.EventPhase, Phase: phase.RecoveredWhen})
	progress := newPollProgress(rw.Checks)
	for round := 1; ; round++ {
		roundStart := r.clock.Now()
		// A check that passed only on a retry saw the recovery at that
		// attempt, not at the round's start.
		recoveredAt = roundStart
		passed := true
		for _, check := range rw.Checks {
			done, attemptStarted := r.runStep(ctx, check, round, false)
			progress.saw(done, ctx.Err() != nil)
			if !done.Passed {
				passed = false
				break
			}
			if attemptStarted.After(recoveredAt) {
				recoveredAt = attemptStarted
			}
		}
		if passed && ctx.Err() == nil {
			return recoveredAt, true, ""
		}
		if !r.sleepUntil(ctx, roundStart.Add(rw.Every)) {
			return time.Time{}, false, progress.why()
		}
	}
}

// pollProgress remembers, for each check of recovered_when, whether it
// ever passed and its last failure in a round the deadline did not cut
// short: the deadline's own "context deadline exceeded" says nothing of
// why the system did not recover.
type pollProgress struct {
	checks []string
	passed map[string]bool
	failed map[string]string // the last real failure
	cut    map[string]string // the last failure cut short, when there is no other
}

func newPollProgress(checks []*scenarios.Step) *pollProgress {
	p := &pollProgress{passed: map[string]bool{}, failed: map[string]string{}, cut: map[string]string{}}
	for _, check := range checks {
		p.checks = append(p.checks, check.Name)
	}
	return p
}

// saw records a round of a check; cutShort when the poll ended during it.
func (p *pollProgress) saw(done store.Step, cutShort bool) {
	switch {
	case done.Passed:
		p.passed[done.Name] = true
	case cutShort:
		p.cut[done.Name] = done.Message
	default:
		p.failed[done.Name] = done.Message
	}
}

// why names each check that never passed and its last failure.
func (p *pollProgress) why() string {
	var reasons []string
	for _, name := range p.checks {
		if p.passed[name] {
			continue
		}
		switch failure, failed := p.failed[name]; {
		case failed:
			reasons = append(reasons, fmt.Sprintf("check %q never passed: %s", name, failure))
		case p.cut[name] != "":
			reasons = append(reasons, fmt.Sprintf("check %q never passed; its every round was cut short: %s", name, p.cut[name]))
		default:
			reasons = append(reasons, fmt.Sprintf("check %q never ran: an earlier check failed every round", name))
		}
	}
	if len(reasons) == 0 {
		// Each check passed in some round, never all in the same one.
		for _, name := range p.checks {
			if failure, failed := p.failed[name]; failed {
				reasons = append(reasons, fmt.Sprintf("no round passed every check; check %q last failed: %s", name, failure))
			}
		}
	}
	if len(reasons) == 0 {
		return "no round passed every check"
	}
	return strings.Join(reasons, "; ")
}

func (r *run) recoveredTimeout() time.Duration {
	if t := r.sc.RecoveredWhen.Timeout; t > 0 {
		return t
	}
	return r.sc.Timeout
}

// guard polls the guard checks; the first failure cancels the drill's
// running phase with errGuardTripped.
func (r *run) guard(ctx context.Context, abort context.CancelCauseFunc) {
	g := r.sc.Guard
	for round := 1; ; round++ {
		roundStart := r.clock.Now()
		for _, check := range g.Checks {
			done, _ := r.runStep(ctx, check, round, true)
			if ctx.Err() != nil {
				return // stopped at recovery, not tripped
			}
			if !done.Passed {
				abort(fmt.Errorf("%w: check %q: %s", errGuardTripped, done.Name, done.Message))
				return
			}
		}
		if !r.sleepUntil(ctx, roundStart.Add(g.Every)) {
			return
		}
	}
}

// sleepUntil waits for a time on the run's clock; false when ctx ended
// first.
func (r *run) sleepUntil(ctx context.Context, at time.Time) bool {
	timer := r.clock.NewTimer(at.Sub(r.clock.Now()))
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-timer.Chan():
		return true
	}
}

// measureDataLoss runs data_loss and sets the measured RPO: clock start
// minus the newest record that survived.
func (r *run) measureDataLoss(ctx context.Context) error {
	dl := r.sc.DataLoss
	r.emit(store.Event{Type: store.EventPhase, Phase: phase.DataLoss})
	if !r.waitFor(ctx, dl.Check) {
		return context.Cause(ctx)
	}
	if done := r.step(ctx, dl.Check, 0); !done.Passed {
		return errors.New(done.Message)
	}
	r.mu.Lock()
	result := r.results[dl.Check.Name]
	results := r.results
	r.mu.Unlock()
	value, diags := r.set.NewestRecord(dl, result, results)
	for _, text := range scenarios.SensitiveTexts(value) {
		r.env.Redactor.Add(text)
	}
	if diags.HasErrors() {
		return errors.New(r.env.Redactor.String(diags.Error()))
	}
	newest, err := recordTime(value)
	if err != nil {
		return err
	}
	// A record from after the measurement is not a record: milliseconds
	// read as seconds, or a wrong time zone. A minute allows clock skew
	// between redrill and the database.
	if measured := r.clock.Now(); newest.After(measured.Add(time.Minute)) {
		return fmt.Errorf("newest_record %s is later than now (%s): check its unit (Unix seconds) and time zone", newest.Format(time.RFC3339), measured.UTC().Format(time.RFC3339))
	}
	r.update(func(run *store.Run) {
		rpo := run.ClockStart.Sub(newest)
		if rpo < 0 {
			// The newest record was written after the clock started:
			// nothing before it was lost.
			rpo = 0
		}
		run.RPO = &rpo
	})
	for _, measure := range dl.Measures {
		if !r.waitFor(ctx, measure) {
			return context.Cause(ctx)
		}
		if done := r.step(ctx, measure, 0); !done.Passed {
			return fmt.Errorf("measure %q: %s", measure.Name, done.Message)
		}
	}
	return nil
}

// sqlTimeLayouts are the timestamp texts databases return.
var sqlTimeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999-07",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999",
}

// recordTime reads newest_record: RFC 3339, an SQL timestamp (UTC when it
// has no zone) or Unix seconds.
func recordTime(v cty.Value) (time.Time, error) {
	v, _ = v.UnmarkDeep()
	if v.IsNull() || !v.IsKnown() {
		return time.Time{}, errors.New("newest_record is null: the query found no record")
	}
	switch v.Type() {
	case cty.Number:
		seconds, _ := v.AsBigFloat().Float64()
		whole, frac := math.Modf(seconds)
		return time.Unix(int64(whole), int64(frac*1e9)).UTC(), nil
	case cty.String:
		text := strings.TrimSpace(v.AsString())
		for _, layout := range sqlTimeLayouts {
			if t, err := time.Parse(layout, text); err == nil {
				return t, nil
			}
		}
		return time.Time{}, fmt.Errorf("newest_record %q is not a time: give RFC 3339, an SQL timestamp or Unix seconds", text)
	}
	return time.Time{}, fmt.Errorf("newest_record is a %s, not a time", v.Type().FriendlyName())
}
