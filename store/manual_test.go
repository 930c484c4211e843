package store

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redrill/redrill/scenarios/phase"
)

// startManual records a running run "run" of scenario "failover" whose
// manual step recover.promote (seq 2) waits since base.
func startManual(t *testing.T, s Store) Step {
	t.Helper()
	ctx := context.Background()
	run := newRun("run", "failover", base)
	run.Plan = []PlanStep{{Phase: phase.Disrupt, Name: "stop", Kind: "command"},
		{Phase: phase.Recover, Name: "promote", Kind: KindManual}, {Phase: phase.Rollback, Name: "confirm-clean", Kind: KindManual}}
	mustDo(t, s.StartRun(ctx, run))
	mustDo(t, s.RecordStep(ctx, Step{RunID: "run", Seq: 1, Phase: phase.Disrupt, Name: "stop", Kind: "command", StartedAt: base, Passed: true}))
	promote := Step{RunID: "run", Seq: 2, Phase: phase.Recover, Name: "promote", Kind: KindManual, StartedAt: base, Running: true,
		Manual: &Manual{Instructions: "Promote the replica in eu-west-2 and confirm", Timeout: 30 * time.Minute}}
	mustDo(t, s.StartStep(ctx, promote))
	return promote
}

func TestAnswerAManualStep(t *testing.T) {
	forEachBackend(t, func(t *testing.T, target string) {
		ctx := context.Background()
		s := open(t, target, base)
		promote := startManual(t, s)

		waiting, err := s.Waiting(ctx)
		mustDo(t, err)
		want := WaitingStep{RunID: "run", Scenario: "failover", Phase: phase.Recover, Step: "promote",
			Instructions: "Promote the replica in eu-west-2 and confirm", Since: base.Truncate(time.Microsecond), Timeout: 30 * time.Minute}
		if len(waiting) != 1 || waiting[0] != want {
			t.Fatalf("waiting = %+v, want [%+v]", waiting, want)
		}
		if _, ok, err := s.AnswerOf(ctx, "run", 2); err != nil || ok {
			t.Fatalf("an answer before anyone answered: %v, %v", ok, err)
		}

		answeredAt := base.Add(4 * time.Minute)
		mustDo(t, s.Answer(ctx, "run", "recover.promote", Answer{Outcome: AnswerDone, By: "ana@laptop", Note: "promoted, lag 0", At: answeredAt}))
		got, ok, err := s.AnswerOf(ctx, "run", 2)
		mustDo(t, err)
		if wantAnswer := (Answer{Outcome: AnswerDone, By: "ana@laptop", Note: "promoted, lag 0", At: answeredAt.Truncate(time.Microsecond)}); !ok || got != wantAnswer {
			t.Fatalf("answer = %+v (%v), want %+v", got, ok, wantAnswer)
		}
		if waiting, _ := s.Waiting(ctx); len(waiting) != 0 {
			t.Errorf("an answered step still waits: %+v", waiting)
		}

		// The second answer, by its bare name, is refused and says whose
		// answer won.
		err = s.Answer(ctx, "run", "promote", Answer{Outcome: AnswerFailed, By: "bob@desk"})
		var already *AlreadyAnsweredError
		if !errors.As(err, &already) || already.By != "ana@laptop" || already.Outcome != AnswerDone {
			t.Fatalf("second answer: %v, want already answered by ana@laptop", err)
		}
		if want := "already answered by ana@laptop at 2026-11-01T03:04:00Z"; err.Error() != want {
			t.Errorf("message %q, want %q", err, want)
		}

		// The runner stops waiting, then records the step with the answer
		// it read; the stored answer is the first one.
		stopped, ok, err := s.StopWaiting(ctx, "run", 2)
		mustDo(t, err)
		if !ok || stopped.By != "ana@laptop" {
			t.Errorf("stop waiting returned %+v, %v", stopped, ok)
		}
		done := promote
		done.Running, done.Duration, done.Passed, done.Message = false, 4*time.Minute, true, "done by ana@laptop"
		done.Manual = &Manual{Instructions: promote.Manual.Instructions, Timeout: promote.Manual.Timeout, Answer: &stopped}
		mustDo(t, s.RecordStep(ctx, done))
		_, steps, err := s.Run(ctx, "run")
		mustDo(t, err)
		if len(steps) != 2 || steps[0].Manual != nil {
			t.Fatalf("steps = %+v, want a command step without Manual and the manual step", steps)
		}
		manual := steps[1].Manual
		if manual == nil || manual.Instructions != promote.Manual.Instructions || manual.Timeout != 30*time.Minute ||
			manual.Answer == nil || *manual.Answer != stopped {
			t.Errorf("recorded manual step = %+v", manual)
		}
	})
}

