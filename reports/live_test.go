package reports

import (
	"bytes"
	"testing"
	"time"

	"github.com/redrill/redrill/scenarios/phase"
	"github.com/redrill/redrill/store"
)

func TestLiveLines(t *testing.T) {
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"half a second into the clock", clockLine(500*time.Millisecond, durationOf(10*time.Second)), "    … 0.5s elapsed of RTO 10s [#-------------------]   5%"},
		{"past the objective", clockLine(90*time.Second, durationOf(time.Minute)), "    … 1m30s elapsed of RTO 1m [####################] 150%"},
		{"no objective", clockLine(3*time.Second, nil), "    … 3.0s elapsed"},
		{"a long step before the clock", stepLine("dump-is-fresh", 12300*time.Millisecond), "    … dump-is-fresh: 12.3s elapsed"},
		{"an hour-long step", stepLine("restore", time.Hour+2*time.Second+400*time.Millisecond), "    … restore: 1h0m2s elapsed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got  %q\nwant %q", tt.got, tt.want)
			}
		})
	}
}

func durationOf(d time.Duration) *time.Duration { return &d }

// The live output of a drill under load: background steps say when they
// start and end, the cancelled one reads as cancelled, and each workload
// has a line only when there is news (see workloadNews), not every second.
func TestLiveTextOfADrillUnderLoad(t *testing.T) {
	var out bytes.Buffer
	live := NewLiveText(&out, false)
	for _, e := range loadedEvents() {
		live.Observe(e)
	}
	golden(t, "live-loaded.txt", out.Bytes())
}

// loadedEvents are the events of loadedRecord as the runner emits them,
// with the workloads' progress every second for the first 30 seconds.
func loadedEvents() []store.Event {
	final := loadedRecord()
	steps := map[string]store.Step{}
	for _, s := range final.Steps {
		steps[s.Name] = s
	}
	progress := store.Record{Run: final.Run}
	progress.Status, progress.Verdict, progress.Reason, progress.RTO, progress.RPO = store.StatusRunning, "", "", nil, nil
	at := func(d time.Duration) time.Time { return loadedStart.Add(d) }
	started := func(name string) store.Event {
		s := steps[name]
		return store.Event{Type: store.EventStepStart, At: s.StartedAt, Phase: s.Phase,
			Step: &store.Step{Phase: s.Phase, Name: s.Name, Kind: s.Kind, Round: s.Round, Background: s.Background}, Record: progress}
	}
	ended := func(name string) store.Event {
		s := steps[name]
		return store.Event{Type: store.EventStepEnd, At: s.StartedAt.Add(s.Duration), Phase: s.Phase, Step: &s, Record: progress}
	}
	phaseOf := func(p phase.Phase, d time.Duration) store.Event {
		return store.Event{Type: store.EventPhase, At: at(d), Phase: p, Record: progress}
	}
	events := []store.Event{{Type: store.EventStart, At: at(0), Record: progress},
		phaseOf(phase.SteadyState, 0), started("payments-up"), ended("payments-up")}
	for second := 1; second <= 30; second++ {
		events = append(events, workloadProgress(progress, at(time.Duration(second)*time.Second)))
		switch second {
		case 2:
			events = append(events, phaseOf(phase.Setup, 2*time.Second), started("bulk-load"))
		case 10:
			clocked := progress
			clocked.ClockStart = final.ClockStart
			events = append(events, phaseOf(phase.Disrupt, 10*time.Second),
				store.Event{Type: store.EventClockStart, At: final.ClockStart, Record: clocked}, started("kill-primary"), ended("kill-primary"),
				phaseOf(phase.Recover, 11*time.Second), started("promote-replica"))
		case 28:
			events = append(events, ended("promote-replica"))
		}
	}
	recovered := progress
	recovered.ClockStart, recovered.ClockStop, recovered.RTO = final.ClockStart, final.ClockStop, final.RTO
	return append(events, started("reindex"), phaseOf(phase.RecoveredWhen, 100*time.Second), started("payments-back"), ended("payments-back"),
		store.Event{Type: store.EventClockStop, At: final.ClockStop, Record: recovered}, phaseOf(phase.DataLoss, 105*time.Second),
		ended("reindex"), ended("bulk-load"), store.Event{Type: store.EventEnd, At: final.EndedAt, Record: final})
}

