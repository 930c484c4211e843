package runner

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redrill/redrill/scenarios/phase"
	"github.com/redrill/redrill/store"
)

// manualDrill has a manual recover step (promote) and a rollback that
// leaves a file, so that a test sees rollback ran.
const manualDrill = `scenario "failover" {
	objective {
		rto = "1h"
	}
	disrupt {
		step "stop" {
			command { run = ["true"] }
		}
	}
	recover {
		step "promote" {
			manual {
				instructions = "Promote the replica in eu-west-2 and confirm"
				timeout      = "{{timeout}}"
			}
		}
	}
	rollback {
		step "clean" {
			command { run = ["touch", "{{dir}}/rolled-back"] }
		}
	}
}`

// startManualDrill runs manualDrill in the background; it returns the
// result when the drill ends, and a second handle on its store, as
// another machine opens it.
func startManualDrill(t *testing.T, ctx context.Context, timeout string, opts ...func(*Options)) (<-chan Result, store.Store, string) {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "history.db")
	elsewhere, err := store.Open(context.Background(), path, store.Options{SpoolDir: filepath.Join(dir, "other-spool"), Host: "laptop", PID: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { elsewhere.Close() })
	done := make(chan Result, 1)
	src := strings.NewReplacer("{{timeout}}", timeout, "{{dir}}", dir).Replace(manualDrill)
	go func() {
		result, _, _ := drillIn(t, ctx, dir, src, opts...)
		done <- result
	}()
	return done, elsewhere, dir
}

