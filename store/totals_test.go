package store

import (
	"context"
	"testing"
	"time"
)

// The totals count finished runs only, by verdict and rollback, with the
// newest start of each: what /metrics exports of the whole history.
func TestRunTotals(t *testing.T) {
	forEachBackend(t, func(t *testing.T, target string) {
		ctx := context.Background()
		s := open(t, target, base)
		finish := func(id, scenario string, hours int, verdict, rollback string) {
			t.Helper()
			at := base.Add(time.Duration(hours) * time.Hour)
			mustDo(t, s.StartRun(ctx, newRun(id, scenario, at)))
			mustDo(t, s.FinishRun(ctx, id, Finish{EndedAt: at.Add(time.Minute), Verdict: verdict, Rollback: rollback}))
		}
		finish("orders-1", "orders", 1, VerdictMet, RollbackPassed)
		finish("orders-2", "orders", 2, VerdictMissed, RollbackPassed)
		finish("orders-3", "orders", 3, VerdictMet, RollbackPassed)
		finish("orders-4", "orders", 4, VerdictFailed, RollbackFailed)
		finish("api-1", "api", 1, VerdictAborted, RollbackNotNeeded)
		// A run under way has no verdict yet: it is not counted.
		mustDo(t, s.StartRun(ctx, newRun("orders-5", "orders", base.Add(5*time.Hour))))

		totals, err := s.RunTotals(ctx)
		mustDo(t, err)
		want := []RunTotal{
			{Scenario: "api", Verdict: VerdictAborted, Rollback: RollbackNotNeeded, Runs: 1, LastStartedAt: base.Add(time.Hour)},
			{Scenario: "orders", Verdict: VerdictFailed, Rollback: RollbackFailed, Runs: 1, LastStartedAt: base.Add(4 * time.Hour)},
			{Scenario: "orders", Verdict: VerdictMet, Rollback: RollbackPassed, Runs: 2, LastStartedAt: base.Add(3 * time.Hour)},
			{Scenario: "orders", Verdict: VerdictMissed, Rollback: RollbackPassed, Runs: 1, LastStartedAt: base.Add(2 * time.Hour)},
		}
		if len(totals) != len(want) {
			t.Fatalf("totals = %+v, want %+v", totals, want)
		}
		for i := range want {
			got := totals[i]
			if got.Scenario != want[i].Scenario || got.Verdict != want[i].Verdict || got.Rollback != want[i].Rollback ||
				got.Runs != want[i].Runs || !got.LastStartedAt.Equal(want[i].LastStartedAt) {
				t.Errorf("totals[%d] = %+v, want %+v", i, got, want[i])
			}
		}
	})
}
