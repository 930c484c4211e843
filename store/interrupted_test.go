package store

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/redrill/redrill/scenarios/phase"
)

// A run whose runner died mid-step says which step was running, that its
// rollback never ran, and ends no earlier than what it recorded.
func TestInterruptedRunSaysWhereItStopped(t *testing.T) {
	forEachBackend(t, func(t *testing.T, target string) {
		ctx := context.Background()
		writer := open(t, target, base)
		run := newRun("killed", "orders", base)
		run.Host, run.PID = "other-host", 1
		run.Plan = []PlanStep{{Phase: phase.Recover, Name: "restore", Kind: "command"}, {Phase: phase.Rollback, Name: "clean", Kind: "command"}}
		mustDo(t, writer.StartRun(ctx, run))
		clockStart := base.Add(time.Second)
		mustDo(t, writer.StartClock(ctx, "killed", clockStart))
		restore := Step{RunID: "killed", Seq: 1, Phase: phase.Recover, Name: "restore", Kind: "command", StartedAt: base.Add(2 * time.Minute), Running: true}
		mustDo(t, writer.StartStep(ctx, restore))
		// A replay of the clock start changes nothing.
		mustDo(t, writer.StartClock(ctx, "killed", base.Add(time.Hour)))

		reader := open(t, target, base.Add(2*time.Minute+StaleAfter+time.Second))
		stored, steps, err := reader.Run(ctx, "killed")
		mustDo(t, err)
		if stored.Verdict != VerdictInterrupted || !strings.Contains(stored.Reason, `during recover step "restore"`) ||
			!strings.Contains(stored.Reason, "rollback never ran: the system may be left disrupted") {
			t.Errorf("verdict %q, reason %q: want interrupted during the restore, rollback never ran", stored.Verdict, stored.Reason)
		}
		if stored.Rollback != RollbackSkipped || !stored.LeftDisrupted() {
			t.Errorf("rollback %q, want skipped (left disrupted)", stored.Rollback)
		}
		if !stored.ClockStart.Equal(clockStart) {
			t.Errorf("clock start %s, want %s", stored.ClockStart, clockStart)
		}
		if stored.EndedAt.Before(restore.StartedAt) {
			t.Errorf("ended at %s, before the restore it recorded started (%s)", stored.EndedAt, restore.StartedAt)
		}
		if len(steps) != 1 || !steps[0].Running || steps[0].Name != "restore" || !steps[0].StartedAt.Equal(restore.StartedAt) {
			t.Errorf("steps %+v, want the restore, running", steps)
		}
	})
}

// A step written when it starts is completed when it ends; replaying
// either in any order leaves the finished step.
func TestStepStartIsCompletedByItsEnd(t *testing.T) {
	forEachBackend(t, func(t *testing.T, target string) {
		ctx := context.Background()
		s := open(t, target, base)
		mustDo(t, s.StartRun(ctx, newRun("run", "orders", base)))
		running := Step{RunID: "run", Seq: 1, Phase: phase.Recover, Name: "restore", Kind: "command", StartedAt: base, Running: true}
		done := running
		done.Running, done.Duration, done.Attempts, done.Passed, done.Message = false, 3*time.Second, 2, true, "restored"
		for _, write := range []func() error{
			func() error { return s.StartStep(ctx, running) },
			func() error { return s.RecordStep(ctx, done) },
			func() error { return s.StartStep(ctx, running) }, // replayed
			func() error {
				return s.RecordStep(ctx, Step{RunID: "run", Seq: 1, Phase: phase.Recover, Name: "restore", Kind: "command", StartedAt: base, Message: "late"})
			},
		} {
			mustDo(t, write())
		}
		_, steps, err := s.Run(ctx, "run")
		mustDo(t, err)
		if len(steps) != 1 || steps[0].Running || !steps[0].Passed || steps[0].Attempts != 2 || steps[0].Message != "restored" || steps[0].Duration != 3*time.Second {
			t.Errorf("steps %+v, want the restore as it ended", steps)
		}
	})
}

// A process never takes its own runs for dead: a run whose heartbeats
// failed is still running, and its end is written or spooled.
func TestOwnRunsAreNeverInterrupted(t *testing.T) {
	forEachBackend(t, func(t *testing.T, target string) {
		ctx := context.Background()
		s, err := Open(ctx, target, Options{SpoolDir: t.TempDir(), Host: "replica-a", PID: 7, Now: func() time.Time { return base }})
		mustDo(t, err)
		defer s.Close()
		mine := newRun("mine", "orders", base)
		mine.Host, mine.PID = "replica-a", 7
		mustDo(t, s.StartRun(ctx, mine))
		marked, err := s.MarkInterrupted(ctx, base.Add(time.Hour))
		mustDo(t, err)
		run, _, err := s.Run(ctx, "mine")
		mustDo(t, err)
		if marked != 0 || run.Status != StatusRunning {
			t.Errorf("marked %d, status %s: this process's own run was taken for dead", marked, run.Status)
		}
	})
}

// A run whose runner died during setup touched the system before the
// clock started: its rollback never ran.
func TestRunInterruptedDuringSetupMayBeLeftDisrupted(t *testing.T) {
	forEachBackend(t, func(t *testing.T, target string) {
		ctx := context.Background()
		writer := open(t, target, base)
		run := newRun("in-setup", "orders", base)
		run.Host, run.PID = "other-host", 1
		run.Plan = []PlanStep{{Phase: phase.Setup, Name: "load", Kind: "sql"}, {Phase: phase.Rollback, Name: "clean", Kind: "sql"}}
		mustDo(t, writer.StartRun(ctx, run))
		mustDo(t, writer.StartStep(ctx, Step{RunID: "in-setup", Seq: 1, Phase: phase.Setup, Name: "load", Kind: "sql", StartedAt: base, Running: true}))

		reader := open(t, target, base.Add(StaleAfter+time.Minute))
		stored, _, err := reader.Run(ctx, "in-setup")
		mustDo(t, err)
		if stored.Rollback != RollbackSkipped || !strings.Contains(stored.Reason, `during setup step "load"`) || !strings.Contains(stored.Reason, "rollback never ran") {
			t.Errorf("rollback %q, reason %q: want rollback never ran, during setup", stored.Rollback, stored.Reason)
		}
	})
}
