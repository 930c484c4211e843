package reports

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/redrill/redrill/store"
)

// /metrics has the newest value of every measure under a name with its
// unit, the restore throughput and the forecast against size, and
// promtool finds nothing to say about them.
func TestMetricsOfMeasures(t *testing.T) {
	dir := t.TempDir()
	history, err := store.Open(context.Background(), filepath.Join(dir, "history.db"), store.Options{SpoolDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { history.Close() })
	now := time.Now().Truncate(time.Second)
	objective := time.Hour
	// Weekly runs of a database growing 4% a month, restored at 8 s/GB.
	var last float64
	for week := range 8 {
		started := now.Add(-time.Duration(8-week) * 7 * 24 * time.Hour)
		size := 200 * gigabyte * (1 + 0.04*float64(week)*7/30)
		rto := restoreTime(size)
		id := fmt.Sprintf("orders-%d", week)
		if err := history.StartRun(context.Background(), store.Run{ID: id, Scenario: "orders", Trigger: store.TriggerSchedule,
			StartedAt: started, HeartbeatAt: started, ObjectiveRTO: &objective}); err != nil {
			t.Fatal(err)
		}
		if err := history.FinishRun(context.Background(), id, store.Finish{EndedAt: started.Add(rto), Verdict: store.VerdictMet,
			ClockStart: started, ClockStop: started.Add(rto), RTO: &rto, Measures: []store.Measure{
				{Name: "database_size", Unit: store.UnitBytes, Value: size, Phase: "steady_state"},
				{Name: "rows_restored", Unit: store.UnitRows, Value: 1e6, Phase: "data_loss"},
				{Name: "restore_jobs", Unit: store.UnitCount, Value: 4, Phase: "setup"},
			}}); err != nil {
			t.Fatal(err)
		}
		last = size
	}
	server := httptest.NewServer(Handler(history, HandlerOptions{}))
	defer server.Close()
	resp, err := http.Get(server.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: %d %v", resp.StatusCode, err)
	}
	check := exec.Command(promtool(t), "check", "metrics")
	check.Stdin = bytes.NewReader(body)
	if out, err := check.CombinedOutput(); err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Errorf("promtool check metrics: %v\n%s", err, out)
	}
	got := parseExposition(t, string(body))
	for series, want := range map[string]float64{
		`redrill_last_measure_bytes{measure="database_size",scenario="orders"}`:                       last,
		`redrill_last_measure_rows{measure="rows_restored",scenario="orders"}`:                        1e6,
		`redrill_last_measure{measure="restore_jobs",scenario="orders"}`:                              4,
		`redrill_last_restore_throughput_bytes_per_second{measure="database_size",scenario="orders"}`: last / restoreTime(last).Seconds(),
	} {
		if value, ok := got[series]; !ok || value != want {
			t.Errorf("%s = %v (present %v), want %v", series, value, ok, want)
		}
	}
	crossing, ok := got[`redrill_growth_forecast_crossing_timestamp_seconds{measure="database_size",scenario="orders"}`]
	if !ok || crossing < float64(now.Unix()) {
		t.Errorf("forecast crossing %v (present %v), want a time after now", crossing, ok)
	}
}
