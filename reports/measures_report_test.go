package reports

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/redrill/redrill/store"
)

// measuredHistory is a history with measures: orders restores a database
// growing 4% a month at 8 s/GB, weekly for 12 weeks, alternately on two
// hosts of the same hardware; search restores twice as slowly on hw=new,
// five runs there against four on hw=old; cache measures nothing.
func measuredHistory(t *testing.T) store.Store {
	t.Helper()
	dir := t.TempDir()
	s, err := store.Open(context.Background(), filepath.Join(dir, "h.db"), store.Options{SpoolDir: dir, Now: func() time.Time { return now }})
	mustDo(t, err)
	t.Cleanup(func() { s.Close() })
	add := func(id, scenario string, started time.Time, rto, objective time.Duration, host string, labels map[string]string, measures ...store.Measure) {
		t.Helper()
		verdict := store.VerdictMet
		if rto > objective {
			verdict = store.VerdictMissed
		}
		mustDo(t, s.StartRun(context.Background(), store.Run{ID: id, Scenario: scenario, ScenarioHash: "h", Trigger: store.TriggerSchedule,
			Host: host, PID: 1, StartedAt: started, ObjectiveRTO: &objective, RunnerLabels: labels}))
		mustDo(t, s.FinishRun(context.Background(), id, store.Finish{EndedAt: started.Add(rto), ClockStart: started, ClockStop: started.Add(rto),
			RTO: &rto, Verdict: verdict, Reason: "as recorded", Measures: measures}))
	}
	for week := range 12 {
		started := now.Add(-time.Duration(12-week) * 7 * 24 * time.Hour)
		size := 280 * gigabyte * math.Pow(1.04, started.Sub(now.Add(-12*7*24*time.Hour)).Hours()/24/30)
		host := []string{"db-restore-1", "db-restore-2"}[week%2]
		add(fmt.Sprintf("orders-%02d", week), "orders", started, restoreTime(size).Round(time.Second), time.Hour, host, map[string]string{"hw": "old"},
			store.Measure{Name: "database_size", Unit: store.UnitBytes, Value: math.Round(size), Phase: "steady_state"},
			store.Measure{Name: "rows_restored", Unit: store.UnitRows, Value: 1_204_000 + float64(week)*1000, Phase: "data_loss"})
	}
	for i := range 9 {
		started := now.Add(-time.Duration(9-i) * 24 * time.Hour)
		labels, rto := map[string]string{"hw": "old"}, 10*time.Minute+time.Duration(i)*time.Second
		if i%2 == 0 {
			labels, rto = map[string]string{"hw": "new"}, 20*time.Minute+time.Duration(i)*time.Second
		}
		add(fmt.Sprintf("search-%d", i), "search", started, rto, 30*time.Minute, "search-"+labels["hw"], labels,
			store.Measure{Name: "index_size", Unit: store.UnitBytes, Value: 48 * gigabyte, Phase: "setup"})
	}
	add("cache-1", "cache", now.Add(-24*time.Hour), 20*time.Second, 5*time.Minute, "cache-1", map[string]string{})
	return s
}

func TestReportOfMeasures(t *testing.T) {
	report, err := Build(context.Background(), measuredHistory(t), Options{Now: now, CompareBy: "hw"})
	mustDo(t, err)
	for _, format := range []struct {
		name  string
		write func(*bytes.Buffer, Report) error
	}{
		{"report-measures.txt", func(b *bytes.Buffer, r Report) error { return WriteText(b, r) }},
		{"report-measures.md", func(b *bytes.Buffer, r Report) error { return WriteMarkdown(b, r) }},
		{"report-measures.json", func(b *bytes.Buffer, r Report) error { return WriteJSON(b, r) }},
		{"report-measures.html", func(b *bytes.Buffer, r Report) error { return WriteHTML(b, r) }},
	} {
		t.Run(format.name, func(t *testing.T) {
			var b bytes.Buffer
			mustDo(t, format.write(&b, report))
			golden(t, format.name, b.Bytes())
		})
	}
	orders := scenarioNamed(t, report, "orders")
	if orders.Growth == nil || orders.Growth.Crossing == nil || orders.Growth.Growth != "exponential" {
		t.Fatalf("orders: no exponential forecast against size: %+v", orders.Growth)
	}
	if got := orders.Growth.GrowthPerMonth; math.Abs(got-0.04) > 0.001 {
		t.Errorf("orders grows %.2f%% a month, want 4%%", 100*got)
	}
	search := scenarioNamed(t, report, "search")
	if c := search.Comparison; c == nil || c.Ratio == nil || math.Abs(*c.Ratio-2) > 0.05 || !c.Reliable {
		t.Errorf("search: comparison %+v, want hw=new twice as slow, from enough runs", c)
	}
}

