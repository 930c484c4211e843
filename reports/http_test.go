package reports

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redrill/redrill/internal/pgtest"
	"github.com/redrill/redrill/store"
)

func TestDashboard(t *testing.T) {
	next := time.Date(2026, 11, 28, 3, 0, 0, 0, time.UTC)
	server := httptest.NewServer(Handler(history(t), HandlerOptions{
		Token: "s3cret-token",
		Scheduled: func() []ScheduledScenario {
			return []ScheduledScenario{{Scenario: "orders", Schedule: "0 3 * * SAT", Timezone: "UTC", NextRun: next, Interval: 7 * 24 * time.Hour}}
		},
		Window: 365 * 24 * time.Hour,
		Now:    func() time.Time { return now },
	}))
	defer server.Close()

	get := func(path, token string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest("GET", server.URL+path, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}

	if code, _ := get("/healthz", ""); code != 200 {
		t.Errorf("/healthz without token: %d", code)
	}
	if code, _ := get("/", ""); code != 401 {
		t.Errorf("/ without token: %d, want 401", code)
	}
	if code, _ := get("/", "wrong"); code != 401 {
		t.Errorf("/ with a wrong token: %d, want 401", code)
	}
	tests := []struct{ path, want string }{
		{"/", `<svg class="rto-chart wide"`},
		{"/api/report", `"scenario":"orders"`},
		{"/api/runs?scenario=api", `"run_id": "api-003"`},
		{"/runs/api-003", "verdict   missed"},
		{"/metrics", `redrill_last_rto_seconds{scenario="orders"} 1140`},
		{"/metrics", `redrill_runs{scenario="orders",verdict="met"} 8`},
		{"/metrics", `redrill_next_run_timestamp_seconds{scenario="orders"} 1.7958348e+09`},
	}
	for _, tt := range tests {
		code, body := get(tt.path, "s3cret-token")
		if code != 200 || !strings.Contains(body, tt.want) {
			t.Errorf("%s: %d, body lacks %q:\n%.600s", tt.path, code, tt.want, body)
		}
	}
	if code, _ := get("/runs/nope", "s3cret-token"); code != 404 {
		t.Errorf("/runs/nope: %d", code)
	}

	// The query parameters are honoured, and refused when they are wrong.
	count := func(body string) int { return strings.Count(body, `"run_id"`) }
	if code, body := get("/api/runs?limit=2", "s3cret-token"); code != 200 || count(body) != 2 {
		t.Errorf("/api/runs?limit=2: %d with %d runs, want 2", code, count(body))
	}
	if code, body := get("/api/runs?scenario=api&limit=1", "s3cret-token"); code != 200 || count(body) != 1 || !strings.Contains(body, `"run_id": "api-003"`) {
		t.Errorf("/api/runs?scenario=api&limit=1: %d, want the newest api run only:\n%s", code, body)
	}
	if code, body := get("/api/runs?gameday=q4-resilience", "s3cret-token"); code != 200 || count(body) != 2 {
		t.Errorf("/api/runs?gameday=q4-resilience: %d with %d runs, want its 2", code, count(body))
	}
	if _, body := get("/api/report?since=5d", "s3cret-token"); !strings.Contains(body, `"runs":0`) || !strings.Contains(body, `"runs":1`) {
		t.Errorf("/api/report?since=5d does not narrow the window to 5 days:\n%.800s", body)
	}
	for _, path := range []string{"/api/runs?limit=0", "/api/runs?limit=abc", "/api/runs?limit=100000", "/api/report?since=soon", "/?since=-1d"} {
		if code, body := get(path, "s3cret-token"); code != 400 {
			t.Errorf("%s: %d, want 400 (%s)", path, code, body)
		}
	}
}

// Bytes no run can have are a 404 or a 400 on either store, never a
// database error; every answer says nosniff.
func TestDashboardRefusesBadBytes(t *testing.T) {
	for name, target := range map[string]func(t *testing.T) string{
		"sqlite":   func(t *testing.T) string { return filepath.Join(t.TempDir(), "h.db") },
		"postgres": func(t *testing.T) string { return pgtest.NewDatabase(t) },
	} {
		t.Run(name, func(t *testing.T) {
			history, err := store.Open(context.Background(), target(t), store.Options{SpoolDir: t.TempDir()})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { history.Close() })
			server := httptest.NewServer(Handler(history, HandlerOptions{}))
			defer server.Close()
			for path, want := range map[string]int{
				"/runs/%00":              http.StatusNotFound,
				"/runs/%ff":              http.StatusNotFound,
				"/api/runs?scenario=%ff": http.StatusBadRequest,
				"/api/runs?gameday=%00":  http.StatusBadRequest,
				"/runs/no-such-run":      http.StatusNotFound,
				"/":                      http.StatusOK,
			} {
				resp, err := http.Get(server.URL + path)
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != want {
					t.Errorf("%s: %d, want %d (%s)", path, resp.StatusCode, want, body)
				}
				if got := resp.Header.Get("X-Content-Type-Options"); got != "nosniff" {
					t.Errorf("%s: X-Content-Type-Options %q, want nosniff", path, got)
				}
			}
		})
	}
}
