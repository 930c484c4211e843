package reports

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// A run page is HTML to a browser, the text of redrill show to curl and
// to text/plain, JSON to application/json; the front page links it.
func TestDashboardRunPagesByAccept(t *testing.T) {
	next := time.Date(2026, 11, 28, 3, 0, 0, 0, time.UTC)
	server := httptest.NewServer(Handler(runHistory(t), HandlerOptions{
		Scheduled: func() []ScheduledScenario {
			return []ScheduledScenario{{Scenario: "inventory", Schedule: "0 4 * * *", Timezone: "Europe/Berlin", NextRun: next, Interval: 24 * time.Hour}}
		},
		Window: 365 * 24 * time.Hour,
		Now:    func() time.Time { return now },
	}))
	defer server.Close()
	get := func(path, accept string) (*http.Response, string) {
		t.Helper()
		req, _ := http.NewRequest("GET", server.URL+path, nil)
		if accept != "" {
			req.Header.Set("Accept", accept)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp, string(body)
	}
	browser := "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
	tests := []struct {
		name, accept, contentType string
		want                      []string
	}{
		{"a browser", browser, "text/html; charset=utf-8", []string{`<div class="timeline"`, `<a href="../">`, "orders-back", "round 2", "recovery clock from 03:00:01.000 to 03:11:44.000", `<details class="step">`}},
		{"curl", "*/*", "text/plain; charset=utf-8", []string{"run orders-met of orders\n", "verdict   met"}},
		{"no Accept", "", "text/plain; charset=utf-8", []string{"run orders-met of orders\n"}},
		{"text/plain", "text/plain", "text/plain; charset=utf-8", []string{"run orders-met of orders\n"}},
		{"application/json", "application/json", "application/json", []string{`"run_id": "orders-met"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := get("/runs/orders-met", tt.accept)
			if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != tt.contentType {
				t.Fatalf("%d %s, want 200 %s", resp.StatusCode, resp.Header.Get("Content-Type"), tt.contentType)
			}
			if resp.Header.Get("Vary") != "Accept" {
				t.Errorf("Vary %q, want Accept: caches must keep one answer per type", resp.Header.Get("Vary"))
			}
			for _, want := range tt.want {
				if !strings.Contains(body, want) {
					t.Errorf("body lacks %q:\n%.1500s", want, body)
				}
			}
		})
	}

	_, front := get("/", browser)
	for _, want := range []string{
		`<a href="runs/orders-met">orders-met</a>`, `<a href="runs/api-running">api-running</a>`,
		`<a href="runs/payments-loaded">`,
		// The game day's own report.
		`<a href="gamedays/q4-resilience">the day's report</a>`,
		"inventory", "0 4 * * * Europe/Berlin", "2026-11-28 03:00 UTC",
		// api-running is running: the page reloads itself.
		`<meta http-equiv="refresh" content="10">`,
		`<link rel="icon" type="image/svg+xml" href="data:image/svg+xml,`,
	} {
		if !strings.Contains(front, want) {
			t.Errorf("the front page lacks %q", want)
		}
	}
	if strings.Contains(front, "<script") {
		t.Error("the front page has a script")
	}
}
