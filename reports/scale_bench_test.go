package reports

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/redrill/redrill/internal/pgtest"
	"github.com/redrill/redrill/store"
)

// The history of BenchmarkDashboardAtScale: REDRILL_BENCH_RUNS runs of
// REDRILL_BENCH_SCENARIOS scenarios over REDRILL_BENCH_DAYS days (small
// by default; docs/performance.md has the figures for a million runs of
// 1,000 scenarios over a year).
func scaleBenchHistory(b *testing.B) (runs, scenarios, days int) {
	read := func(name string, fallback int) int {
		text := os.Getenv(name)
		if text == "" {
			return fallback
		}
		n, err := strconv.Atoi(text)
		if err != nil || n < 1 {
			b.Fatalf("%s=%q: give a whole number above 0", name, text)
		}
		return n
	}
	return read("REDRILL_BENCH_RUNS", 20_000), read("REDRILL_BENCH_SCENARIOS", 200), read("REDRILL_BENCH_DAYS", 365)
}

// clientsAtOnce is how many clients ask the dashboard at once.
const clientsAtOnce = 20

// BenchmarkDashboardAtScale measures, on both stores, what a reader of
// the history waits for: the report built from the store (redrill report,
// and every page and scrape before the summaries), and /, /api/report and
// /metrics of the dashboard, asked by 20 clients at once while a drill
// finishes every 100 requests. Each request of a client is timed; p50 and
// p95 are reported.
func BenchmarkDashboardAtScale(b *testing.B) {
	runs, scenarios, days := scaleBenchHistory(b)
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	for _, target := range []struct {
		name, driver string
		target       func(b *testing.B) string
	}{
		{"sqlite", "sqlite", func(b *testing.B) string { return filepath.Join(b.TempDir(), "h.db") }},
		{"postgres", "postgres", func(b *testing.B) string { return pgtest.NewDatabase(b) }},
	} {
		b.Run(target.name, func(b *testing.B) {
			dsn := target.target(b)
			history, err := store.Open(context.Background(), dsn, store.Options{SpoolDir: b.TempDir(), Now: func() time.Time { return now }})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { history.Close() })
			began := time.Now()
			seedScaleRuns(b, target.driver, dsn, now, runs, scenarios, days)
			b.Logf("%d runs of %d scenarios over %d days written in %s", runs, scenarios, days, time.Since(began).Round(time.Millisecond))

			b.Run("report", func(b *testing.B) {
				for b.Loop() {
					report, err := Build(context.Background(), history, Options{Now: now})
					if err != nil {
						b.Fatal(err)
					}
					if len(report.Scenarios) != scenarios {
						b.Fatalf("%d scenarios in the report, want %d", len(report.Scenarios), scenarios)
					}
					if err := WriteHTML(io.Discard, report); err != nil {
						b.Fatal(err)
					}
				}
			})
			server := httptest.NewServer(Handler(history, HandlerOptions{Now: func() time.Time { return now }}))
			b.Cleanup(server.Close)
			heapBefore := heapInUse()
			began = time.Now()
			get(b, server.URL+"/metrics") // the first request reads the window
			b.Logf("first request (reads the window): %s; the summaries hold %d MB of heap",
				time.Since(began).Round(time.Millisecond), (heapInUse()-heapBefore)>>20)
			b.Run("report-text", func(b *testing.B) {
				for b.Loop() {
					report, err := Build(context.Background(), history, Options{Now: now})
					if err != nil {
						b.Fatal(err)
					}
					if err := WriteText(io.Discard, report); err != nil {
						b.Fatal(err)
					}
				}
			})
			// Where a page's time goes: the report from the summaries,
			// then its HTML.
			summaries := NewSummaries(history, DefaultWindow)
			if _, err := summaries.Report(context.Background(), Options{Now: now}); err != nil {
				b.Fatal(err) // the window read once, as a dashboard's first request does
			}
			b.Run("summaries", func(b *testing.B) {
				for b.Loop() {
					if _, err := summaries.Report(context.Background(), Options{Now: now}); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("html", func(b *testing.B) {
				report, err := summaries.Report(context.Background(), Options{Now: now})
				if err != nil {
					b.Fatal(err)
				}
				for b.Loop() {
					if err := WriteHTML(io.Discard, report); err != nil {
						b.Fatal(err)
					}
				}
			})
			// One client, nothing written between its requests: what one
			// answer costs the server, and its size.
			for _, path := range []struct{ name, path string }{{"metrics-alone", "/metrics"}, {"dashboard-alone", "/"}, {"api-report-alone", "/api/report"}} {
				b.Run(path.name, func(b *testing.B) {
					var size int
					for b.Loop() {
						size = get(b, server.URL+path.path)
					}
					b.ReportMetric(float64(size), "bytes/answer")
				})
			}
			for _, path := range []struct{ name, path string }{{"metrics", "/metrics"}, {"dashboard", "/"}, {"api-report", "/api/report"}} {
				b.Run(path.name, func(b *testing.B) {
					var latencies []time.Duration
					refused.Store(0)
					for b.Loop() {
						latencies = append(latencies, askAtOnce(b, server.URL+path.path, history, now)...)
					}
					slices.Sort(latencies)
					b.ReportMetric(float64(latencies[len(latencies)/2].Microseconds())/1000, "ms-p50")
					b.ReportMetric(float64(latencies[len(latencies)*95/100].Microseconds())/1000, "ms-p95")
					b.ReportMetric(float64(refused.Load())/float64(len(latencies)), "refused/req")
				})
			}
		})
	}
}

// askAtOnce has clientsAtOnce clients ask for url five times each, while a
// drill starts and finishes, and returns how long each answer took.
func askAtOnce(b *testing.B, url string, history store.Store, now time.Time) []time.Duration {
	b.Helper()
	var mu sync.Mutex
	var latencies []time.Duration
	var clients sync.WaitGroup
	for range clientsAtOnce {
		clients.Go(func() {
			for range 5 {
				began := time.Now()
				get(b, url)
				mu.Lock()
				latencies = append(latencies, time.Since(began))
				mu.Unlock()
			}
		})
	}
	id := fmt.Sprintf("bench-%d", time.Now().UnixNano())
	rto := 20 * time.Minute
	if err := history.StartRun(context.Background(), store.Run{ID: id, Scenario: "scenario-1", ScenarioHash: "h", Trigger: store.TriggerSchedule, StartedAt: now.Add(-time.Hour)}); err != nil {
		b.Fatal(err)
	}
	if err := history.FinishRun(context.Background(), id, store.Finish{EndedAt: now, RTO: &rto, Verdict: store.VerdictMet, Rollback: store.RollbackPassed}); err != nil {
		b.Fatal(err)
	}
	clients.Wait()
	return latencies
}

// heapInUse is the live heap, after a collection.
func heapInUse() int64 {
	runtime.GC()
	var stats runtime.MemStats
	runtime.ReadMemStats(&stats)
	return int64(stats.HeapAlloc)
}

// refused counts the answers other than 200 OK.
var refused atomic.Int64

// remoteClient asks as a client on another machine does: it takes gzip,
// and what it does with the answer is its own machine's work, so the
// answer is read as sent, not decompressed on the server's cores.
var remoteClient = &http.Client{Transport: &http.Transport{DisableCompression: true, MaxIdleConnsPerHost: clientsAtOnce}}

// get asks for url and returns the size of the answer as sent.
func get(b *testing.B, url string) int {
	request, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		b.Fatal(err)
	}
	request.Header.Set("Accept-Encoding", "gzip")
	resp, err := remoteClient.Do(request)
	if err != nil {
		b.Error(err)
		return 0
	}
	defer resp.Body.Close()
	size, err := io.Copy(io.Discard, resp.Body)
	if err != nil {
		b.Error(err)
	}
	if resp.StatusCode != http.StatusOK {
		// Counted, not failed: a busy dashboard answers 503 by design.
		refused.Add(1)
	}
	return int(size)
}

// seedScaleRuns writes the runs with one SQL statement: every verdict,
// RTOs that vary by run and scenario, a quarter under load.
func seedScaleRuns(b *testing.B, driver, dsn string, now time.Time, runs, scenarios, days int) {
	b.Helper()
	db, err := sqlx.Open(driver, dsn)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	series := fmt.Sprintf(`WITH RECURSIVE series(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM series WHERE i < %d) `, runs)
	if driver == "postgres" {
		series = fmt.Sprintf(`WITH series AS (SELECT CAST(g AS BIGINT) AS i FROM generate_series(1, %d) g) `, runs)
	}
	spacing := (time.Duration(days) * 24 * time.Hour / time.Duration(runs)).Microseconds()
	query := `INSERT INTO runs (id, scenario, scenario_hash, scenario_source, trigger, gameday, host, pid, status,
	verdict, reason, started_at, ended_at, heartbeat_at, clock_start, clock_stop, rto_seconds, rpo_seconds,
	objective_rto_seconds, objective_rpo_seconds, rollback, schedule, owner, postmortems,
	client_downtime_seconds, lost_writes, objective_downtime_seconds, objective_lost_writes) ` + series + fmt.Sprintf(`SELECT
	'run-' || i, 'scenario-' || (i %% %[1]d), 'hash', 'scenario "x" {}', 'schedule', '', 'bench', 1, 'finished',
	CASE WHEN i %% 97 = 0 THEN 'failed' WHEN i %% 89 = 0 THEN 'aborted' WHEN i %% 83 = 0 THEN 'interrupted'
		WHEN i %% 79 = 0 THEN 'not_run' WHEN rto > 1800 THEN 'missed' ELSE 'met' END, 'as measured',
	started_at, started_at + 600000000, started_at + 600000000, started_at, started_at + CAST(rto * 1000000 AS BIGINT),
	CASE WHEN i %% 79 = 0 THEN NULL ELSE rto END, 60, 1800, 3600,
	CASE WHEN i %% 101 = 0 THEN 'failed' ELSE 'passed' END, '0 3 * * *', 'team-' || (i %% 7),
	'[{"title": "A restore that ran hours past plan"}]',
	CASE WHEN i %% 4 = 0 THEN 4.2 END, CASE WHEN i %% 8 = 0 THEN i %% 3 END, 10, 0
FROM (SELECT i, %[2]d - i * %[3]d AS started_at,
	CAST(300 + (i * 7919) %% 1600 + (i %% %[1]d) * 2 AS DOUBLE PRECISION) AS rto FROM series) generated`,
		scenarios, now.UnixMicro(), spacing)
	if driver == "sqlite" {
		if _, err := db.Exec(query); err != nil {
			b.Fatalf("write the runs: %v", err)
		}
		return
	}
	// PostgreSQL: without the triggers, then the totals as migration
	// 00012 fills them for a history written before it (a trigger per row
	// would take minutes for a million runs).
	ctx := context.Background()
	conn, err := db.Connx(ctx)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	for _, statement := range []string{
		`SET session_replication_role = replica`,
		query,
		`INSERT INTO run_totals (scenario, verdict, rollback, runs, last_started_at)
		SELECT scenario, verdict, rollback, COUNT(*), MAX(started_at) FROM runs WHERE status = 'finished'
		GROUP BY scenario, verdict, rollback`,
		`SET session_replication_role = DEFAULT`,
		`ANALYZE runs`,
	} {
		if _, err := conn.ExecContext(ctx, statement); err != nil {
			b.Fatalf("write the runs: %v", err)
		}
	}
}
