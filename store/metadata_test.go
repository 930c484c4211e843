package store

import (
	"context"
	"io/fs"
	"reflect"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/pressly/goose/v3"
)

// metadata is what a run records of its scenario for reports.
type metadata struct {
	ScheduledAt      time.Time
	Schedule         string
	ScheduleTimezone string
	Owner            string
	Tags             []string
	Postmortems      []Postmortem
	Plan             []PlanStep
	RunnerLabels     map[string]string
}

func metadataOf(run Run) metadata {
	return metadata{run.ScheduledAt, run.Schedule, run.ScheduleTimezone, run.Owner, run.Tags, run.Postmortems, run.Plan, run.RunnerLabels}
}

// scheduledRun is a run of a scheduled tick with everything a scenario
// can say about itself.
func scheduledRun(id string) Run {
	run := newRun(id, "orders", base.Add(2*time.Second))
	run.Trigger = TriggerSchedule
	run.ScheduledAt = base
	run.Schedule, run.ScheduleTimezone = "0 3 * * *", "Europe/Paris"
	run.Owner = "team-payments"
	run.Tags = []string{"tier-1", "postgres"}
	run.Postmortems = []Postmortem{
		{ID: "PM-2024-031", Title: "Orders lost after failover", Date: "2024-03-12", URL: "https://wiki.example/pm/31", Finding: "backups were never restored"},
		{ID: "PM-2025-007", Title: "Restore took 4 hours"},
	}
	run.Plan = []PlanStep{{Phase: "recover", Name: "restore", Kind: "command"}, {Phase: "rollback", Name: "clean", Kind: "sql"}}
	run.RunnerLabels = map[string]string{"site": "eu-west", "network.zone": "dmz"}
	return run
}

// everyRead reads a run of "orders" through every read of the store.
func everyRead(t *testing.T, s Store, id string) map[string]Run {
	t.Helper()
	ctx := context.Background()
	read := map[string]Run{}
	run, _, err := s.Run(ctx, id)
	mustDo(t, err)
	read["Run"] = run
	runs, err := s.Runs(ctx, RunQuery{Scenario: "orders"})
	mustDo(t, err)
	if len(runs) != 1 {
		t.Fatalf("Runs = %v, want %s", ids(runs), id)
	}
	read["Runs"] = runs[0]
	latest, err := s.LatestRuns(ctx)
	mustDo(t, err)
	if len(latest) != 1 {
		t.Fatalf("LatestRuns = %v, want %s", ids(latest), id)
	}
	read["LatestRuns"] = latest[0]
	newest, ran, err := s.LatestRun(ctx, "orders")
	mustDo(t, err)
	if !ran {
		t.Fatal("LatestRun found no run of orders")
	}
	read["LatestRun"] = newest
	return read
}

func TestRunMetadataRoundTrips(t *testing.T) {
	forEachBackend(t, func(t *testing.T, target string) {
		s := open(t, target, base)
		want := scheduledRun("scheduled")
		mustDo(t, s.StartRun(context.Background(), want))
		for read, got := range everyRead(t, s, "scheduled") {
			if !reflect.DeepEqual(metadataOf(got), metadataOf(want)) {
				t.Errorf("%s read back %+v, want %+v", read, metadataOf(got), metadataOf(want))
			}
		}
	})
}

// What a run of no schedule, owner, tags or postmortems reads back as.
var noMetadata = metadata{Tags: []string{}, Postmortems: []Postmortem{}, Plan: []PlanStep{}, RunnerLabels: map[string]string{}}

func TestRunWithoutMetadataReadsBackEmpty(t *testing.T) {
	forEachBackend(t, func(t *testing.T, target string) {
		s := open(t, target, base)
		mustDo(t, s.StartRun(context.Background(), newRun("on-demand", "orders", base)))
		for read, got := range everyRead(t, s, "on-demand") {
			if !reflect.DeepEqual(metadataOf(got), noMetadata) {
				t.Errorf("%s read back %#v, want %#v", read, metadataOf(got), noMetadata)
			}
		}
	})
}

