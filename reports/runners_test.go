package reports

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redrill/redrill/store"
)

// redrill_runner_up has one series per runner not stopped, 1 up and 0
// gone, with a label_KEY for every key any runner has; promtool accepts it.
// The dashboard lists every runner with its state.
func TestRunnersOnMetricsAndDashboard(t *testing.T) {
	dir := t.TempDir()
	history, err := store.Open(context.Background(), filepath.Join(dir, "history.db"), store.Options{SpoolDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { history.Close() })
	clock := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	for _, r := range []store.Runner{
		{Name: "eu-1:10", Labels: map[string]string{"site": "eu-west", "hw": "nvme-2026"}, Version: "0.4.0", StartedAt: clock.Add(-time.Hour), HeartbeatAt: clock.Add(-2 * time.Second)},
		{Name: "us-1:20", Labels: map[string]string{"site": "us-east"}, Version: "0.4.0", StartedAt: clock.Add(-time.Hour), HeartbeatAt: clock.Add(-time.Minute)},
		{Name: "old:30", Labels: map[string]string{}, Version: "0.3.9", StartedAt: clock.Add(-48 * time.Hour), HeartbeatAt: clock.Add(-47 * time.Hour)},
	} {
		mustDo(t, history.RegisterRunner(context.Background(), r))
	}
	mustDo(t, history.StopRunner(context.Background(), "old:30", clock.Add(-47*time.Hour)))
	handler := Handler(history, HandlerOptions{Runners: history, Now: func() time.Time { return clock }})

	body := scrape(t, handler)
	check := exec.Command(promtool(t), "check", "metrics")
	check.Stdin = strings.NewReader(body)
	if out, err := check.CombinedOutput(); err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Errorf("promtool check metrics: %v\n%s", err, out)
	}
	got := parseExposition(t, body)
	for series, want := range map[string]float64{
		`redrill_runner_up{label_hw="nvme-2026",label_site="eu-west",runner="eu-1:10",version="0.4.0"}`: 1,
		`redrill_runner_up{label_hw="",label_site="us-east",runner="us-1:20",version="0.4.0"}`:          0,
	} {
		if value, ok := got[series]; !ok || value != want {
			t.Errorf("%s = %v (present %v), want %v; series: %v", series, value, ok, want, got.names("redrill_runner_up"))
		}
	}
	if names := got.names("redrill_runner_up"); len(names) != 2 {
		t.Errorf("runner series %v, want two (the stopped runner is not exported)", names)
	}

	server := httptest.NewServer(handler)
	defer server.Close()
	resp, err := http.Get(server.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	page := string(raw)
	for _, want := range []string{"<h2>Runners</h2>", "eu-1:10", "hw=nvme-2026,site=eu-west", `risk-healthy">up`, `risk-not-met">gone`, `risk-stale">stopped`} {
		if !strings.Contains(page, want) {
			t.Errorf("the dashboard has no %q", want)
		}
	}
}