// workloadProgress is the event of the workloads' progress at a time: the
// writer fails from 9.8 s to 22.1 s, the reader from 10 s to 12.1 s.
func workloadProgress(record store.Record, at time.Time) store.Event {
	elapsed := at.Sub(loadedStart)
	progress := func(name string, rate int64, from, to time.Duration) store.Workload {
		w := store.Workload{Name: name, Attempts: rate * int64(elapsed/time.Second)}
		if elapsed > from {
			w.Failed = rate * int64((min(elapsed, to)-from)/time.Second)
			w.LongestOutage = min(elapsed, to) - from
		}
		if elapsed > from && elapsed < to {
			w.CurrentOutage = elapsed - from
		}
		w.Succeeded = w.Attempts - w.Failed
		return w
	}
	record.Workloads = []store.Workload{
		progress("writer", 50, 9800*time.Millisecond, 22100*time.Millisecond),
		progress("reader", 20, 10*time.Second, 12100*time.Millisecond),
	}
	return store.Event{Type: store.EventWorkload, At: at, Record: record}
}

func TestWorkloadLineOnlyWithNews(t *testing.T) {
	last := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	healthy := workloadShown{at: last, failed: 3, started: true}
	failing := workloadShown{at: last, failed: 40, outage: true, started: true}
	later := func(d time.Duration) time.Time { return last.Add(d) }
	tests := []struct {
		name     string
		before   workloadShown
		workload store.Workload
		at       time.Time
		want     string // empty: no line
	}{
		{"its first progress is shown", workloadShown{}, store.Workload{Name: "writer", Attempts: 50}, later(time.Second),
			"  workload writer: 50 attempts, 0 failed"},
		{"healthy without new failures is quiet for 30 s", healthy, store.Workload{Name: "writer", Attempts: 1500, Failed: 3}, later(29 * time.Second), ""},
		{"healthy is shown again after 30 s", healthy, store.Workload{Name: "writer", Attempts: 1550, Failed: 3}, later(30 * time.Second),
			"  workload writer: 1,550 attempts, 3 failed"},
		{"new failures wait 5 s after the last line", healthy, store.Workload{Name: "writer", Attempts: 200, Failed: 9}, later(4 * time.Second), ""},
		{"new failures are shown 5 s after the last line", healthy, store.Workload{Name: "writer", Attempts: 250, Failed: 9}, later(5 * time.Second),
			"  workload writer: 250 attempts, 9 failed"},
		{"a blip shorter than a second is no outage", healthy, store.Workload{Name: "writer", Attempts: 100, Failed: 3, CurrentOutage: 400 * time.Millisecond}, later(time.Second), ""},
		{"an outage is shown as soon as it lasts a second", healthy, store.Workload{Name: "writer", Attempts: 100, Failed: 8, CurrentOutage: 1200 * time.Millisecond}, later(time.Second),
			"  workload writer: 100 attempts, 8 failed, outage 1.2s so far"},
		{"an outage goes on quietly for 5 s", failing, store.Workload{Name: "writer", Attempts: 300, Failed: 200, CurrentOutage: 4 * time.Second}, later(4 * time.Second), ""},
		{"an outage is shown every 5 s", failing, store.Workload{Name: "writer", Attempts: 300, Failed: 250, CurrentOutage: 6 * time.Second}, later(5 * time.Second),
			"  workload writer: 300 attempts, 250 failed, outage 6.0s so far"},
		{"the end of an outage is shown at once", failing, store.Workload{Name: "writer", Attempts: 1204, Failed: 37, LongestOutage: 4200 * time.Millisecond}, later(time.Second),
			"  workload writer: 1,204 attempts, 37 failed, getting through again (longest outage 4.2s)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			line, news := workloadNews(tt.before, tt.workload, tt.at)
			if !news {
				line = ""
			}
			if line != tt.want {
				t.Errorf("got  %q\nwant %q", line, tt.want)
			}
		})
	}
}
