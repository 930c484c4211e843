package reports

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/redrill/redrill/store"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

var now = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

const ordersSource = `scenario "orders" {
  postmortem {
    id      = "PM-2041"
    title   = "Primary database corrupted; restore ran 9 hours past plan"
    date    = "2026-03-14"
    url     = "https://wiki.example.com/pm/2041"
    finding = "Restore time was never measured <on the new hardware>."
  }
  schedule {
    cron = "0 3 * * SAT"
  }
  objective {
    rto = "30m"
  }
}`

// history writes a fixed history: one scenario per risk, and two not met
// that are also forecast to breach (ledger) or stale (billing).
func history(t *testing.T) store.Store {
	t.Helper()
	dir := t.TempDir()
	s, err := store.Open(context.Background(), filepath.Join(dir, "h.db"), store.Options{SpoolDir: dir, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	add := func(scenario, source string, daysAgo int, rto time.Duration, objective time.Duration, verdict string) {
		t.Helper()
		started := now.Add(-time.Duration(daysAgo) * 24 * time.Hour)
		id := fmt.Sprintf("%s-%03d", scenario, daysAgo)
		o := objective
		run := store.Run{ID: id, Scenario: scenario, ScenarioHash: "h", ScenarioSource: source, Trigger: store.TriggerSchedule,
			Host: "runner-1", PID: 1, StartedAt: started, ObjectiveRTO: &o}
		if source == ordersSource { // what the runner records of it
			run.Schedule, run.Postmortems = "0 3 * * SAT", []store.Postmortem{{
				ID: "PM-2041", Title: "Primary database corrupted; restore ran 9 hours past plan", Date: "2026-03-14",
				URL: "https://wiki.example.com/pm/2041", Finding: "Restore time was never measured <on the new hardware>.",
			}}
		}
		if daysAgo <= 2 {
			run.Trigger, run.GameDay = store.TriggerGameDay, "q4-resilience"
		}
		if err := s.StartRun(context.Background(), run); err != nil {
			t.Fatal(err)
		}
		finish := store.Finish{EndedAt: started.Add(time.Minute), Verdict: verdict, Reason: "as recorded"}
		if rto > 0 { // zero: the run ended before the recovery clock stopped
			r := rto
			finish.EndedAt, finish.ClockStart, finish.ClockStop, finish.RTO = started.Add(rto), started, started.Add(rto), &r
		}
		if err := s.FinishRun(context.Background(), id, finish); err != nil {
			t.Fatal(err)
		}
	}
	// orders: weekly, RTO rising 1 minute a week toward 30m.
	for week := 8; week >= 1; week-- {
		add("orders", ordersSource, week*7, time.Duration(20-week)*time.Minute, 30*time.Minute, store.VerdictMet)
	}
	add("api", `scenario "api" {}`, 3, 3*time.Minute, 2*time.Minute, store.VerdictMissed)
	add("api", `scenario "api" {}`, 10, 90*time.Second, 2*time.Minute, store.VerdictMet)
	add("api", `scenario "api" {}`, 20, 0, 2*time.Minute, store.VerdictInterrupted)
	// ledger: RTO rising 1 minute a week toward 10m, then a failed run.
	for week := 4; week >= 1; week-- {
		add("ledger", `scenario "ledger" {}`, week*7, time.Duration(9-week)*time.Minute, 10*time.Minute, store.VerdictMet)
	}
	add("ledger", `scenario "ledger" {}`, 4, 0, 10*time.Minute, store.VerdictFailed)
	// billing: aborted 45 days ago, nothing since.
	add("billing", `scenario "billing" {}`, 60, 2*time.Minute, 5*time.Minute, store.VerdictMet)
	add("billing", `scenario "billing" {}`, 45, 0, 5*time.Minute, store.VerdictAborted)
	add("payments", `scenario "payments" {}`, 40, time.Minute, 10*time.Minute, store.VerdictMet)
	add("search", `scenario "search" {}`, 2, 9*time.Minute, 10*time.Minute, store.VerdictMet)
	add("cache", `scenario "cache" {}`, 1, 20*time.Second, 5*time.Minute, store.VerdictMet)
	// People's time: search's last run waited for two manual steps, and
	// the api run of 3 days ago for one, answered by run --yes.
	manual := func(runID, name string, seq int, waited time.Duration, automatic bool) {
		t.Helper()
		run, _, err := s.Run(context.Background(), runID)
		if err != nil {
			t.Fatal(err)
		}
		step := store.Step{RunID: runID, Seq: seq, Phase: "recover", Name: name, Kind: store.KindManual, StartedAt: run.StartedAt, Duration: waited, Passed: true,
			Manual: &store.Manual{Instructions: "do " + name, Timeout: time.Hour, Answer: &store.Answer{Outcome: store.AnswerDone, By: "ana", At: run.StartedAt, Automatic: automatic}}}
		if err := s.RecordStep(context.Background(), step); err != nil {
			t.Fatal(err)
		}
	}
	manual("search-002", "promote-replica", 1, 6*time.Minute, false)
	manual("search-002", "switch-dns", 2, 2*time.Minute, false)
	manual("api-003", "switch-dns", 1, time.Second, true)
	return s
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test -update creates it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (go test -update rewrites it)\n--- got:\n%s", path, got)
	}
}

func TestReportFormats(t *testing.T) {
	report, err := Build(context.Background(), history(t), Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	var ranking []Risk
	for _, s := range report.Scenarios {
		ranking = append(ranking, s.Risk)
	}
	want := []Risk{RiskNotMet, RiskNotMet, RiskNotMet, RiskForecast, RiskStale, RiskAtRisk, RiskHealthy}
	if fmt.Sprint(ranking) != fmt.Sprint(want) {
		t.Errorf("ranking %v, want %v", ranking, want)
	}
	for _, format := range []struct {
		name  string
		write func(*bytes.Buffer, Report) error
	}{
		{"report.txt", func(b *bytes.Buffer, r Report) error { return WriteText(b, r) }},
		{"report.md", func(b *bytes.Buffer, r Report) error { return WriteMarkdown(b, r) }},
		{"report.json", func(b *bytes.Buffer, r Report) error { return WriteJSON(b, r) }},
		{"report.html", func(b *bytes.Buffer, r Report) error { return WriteHTML(b, r) }},
	} {
		t.Run(format.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := format.write(&buf, report); err != nil {
				t.Fatal(err)
			}
			golden(t, format.name, buf.Bytes())
		})
	}
}

// A drill that met its objectives but whose rollback failed may have left
// the system disrupted: no format shows it healthy.
func TestFailedRollbackIsNeverHealthy(t *testing.T) {
	dir := t.TempDir()
	s, err := store.Open(context.Background(), filepath.Join(dir, "h.db"), store.Options{SpoolDir: dir, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	started, rto := now.Add(-time.Hour), time.Minute
	if err := s.StartRun(context.Background(), store.Run{ID: "r1", Scenario: "orders", ScenarioHash: "h", Trigger: store.TriggerOnDemand,
		Host: "runner-1", PID: 1, StartedAt: started}); err != nil {
		t.Fatal(err)
	}
	if err := s.FinishRun(context.Background(), "r1", store.Finish{EndedAt: started.Add(2 * time.Minute), ClockStart: started,
		ClockStop: started.Add(rto), RTO: &rto, Verdict: store.VerdictMet, Rollback: store.RollbackFailed,
		Reason: "recovered within the objectives; rollback failed: drop-scratch: database is being accessed"}); err != nil {
		t.Fatal(err)
	}
	report, err := Build(context.Background(), s, Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if got := report.Scenarios[0].Risk; got != RiskDisrupted {
		t.Fatalf("risk %s, want disrupted", got)
	}
	for name, write := range map[string]func(*bytes.Buffer) error{
		"text":     func(b *bytes.Buffer) error { return WriteText(b, report) },
		"markdown": func(b *bytes.Buffer) error { return WriteMarkdown(b, report) },
		"html":     func(b *bytes.Buffer) error { return WriteHTML(b, report) },
		"json":     func(b *bytes.Buffer) error { return WriteJSON(b, report) },
	} {
		var out bytes.Buffer
		if err := write(&out); err != nil {
			t.Fatal(err)
		}
		text := out.String()
		if name == "html" { // the style sheet names every risk
			text = text[strings.Index(text, "</style>"):]
		}
		if strings.Contains(text, "healthy") {
			t.Errorf("%s report calls the scenario healthy:\n%s", name, text)
		}
		if !strings.Contains(text, "disrupted") {
			t.Errorf("%s report does not say the system may be disrupted:\n%s", name, text)
		}
	}
	run, steps, err := s.Run(context.Background(), "r1")
	if err != nil {
		t.Fatal(err)
	}
	var show bytes.Buffer
	if err := WriteRun(&show, store.Record{Run: run, Steps: steps}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(show.String(), "rollback  failed: WARNING, the system may still be disrupted") {
		t.Errorf("show does not warn of the failed rollback:\n%s", show.String())
	}
}

// A scenario serve runs on a schedule is listed before it ever ran: no
// run is no evidence that it can be recovered.
func TestScheduledScenarioThatNeverRanIsListed(t *testing.T) {
	scheduled := []ScheduledScenario{{Scenario: "backups", Owner: "team-storage", Schedule: "0 4 * * *", Timezone: "UTC",
		NextRun: now.Add(16 * time.Hour), Interval: 24 * time.Hour}}
	report, err := Build(context.Background(), history(t), Options{Now: now, Scheduled: scheduled})
	if err != nil {
		t.Fatal(err)
	}
	var found *ScenarioReport
	for i, s := range report.Scenarios {
		if s.Scenario == "backups" {
			found = &report.Scenarios[i]
		}
	}
	if found == nil || found.Risk != RiskNeverRan {
		t.Fatalf("backups is %+v, want listed as never_ran", found)
	}
	var text, out bytes.Buffer
	if err := WriteText(&text, report); err != nil {
		t.Fatal(err)
	}
	if err := WriteJSON(&out, report); err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`backups\s+never ran\s+never\s`).MatchString(text.String()) || !strings.Contains(text.String(), "backups: scheduled (0 4 * * * UTC), never ran; next run 2026-11-26 04:00 UTC") {
		t.Errorf("the text report does not list backups as never ran:\n%s", text.String())
	}
	if !strings.Contains(out.String(), `"risk": "never_ran"`) || !strings.Contains(out.String(), `"last_run_at": null`) {
		t.Errorf("the JSON report does not list backups as never ran:\n%s", out.String())
	}
}

// The text report's tables fit a terminal of 100 columns with scenario
// names up to 16 characters; what does not fit is on the lines under them.
func TestTextTablesFit100Columns(t *testing.T) {
	report, err := Build(context.Background(), loadedHistory(t), Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	for i := range report.Scenarios {
		if report.Scenarios[i].Scenario == "checkout" {
			report.Scenarios[i].Scenario = "checkout-primary" // 16 characters
		}
	}
	var text bytes.Buffer
	if err := WriteText(&text, report); err != nil {
		t.Fatal(err)
	}
	inTable := false
	for n, line := range strings.Split(text.String(), "\n") {
		switch {
		case strings.HasPrefix(strings.TrimSpace(line), "SCENARIO "):
			inTable = true
		case line == "" || strings.Contains(line, ": "):
			inTable = false
		}
		if inTable && len([]rune(line)) > 100 {
			t.Errorf("line %d is %d columns wide:\n%s", n+1, len([]rune(line)), line)
		}
	}
	if !strings.Contains(text.String(), "checkout-primary: last run missed") || !strings.Contains(text.String(), "  last run 1 d ago; 4 runs: 3 met, 1 missed; RTO p50/p95/max 1m35s/1m35s/1m35s\n") {
		t.Errorf("the figures moved out of the table are not under it:\n%s", text.String())
	}
}