func scenarioNamed(t *testing.T, r Report, name string) ScenarioReport {
	t.Helper()
	for _, s := range r.Scenarios {
		if s.Scenario == name {
			return s
		}
	}
	t.Fatalf("no scenario %s in the report", name)
	return ScenarioReport{}
}

// The RTO-against-size scatter renders in Chromium with a size, one dot a
// run, beside the RTO chart; the comparison and the forecast are on the
// page as text.
func TestHTMLReportOfMeasuresInChromium(t *testing.T) {
	dir := t.TempDir()
	ctx := chromium(t, dir)
	report, err := Build(context.Background(), measuredHistory(t), Options{Now: now, CompareBy: "hw"})
	mustDo(t, err)
	page := writePage(t, dir, report)
	mustDo(t, chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900), chromedp.Navigate("file://"+page), chromedp.WaitVisible(chromedp.CSS("svg.rto-size"))))
	scatters, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](`Array.from(document.querySelectorAll("svg.rto-size")).map(svg => { const r = svg.getBoundingClientRect(); return r.width * r.height; })`))
	mustDo(t, err)
	if len(scatters) != 2 {
		t.Errorf("%d scatters, want orders' and search's", len(scatters))
	}
	for i, area := range scatters {
		if area <= 0 {
			t.Errorf("scatter %d has no size", i)
		}
	}
	dots, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`document.querySelectorAll("#scenario-orders svg.rto-size circle").length`))
	mustDo(t, err)
	if dots != 12 {
		t.Errorf("orders' scatter has %.0f dots, want one per run (12)", dots)
	}
	text, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText`))
	mustDo(t, err)
	for _, want := range []string{"crosses the 1h objective around", "on hw=new the restore takes 2.0× as long as on hw=old", "restore throughput"} {
		if !strings.Contains(strings.ToLower(text), strings.ToLower(want)) {
			t.Errorf("the page does not say %q", want)
		}
	}
	keepScreenshot(t, ctx, "report-measures-1280.png")
}

// show and the run JSON list what a run measured and its restore
// throughput.
func TestShowOfMeasures(t *testing.T) {
	rto, objective := 42*time.Minute, time.Hour
	started := now.Add(-time.Hour)
	record := store.Record{Run: store.Run{ID: "orders-measured", Scenario: "orders", Trigger: store.TriggerOnDemand, Host: "db-restore-1",
		Status: store.StatusFinished, Verdict: store.VerdictMet, Reason: "recovered within the objectives", Rollback: store.RollbackPassed,
		StartedAt: started, EndedAt: started.Add(50 * time.Minute), ClockStart: started.Add(5 * time.Minute), ClockStop: started.Add(47 * time.Minute),
		RTO: &rto, ObjectiveRTO: &objective, RunnerLabels: map[string]string{"hw": "new"},
		Measures: []store.Measure{
			{Name: "database_size", Unit: store.UnitBytes, Value: 310e9, Phase: "steady_state"},
			{Name: "dump_duration", Unit: store.UnitSeconds, Value: 754.5, Phase: "setup"},
			{Name: "rows_restored", Unit: store.UnitRows, Value: 1204331, Phase: "data_loss"},
		}}}
	var text, js bytes.Buffer
	mustDo(t, WriteRun(&text, record))
	mustDo(t, WriteRunJSON(&js, record))
	golden(t, "show-measured.txt", text.Bytes())
	golden(t, "show-measured.json", js.Bytes())
	if !strings.Contains(text.String(), "restore   123 MB/s (database_size / RTO)") {
		t.Errorf("show does not give the restore throughput, 310 GB in 42 min:\n%s", text.String())
	}
}
