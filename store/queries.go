package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/redrill/redrill/scenarios/phase"
)

// The reads of the history: what reports and commands show.

// runRow is a runs row as stored.
type runRow struct {
	ID                  string          `db:"id"`
	Scenario            string          `db:"scenario"`
	ScenarioHash        string          `db:"scenario_hash"`
	ScenarioSource      string          `db:"scenario_source"`
	Trigger             string          `db:"trigger"`
	GameDay             string          `db:"gameday"`
	Host                string          `db:"host"`
	PID                 int             `db:"pid"`
	Status              string          `db:"status"`
	Verdict             string          `db:"verdict"`
	Reason              string          `db:"reason"`
	StartedAt           int64           `db:"started_at"`
	EndedAt             sql.NullInt64   `db:"ended_at"`
	HeartbeatAt         int64           `db:"heartbeat_at"`
	ClockStart          sql.NullInt64   `db:"clock_start"`
	ClockStop           sql.NullInt64   `db:"clock_stop"`
	RTOSeconds          sql.NullFloat64 `db:"rto_seconds"`
	RPOSeconds          sql.NullFloat64 `db:"rpo_seconds"`
	ObjectiveRTOSeconds sql.NullFloat64 `db:"objective_rto_seconds"`
	ObjectiveRPOSeconds sql.NullFloat64 `db:"objective_rpo_seconds"`
	Rollback            string          `db:"rollback"`
	ScheduledAt         sql.NullInt64   `db:"scheduled_at"`
	Schedule            string          `db:"schedule"`
	ScheduleTimezone    string          `db:"schedule_timezone"`
	Owner               string          `db:"owner"`
	Tags                string          `db:"tags"`
	Postmortems         string          `db:"postmortems"`
	Plan                string          `db:"plan"`
	Workloads           string          `db:"workloads"`
	ObjectiveDowntime   sql.NullFloat64 `db:"objective_downtime_seconds"`
	ObjectiveLostWrites sql.NullInt64   `db:"objective_lost_writes"`
	RunnerLabels        sql.NullString  `db:"runner_labels"`
	AbortRequestedAt    sql.NullInt64   `db:"abort_requested_at"`
	AbortRequestedBy    string          `db:"abort_requested_by"`
	AbortNote           string          `db:"abort_note"`
	Measures            string          `db:"measures"`
	HumanSeconds        float64         `db:"human_seconds"`
}

const runColumns = `id, scenario, scenario_hash, scenario_source, trigger, gameday, host, pid, status, verdict, reason,
	started_at, ended_at, heartbeat_at, clock_start, clock_stop, rto_seconds, rpo_seconds,
	objective_rto_seconds, objective_rpo_seconds, rollback,
	scheduled_at, schedule, schedule_timezone, owner, tags, postmortems, plan,
	workloads, objective_downtime_seconds, objective_lost_writes, runner_labels,
	abort_requested_at, abort_requested_by, abort_note, measures,
	COALESCE((SELECT SUM(steps.duration_seconds) FROM steps WHERE steps.run_id = runs.id AND steps.kind = 'manual'), 0) AS human_seconds`

func (r runRow) run() (Run, error) {
	tags, err := fromJSONList[string](r.Tags)
	if err != nil {
		return Run{}, fmt.Errorf("tags of run %s: %w", r.ID, err)
	}
	postmortems, err := fromJSONList[Postmortem](r.Postmortems)
	if err != nil {
		return Run{}, fmt.Errorf("postmortems of run %s: %w", r.ID, err)
	}
	plan, err := fromJSONList[PlanStep](r.Plan)
	if err != nil {
		return Run{}, fmt.Errorf("plan of run %s: %w", r.ID, err)
	}
	workloads, err := fromJSONList[Workload](r.Workloads)
	if err != nil {
		return Run{}, fmt.Errorf("workloads of run %s: %w", r.ID, err)
	}
	runnerLabels, err := fromJSONMap(r.RunnerLabels.String)
	if err != nil {
		return Run{}, fmt.Errorf("runner labels of run %s: %w", r.ID, err)
	}
	measures, err := fromJSONList[Measure](r.Measures)
	if err != nil {
		return Run{}, fmt.Errorf("measures of run %s: %w", r.ID, err)
	}
	var lostWrites *int64
	if r.ObjectiveLostWrites.Valid {
		lostWrites = &r.ObjectiveLostWrites.Int64
	}
	var abort *AbortRequest
	if r.AbortRequestedAt.Valid {
		abort = &AbortRequest{By: r.AbortRequestedBy, Note: r.AbortNote, At: fromMicros(r.AbortRequestedAt.Int64)}
	}
	return Run{
		ID: r.ID, Scenario: r.Scenario, ScenarioHash: r.ScenarioHash, ScenarioSource: r.ScenarioSource,
		Trigger: r.Trigger, GameDay: r.GameDay, Host: r.Host, PID: r.PID,
		Status: r.Status, Verdict: r.Verdict, Reason: r.Reason,
		StartedAt: fromMicros(r.StartedAt), EndedAt: fromNullMicros(r.EndedAt), HeartbeatAt: fromMicros(r.HeartbeatAt),
		ClockStart: fromNullMicros(r.ClockStart), ClockStop: fromNullMicros(r.ClockStop),
		RTO: durationOf(r.RTOSeconds), RPO: durationOf(r.RPOSeconds),
		ObjectiveRTO: durationOf(r.ObjectiveRTOSeconds), ObjectiveRPO: durationOf(r.ObjectiveRPOSeconds),
		Rollback:    r.Rollback,
		ScheduledAt: fromNullMicros(r.ScheduledAt), Schedule: r.Schedule, ScheduleTimezone: r.ScheduleTimezone,
		Owner: r.Owner, Tags: tags, Postmortems: postmortems, Plan: plan,
		Workloads: workloads, ObjectiveDowntime: durationOf(r.ObjectiveDowntime), ObjectiveLostWrites: lostWrites,
		RunnerLabels: runnerLabels, Abort: abort, Measures: measures,
		HumanTime: *durationOf(sql.NullFloat64{Float64: r.HumanSeconds, Valid: true}),
	}, nil
}

