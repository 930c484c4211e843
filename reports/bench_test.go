package reports

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/redrill/redrill/internal/pgtest"
	"github.com/redrill/redrill/store"
)

// The report over 100,000 stored runs of 50 scenarios in the last 90 days.
// Target: under 2 s on PostgreSQL and SQLite, HTML included.
const (
	benchRuns      = 100_000
	benchScenarios = 50
)

func BenchmarkReport100kRuns(b *testing.B) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	targets := []struct {
		name   string
		driver string
		target func(b *testing.B) (storeTarget, dsn string)
	}{
		{"sqlite", "sqlite", func(b *testing.B) (string, string) {
			path := filepath.Join(b.TempDir(), "h.db")
			return path, path
		}},
		{"postgres", "postgres", func(b *testing.B) (string, string) {
			dsn := pgtest.NewDatabase(b)
			return dsn, dsn
		}},
	}
	for _, target := range targets {
		for _, load := range []string{"none", "workloads"} {
			b.Run(target.name+"/load="+load, func(b *testing.B) {
				benchReport(b, target.driver, load == "workloads", now, target.target)
			})
		}
	}
}

// benchReport builds the report over the stored runs; underLoad gives
// every run two workloads, one verified.
func benchReport(b *testing.B, driver string, underLoad bool, now time.Time, target func(b *testing.B) (storeTarget, dsn string)) {
	storeTarget, dsn := target(b)
	history, err := store.Open(context.Background(), storeTarget, store.Options{SpoolDir: b.TempDir(), Now: func() time.Time { return now }})
	if err != nil {
		b.Fatal(err)
	}
	defer history.Close()
	loadBenchRuns(b, driver, dsn, now, underLoad)
	b.ResetTimer()
	for b.Loop() {
		report, err := Build(context.Background(), history, Options{Now: now})
		if err != nil {
			b.Fatal(err)
		}
		if len(report.Scenarios) != benchScenarios {
			b.Fatalf("%d scenarios in the report", len(report.Scenarios))
		}
		if err := WriteHTML(io.Discard, report); err != nil {
			b.Fatal(err)
		}
	}
}

// loadBenchRuns inserts the runs with one SQL statement.
func loadBenchRuns(b *testing.B, driver, dsn string, now time.Time, underLoad bool) {
	b.Helper()
	db, err := sqlx.Open(driver, dsn)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	series := fmt.Sprintf(`WITH RECURSIVE series(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM series WHERE i < %d) `, benchRuns)
	if driver == "postgres" {
		series = fmt.Sprintf(`WITH series AS (SELECT CAST(g AS BIGINT) AS i FROM generate_series(1, %d) g) `, benchRuns)
	}
	source := strings.ReplaceAll(`scenario "x" {
  postmortem {
    title = "A restore that ran hours past plan"
  }
  schedule {
    cron = "0 3 * * *"
  }
}`, "'", "''")
	spacing := (90 * 24 * time.Hour / benchRuns).Microseconds()
	query := `INSERT INTO runs (id, scenario, scenario_hash, scenario_source, trigger, gameday, host, pid, status,
	verdict, reason, started_at, ended_at, heartbeat_at, clock_start, clock_stop, rto_seconds, rpo_seconds,
	objective_rto_seconds, objective_rpo_seconds, schedule, postmortems) ` + series + fmt.Sprintf(`SELECT
	'run-' || i, 'scenario-' || (i %% %[1]d), 'hash', '%[2]s', 'schedule', '', 'bench', 1, 'finished',
	CASE WHEN rto > 1800 THEN 'missed' ELSE 'met' END, 'as measured',
	started_at, started_at + 600000000, started_at + 600000000, started_at, started_at + CAST(rto * 1000000 AS BIGINT),
	rto, 60, 1800, 3600, '0 3 * * *', '[{"title": "A restore that ran hours past plan"}]'
FROM (SELECT i, %[3]d - i * %[4]d AS started_at,
	CAST(300 + (i * 7919) %% 1600 + (i %% %[1]d) * 2 AS DOUBLE PRECISION) AS rto FROM series) generated`,
		benchScenarios, source, now.UnixMicro(), spacing)
	if _, err := db.Exec(query); err != nil {
		b.Fatalf("load runs: %v", err)
	}
	if underLoad {
		workloads := `[{"name":"writer","kind":"sql","rate":100,"concurrency":4,"attempts":6000,"succeeded":5900,"failed":100,"skipped":0,"latency_p50":2000000,"latency_p99":40000000,"longest_outage":4200000000,"outage_start":"2026-11-25T11:00:00Z","outage_end":"2026-11-25T11:00:04.2Z","current_outage":0,"last_error":"connection refused","verified":{"acknowledged":5900,"lost":3,"lost_before_clock":3,"lost_after_clock":0,"first_lost":{"seq":10,"acked_at":"2026-11-25T11:00:00Z"},"last_lost":{"seq":12,"acked_at":"2026-11-25T11:00:00Z"},"newest_survivor":{"seq":9,"acked_at":"2026-11-25T10:59:59Z"}}},{"name":"reader","kind":"http","rate":50,"concurrency":2,"attempts":3000,"succeeded":2990,"failed":10,"skipped":0,"latency_p50":1000000,"latency_p99":9000000,"longest_outage":1500000000,"outage_start":"2026-11-25T11:00:00Z","outage_end":"2026-11-25T11:00:01.5Z","current_outage":0,"last_error":"","verified":null}]`
		if _, err := db.Exec(db.Rebind(`UPDATE runs SET workloads = ?, client_downtime_seconds = 4.2, lost_writes = 3, objective_downtime_seconds = 10, objective_lost_writes = 0`), workloads); err != nil {
			b.Fatalf("give the runs workloads: %v", err)
		}
	}
	if driver == "postgres" {
		if _, err := db.Exec(`ANALYZE runs`); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWriteHTML writes the HTML report of 50 scenarios with 2,000
// measured runs each in the window (the charts' share of the report over
// 100,000 runs), without the store.
func BenchmarkWriteHTML(b *testing.B) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	report := Report{GeneratedAt: now, Since: now.Add(-DefaultWindow)}
	for s := range benchScenarios {
		objective := 30 * time.Minute
		scenario := ScenarioReport{Scenario: fmt.Sprintf("scenario-%02d", s), Risk: RiskHealthy, ObjectiveRTO: &objective,
			Verdicts: map[string]int{}, Postmortems: []store.Postmortem{}, NeverRan: true}
		for i := range 2000 {
			at := now.Add(-DefaultWindow + time.Duration(i)*DefaultWindow/2000)
			scenario.Points = append(scenario.Points, Point{At: at, RTO: time.Duration(5+i%7) * time.Minute, Verdict: store.VerdictMet})
		}
		report.Scenarios = append(report.Scenarios, scenario)
	}
	b.ResetTimer()
	for b.Loop() {
		if err := WriteHTML(io.Discard, report); err != nil {
			b.Fatal(err)
		}
	}
}
