package reports

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/redrill/redrill/store"
)

// A run under load reads the same live (the record the runner hands to
// --format json and webhooks) and from the history (show, /runs/{id}):
// workloads, objectives and the background and cancelled flags included.
func TestRunJSONUnderLoadReadsTheSameLiveAndStored(t *testing.T) {
	dir := t.TempDir()
	history, err := store.Open(context.Background(), filepath.Join(dir, "h.db"), store.Options{SpoolDir: dir, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { history.Close() })
	recordLoaded(t, history)
	run, steps, err := history.Run(context.Background(), "payments-loaded")
	if err != nil {
		t.Fatal(err)
	}
	var live, stored bytes.Buffer
	mustDo(t, WriteRunJSON(&live, loadedRecord()))
	mustDo(t, WriteRunJSON(&stored, store.Record{Run: run, Steps: steps}))
	if live.String() != stored.String() {
		t.Errorf("live:\n%s\nstored:\n%s", live.String(), stored.String())
	}
}

// The JSON of a run always has every field: a workload that never ended
// an attempt has null latencies and no outage times; one not verified has
// a null verified; a run without workloads has [] and null figures.
func TestRunJSONUnknownIsNull(t *testing.T) {
	starting := store.Record{Run: store.Run{ID: "r", Scenario: "payments", StartedAt: now, Status: store.StatusRunning,
		Workloads: []store.Workload{{Name: "writer", Kind: "sql", Rate: 10, Concurrency: 1}}}}
	got := NewRunJSON(starting)
	w := got.Workloads[0]
	if w.LatencyP50Seconds != nil || w.LatencyP99Seconds != nil || w.OutageStart != nil || w.OutageEnd != nil || w.LastError != nil || w.Verified != nil {
		t.Errorf("a workload that measured nothing yet: %+v", w)
	}
	if got.ClientDowntimeSeconds == nil || *got.ClientDowntimeSeconds != 0 || got.LostWrites != nil {
		t.Errorf("client downtime %v, lost writes %v; want 0 and null", got.ClientDowntimeSeconds, got.LostWrites)
	}
	quiet := NewRunJSON(store.Record{Run: store.Run{ID: "q", Scenario: "api", StartedAt: now}})
	if quiet.Workloads == nil || len(quiet.Workloads) != 0 || quiet.ClientDowntimeSeconds != nil || quiet.ObjectiveLostWrites != nil {
		t.Errorf("a run without workloads: workloads %v, downtime %v, objective %v", quiet.Workloads, quiet.ClientDowntimeSeconds, quiet.ObjectiveLostWrites)
	}
}