// A history written before migration 00004 reads back with empty values
// once Open has migrated it.
func TestHistoryBeforeRunMetadataReadsBackEmpty(t *testing.T) {
	forEachBackend(t, func(t *testing.T, target string) {
		ctx := context.Background()
		d := dialectOf(target)
		db, err := sqlx.Open(d.driver, d.dsn(target))
		mustDo(t, err)
		defer db.Close()
		fsys, err := fs.Sub(migrations, d.migrations)
		mustDo(t, err)
		provider, err := goose.NewProvider(d.goose, db.DB, fsys, goose.WithTableName(migrationsTable))
		mustDo(t, err)
		_, err = provider.UpTo(ctx, 3)
		mustDo(t, err)
		if version, err := provider.GetDBVersion(ctx); err != nil || version >= 4 {
			t.Fatalf("history at version %d (%v), want one before 00004_run_metadata", version, err)
		}
		_, err = db.ExecContext(ctx, db.Rebind(`INSERT INTO runs (id, scenario, scenario_hash, scenario_source, trigger, gameday,
			host, pid, status, verdict, reason, started_at, ended_at, heartbeat_at, rto_seconds, objective_rto_seconds)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
			"old", "orders", "abc", `scenario "orders" {}`, TriggerSchedule, "", "old-host", 1, StatusFinished,
			VerdictMet, "recovered within RTO", micros(base), micros(base.Add(time.Hour)), micros(base.Add(time.Hour)), 600.0, 1800.0)
		mustDo(t, err)
		db.Close()

		s := open(t, target, base)
		for read, got := range everyRead(t, s, "old") {
			if !reflect.DeepEqual(metadataOf(got), noMetadata) {
				t.Errorf("%s read back %#v, want %#v", read, metadataOf(got), noMetadata)
			}
			if got.Verdict != VerdictMet || got.RTO == nil || *got.RTO != 10*time.Minute {
				t.Errorf("%s read back verdict %q, RTO %v; want met in 10m", read, got.Verdict, got.RTO)
			}
		}
	})
}

// How the rollback went is recorded with the end of the run and read back
// by every read; a run recorded before it was kept reads back empty.
func TestRollbackOutcomeRoundTrips(t *testing.T) {
	forEachBackend(t, func(t *testing.T, target string) {
		s := open(t, target, base)
		ctx := context.Background()
		mustDo(t, s.StartRun(ctx, newRun("rolled-back", "orders", base)))
		mustDo(t, s.FinishRun(ctx, "rolled-back", Finish{EndedAt: base.Add(time.Minute), Verdict: VerdictMet, Rollback: RollbackFailed}))
		for read, got := range everyRead(t, s, "rolled-back") {
			if got.Rollback != RollbackFailed || !got.LeftDisrupted() {
				t.Errorf("%s read back rollback %q", read, got.Rollback)
			}
		}
	})
}

// What workloads measured, and the objectives on them, are read back by
// every read; background and cancelled steps by Run.
func TestWorkloadsRoundTrip(t *testing.T) {
	forEachBackend(t, func(t *testing.T, target string) {
		s := open(t, target, base)
		ctx := context.Background()
		run := newRun("loaded", "orders", base)
		downtime, lostWrites := 10*time.Second, int64(0)
		run.ObjectiveDowntime, run.ObjectiveLostWrites = &downtime, &lostWrites
		mustDo(t, s.StartRun(ctx, run))
		measured := []Workload{{
			Name: "writer", Kind: "sql", Rate: 100, Concurrency: 4,
			Attempts: 1200, Succeeded: 1150, Failed: 40, Skipped: 10,
			LatencyP50: 2 * time.Millisecond, LatencyP99: 35 * time.Millisecond,
			LongestOutage: 4200 * time.Millisecond, OutageStart: base.Add(3 * time.Second), OutageEnd: base.Add(7200 * time.Millisecond),
			LastError: "connection refused",
			Verified: &LostWrites{Acknowledged: 1150, Lost: 3, LostBeforeClock: 2, LostAfterClock: 1,
				FirstLost:      &Write{Seq: 301, AckedAt: base.Add(2900 * time.Millisecond)},
				LastLost:       &Write{Seq: 305, AckedAt: base.Add(3100 * time.Millisecond)},
				NewestSurvivor: &Write{Seq: 300, AckedAt: base.Add(2800 * time.Millisecond)}},
		}}
		mustDo(t, s.StartStep(ctx, Step{RunID: "loaded", Seq: 1, Phase: "setup", Name: "bulk-load", Kind: "command", StartedAt: base, Background: true}))
		mustDo(t, s.RecordStep(ctx, Step{RunID: "loaded", Seq: 1, Phase: "setup", Name: "bulk-load", Kind: "command", StartedAt: base,
			Background: true, Cancelled: true, Message: "cancelled: still running when the drill ended"}))
		mustDo(t, s.FinishRun(ctx, "loaded", Finish{EndedAt: base.Add(time.Minute), Verdict: VerdictMissed, Workloads: measured}))
		for read, got := range everyRead(t, s, "loaded") {
			if !reflect.DeepEqual(got.Workloads, measured) {
				t.Errorf("%s read back workloads %+v, want %+v", read, got.Workloads, measured)
			}
			if got.ObjectiveDowntime == nil || *got.ObjectiveDowntime != downtime || got.ObjectiveLostWrites == nil || *got.ObjectiveLostWrites != 0 {
				t.Errorf("%s read back objectives downtime %v, lost writes %v", read, got.ObjectiveDowntime, got.ObjectiveLostWrites)
			}
		}
		_, steps, err := s.Run(ctx, "loaded")
		mustDo(t, err)
		if len(steps) != 1 || !steps[0].Background || !steps[0].Cancelled || steps[0].Running {
			t.Errorf("steps read back %+v, want one background step, cancelled", steps)
		}
	})
}
