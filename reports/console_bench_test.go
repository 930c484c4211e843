package reports

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/redrill/redrill/scenarios/phase"
	"github.com/redrill/redrill/store"
)

// A large game day on the console: 50 drills running at once, each with 3
// workloads reporting every second. Every event costs Observe; every
// change costs each watcher one state and its JSON. Target: both well
// under a millisecond, so that 50 events a second and ten watchers take
// a few percent of a core.
func BenchmarkConsoleGameDay50Drills(b *testing.B) {
	console := NewConsole(nil)
	started := time.Date(2026, 12, 5, 9, 0, 0, 0, time.UTC)
	rto := 10 * time.Minute
	var events []store.Event
	for i := range 50 {
		run := store.Run{ID: fmt.Sprintf("run-%02d", i), Scenario: fmt.Sprintf("drill-%02d", i), GameDay: "december",
			Status: store.StatusRunning, StartedAt: started, ClockStart: started, ObjectiveRTO: &rto}
		for w := range 3 {
			run.Workloads = append(run.Workloads, store.Workload{Name: fmt.Sprintf("clients-%d", w), Attempts: 10_000, Failed: 120, CurrentOutage: 4 * time.Second})
		}
		console.Observe(store.Event{Type: store.EventStart, At: started, Record: store.Record{Run: run}})
		console.Observe(store.Event{Type: store.EventStepStart, At: started, Phase: phase.Recover, Step: &store.Step{Name: "restore", Kind: "command"}, Record: store.Record{Run: run}})
		events = append(events, store.Event{Type: store.EventWorkload, At: started.Add(time.Second), Record: store.Record{Run: run}})
	}
	defined := []ConsoleGameDay{{Name: "december", Facilitator: "Ada"}}
	b.Run("observe", func(b *testing.B) {
		i := 0
		for b.Loop() {
			console.Observe(events[i%len(events)])
			i++
		}
	})
	b.Run("state-json", func(b *testing.B) {
		for b.Loop() {
			if _, err := json.Marshal(console.state(defined, nil)); err != nil {
				b.Fatal(err)
			}
		}
	})
}