// Of answers racing from several machines exactly one is recorded; every
// other is told whose it was.
func TestConcurrentAnswersFirstWins(t *testing.T) {
	forEachBackend(t, func(t *testing.T, target string) {
		ctx := context.Background()
		s := open(t, target, base)
		startManual(t, s)
		others := make([]Store, 4)
		for i := range others {
			others[i] = open(t, target, base)
		}
		errs := make([]error, len(others))
		var wg sync.WaitGroup
		for i, other := range others {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = other.Answer(ctx, "run", "promote", Answer{Outcome: AnswerDone, By: string(rune('a' + i))})
			}()
		}
		wg.Wait()
		answer, ok, err := s.AnswerOf(ctx, "run", 2)
		mustDo(t, err)
		won := 0
		for i, err := range errs {
			var already *AlreadyAnsweredError
			switch {
			case err == nil:
				won++
				if answer.By != string(rune('a'+i)) {
					t.Errorf("answer %d succeeded, but the stored one is %q's", i, answer.By)
				}
			case errors.As(err, &already):
				if already.By != answer.By {
					t.Errorf("answer %d told already answered by %q, stored %q", i, already.By, answer.By)
				}
			default:
				t.Errorf("answer %d: %v", i, err)
			}
		}
		if won != 1 || !ok {
			t.Errorf("%d answers won, stored %v", won, ok)
		}
	})
}

func TestAnswerRefusedWithReason(t *testing.T) {
	tests := []struct {
		name    string
		prepare func(t *testing.T, s Store)
		step    string
		answer  Answer
		wantIs  error
		want    string
	}{
		{name: "a step that timed out", step: "promote", wantIs: ErrNotWaiting,
			prepare: func(t *testing.T, s Store) {
				_, _, err := s.StopWaiting(context.Background(), "run", 2)
				mustDo(t, err)
				mustDo(t, s.RecordStep(context.Background(), Step{RunID: "run", Seq: 2, Phase: phase.Recover, Name: "promote", Kind: KindManual,
					StartedAt: base, Duration: 30 * time.Minute, Message: "nobody answered within 30m0s",
					Manual: &Manual{Instructions: "x", Timeout: 30 * time.Minute}}))
			},
			want: "manual step recover.promote of run run stopped waiting at 2026-11-01T03:30:00Z (nobody answered within 30m0s); the answer was not recorded"},
		{name: "a step whose wait is ending", step: "promote", wantIs: ErrNotWaiting,
			prepare: func(t *testing.T, s Store) {
				_, _, err := s.StopWaiting(context.Background(), "run", 2)
				mustDo(t, err)
			},
			want: "manual step recover.promote of run run stopped waiting for an answer; the answer was not recorded"},
		{name: "a run that finished", step: "promote", wantIs: ErrNotWaiting,
			prepare: func(t *testing.T, s Store) {
				mustDo(t, s.FinishRun(context.Background(), "run", Finish{EndedAt: base.Add(time.Minute), Verdict: VerdictInterrupted, Reason: "serve stopped"}))
			},
			want: "run run is not running: it ended at 2026-11-01T03:01:00Z, interrupted (serve stopped); the answer was not recorded"},
		{name: "a manual step not started yet", step: "rollback.confirm-clean", wantIs: ErrNotWaiting,
			want: `manual step "rollback.confirm-clean" of run run has not started yet; the answer was not recorded`},
		{name: "a step that does not exist", step: "promte", wantIs: ErrNotWaiting,
			want: `run run has no step "promte"; its manual steps are recover.promote, rollback.confirm-clean; the answer was not recorded`},
		{name: "a step of another kind", step: "stop", wantIs: ErrNotWaiting,
			want: "step disrupt.stop of run run is a command check, not a manual step; the answer was not recorded"},
		{name: "an unknown outcome", step: "promote", answer: Answer{Outcome: "yes", By: "ana"},
			want: `answer step "promote" of run run: answer "yes" is not one of done, failed, skipped`},
		{name: "an answer of nobody", step: "promote", answer: Answer{Outcome: AnswerDone},
			want: `answer step "promote" of run run: an answer says who gave it: By is empty`},
	}
	for _, b := range backends {
		for _, test := range tests {
			t.Run(b.name+"/"+test.name, func(t *testing.T) {
				ctx := context.Background()
				s := open(t, b.target(t), base)
				startManual(t, s)
				if test.prepare != nil {
					test.prepare(t, s)
				}
				answer := test.answer
				if answer == (Answer{}) {
					answer = Answer{Outcome: AnswerDone, By: "ana@laptop"}
				}
				err := s.Answer(ctx, "run", test.step, answer)
				if err == nil {
					t.Fatal("the answer was recorded")
				}
				if err.Error() != test.want {
					t.Errorf("message\n%s\nwant\n%s", err, test.want)
				}
				if test.wantIs != nil && !errors.Is(err, test.wantIs) {
					t.Errorf("%v is not %v", err, test.wantIs)
				}
			})
		}
	}
	t.Run("an unknown run", func(t *testing.T) {
		s := open(t, backends[0].target(t), base)
		if err := s.Answer(context.Background(), "nope", "promote", Answer{Outcome: AnswerDone, By: "ana"}); !errors.Is(err, ErrNotFound) {
			t.Errorf("answer to an unknown run: %v, want not found", err)
		}
	})
}

