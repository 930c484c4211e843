package reports

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/redrill/redrill/store"
)

// runHistory writes a fixed history through the store API: a met run
// with every phase and two rounds of its recovery check, a missed run of
// a game day, a failed run, a run under load (loadedRecord) and one still
// running.
func runHistory(t *testing.T) store.Store {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	s, err := store.Open(ctx, filepath.Join(dir, "h.db"), store.Options{SpoolDir: dir, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	minutes := func(m float64) *time.Duration { d := time.Duration(m * float64(time.Minute)); return &d }
	start := func(id, scenario, trigger, gameDay string, at time.Time) {
		t.Helper()
		run := store.Run{ID: id, Scenario: scenario, ScenarioHash: "sha256:" + scenario, ScenarioSource: `scenario "` + scenario + `" {}`,
			Trigger: trigger, GameDay: gameDay, Host: "runner-1", PID: 4242, StartedAt: at,
			ObjectiveRTO: minutes(30), ObjectiveRPO: minutes(15)}
		if err := s.StartRun(ctx, run); err != nil {
			t.Fatal(err)
		}
	}
	steps := func(id string, at time.Time, steps ...store.Step) {
		t.Helper()
		for i, step := range steps {
			step.RunID, step.Seq = id, i+1
			step.StartedAt = at.Add(step.StartedAt.Sub(time.Time{}))
			if step.Attempts == 0 {
				step.Attempts = 1
			}
			if err := s.RecordStep(ctx, step); err != nil {
				t.Fatal(err)
			}
		}
	}
	offset := func(d time.Duration) time.Time { return time.Time{}.Add(d) }
	finish := func(id string, f store.Finish) {
		t.Helper()
		if err := s.FinishRun(ctx, id, f); err != nil {
			t.Fatal(err)
		}
	}

	met := time.Date(2026, 11, 20, 3, 0, 0, 0, time.UTC)
	start("orders-met", "orders", store.TriggerSchedule, "", met)
	steps("orders-met", met,
		store.Step{Phase: "steady_state", Name: "orders-up", Kind: "http", StartedAt: offset(0), Duration: 120 * time.Millisecond, Passed: true,
			Result: `{"status":200,"body":"ok"}`},
		store.Step{Phase: "disrupt", Name: "drop-table", Kind: "command", StartedAt: offset(time.Second), Duration: 1500 * time.Millisecond, Passed: true,
			Result: `{"exit_code":0,"stdout":"DROP TABLE"}`},
		store.Step{Phase: "recover", Name: "restore-from-backup", Kind: "command", StartedAt: offset(3 * time.Second), Duration: 11*time.Minute + 30*time.Second, Passed: true},
		store.Step{Phase: "recovered_when", Name: "orders-back", Kind: "http", Round: 1, StartedAt: offset(11*time.Minute + 34*time.Second), Duration: 80 * time.Millisecond,
			Message: "status 503, want 200", Result: `{"status":503}`},
		store.Step{Phase: "recovered_when", Name: "orders-back", Kind: "http", Round: 2, StartedAt: offset(11*time.Minute + 44*time.Second), Duration: 90 * time.Millisecond, Passed: true,
			Result: `{"status":200}`},
		store.Step{Phase: "verify", Name: "row-count", Kind: "sql", StartedAt: offset(11*time.Minute + 45*time.Second), Duration: 40 * time.Millisecond, Passed: true, Attempts: 2},
	)
	finish("orders-met", store.Finish{EndedAt: met.Add(12 * time.Minute), ClockStart: met.Add(time.Second), ClockStop: met.Add(11*time.Minute + 44*time.Second),
		RTO: minutes(11.7), RPO: minutes(4), Verdict: store.VerdictMet, Reason: "recovered in 11m42s (RTO 30m), data loss 4m (RPO 15m)"})

	missed := time.Date(2026, 11, 22, 14, 0, 0, 0, time.UTC)
	start("orders-missed", "orders", store.TriggerGameDay, "q4-resilience", missed)
	steps("orders-missed", missed,
		store.Step{Phase: "recover", Name: "page-dba", Kind: store.KindManual, StartedAt: offset(0), Duration: 25 * time.Minute, Passed: true,
			Manual: &store.Manual{Instructions: "Page the on-call DBA and have them confirm the backup to restore", Timeout: time.Hour,
				Answer: &store.Answer{Outcome: store.AnswerDone, By: "ana@laptop", Note: "backup of 13:00 confirmed", At: missed.Add(25 * time.Minute)}}},
		store.Step{Phase: "recover", Name: "restore-from-backup", Kind: "command", StartedAt: offset(25 * time.Minute), Duration: 16 * time.Minute, Passed: true})
	finish("orders-missed", store.Finish{EndedAt: missed.Add(42 * time.Minute), ClockStart: missed, ClockStop: missed.Add(41 * time.Minute),
		RTO: minutes(41), Verdict: store.VerdictMissed, Reason: "recovered in 41m (RTO 30m)"})

	failed := time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC)
	start("api-failed", "api", store.TriggerOnDemand, "", failed)
	steps("api-failed", failed,
		store.Step{Phase: "recover", Name: "restart", Kind: "command", StartedAt: offset(0), Duration: 2 * time.Second, Attempts: 3,
			Message: "exit status 1: systemctl: unit api.service not found", Result: `{"exit_code":1}`},
		store.Step{Phase: "rollback", Name: "logs", Kind: "command", StartedAt: offset(3 * time.Second), Duration: time.Second, Attempts: 1,
			Message: "exit status 2\nstderr: journalctl: no journal files were found\n(is the journal on this host?)", Result: `{"exit_code":2}`})
	finish("api-failed", store.Finish{EndedAt: failed.Add(5 * time.Second), ClockStart: failed, Verdict: store.VerdictFailed,
		Reason: "recover step restart failed"})

	recordLoaded(t, s)

	running := time.Date(2026, 11, 25, 11, 59, 0, 0, time.UTC)
	start("api-running", "api", store.TriggerOnDemand, "", running)
	// Its manual step waits for an answer.
	if err := s.StartStep(ctx, store.Step{RunID: "api-running", Seq: 1, Phase: "recover", Name: "switch-dns", Kind: store.KindManual,
		StartedAt: running, Running: true, Manual: &store.Manual{Instructions: "Point api.example.com at the standby", Timeout: 30 * time.Minute}}); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestHistoryAndShowGoldens(t *testing.T) {
	ctx := context.Background()
	history := runHistory(t)
	all, err := history.Runs(ctx, store.RunQuery{})
	if err != nil {
		t.Fatal(err)
	}
	orders, err := history.Runs(ctx, store.RunQuery{Scenario: "orders", Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		golden string
		write  func(*bytes.Buffer) error
	}{
		{"history.txt", func(b *bytes.Buffer) error { return WriteHistory(b, all) }},
		{"history.json", func(b *bytes.Buffer) error { return WriteHistoryJSON(b, all) }},
		{"history-orders-limit-1.txt", func(b *bytes.Buffer) error { return WriteHistory(b, orders) }},
		{"history-empty.txt", func(b *bytes.Buffer) error { return WriteHistory(b, nil) }},
		{"history-empty.json", func(b *bytes.Buffer) error { return WriteHistoryJSON(b, nil) }},
	} {
		t.Run(tc.golden, func(t *testing.T) {
			var buf bytes.Buffer
			if err := tc.write(&buf); err != nil {
				t.Fatal(err)
			}
			golden(t, tc.golden, buf.Bytes())
		})
	}

	for _, id := range []string{"orders-met", "orders-missed", "api-failed", "api-running", "payments-loaded"} {
		run, steps, err := history.Run(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		t.Run("show "+id, func(t *testing.T) {
			var text, json bytes.Buffer
			if err := WriteRun(&text, store.Record{Run: run, Steps: steps}); err != nil {
				t.Fatal(err)
			}
			golden(t, "show-"+id+".txt", text.Bytes())
			if err := WriteRunJSON(&json, store.Record{Run: run, Steps: steps}); err != nil {
				t.Fatal(err)
			}
			golden(t, "show-"+id+".json", json.Bytes())
		})
	}
}

// A run whose runner was killed mid-drill shows the step it died in and
// the rollback steps that never ran.
func TestShowKilledRun(t *testing.T) {
	started := time.Date(2026, 11, 24, 2, 0, 0, 0, time.UTC)
	record := store.Record{Run: store.Run{
		ID: "orders-killed", Scenario: "orders", Trigger: store.TriggerSchedule, Host: "runner-1", PID: 4242,
		Status: store.StatusFinished, Verdict: store.VerdictInterrupted, Rollback: store.RollbackSkipped,
		Reason:    `the runner (process 4242 on runner-1) stopped without finishing the run, during recover step "restore-from-backup" (started 2026-11-24T02:00:03Z); rollback never ran: the system may be left disrupted`,
		StartedAt: started, EndedAt: started.Add(3 * time.Second), ClockStart: started.Add(time.Second),
		Plan: []store.PlanStep{
			{Phase: "steady_state", Name: "orders-up", Kind: "http"},
			{Phase: "disrupt", Name: "drop-table", Kind: "command"},
			{Phase: "recover", Name: "restore-from-backup", Kind: "command"},
			{Phase: "rollback", Name: "restore-dns", Kind: "command"},
			{Phase: "rollback", Name: "reopen-traffic", Kind: "http"},
		},
	}, Steps: []store.Step{
		{Seq: 1, Phase: "steady_state", Name: "orders-up", Kind: "http", StartedAt: started, Duration: 120 * time.Millisecond, Attempts: 1, Passed: true},
		{Seq: 2, Phase: "disrupt", Name: "drop-table", Kind: "command", StartedAt: started.Add(time.Second), Duration: 1500 * time.Millisecond, Attempts: 1, Passed: true},
		{Seq: 3, Phase: "recover", Name: "restore-from-backup", Kind: "command", StartedAt: started.Add(3 * time.Second), Running: true},
	}}
	var text bytes.Buffer
	if err := WriteRun(&text, record); err != nil {
		t.Fatal(err)
	}
	golden(t, "show-killed.txt", text.Bytes())
}

func TestVerdictIsSaidOnce(t *testing.T) {
	tests := []struct{ verdict, reason, want string }{
		{store.VerdictInterrupted, "interrupted: received SIGTERM", "interrupted: received SIGTERM"},
		{store.VerdictFailed, "a recover step failed: exit code 1", "failed: a recover step failed: exit code 1"},
		{"", "", "-: "},
	}
	for _, tt := range tests {
		if got := verdictAndReason(store.Run{Verdict: tt.verdict, Reason: tt.reason}); got != tt.want {
			t.Errorf("verdictAndReason(%q, %q) = %q, want %q", tt.verdict, tt.reason, got, tt.want)
		}
	}
}

// In show, a background step says so, and one cancelled at the end of the
// drill reads as cancelled, not failed.
func TestShowBackgroundAndCancelledSteps(t *testing.T) {
	finished := store.Run{Status: store.StatusFinished}
	tests := []struct {
		name string
		run  store.Run
		step store.Step
		want string
	}{
		{"a background step that ended is ok, in the background", finished,
			store.Step{Background: true, Passed: true}, "ok (background)"},
		{"a background step that failed says both", finished,
			store.Step{Background: true, Message: "exit code 1: reindex failed"}, "FAILED: exit code 1: reindex failed (background)"},
		{"a cancelled step is cancelled, not failed", finished,
			store.Step{Background: true, Cancelled: true, Message: "cancelled: still running when the drill ended"}, "CANCELLED: still running when the drill ended"},
		{"a cancelled step without a message says why", finished,
			store.Step{Background: true, Cancelled: true}, "CANCELLED: still running when the drill ended"},
		{"a background step of a running run is running", store.Run{Status: store.StatusRunning},
			store.Step{Background: true, Running: true}, "running (background)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, _, _, _ := stepOutcome(tt.run, tt.step); got != tt.want {
				t.Errorf("result %q, want %q", got, tt.want)
			}
		})
	}
}

// A workload's times are kept to the nanosecond; show writes them to the
// microsecond, as the JSON of the run and every other time of show.
func TestShowWorkloadTimesToTheMicrosecond(t *testing.T) {
	at := time.Date(2026, 12, 1, 13, 8, 17, 725657412, time.UTC)
	w := store.Workload{LongestOutage: 33 * time.Millisecond, OutageStart: at, OutageEnd: at.Add(33206380 * time.Nanosecond)}
	if got, want := outage(w), "33ms, 2026-12-01T13:08:17.725657Z → 2026-12-01T13:08:17.758863Z"; got != want {
		t.Errorf("outage %q, want %q", got, want)
	}
	if got, want := ackedWrite(&store.Write{Seq: 200, AckedAt: at}), "#200 (acknowledged 2026-12-01T13:08:17.725657Z)"; got != want {
		t.Errorf("write %q, want %q", got, want)
	}
}
