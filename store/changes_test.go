package store

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/redrill/redrill/internal/pgtest"
)

// changedIDs reads the changes after cursor: the ids of the runs, sorted,
// with their statuses, and the next cursor.
func changedIDs(t *testing.T, s Store, after ChangeCursor) ([]string, map[string]ChangedRun, ChangeCursor) {
	t.Helper()
	changed, next, err := s.Changes(context.Background(), after)
	mustDo(t, err)
	byID := map[string]ChangedRun{}
	var ids []string
	for _, c := range changed {
		byID[c.ID] = c
		ids = append(ids, c.ID)
	}
	slices.Sort(ids)
	return ids, byID, next
}

// A reader that passes back the cursor it was given reads each write once
// it is made: a start, a heartbeat, a finish, an interruption.
func TestChangesReturnTheRunsWrittenSinceTheCursor(t *testing.T) {
	forEachBackend(t, func(t *testing.T, target string) {
		ctx := context.Background()
		s := open(t, target, base)
		cursor, err := s.ChangeCursor(ctx)
		mustDo(t, err)
		if ids, _, _ := changedIDs(t, s, cursor); len(ids) != 0 {
			t.Fatalf("an empty history changed: %v", ids)
		}

		mustDo(t, s.StartRun(ctx, newRun("orders-1", "orders", base)))
		mustDo(t, s.StartRun(ctx, newRun("api-1", "api", base.Add(time.Minute))))
		ids, byID, cursor := changedIDs(t, s, cursor)
		if !slices.Equal(ids, []string{"api-1", "orders-1"}) || byID["orders-1"].Status != StatusRunning {
			t.Fatalf("after two starts, changed = %v (%+v)", ids, byID)
		}

		workloads := []Workload{{Name: "writer", LongestOutage: 4 * time.Second, Verified: &LostWrites{Acknowledged: 10, Lost: 2}}}
		mustDo(t, s.FinishRun(ctx, "orders-1", Finish{EndedAt: base.Add(time.Hour), RTO: duration(20 * time.Minute),
			Verdict: VerdictMet, Rollback: RollbackPassed, Workloads: workloads}))
		ids, byID, cursor = changedIDs(t, s, cursor)
		if !slices.Contains(ids, "orders-1") {
			t.Fatalf("after a finish, changed = %v", ids)
		}
		m := byID["orders-1"].Measurement()
		if m.Verdict != VerdictMet || m.RTO == nil || *m.RTO != 20*time.Minute || m.Downtime == nil || *m.Downtime != 4*time.Second ||
			m.LostWrites == nil || *m.LostWrites != 2 {
			t.Errorf("the finished run reads %+v", m)
		}

		mustDo(t, s.Heartbeat(ctx, "api-1", base.Add(2*time.Minute)))
		ids, byID, cursor = changedIDs(t, s, cursor)
		if !slices.Contains(ids, "api-1") || !byID["api-1"].HeartbeatAt.Equal(base.Add(2*time.Minute)) {
			t.Fatalf("after a heartbeat, changed = %v", ids)
		}
		// Nothing written: a read may repeat runs (on PostgreSQL, while
		// any transaction on the server that began before is open), as
		// they are, and the cursor never goes back.
		_, byID, next := changedIDs(t, s, cursor)
		if next < cursor {
			t.Errorf("the cursor went back from %d to %d", cursor, next)
		}
		if again, ok := byID["orders-1"]; ok && again.Verdict != VerdictMet {
			t.Errorf("orders-1 read again as %+v", again.Run)
		}
	})
}

// PostgreSQL commits transactions out of the order they began: a run
// written by a transaction that began first and commits last is still
// read, by the read after its commit.
func TestChangesSeeATransactionThatCommitsLate(t *testing.T) {
	ctx := context.Background()
	s := open(t, pgtest.NewDatabase(t), base)
	mustDo(t, s.StartRun(ctx, newRun("slow-1", "slow", base)))
	mustDo(t, s.StartRun(ctx, newRun("fast-1", "fast", base)))
	_, _, cursor := changedIDs(t, s, 0)

	late, err := rawDB(t, s).BeginTx(ctx, nil)
	mustDo(t, err)
	defer late.Rollback()
	if _, err := late.ExecContext(ctx, `UPDATE runs SET status = 'finished', verdict = 'met', rollback = 'passed' WHERE id = 'slow-1'`); err != nil {
		t.Fatal(err)
	}
	mustDo(t, s.FinishRun(ctx, "fast-1", Finish{EndedAt: base.Add(time.Minute), Verdict: VerdictMissed, Rollback: RollbackPassed}))
	ids, byID, cursor := changedIDs(t, s, cursor)
	if !slices.Contains(ids, "fast-1") {
		t.Fatalf("while the slow transaction is open, changed = %v, want fast-1 among them", ids)
	}
	// slow-1 may be read again as it was (its start), never as written by
	// the transaction not yet committed.
	if slow, ok := byID["slow-1"]; ok && slow.Status != StatusRunning {
		t.Fatalf("while the slow transaction is open, slow-1 reads %s %s", slow.Status, slow.Verdict)
	}
	mustDo(t, late.Commit())
	ids, byID, _ = changedIDs(t, s, cursor)
	if !slices.Contains(ids, "slow-1") || byID["slow-1"].Verdict != VerdictMet {
		t.Fatalf("after the slow transaction committed, changed = %v, want slow-1 among them", ids)
	}
}

// The totals follow a run whose verdict is written again: interrupted by
// another runner, then finished by its own runner's spooled end.
func TestRunTotalsFollowARunFinishedAgain(t *testing.T) {
	forEachBackend(t, func(t *testing.T, target string) {
		ctx := context.Background()
		s := open(t, target, base)
		for i, id := range []string{"orders-1", "orders-2"} {
			mustDo(t, s.StartRun(ctx, newRun(id, "orders", base.Add(time.Duration(i)*time.Hour))))
			mustDo(t, rawExec(t, s, `UPDATE runs SET status = 'finished', verdict = 'interrupted', rollback = 'skipped' WHERE id = ?`, id))
		}
		mustDo(t, s.FinishRun(ctx, "orders-2", Finish{EndedAt: base.Add(2 * time.Hour), Verdict: VerdictMet, Rollback: RollbackPassed}))

		totals, err := s.RunTotals(ctx)
		mustDo(t, err)
		want := []RunTotal{
			{Scenario: "orders", Verdict: VerdictInterrupted, Rollback: RollbackSkipped, Runs: 1, LastStartedAt: base},
			{Scenario: "orders", Verdict: VerdictMet, Rollback: RollbackPassed, Runs: 1, LastStartedAt: base.Add(time.Hour)},
		}
		if len(totals) != len(want) {
			t.Fatalf("totals = %+v, want %+v", totals, want)
		}
		for i := range want {
			if got := totals[i]; got.Verdict != want[i].Verdict || got.Runs != want[i].Runs || !got.LastStartedAt.Equal(want[i].LastStartedAt) {
				t.Errorf("totals[%d] = %+v, want %+v", i, got, want[i])
			}
		}
	})
}

func rawExec(t *testing.T, s Store, query string, args ...any) error {
	t.Helper()
	db := rawDB(t, s)
	_, err := db.ExecContext(context.Background(), db.Rebind(query), args...)
	return err
}
