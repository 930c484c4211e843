package reports

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/redrill/redrill/scenarios/phase"
	"github.com/redrill/redrill/store"
)

// dayHistory is a store with one game day: a restore that met its RTO
// after a person checked the rows for three minutes, then a failover that
// missed it.
func dayHistory(t *testing.T) store.Store {
	t.Helper()
	dir := t.TempDir()
	s, err := store.Open(context.Background(), filepath.Join(dir, "h.db"), store.Options{SpoolDir: dir, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	ctx := context.Background()
	day := time.Date(2026, 12, 5, 9, 0, 0, 0, time.UTC)
	at := func(minutes, seconds int) time.Time {
		return day.Add(time.Duration(minutes)*time.Minute + time.Duration(seconds)*time.Second)
	}
	type step struct {
		phase       phase.Phase
		name, kind  string
		start, end  time.Time
		passed      bool
		answer      *store.Answer // a manual step's
		roundOfPoll int
	}
	drill := func(id, scenario string, objective time.Duration, steps []step, finish store.Finish) {
		t.Helper()
		o := objective
		run := store.Run{ID: id, Scenario: scenario, ScenarioHash: "h", ScenarioSource: `scenario "` + scenario + `" {}`, Trigger: store.TriggerGameDay,
			GameDay: "december", Host: "runner-1", PID: 1, StartedAt: steps[0].start, ObjectiveRTO: &o}
		if err := s.StartRun(ctx, run); err != nil {
			t.Fatal(err)
		}
		for i, st := range steps {
			recorded := store.Step{RunID: id, Seq: i + 1, Phase: st.phase, Name: st.name, Kind: st.kind, Round: st.roundOfPoll,
				StartedAt: st.start, Duration: st.end.Sub(st.start), Attempts: 1, Passed: st.passed}
			if st.kind == store.KindManual {
				recorded.Manual = &store.Manual{Instructions: "do it by hand", Timeout: 30 * time.Minute, Answer: st.answer}
			}
			if err := s.RecordStep(ctx, recorded); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.FinishRun(ctx, id, finish); err != nil {
			t.Fatal(err)
		}
	}
	rto := at(4, 10).Sub(at(0, 2))
	drill("restore-1", "orders-restore", 5*time.Minute, []step{
		{phase.SteadyState, "orders-up", "sql", at(0, 0), at(0, 2), true, nil, 0},
		{phase.Disrupt, "lose-file", "command", at(0, 2), at(0, 5), true, nil, 0},
		{phase.Recover, "restore", "command", at(0, 5), at(1, 0), true, nil, 0},
		{phase.Recover, "count-rows", store.KindManual, at(1, 0), at(4, 0), true,
			&store.Answer{Outcome: store.AnswerDone, By: "Grace", Note: "rows counted by hand: 1,204", At: at(4, 0)}, 0},
		{phase.Recover, "tell-support", store.KindManual, at(4, 0), at(4, 0), true,
			&store.Answer{Outcome: store.AnswerDone, By: "Linus", At: at(4, 0)}, 0}, // no note: not in the notes
		{phase.RecoveredWhen, "orders-answer", "sql", at(4, 0), at(4, 5), false, nil, 1},
		{phase.RecoveredWhen, "orders-answer", "sql", at(4, 8), at(4, 10), true, nil, 2},
		{phase.Rollback, "clean", "command", at(4, 10), at(4, 20), true, nil, 0},
	}, store.Finish{EndedAt: at(4, 20), ClockStart: at(0, 2), ClockStop: at(4, 10), RTO: &rto, Verdict: store.VerdictMet,
		Reason: "recovered within the objectives", Rollback: store.RollbackPassed})
	missed := 3 * time.Minute
	drill("failover-1", "web-failover", 2*time.Minute, []step{
		{phase.Disrupt, "kill-primary", "command", at(5, 0), at(5, 1), true, nil, 0},
		{phase.Recover, "promote", store.KindManual, at(5, 1), at(7, 1), false,
			&store.Answer{Outcome: store.AnswerFailed, By: "Ada", Note: "the standby had no DNS record", At: at(7, 1)}, 0},
		{phase.Recover, "promote-by-script", "command", at(7, 1), at(8, 1), true, nil, 0},
		{phase.Rollback, "restart-primary", "command", at(8, 1), at(8, 30), true, nil, 0},
	}, store.Finish{EndedAt: at(8, 30), ClockStart: at(5, 0), ClockStop: at(8, 0), RTO: &missed, Verdict: store.VerdictMissed,
		Reason: "RTO 3m over the objective 2m", Rollback: store.RollbackPassed})
	return s
}

var dayAbout = ConsoleGameDay{Name: "december", Description: "Restore and failover before the freeze", Facilitator: "Ada",
	Participants: []string{"Grace", "Linus"}, Scenarios: []string{"orders-restore", "web-failover"}}

func TestDayReportFormats(t *testing.T) {
	day, err := BuildDayReport(context.Background(), dayHistory(t), "december", dayAbout)
	if err != nil {
		t.Fatal(err)
	}
	// People: 3m counting rows, 2m failing to promote; the runs lasted
	// 4m20s and 3m30s.
	if day.HumanTime != 5*time.Minute || day.AutomatedTime != 2*time.Minute+50*time.Second {
		t.Errorf("people %s, automation %s; want 5m0s and 2m50s", day.HumanTime, day.AutomatedTime)
	}
	if len(day.Notes) != 2 || day.Notes[1].Note != "the standby had no DNS record" || day.Notes[1].By != "Ada" || day.Notes[1].Outcome != store.AnswerFailed {
		t.Errorf("notes: %+v", day.Notes)
	}
	for _, format := range []struct {
		golden string
		write  func(*bytes.Buffer, DayReport) error
	}{
		{"gameday/day.txt", func(b *bytes.Buffer, d DayReport) error { return WriteDayText(b, d) }},
		{"gameday/day.md", func(b *bytes.Buffer, d DayReport) error { return WriteDayMarkdown(b, d) }},
		{"gameday/day.json", func(b *bytes.Buffer, d DayReport) error { return WriteDayJSON(b, d) }},
		{"gameday/day.html", func(b *bytes.Buffer, d DayReport) error { return WriteDayHTML(b, d) }},
	} {
		t.Run(format.golden, func(t *testing.T) {
			var out bytes.Buffer
			if err := format.write(&out, day); err != nil {
				t.Fatal(err)
			}
			golden(t, format.golden, out.Bytes())
		})
	}
}

func TestDashboardServesTheDaysReport(t *testing.T) {
	server := httptest.NewServer(Handler(dayHistory(t), HandlerOptions{
		Console: ConsoleOptions{GameDays: func() []ConsoleGameDay { return []ConsoleGameDay{dayAbout} }},
	}))
	defer server.Close()
	get := func(path, accept string) (int, string) {
		req, _ := http.NewRequest("GET", server.URL+path, nil)
		req.Header.Set("Accept", accept)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	code, page := get("/gamedays/december", "text/html")
	for _, want := range []string{`<svg class="timeline"`, "Facilitator: Ada", `<a href="/runs/restore-1">`, "rows counted by hand"} {
		if code != 200 || !strings.Contains(page, want) {
			t.Errorf("/gamedays/december: %d, without %q", code, want)
		}
	}
	if code, body := get("/gamedays/december", "application/json"); code != 200 || !strings.Contains(body, `"human_time_seconds": 300`) {
		t.Errorf("the day's JSON: %d %s", code, body)
	}
	if code, body := get("/gamedays/january", "text/html"); code != 404 || !strings.Contains(body, "no run in the history") {
		t.Errorf("an unknown game day: %d %q", code, body)
	}
}

func TestDayReportOfAnUnknownGameDay(t *testing.T) {
	_, err := BuildDayReport(context.Background(), dayHistory(t), "january", ConsoleGameDay{})
	if err == nil || !strings.Contains(err.Error(), `game day "january": no run in the history`) {
		t.Errorf("error %v", err)
	}
}

// The day's timeline drawn by Chromium: one row of bars per drill, each
// phase's bar with a size, on one axis, and the dashboard serves it.
func TestDayReportTimelineInChromium(t *testing.T) {
	day, err := BuildDayReport(context.Background(), dayHistory(t), "december", dayAbout)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var page bytes.Buffer
	if err := WriteDayHTML(&page, day); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "day.html")
	if err := os.WriteFile(path, page.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := chromium(t, dir)
	if err := chromedp.Do(ctx, chromedp.Navigate("file://"+path), chromedp.WaitVisible(chromedp.CSS("svg.timeline"))); err != nil {
		t.Fatal(err)
	}
	bars, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](`Array.from(document.querySelectorAll("svg.timeline rect")).map(r => r.getBoundingClientRect().width)`))
	if err != nil {
		t.Fatal(err)
	}
	// restore: steady_state, disrupt, recover, recovered_when, rollback;
	// failover: disrupt, recover, rollback.
	if len(bars) != 8 {
		t.Errorf("%d phase bars, want 8", len(bars))
	}
	for i, width := range bars {
		if width <= 0 {
			t.Errorf("bar %d has no width", i)
		}
	}
	screenshot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	shot := filepath.Join(dir, "day.png")
	if keep := os.Getenv("REDRILL_TEST_SHOTS"); keep != "" {
		shot = filepath.Join(keep, "day.png")
	}
	if err := os.WriteFile(shot, screenshot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", shot)
}
