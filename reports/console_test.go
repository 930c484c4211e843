package reports

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/redrill/redrill/scenarios/phase"
	"github.com/redrill/redrill/store"
)

// consoleServer serves the dashboard with a console on a real listener.
func consoleServer(t *testing.T, token string, opts ConsoleOptions) (*httptest.Server, *Console) {
	t.Helper()
	return consoleServerOn(t, history(t), token, opts)
}

// consoleServerOn serves the console on the history s.
func consoleServerOn(t *testing.T, s store.Store, token string, opts ConsoleOptions) (*httptest.Server, *Console) {
	t.Helper()
	if opts.Console == nil {
		opts.Console = NewConsole(nil)
	}
	if opts.GameDays == nil {
		opts.GameDays = func() []ConsoleGameDay {
			return []ConsoleGameDay{{Name: "december", Scenarios: []string{"orders-restore", "web-failover"},
				Description: "Before the freeze", Facilitator: "Ada", Participants: []string{"Grace", "Linus"}}}
		}
	}
	server := httptest.NewServer(Handler(s, HandlerOptions{Token: token, Console: opts, Window: 365 * 24 * time.Hour, Now: func() time.Time { return now }}))
	t.Cleanup(server.Close)
	t.Cleanup(opts.Console.Close) // before server.Close, which waits for the streams
	return server, opts.Console
}

// sseReader reads server-sent events.
type sseReader struct {
	t    *testing.T
	body io.ReadCloser
	r    *bufio.Reader
}

