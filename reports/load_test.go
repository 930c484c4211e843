package reports

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/redrill/redrill/store"
)

// loadedHistory is history with a scenario drilled under load, checkout:
// four drills 30, 20, 10 and 1 days ago whose writer's longest outage
// grew 4s, 6s, 8s, then 12.3s (past the 10s objective), and which lost 3
// acknowledged writes in the last one only.
func loadedHistory(t *testing.T) store.Store {
	t.Helper()
	s := history(t)
	for i, run := range []struct {
		daysAgo int
		outage  time.Duration
		lost    int64
		verdict string
	}{
		{30, 4 * time.Second, 0, store.VerdictMet},
		{20, 6 * time.Second, 0, store.VerdictMet},
		{10, 8 * time.Second, 0, store.VerdictMet},
		{1, 12300 * time.Millisecond, 3, store.VerdictMissed},
	} {
		record := loadedRecord()
		record.ID, record.Scenario = fmt.Sprintf("checkout-%d", i+1), "checkout"
		shift := now.Add(-time.Duration(run.daysAgo) * 24 * time.Hour).Sub(loadedStart)
		record.StartedAt, record.EndedAt = record.StartedAt.Add(shift), record.EndedAt.Add(shift)
		record.ClockStart, record.ClockStop = record.ClockStart.Add(shift), record.ClockStop.Add(shift)
		record.Workloads = loadedWorkloads(func(d time.Duration) time.Time { return record.StartedAt.Add(d) })
		record.Workloads[0].LongestOutage, record.Workloads[0].Verified.Lost = run.outage, run.lost
		record.Verdict, record.Steps = run.verdict, nil
		recordRun(t, s, record)
	}
	return s
}

// recordRun writes a finished run through the store API.
func recordRun(t *testing.T, s store.Store, record store.Record) {
	t.Helper()
	ctx := context.Background()
	r := record.Run
	started := r
	started.Status, started.Verdict, started.Workloads = store.StatusRunning, "", nil
	mustDo(t, s.StartRun(ctx, started))
	mustDo(t, s.FinishRun(ctx, r.ID, store.Finish{EndedAt: r.EndedAt, ClockStart: r.ClockStart, ClockStop: r.ClockStop,
		RTO: r.RTO, RPO: r.RPO, Verdict: r.Verdict, Reason: r.Reason, Rollback: r.Rollback, Workloads: r.Workloads}))
}

func TestReportOfDrillsUnderLoad(t *testing.T) {
	report, err := Build(context.Background(), loadedHistory(t), Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range report.Scenarios {
		if (s.Load != nil) != (s.Scenario == "checkout") {
			t.Errorf("%s: load %+v; only checkout ran under load", s.Scenario, s.Load)
		}
	}
	for _, format := range []struct {
		name  string
		write func(*bytes.Buffer, Report) error
	}{
		{"report-loaded.txt", func(b *bytes.Buffer, r Report) error { return WriteText(b, r) }},
		{"report-loaded.md", func(b *bytes.Buffer, r Report) error { return WriteMarkdown(b, r) }},
		{"report-loaded.json", func(b *bytes.Buffer, r Report) error { return WriteJSON(b, r) }},
		{"report-loaded.html", func(b *bytes.Buffer, r Report) error { return WriteHTML(b, r) }},
	} {
		t.Run(format.name, func(t *testing.T) {
			var buf bytes.Buffer
			mustDo(t, format.write(&buf, report))
			golden(t, format.name, buf.Bytes())
		})
	}
}

// The load standing of a scenario: its last run against the objectives,
// and the window's downtime trend and lost writes.
func TestLoadStanding(t *testing.T) {
	report, err := Build(context.Background(), loadedHistory(t), Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	var load *LoadReport
	for _, s := range report.Scenarios {
		if s.Scenario == "checkout" {
			load = s.Load
		}
	}
	if load == nil {
		t.Fatal("checkout has no load standing")
	}
	got := fmt.Sprintf("last %s, lost %s; window max %s, trend %s, %s", load.downtimeCell(), load.lostCell(),
		readable(load.DowntimeMax), signed(load.DowntimeTrendPerThirtyDays), load.windowLostCell())
	want := "last 12.3s (10s), lost 3 (0); window max 12.3s, trend +8.27s, 3 (1 of 4 runs)"
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

// A report of scenarios without workloads has no trace of them: no
// table, no column, no empty cell.
func TestReportWithoutWorkloadsLeavesThemOut(t *testing.T) {
	report, err := Build(context.Background(), history(t), Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	for name, write := range map[string]func(*bytes.Buffer) error{
		"text":     func(b *bytes.Buffer) error { return WriteText(b, report) },
		"markdown": func(b *bytes.Buffer) error { return WriteMarkdown(b, report) },
		"html":     func(b *bytes.Buffer) error { return WriteHTML(b, report) },
	} {
		var out bytes.Buffer
		mustDo(t, write(&out))
		text := strings.ToLower(out.String())
		if name == "html" { // the style sheet names the load tables
			text = text[strings.Index(text, "</style>"):]
		}
		for _, word := range []string{"under load", "downtime", "lost writes"} {
			if strings.Contains(text, word) {
				t.Errorf("the %s report says %q of scenarios without workloads", name, word)
			}
		}
	}
}
