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

// A scheduled tick that no live runner matched is recorded by another
// runner as not run: a finished run without an RTO, counted by verdict
// and shown as its scenario's latest run.
func TestNotRunIsAFinishedRunWithoutRTO(t *testing.T) {
	forEachBackend(t, func(t *testing.T, target string) {
		ctx := context.Background()
		s := open(t, target, base)
		mustDo(t, s.StartRun(ctx, newRun("orders-1", "orders", base)))
		mustDo(t, s.FinishRun(ctx, "orders-1", Finish{EndedAt: base.Add(time.Minute), RTO: duration(time.Minute), Verdict: VerdictMet, Rollback: RollbackPassed}))
		for i, id := range []string{"orders-2", "orders-3"} {
			at := base.Add(time.Duration(i+1) * time.Hour)
			mustDo(t, s.StartRun(ctx, newRun(id, "orders", at)))
			mustDo(t, s.FinishRun(ctx, id, Finish{EndedAt: at, Verdict: VerdictNotRun, Rollback: RollbackNotNeeded,
				Reason: `no live runner has the labels {site = "eu-west"}`}))
		}

		totals, err := s.RunTotals(ctx)
		mustDo(t, err)
		want := []RunTotal{
			{Scenario: "orders", Verdict: VerdictMet, Rollback: RollbackPassed, Runs: 1, LastStartedAt: base},
			{Scenario: "orders", Verdict: VerdictNotRun, Rollback: RollbackNotNeeded, Runs: 2, LastStartedAt: base.Add(2 * time.Hour)},
		}
		if len(totals) != len(want) {
			t.Fatalf("totals = %+v, want %+v", totals, want)
		}
		for i := range want {
			if got := totals[i]; got.Verdict != want[i].Verdict || got.Runs != want[i].Runs || !got.LastStartedAt.Equal(want[i].LastStartedAt) {
				t.Errorf("totals[%d] = %+v, want %+v", i, got, want[i])
			}
		}

		latest, err := s.LatestRuns(ctx)
		mustDo(t, err)
		if len(latest) != 1 || latest[0].ID != "orders-3" || latest[0].Verdict != VerdictNotRun ||
			latest[0].Status != StatusFinished || latest[0].RTO != nil {
			t.Errorf("latest runs = %+v, want orders-3 finished as not run, without RTO", latest)
		}
		measured, err := s.Measurements(ctx, base)
		mustDo(t, err)
		if len(measured) != 3 || measured[2].Verdict != VerdictNotRun || measured[2].RTO != nil {
			t.Errorf("measurements = %+v, want the last not run without RTO", measured)
		}
	})
}