// runsOf converts the rows of a query.
func runsOf(rows []runRow) ([]Run, error) {
	runs := make([]Run, len(rows))
	for i, row := range rows {
		var err error
		if runs[i], err = row.run(); err != nil {
			return nil, err
		}
	}
	return runs, nil
}

func (s *sqlStore) Runs(ctx context.Context, q RunQuery) ([]Run, error) {
	query := `SELECT ` + runColumns + ` FROM runs WHERE 1 = 1`
	var args []any
	if q.Scenario != "" {
		query += ` AND scenario = ?`
		args = append(args, q.Scenario)
	}
	if q.GameDays {
		query += ` AND gameday <> ''`
	}
	if q.GameDay != "" {
		query += ` AND gameday = ?`
		args = append(args, q.GameDay)
	}
	if !q.Since.IsZero() {
		query += ` AND started_at >= ?`
		args = append(args, micros(q.Since))
	}
	if !q.Until.IsZero() {
		query += ` AND started_at < ?`
		args = append(args, micros(q.Until))
	}
	// In SQL, not after the query, so that the limit counts only the runs
	// that match.
	for key, value := range q.Labels {
		query += ` AND EXISTS (SELECT 1 FROM ` + s.dialect.runnerLabelPairs + ` WHERE key = ? AND value = ?)`
		args = append(args, key, value)
	}
	query += ` ORDER BY started_at DESC, id DESC`
	if q.Limit > 0 {
		query += fmt.Sprintf(` LIMIT %d`, q.Limit)
	}
	var rows []runRow
	if err := s.db.SelectContext(ctx, &rows, s.db.Rebind(query), args...); err != nil {
		return nil, fmt.Errorf("list runs: %w", err)
	}
	runs, err := runsOf(rows)
	if err != nil {
		return nil, fmt.Errorf("list runs: %w", err)
	}
	return runs, nil
}

func (s *sqlStore) Run(ctx context.Context, id string) (Run, []Step, error) {
	var row runRow
	err := s.db.GetContext(ctx, &row, s.db.Rebind(`SELECT `+runColumns+` FROM runs WHERE id = ?`), id)
	if errors.Is(err, sql.ErrNoRows) {
		return Run{}, nil, fmt.Errorf("%w: %s", ErrNotFound, id)
	}
	if err != nil {
		return Run{}, nil, fmt.Errorf("read run %s: %w", id, err)
	}
	run, err := row.run()
	if err != nil {
		return Run{}, nil, fmt.Errorf("read run %s: %w", id, err)
	}
	var stepRows []struct {
		RunID           string  `db:"run_id"`
		Seq             int     `db:"seq"`
		Phase           string  `db:"phase"`
		Name            string  `db:"name"`
		Kind            string  `db:"kind"`
		Round           int     `db:"round"`
		StartedAt       int64   `db:"started_at"`
		DurationSeconds float64 `db:"duration_seconds"`
		Attempts        int     `db:"attempts"`
		Passed          bool    `db:"passed"`
		Message         string  `db:"message"`
		Result          string  `db:"result"`
		Running         bool    `db:"running"`
		Background      bool    `db:"background"`
		Cancelled       bool    `db:"cancelled"`
		manualCols
	}
	if err := s.db.SelectContext(ctx, &stepRows, s.db.Rebind(`SELECT run_id, seq, phase, name, kind, round, started_at,
		duration_seconds, attempts, passed, message, result, running, background, cancelled, waiting,
		instructions, manual_timeout_seconds, answer_outcome, answered_by, answer_note, answered_at, answer_automatic
		FROM steps WHERE run_id = ? ORDER BY seq`), id); err != nil {
		return Run{}, nil, fmt.Errorf("read steps of run %s: %w", id, err)
	}
	steps := make([]Step, len(stepRows))
	for i, r := range stepRows {
		steps[i] = Step{RunID: r.RunID, Seq: r.Seq, Phase: phase.Phase(r.Phase), Name: r.Name, Kind: r.Kind, Round: r.Round,
			StartedAt: fromMicros(r.StartedAt), Duration: time.Duration(r.DurationSeconds * float64(time.Second)),
			Attempts: r.Attempts, Passed: r.Passed, Message: r.Message, Result: r.Result, Running: r.Running,
			Background: r.Background, Cancelled: r.Cancelled, Manual: r.manual()}
	}
	return run, steps, nil
}