// A run interrupted while its manual step waited refuses a later answer,
// saying so, and no longer lists the step as waiting.
func TestInterruptedRunRefusesAnswers(t *testing.T) {
	forEachBackend(t, func(t *testing.T, target string) {
		ctx := context.Background()
		writer := open(t, target, base)
		run := newRun("run", "failover", base)
		run.Host, run.PID = "other-host", 1
		mustDo(t, writer.StartRun(ctx, run))
		mustDo(t, writer.StartStep(ctx, Step{RunID: "run", Seq: 1, Phase: phase.Recover, Name: "promote", Kind: KindManual, StartedAt: base,
			Running: true, Manual: &Manual{Instructions: "Promote", Timeout: time.Hour}}))

		later := open(t, target, base.Add(StaleAfter+time.Minute))
		waiting, err := later.Waiting(ctx)
		mustDo(t, err)
		if len(waiting) != 0 {
			t.Errorf("an interrupted run's step waits: %+v", waiting)
		}
		err = later.Answer(ctx, "run", "promote", Answer{Outcome: AnswerDone, By: "ana"})
		if !errors.Is(err, ErrNotWaiting) || !strings.Contains(err.Error(), "run run is not running: it ended at 2026-11-01T03:00:00Z, interrupted (the runner on other-host stopped sending heartbeats") ||
			!strings.HasSuffix(err.Error(), "the answer was not recorded") {
			t.Errorf("late answer: %v", err)
		}
	})
}

