package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redrill/redrill/store"
)

// show and history, as a user runs them, say what a drill under load
// measured: its workloads, client downtime and lost writes, and its
// background and cancelled steps.
func TestShowAndHistoryOfADrillUnderLoad(t *testing.T) {
	history := filepath.Join(t.TempDir(), "history.db")
	recordDrillUnderLoad(t, history)

	code, stdout, _ := run(t, "show", "loaded-1", "--store", history)
	for _, want := range []string{
		"downtime  12.3s (objective 10s)", "lost      3 acknowledged writes (objective 0)",
		"CANCELLED: still running when the drill ended", "workload writer (sql, 50/s, 4 workers)",
		"writes           1,167 acknowledged, 3 lost: 2 before the clock started, 1 after",
	} {
		if code != 0 || !strings.Contains(stdout, want) {
			t.Errorf("show: exit %d, want %q in:\n%s", code, want, stdout)
		}
	}
	code, stdout, _ = run(t, "show", "loaded-1", "--store", history, "--format", "json")
	var shown struct {
		LostWrites *int64 `json:"lost_writes"`
		Workloads  []struct {
			Name     string `json:"name"`
			Verified *struct {
				Lost int64 `json:"lost"`
			} `json:"verified"`
		} `json:"workloads"`
		Steps []struct {
			Background bool `json:"background"`
			Cancelled  bool `json:"cancelled"`
		} `json:"steps"`
	}
	if err := json.Unmarshal([]byte(stdout), &shown); err != nil || code != 0 {
		t.Fatalf("show --format json: exit %d, %v:\n%s", code, err, stdout)
	}
	if shown.LostWrites == nil || *shown.LostWrites != 3 || len(shown.Workloads) != 1 || shown.Workloads[0].Verified == nil ||
		len(shown.Steps) != 1 || !shown.Steps[0].Background || !shown.Steps[0].Cancelled {
		t.Errorf("show --format json: %+v", shown)
	}
	code, stdout, _ = run(t, "history", "--store", history)
	if code != 0 || !strings.Contains(stdout, "DOWNTIME  LOST WRITES") || !strings.Contains(stdout, "12.3s     3") {
		t.Errorf("history: exit %d, want the downtime and lost writes columns:\n%s", code, stdout)
	}
}

// recordDrillUnderLoad writes a finished drill under load into the store
// at target, through the store API as the runner does.
func recordDrillUnderLoad(t *testing.T, target string) {
	t.Helper()
	ctx := context.Background()
	s, err := store.Open(ctx, target, store.Options{SpoolDir: filepath.Join(filepath.Dir(target), "spool")})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	started := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	downtime, lost := 10*time.Second, int64(0)
	steps := []store.Step{{RunID: "loaded-1", Seq: 1, Phase: "setup", Name: "bulk-load", Kind: "command", StartedAt: started, Background: true}}
	finished := steps[0]
	finished.Duration, finished.Cancelled, finished.Message = 3*time.Minute, true, "cancelled: still running when the drill ended"
	for _, err := range []error{
		s.StartRun(ctx, store.Run{ID: "loaded-1", Scenario: "payments", ScenarioHash: "h", Trigger: store.TriggerOnDemand, Host: "runner-1",
			PID: 1, StartedAt: started, ObjectiveDowntime: &downtime, ObjectiveLostWrites: &lost}),
		s.StartStep(ctx, steps[0]),
		s.RecordStep(ctx, finished),
		s.FinishRun(ctx, "loaded-1", store.Finish{EndedAt: started.Add(3 * time.Minute), Verdict: store.VerdictMissed,
			Reason: `workload "writer": 3 acknowledged writes lost; the objective allows 0`, Workloads: []store.Workload{{
				Name: "writer", Kind: "sql", Rate: 50, Concurrency: 4, Attempts: 1204, Succeeded: 1167, Failed: 37,
				LongestOutage: 12300 * time.Millisecond, OutageStart: started.Add(10 * time.Second), OutageEnd: started.Add(22300 * time.Millisecond),
				Verified: &store.LostWrites{Acknowledged: 1167, Lost: 3, LostBeforeClock: 2, LostAfterClock: 1},
			}}}),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
}