func openEvents(t *testing.T, server *httptest.Server, token string) *sseReader {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, "GET", server.URL+"/console/events", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("/console/events: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	t.Cleanup(func() { resp.Body.Close() })
	return &sseReader{t: t, body: resp.Body, r: bufio.NewReader(resp.Body)}
}

// next returns the next event's name and data, failing after 10 s.
func (s *sseReader) next() (string, string) {
	s.t.Helper()
	type event struct{ name, data string }
	got := make(chan event, 1)
	go func() {
		var e event
		for {
			line, err := s.r.ReadString('\n')
			if err != nil {
				got <- event{name: "error: " + err.Error()}
				return
			}
			line = strings.TrimRight(line, "\n")
			switch {
			case line == "" && (e.name != "" || e.data != ""):
				got <- e
				return
			case strings.HasPrefix(line, "event: "):
				e.name = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				e.data += strings.TrimPrefix(line, "data: ")
			case strings.HasPrefix(line, "retry: "):
				e.name = "retry"
				e.data = strings.TrimPrefix(line, "retry: ")
			}
		}
	}()
	select {
	case e := <-got:
		return e.name, e.data
	case <-time.After(10 * time.Second):
		s.t.Fatal("no event within 10 s")
		return "", ""
	}
}

// state reads the next state event.
func (s *sseReader) state() consoleState {
	s.t.Helper()
	name, data := s.next()
	if name != "state" {
		s.t.Fatalf("event %q (%s), want state", name, data)
	}
	var state consoleState
	if err := json.Unmarshal([]byte(data), &state); err != nil {
		s.t.Fatalf("state %s: %v", data, err)
	}
	return state
}

func TestConsoleStreamsTheGameDay(t *testing.T) {
	server, console := consoleServer(t, "tok", ConsoleOptions{})
	events := openEvents(t, server, "tok")
	if name, retry := events.next(); name != "retry" || retry != "2000" {
		t.Fatalf("first line %s %s, want retry: 2000 (EventSource reconnects after 2 s)", name, retry)
	}
	if first := events.state(); len(first.GameDays) != 0 || len(first.Drills) != 0 {
		t.Fatalf("before any drill: %+v", first)
	}

	started := time.Date(2026, 12, 5, 9, 0, 0, 0, time.UTC)
	rto := 2 * time.Minute
	run := store.Run{ID: "run-1", Scenario: "orders-restore", GameDay: "december", Status: store.StatusRunning, StartedAt: started, ObjectiveRTO: &rto}
	console.Observe(store.Event{Type: store.EventStart, At: started, Record: store.Record{Run: run}})
	day := events.state()
	if len(day.GameDays) != 1 || day.GameDays[0].Facilitator != "Ada" || len(day.GameDays[0].Scenarios) != 2 {
		t.Fatalf("game day: %+v", day.GameDays)
	}
	if s := day.GameDays[0].Scenarios; s[0].RunID != "run-1" || s[0].Status != "running" || s[1].Scenario != "web-failover" || s[1].Status != "pending" {
		t.Errorf("scenarios: %+v", s)
	}

	run.ClockStart = started.Add(time.Second)
	console.Observe(store.Event{Type: store.EventClockStart, At: run.ClockStart, Record: store.Record{Run: run}})
	run.Workloads = []store.Workload{{Name: "checkout", Attempts: 40, Failed: 7, CurrentOutage: 3500 * time.Millisecond}}
	console.Observe(store.Event{Type: store.EventStepStart, At: run.ClockStart, Phase: phase.Recover,
		Step: &store.Step{Name: "restore", Kind: "command"}, Record: store.Record{Run: run}})
	var during consoleRunJSON
	for during.Step == nil { // the stream may send the clock's start alone first
		during = events.state().GameDays[0].Scenarios[0]
	}
	if during.Phase != "recover" || during.Step.Name != "restore" || during.ClockStart == nil || !during.ClockStart.Equal(run.ClockStart) {
		t.Errorf("during the restore: %+v", during)
	}
	if *during.ObjectiveRTO != 120 || during.Workloads[0].CurrentOutageSeconds != 3.5 {
		t.Errorf("objective and outage: %v %+v", *during.ObjectiveRTO, during.Workloads)
	}

	measured := 95 * time.Second
	run.ClockStop, run.RTO, run.Workloads[0].CurrentOutage = run.ClockStart.Add(measured), &measured, 0
	console.Observe(store.Event{Type: store.EventStepEnd, Phase: phase.Recover, Step: &store.Step{Name: "restore", Kind: "command", Passed: true}, Record: store.Record{Run: run}})
	console.Observe(store.Event{Type: store.EventClockStop, Record: store.Record{Run: run}})
	var after consoleRunJSON
	for after.RTOSeconds == nil {
		after = events.state().GameDays[0].Scenarios[0]
	}
	if *after.RTOSeconds != 95 || after.Step != nil || after.Workloads[0].CurrentOutageSeconds != 0 {
		t.Errorf("after recovery: %+v", after)
	}

	// A client that reconnects gets the whole state at once.
	again := openEvents(t, server, "tok")
	again.next() // retry
	if s := again.state().GameDays[0].Scenarios[0]; s.RTOSeconds == nil || *s.RTOSeconds != 95 {
		t.Errorf("after reconnecting: %+v", s)
	}

	// The stream ends when serve shuts down, rather than hold it up.
	console.Close()
	if name, _ := events.next(); !strings.HasPrefix(name, "error: ") {
		t.Errorf("after Close: event %q, want the end of the stream", name)
	}
}

func TestConsoleKeepsFinishedRunsWhileTheirDayGoesOn(t *testing.T) {
	clock := time.Date(2026, 12, 5, 9, 0, 0, 0, time.UTC)
	console := NewConsole(func() time.Time { return clock })
	first := store.Run{ID: "a", Scenario: "orders-restore", GameDay: "december", Status: store.StatusFinished, Verdict: store.VerdictMet, EndedAt: clock}
	console.Observe(store.Event{Type: store.EventEnd, Record: store.Record{Run: first}})
	second := store.Run{ID: "b", Scenario: "web-failover", GameDay: "december", Status: store.StatusRunning}
	clock = clock.Add(3 * time.Hour)
	console.Observe(store.Event{Type: store.EventStart, Record: store.Record{Run: second}})
	if got := len(console.state(nil, nil).GameDays[0].Scenarios); got != 2 {
		t.Fatalf("while the day goes on: %d runs, want 2", got)
	}
	second.Status, second.EndedAt = store.StatusFinished, clock
	clock = clock.Add(keepFinished + time.Minute)
	console.Observe(store.Event{Type: store.EventEnd, Record: store.Record{Run: second}})
	other := store.Run{ID: "c", Scenario: "nightly", Status: store.StatusRunning}
	console.Observe(store.Event{Type: store.EventStart, Record: store.Record{Run: other}})
	state := console.state(nil, nil)
	if len(state.GameDays) != 0 || len(state.Drills) != 1 {
		t.Errorf("an hour after the day: %+v", state)
	}
}

// Answers and aborts from the console reach the store, where the drill's
// runner reads them, with the name the person gave; the first answer
// wins and a second says who was first.
func TestConsoleAnswersAndAbortsGoToTheStore(t *testing.T) {
	ctx := context.Background()
	history := history(t)
	started := now.Add(-time.Minute)
	if err := history.StartRun(ctx, store.Run{ID: "live-1", Scenario: "orders-restore", ScenarioHash: "h", Trigger: store.TriggerGameDay,
		GameDay: "december", Host: "runner-2", PID: 7, StartedAt: started}); err != nil {
		t.Fatal(err)
	}
	if err := history.StartStep(ctx, store.Step{RunID: "live-1", Seq: 1, Phase: phase.Recover, Name: "count-rows", Kind: store.KindManual,
		StartedAt: started, Running: true, Manual: &store.Manual{Instructions: "Count the orders by hand", Timeout: 30 * time.Minute}}); err != nil {
		t.Fatal(err)
	}
	server, _ := consoleServerOn(t, history, "", ConsoleOptions{Actions: history})
	browser := newConsoleClient(t, server)
	token := browser.csrf()
	same := map[string]string{"Origin": server.URL}
	post := func(path string, form url.Values) (int, string) {
		t.Helper()
		form.Set("csrf", token)
		code, _, body := browser.do("POST", path, form, same)
		return code, strings.TrimSpace(body)
	}
	answer := url.Values{"run_id": {"live-1"}, "step": {"count-rows"}, "outcome": {"done"}, "note": {"1,204 rows"}}
	if code, body := post("/console/answer", answer); code != 400 || !strings.Contains(body, "say who you are first") {
		t.Errorf("an answer before giving a name: %d %q", code, body)
	}
	if code, _ := post("/console/name", url.Values{"name": {"Ada (DBA)"}}); code != 200 {
		t.Fatalf("name: %d", code)
	}

	// A run this serve does not run (another runner's) still shows its
	// waiting step, with the instructions.
	_, _, page := browser.do("GET", "/api/console", nil, nil)
	var state consoleState
	if err := json.Unmarshal([]byte(page), &state); err != nil {
		t.Fatal(err)
	}
	if len(state.Elsewhere) != 1 || state.Elsewhere[0].Instructions != "Count the orders by hand" || state.Elsewhere[0].Scenario != "orders-restore" {
		t.Fatalf("waiting elsewhere: %+v", state.Elsewhere)
	}

	if code, body := post("/console/answer", url.Values{"run_id": {"live-1"}, "step": {"count-rows"}, "outcome": {"failed"}}); code != 400 || !strings.Contains(body, "say why the step failed") {
		t.Errorf("a failure without a note: %d %q", code, body)
	}
	if code, body := post("/console/answer", answer); code != 200 || body != "Ada (DBA) answered count-rows: done" {
		t.Fatalf("answer: %d %q", code, body)
	}
	_, steps, err := history.Run(ctx, "live-1")
	if err != nil {
		t.Fatal(err)
	}
	if got := steps[0].Manual.Answer; got == nil || got.By != "Ada (DBA)" || got.Note != "1,204 rows" || got.Outcome != store.AnswerDone || got.Automatic {
		t.Errorf("the store's answer: %+v", got)
	}
	if code, body := post("/console/answer", answer); code != 409 || !strings.Contains(body, "already answered by Ada (DBA)") {
		t.Errorf("a second answer: %d %q", code, body)
	}
	if code, body := post("/console/answer", url.Values{"run_id": {"live-1"}, "step": {"count-rows"}, "outcome": {"maybe"}}); code != 400 || !strings.Contains(body, `outcome "maybe"`) {
		t.Errorf("an unknown outcome: %d %q", code, body)
	}

	if code, body := post("/console/abort", url.Values{"run_id": {"live-1"}, "note": {"the replica is gone"}}); code != 200 || !strings.Contains(body, "asked run live-1 to abort") {
		t.Fatalf("abort: %d %q", code, body)
	}
	run, _, err := history.Run(ctx, "live-1")
	if err != nil {
		t.Fatal(err)
	}
	if run.Abort == nil || run.Abort.By != "Ada (DBA)" || run.Abort.Note != "the replica is gone" {
		t.Errorf("the store's abort request: %+v", run.Abort)
	}
	if code, body := post("/console/abort", url.Values{"run_id": {"live-1"}}); code != 409 || !strings.Contains(body, "abort already requested by Ada (DBA)") {
		t.Errorf("a second abort: %d %q", code, body)
	}
	if code, body := post("/console/abort", url.Values{"run_id": {"no-such-run"}}); code != 404 {
		t.Errorf("abort of an unknown run: %d %q", code, body)
	}
}
