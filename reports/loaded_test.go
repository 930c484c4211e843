package reports

import (
	"context"
	"testing"
	"time"

	"github.com/redrill/redrill/scenarios/phase"
	"github.com/redrill/redrill/store"
)

// loadedStart is when the drill under load below started.
var loadedStart = time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)

// loadedRecord is a drill of "payments" under load, as the runner records
// it: a writer (verified: 3 acknowledged writes lost) and a reader ran
// through it; a bulk load started in the background in setup and was
// still running when the drill ended (cancelled), a reindex ran in the
// background during recovery and ended later. It missed its downtime and
// lost-writes objectives.
func loadedRecord() store.Record {
	at := func(d time.Duration) time.Time { return loadedStart.Add(d) }
	rto, rpo := 95*time.Second, 400*time.Millisecond
	objectiveRTO, objectiveRPO, objectiveDowntime, objectiveLost := 30*time.Minute, 15*time.Minute, 10*time.Second, int64(0)
	run := store.Run{
		ID: "payments-loaded", Scenario: "payments", ScenarioHash: "sha256:payments", ScenarioSource: `scenario "payments" {}`,
		Trigger: store.TriggerOnDemand, Host: "runner-1", PID: 4242, Status: store.StatusFinished, StartedAt: loadedStart, EndedAt: at(3 * time.Minute),
		ClockStart: at(10 * time.Second), ClockStop: at(105 * time.Second), RTO: &rto, RPO: &rpo, Verdict: store.VerdictMissed,
		Reason: `workload "writer": longest outage 12.3s exceeds the downtime objective 10s; ` +
			`workload "writer": 3 acknowledged writes lost; the objective allows 0`,
		Rollback: store.RollbackNone, ObjectiveRTO: &objectiveRTO, ObjectiveRPO: &objectiveRPO,
		ObjectiveDowntime: &objectiveDowntime, ObjectiveLostWrites: &objectiveLost,
		Tags: []string{}, Postmortems: []store.Postmortem{},
		Plan: []store.PlanStep{
			{Phase: "steady_state", Name: "payments-up", Kind: "http"}, {Phase: "setup", Name: "bulk-load", Kind: "command"},
			{Phase: "disrupt", Name: "kill-primary", Kind: "command"}, {Phase: "recover", Name: "promote-replica", Kind: "command"},
			{Phase: "recover", Name: "reindex", Kind: "sql"}, {Phase: "recovered_when", Name: "payments-back", Kind: "http"},
		},
		Workloads: loadedWorkloads(at),
	}
	step := func(seq int, p, name, kind string, started, took time.Duration, passed bool) store.Step {
		return store.Step{RunID: run.ID, Seq: seq, Phase: phase.Phase(p), Name: name, Kind: kind, StartedAt: at(started), Duration: took, Attempts: 1, Passed: passed}
	}
	bulk := step(2, "setup", "bulk-load", "command", 2*time.Second, 178*time.Second, false)
	bulk.Background, bulk.Cancelled, bulk.Attempts, bulk.Message = true, true, 0, "cancelled: still running when the drill ended"
	reindex := step(5, "recover", "reindex", "sql", 40*time.Second, 70*time.Second, true)
	reindex.Background = true
	round := step(6, "recovered_when", "payments-back", "http", 100*time.Second, 90*time.Millisecond, true)
	round.Round = 1
	return store.Record{Run: run, Steps: []store.Step{
		step(1, "steady_state", "payments-up", "http", 0, 120*time.Millisecond, true), bulk,
		step(3, "disrupt", "kill-primary", "command", 10*time.Second, 300*time.Millisecond, true),
		step(4, "recover", "promote-replica", "command", 11*time.Second, 28*time.Second, true), reindex, round,
	}}
}

func loadedWorkloads(at func(time.Duration) time.Time) []store.Workload {
	return []store.Workload{{
		Name: "writer", Kind: "sql", Rate: 50, Concurrency: 4,
		Attempts: 1204, Succeeded: 1167, Failed: 37,
		LatencyP50: 3 * time.Millisecond, LatencyP99: 41 * time.Millisecond,
		LongestOutage: 12300 * time.Millisecond, OutageStart: at(9800 * time.Millisecond), OutageEnd: at(22100 * time.Millisecond),
		LastError: "dial tcp 10.0.0.5:5432: connect: connection refused",
		Verified: &store.LostWrites{Acknowledged: 1167, Lost: 3, LostBeforeClock: 2, LostAfterClock: 1,
			FirstLost:      &store.Write{Seq: 498, AckedAt: at(9700 * time.Millisecond)},
			LastLost:       &store.Write{Seq: 512, AckedAt: at(10100 * time.Millisecond)},
			NewestSurvivor: &store.Write{Seq: 497, AckedAt: at(9600 * time.Millisecond)}},
	}, {
		Name: "reader", Kind: "http", Rate: 20, Concurrency: 2,
		Attempts: 480, Succeeded: 471, Failed: 9, Skipped: 2,
		LatencyP50: 8 * time.Millisecond, LatencyP99: 120 * time.Millisecond,
		LongestOutage: 2100 * time.Millisecond, OutageStart: at(10 * time.Second), OutageEnd: at(12100 * time.Millisecond),
		LastError: "status 503, want 200",
	}}
}

// recordLoaded writes loadedRecord through the store API as the runner
// does: the run, each step when it starts and when it ends (background
// steps end after later ones started), then the finish with the workloads.
func recordLoaded(t *testing.T, s store.Store) {
	t.Helper()
	ctx := context.Background()
	record := loadedRecord()
	started := record.Run
	started.Status, started.EndedAt, started.ClockStart, started.ClockStop = store.StatusRunning, time.Time{}, time.Time{}, time.Time{}
	started.RTO, started.RPO, started.Verdict, started.Reason, started.Rollback, started.Workloads = nil, nil, "", "", "", nil
	mustDo(t, s.StartRun(ctx, started))
	for _, step := range record.Steps {
		mustDo(t, s.StartStep(ctx, store.Step{RunID: step.RunID, Seq: step.Seq, Phase: step.Phase, Name: step.Name, Kind: step.Kind,
			Round: step.Round, StartedAt: step.StartedAt, Background: step.Background}))
	}
	for _, step := range record.Steps {
		mustDo(t, s.RecordStep(ctx, step))
	}
	r := record.Run
	mustDo(t, s.FinishRun(ctx, r.ID, store.Finish{EndedAt: r.EndedAt, ClockStart: r.ClockStart, ClockStop: r.ClockStop,
		RTO: r.RTO, RPO: r.RPO, Verdict: r.Verdict, Reason: r.Reason, Rollback: r.Rollback, Workloads: r.Workloads}))
}

func mustDo(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
