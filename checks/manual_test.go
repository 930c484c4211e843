package checks

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/zclconf/go-cty/cty"
)

// replying answers every question with its reply, after the question is
// seen; a zero reply never answers.
type replying struct {
	reply Reply
	asked chan Question
}

func (a *replying) Ask(ctx context.Context, q Question) (Reply, error) {
	a.asked <- q
	if a.reply == (Reply{}) {
		<-ctx.Done()
		return Reply{}, ctx.Err()
	}
	return a.reply, nil
}

func TestManual(t *testing.T) {
	answeredAt := time.Date(2026, 12, 1, 18, 4, 0, 0, time.UTC)
	tests := []struct {
		name       string
		reply      Reply
		timeout    time.Duration
		wantPassed bool
		wantMsg    string
	}{
		{name: "done passes", reply: Reply{Outcome: ManualDone, By: "ana@laptop", At: answeredAt}, wantPassed: true},
		{name: "skipped passes", reply: Reply{Outcome: ManualSkipped, By: "ana@laptop", At: answeredAt}, wantPassed: true},
		{name: "failed fails saying who and why", reply: Reply{Outcome: ManualFailed, By: "ana@laptop", Note: "replica lags 3h", At: answeredAt},
			wantMsg: "failed by ana@laptop: replica lags 3h"},
		{name: "nobody answering times out", timeout: 50 * time.Millisecond, wantMsg: "timed out after 50ms: nobody answered"},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			k := kind(t, "manual")
			asker := &replying{reply: test.reply, asked: make(chan Question, 1)}
			env := NewEnv(Deps{}, "hunter2")
			t.Cleanup(func() { _ = env.Close() })
			ctx := WithAsker(context.Background(), asker)
			call := Call{Kind: k, Config: config(t, k, map[string]cty.Value{
				"instructions": cty.StringVal("Promote the replica with hunter2"), "timeout": cty.StringVal("1h")}), Timeout: test.timeout}
			outcome := env.Execute(ctx, call)
			if outcome.Passed != test.wantPassed || outcome.Message != test.wantMsg {
				t.Errorf("passed=%v message=%q, want %v %q", outcome.Passed, outcome.Message, test.wantPassed, test.wantMsg)
			}
			question := <-asker.asked
			if question.Instructions != "Promote the replica with "+Redacted {
				t.Errorf("asked %q: the secret must be hidden from people too", question.Instructions)
			}
			wantDeadline := time.Now().Add(time.Hour)
			if test.timeout > 0 {
				wantDeadline = time.Now().Add(test.timeout)
			}
			if question.Deadline.IsZero() || question.Deadline.After(wantDeadline) {
				t.Errorf("deadline %s, want the step's (by %s)", question.Deadline, wantDeadline)
			}
			if test.reply.Outcome != "" {
				if got := field(t, outcome.Result, "by"); got != test.reply.By {
					t.Errorf("by = %v", got)
				}
				if got := field(t, outcome.Result, "answered_at"); got != "2026-12-01T18:04:00Z" {
					t.Errorf("answered_at = %v", got)
				}
			}
			if got := field(t, outcome.Result, "instructions"); !strings.Contains(got.(string), Redacted) {
				t.Errorf("instructions in the result = %v", got)
			}
		})
	}
}

// A manual step the caller gave no way to answer waits out its timeout and
// says nobody could answer.
func TestManualWithoutAsker(t *testing.T) {
	k := kind(t, "manual")
	outcome := execute(t, Call{Kind: k, Config: config(t, k, map[string]cty.Value{"instructions": cty.StringVal("Promote")}), Timeout: 30 * time.Millisecond})
	if outcome.Passed || !strings.Contains(outcome.Message, "nobody can answer here") || !strings.HasPrefix(outcome.Message, "timed out after 30ms") {
		t.Errorf("passed=%v message=%q", outcome.Passed, outcome.Message)
	}
	if got := k.DefaultTimeout(); got != 30*time.Minute {
		t.Errorf("default timeout %s, want 30m", got)
	}
}