// latestRuns finds each scenario's newest start on the (scenario,
// started_at) index, then reads those rows only.
const latestRuns = `SELECT ` + runColumns + ` FROM runs
JOIN (SELECT scenario AS newest_scenario, MAX(started_at) AS newest_start FROM runs GROUP BY scenario) newest
	ON runs.scenario = newest.newest_scenario AND runs.started_at = newest.newest_start
ORDER BY runs.scenario, runs.id DESC`

// latestRun is the newest run of one scenario, on the (scenario,
// started_at) index.
const latestRun = `SELECT ` + runColumns + ` FROM runs WHERE scenario = ? ORDER BY started_at DESC, id DESC LIMIT 1`

func (s *sqlStore) LatestRun(ctx context.Context, scenario string) (Run, bool, error) {
	var row runRow
	err := s.db.GetContext(ctx, &row, s.db.Rebind(latestRun), scenario)
	if errors.Is(err, sql.ErrNoRows) {
		return Run{}, false, nil
	}
	if err != nil {
		return Run{}, false, fmt.Errorf("latest run of %s: %w", scenario, err)
	}
	run, err := row.run()
	if err != nil {
		return Run{}, false, fmt.Errorf("latest run of %s: %w", scenario, err)
	}
	return run, true, nil
}

func (s *sqlStore) LatestRuns(ctx context.Context) ([]Run, error) {
	var rows []runRow
	if err := s.db.SelectContext(ctx, &rows, latestRuns); err != nil {
		return nil, fmt.Errorf("latest runs: %w", err)
	}
	newest := make([]runRow, 0, len(rows))
	for _, row := range rows {
		// Two runs started in the same microsecond: keep the larger id.
		if len(newest) > 0 && newest[len(newest)-1].Scenario == row.Scenario {
			continue
		}
		newest = append(newest, row)
	}
	runs, err := runsOf(newest)
	if err != nil {
		return nil, fmt.Errorf("latest runs: %w", err)
	}
	return runs, nil
}

func (s *sqlStore) Measurements(ctx context.Context, since time.Time) ([]Measurement, error) {
	rows, err := s.db.QueryContext(ctx, s.db.Rebind(`SELECT id, scenario, started_at, rto_seconds, verdict, client_downtime_seconds, lost_writes,
		measures, host, runner_labels
		FROM runs WHERE started_at >= ? ORDER BY started_at, id`), micros(since))
	if err != nil {
		return nil, fmt.Errorf("read measurements: %w", err)
	}
	defer rows.Close()
	var out []Measurement
	for rows.Next() {
		var m Measurement
		var started int64
		var rto, downtime sql.NullFloat64
		var lost sql.NullInt64
		var measures string
		var labels sql.NullString
		if err := rows.Scan(&m.ID, &m.Scenario, &started, &rto, &m.Verdict, &downtime, &lost, &measures, &m.Host, &labels); err != nil {
			return nil, fmt.Errorf("read measurements: %w", err)
		}
		m.StartedAt, m.RTO, m.Downtime = fromMicros(started), durationOf(rto), durationOf(downtime)
		if lost.Valid {
			m.LostWrites = &lost.Int64
		}
		if m.Measures, err = fromJSONList[Measure](measures); err != nil {
			return nil, fmt.Errorf("read measurements: measures of a run of %s: %w", m.Scenario, err)
		}
		if m.RunnerLabels, err = fromJSONMap(labels.String); err != nil {
			return nil, fmt.Errorf("read measurements: runner labels of a run of %s: %w", m.Scenario, err)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// runTotals reads the finished runs' totals, kept in SQL as runs finish: a
// scrape reads a few rows per scenario, however long the history.
// The table is kept by triggers in the transaction that writes each run
// (migration 00012), whichever process writes it.
const runTotals = `SELECT scenario, verdict, rollback, runs, last_started_at
FROM run_totals
ORDER BY scenario, verdict, rollback`

func (s *sqlStore) RunTotals(ctx context.Context) ([]RunTotal, error) {
	var rows []struct {
		Scenario      string `db:"scenario"`
		Verdict       string `db:"verdict"`
		Rollback      string `db:"rollback"`
		Runs          int    `db:"runs"`
		LastStartedAt int64  `db:"last_started_at"`
	}
	if err := s.db.SelectContext(ctx, &rows, runTotals); err != nil {
		return nil, fmt.Errorf("count runs: %w", err)
	}
	totals := make([]RunTotal, len(rows))
	for i, r := range rows {
		totals[i] = RunTotal{Scenario: r.Scenario, Verdict: r.Verdict, Rollback: r.Rollback, Runs: r.Runs, LastStartedAt: fromMicros(r.LastStartedAt)}
	}
	return totals, nil
}