func TestRequestAbort(t *testing.T) {
	forEachBackend(t, func(t *testing.T, target string) {
		ctx := context.Background()
		s := open(t, target, base)
		startManual(t, s)
		if _, ok, err := s.AbortRequested(ctx, "run"); err != nil || ok {
			t.Fatalf("an abort before anyone asked: %v, %v", ok, err)
		}
		mustDo(t, s.RequestAbort(ctx, "run", "ana@laptop", "wrong region"))
		request, ok, err := s.AbortRequested(ctx, "run")
		mustDo(t, err)
		if want := (AbortRequest{By: "ana@laptop", Note: "wrong region", At: base.Truncate(time.Microsecond)}); !ok || request != want {
			t.Errorf("request = %+v, want %+v", request, want)
		}
		err = s.RequestAbort(ctx, "run", "bob", "")
		var already *AbortRequestedError
		if !errors.As(err, &already) || err.Error() != "abort already requested by ana@laptop at 2026-11-01T03:00:00Z" {
			t.Errorf("second request: %v", err)
		}
		mustDo(t, s.FinishRun(ctx, "run", Finish{EndedAt: base.Add(time.Minute), Verdict: VerdictAborted, Reason: "abort requested by ana@laptop"}))
		run, _, err := s.Run(ctx, "run")
		mustDo(t, err)
		if run.Abort == nil || run.Abort.By != "ana@laptop" || run.Abort.Note != "wrong region" {
			t.Errorf("run's abort = %+v", run.Abort)
		}

		startOther := newRun("done", "failover", base)
		mustDo(t, s.StartRun(ctx, startOther))
		mustDo(t, s.FinishRun(ctx, "done", Finish{EndedAt: base.Add(time.Minute), Verdict: VerdictMet}))
		err = s.RequestAbort(ctx, "done", "ana", "")
		if !errors.Is(err, ErrNotRunning) || err.Error() != "run done is not running: it ended at 2026-11-01T03:01:00Z, met; nothing to abort" {
			t.Errorf("abort of a finished run: %v", err)
		}
		if err := s.RequestAbort(ctx, "nope", "ana", ""); !errors.Is(err, ErrNotFound) {
			t.Errorf("abort of an unknown run: %v", err)
		}
	})
}

// A run's time waiting for people is its manual steps' time; the report's
// ranking sums them by scenario and step over a window, longest first.
func TestWhereThePeoplesTimeWent(t *testing.T) {
	forEachBackend(t, func(t *testing.T, target string) {
		ctx := context.Background()
		s := open(t, target, base)
		record := func(runID string, started time.Time, steps ...Step) {
			mustDo(t, s.StartRun(ctx, newRun(runID, "failover", started)))
			for i, step := range steps {
				step.RunID, step.Seq, step.StartedAt = runID, i+1, started
				mustDo(t, s.RecordStep(ctx, step))
			}
			mustDo(t, s.FinishRun(ctx, runID, Finish{EndedAt: started.Add(20 * time.Minute), Verdict: VerdictMet}))
		}
		manual := func(name string, waited time.Duration, automatic bool) Step {
			return Step{Phase: phase.Recover, Name: name, Kind: KindManual, Duration: waited, Passed: true,
				Manual: &Manual{Instructions: "do " + name, Timeout: time.Hour, Answer: &Answer{Outcome: AnswerDone, By: "ana", At: base, Automatic: automatic}}}
		}
		restore := Step{Phase: phase.Recover, Name: "restore", Kind: "command", Duration: 5 * time.Minute, Passed: true}
		record("old", base.Add(-48*time.Hour), manual("promote", time.Hour, false))
		record("one", base, restore, manual("promote", 4*time.Minute, false), manual("dns", 9*time.Minute, false))
		record("two", base.Add(time.Hour), manual("promote", 6*time.Minute, true))

		run, _, err := s.Run(ctx, "one")
		mustDo(t, err)
		machine, ended := run.MachineTime()
		if run.HumanTime != 13*time.Minute || !ended || machine != 7*time.Minute {
			t.Errorf("human %s, machine %s (%v); want 13m and the other 7m of 20m", run.HumanTime, machine, ended)
		}
		runs, err := s.Runs(ctx, RunQuery{})
		mustDo(t, err)
		latest, err := s.LatestRuns(ctx)
		mustDo(t, err)
		if len(runs) != 3 || runs[0].HumanTime != 6*time.Minute || len(latest) != 1 || latest[0].HumanTime != 6*time.Minute {
			t.Errorf("runs %+v, latest %+v: the human time of every read", runs, latest)
		}

		times, err := s.ManualTimes(ctx, base.Add(-time.Hour))
		mustDo(t, err)
		want := []ManualTime{
			{Scenario: "failover", Phase: phase.Recover, Step: "promote", Waits: 2, Automatic: 1, Total: 10 * time.Minute, Longest: 6 * time.Minute},
			{Scenario: "failover", Phase: phase.Recover, Step: "dns", Waits: 1, Total: 9 * time.Minute, Longest: 9 * time.Minute},
		}
		if len(times) != len(want) || times[0] != want[0] || times[1] != want[1] {
			t.Errorf("manual times\n%+v\nwant\n%+v", times, want)
		}
	})
}