// waitingStep polls the store until a manual step waits, and returns it.
func waitingStep(t *testing.T, history store.Store) store.WaitingStep {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		waiting, err := history.Waiting(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if len(waiting) > 0 {
			return waiting[0]
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("no manual step waits after 20s")
	return store.WaitingStep{}
}

func result(t *testing.T, done <-chan Result) Result {
	t.Helper()
	select {
	case r := <-done:
		return r
	case <-time.After(30 * time.Second):
		t.Fatal("the drill did not end 30s after it was answered")
		return Result{}
	}
}

func TestManualStepAnsweredFromAnotherMachine(t *testing.T) {
	done, elsewhere, _ := startManualDrill(t, t.Context(), "30m")
	waiting := waitingStep(t, elsewhere)
	if waiting.Step != "promote" || waiting.Phase != phase.Recover || waiting.Scenario != "failover" ||
		waiting.Instructions != "Promote the replica in eu-west-2 and confirm" || waiting.Timeout != 30*time.Minute {
		t.Errorf("waiting = %+v", waiting)
	}
	if err := elsewhere.Answer(context.Background(), waiting.RunID, "recover.promote", store.Answer{Outcome: store.AnswerDone, By: "ana@laptop", Note: "lag 0"}); err != nil {
		t.Fatal(err)
	}
	r := result(t, done)
	if r.Verdict != store.VerdictMet {
		t.Fatalf("verdict %s (%s), want met", r.Verdict, r.Reason)
	}
	promote := findStep(r.Steps, "promote")
	if promote == nil || !promote.Passed || promote.Manual == nil || promote.Manual.Answer == nil ||
		promote.Manual.Answer.By != "ana@laptop" || promote.Manual.Answer.Note != "lag 0" || promote.Manual.Answer.Automatic {
		t.Fatalf("promote = %+v", promote)
	}
	// The recovery clock ran while people worked.
	if r.RTO == nil || *r.RTO < promote.Duration {
		t.Errorf("RTO %v is shorter than the manual step (%s)", r.RTO, promote.Duration)
	}
	_, steps, err := elsewhere.Run(context.Background(), r.ID)
	if err != nil {
		t.Fatal(err)
	}
	stored := findStep(steps, "promote")
	if stored == nil || stored.Manual == nil || stored.Manual.Answer == nil || stored.Manual.Answer.By != "ana@laptop" ||
		stored.Manual.Instructions != "Promote the replica in eu-west-2 and confirm" || stored.Manual.Timeout != 30*time.Minute {
		t.Errorf("stored promote = %+v", stored)
	}
}

func TestManualStepFailedFailsItsPhase(t *testing.T) {
	done, elsewhere, dir := startManualDrill(t, t.Context(), "30m")
	waiting := waitingStep(t, elsewhere)
	if err := elsewhere.Answer(context.Background(), waiting.RunID, "promote", store.Answer{Outcome: store.AnswerFailed, By: "ana@laptop", Note: "replica lags 3h"}); err != nil {
		t.Fatal(err)
	}
	r := result(t, done)
	if want := `a recover step failed: recover "promote": failed by ana@laptop: replica lags 3h`; r.Verdict != store.VerdictFailed || r.Reason != want {
		t.Errorf("verdict %s (%s), want failed: %s", r.Verdict, r.Reason, want)
	}
	if !exists(filepath.Join(dir, "rolled-back")) || r.Rollback != store.RollbackPassed {
		t.Errorf("rollback %s: want it run", r.Rollback)
	}
}

func TestManualStepNobodyAnswersTimesOut(t *testing.T) {
	done, elsewhere, _ := startManualDrill(t, t.Context(), "300ms")
	r := result(t, done)
	promote := findStep(r.Steps, "promote")
	if r.Verdict != store.VerdictFailed || promote == nil || promote.Passed || promote.Message != "timed out after 300ms: nobody answered" {
		t.Fatalf("verdict %s (%s), promote %+v", r.Verdict, r.Reason, promote)
	}
	err := elsewhere.Answer(context.Background(), r.ID, "promote", store.Answer{Outcome: store.AnswerDone, By: "late@laptop"})
	if !errors.Is(err, store.ErrNotWaiting) {
		t.Errorf("a late answer: %v, want refused", err)
	}
}

// An answer at the terminal that comes after one from elsewhere loses:
// the record holds the first.
type lateTerminal struct {
	history store.Store
	asked   chan Question
}

func (p lateTerminal) Prompt(ctx context.Context, q Question) (store.Answer, error) {
	p.asked <- q
	for ctx.Err() == nil {
		if _, steps, err := p.history.Run(ctx, q.RunID); err == nil {
			if s := findStep(steps, q.Step); s != nil && s.Manual != nil && s.Manual.Answer != nil {
				return store.Answer{Outcome: store.AnswerFailed, By: "terminal@runner"}, nil
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	return store.Answer{}, ctx.Err()
}

func TestFirstAnswerWinsOverTheTerminal(t *testing.T) {
	var terminal lateTerminal
	terminal.asked = make(chan Question, 1)
	done, elsewhere, _ := startManualDrill(t, t.Context(), "30m", func(o *Options) {
		terminal.history = o.Store.(store.Store)
		o.Prompter = terminal
	})
	question := <-terminal.asked
	if question.Step != "promote" || question.Instructions != "Promote the replica in eu-west-2 and confirm" || question.Deadline.IsZero() {
		t.Errorf("question = %+v", question)
	}
	// The terminal answers once this one is in: a race the store decides.
	if err := elsewhere.Answer(context.Background(), question.RunID, "promote", store.Answer{Outcome: store.AnswerDone, By: "ana@laptop"}); err != nil {
		t.Fatal(err)
	}
	r := result(t, done)
	promote := findStep(r.Steps, "promote")
	if r.Verdict != store.VerdictMet || promote.Manual.Answer.By != "ana@laptop" {
		t.Errorf("verdict %s, answered by %+v: want the first answer, ana@laptop's", r.Verdict, promote.Manual.Answer)
	}
}

func TestAutomaticAnswersAreRecordedAsSuch(t *testing.T) {
	done, _, _ := startManualDrill(t, t.Context(), "30m", func(o *Options) {
		o.AutoAnswer = func(stage phase.Phase, step string) (store.Answer, bool) {
			return store.Answer{Outcome: store.AnswerSkipped, By: "ci@runner", Note: "--yes"}, stage == phase.Recover && step == "promote"
		}
	})
	r := result(t, done)
	promote := findStep(r.Steps, "promote")
	if r.Verdict != store.VerdictMet || promote.Manual.Answer == nil || !promote.Manual.Answer.Automatic || promote.Manual.Answer.Outcome != store.AnswerSkipped {
		t.Errorf("verdict %s (%s), promote %+v", r.Verdict, r.Reason, promote.Manual)
	}
}

func TestAbortRequestStopsTheDrillAndRollsBack(t *testing.T) {
	done, elsewhere, dir := startManualDrill(t, t.Context(), "30m")
	waiting := waitingStep(t, elsewhere)
	if err := elsewhere.RequestAbort(context.Background(), waiting.RunID, "ana@laptop", "wrong region"); err != nil {
		t.Fatal(err)
	}
	r := result(t, done)
	if r.Verdict != store.VerdictInterrupted || !strings.HasPrefix(r.Reason, "interrupted: abort requested by ana@laptop at ") ||
		!strings.Contains(r.Reason, ": wrong region") {
		t.Errorf("verdict %s (%s), want interrupted by ana@laptop's request", r.Verdict, r.Reason)
	}
	if !exists(filepath.Join(dir, "rolled-back")) || r.Rollback != store.RollbackPassed {
		t.Errorf("rollback %s: want it run", r.Rollback)
	}
	err := elsewhere.Answer(context.Background(), r.ID, "promote", store.Answer{Outcome: store.AnswerDone, By: "late@laptop"})
	if !errors.Is(err, store.ErrNotWaiting) {
		t.Errorf("an answer after the abort: %v, want refused", err)
	}
}
