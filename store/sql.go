package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"github.com/redrill/redrill/scenarios/phase"
)

// sqlStore is the history in PostgreSQL or SQLite; the SQL is the same for
// both but for placeholders, which sqlx rebinds. This file holds the
// writes and the claims; queries.go holds the reads.
type sqlStore struct {
	db      *sqlx.DB
	dialect dialect
	where   string
	now     func() time.Time
	host    string
	pid     int
}

func (s *sqlStore) Where() string { return s.where }
func (s *sqlStore) Close() error  { return s.db.Close() }

// Ping tells whether the database answers.
func (s *sqlStore) Ping(ctx context.Context) error { return s.db.PingContext(ctx) }

// Flush has nothing to do: every write went straight to the database.
func (s *sqlStore) Flush(context.Context) error { return nil }

const insertRun = `INSERT INTO runs (id, scenario, scenario_hash, scenario_source, trigger, gameday, host, pid,
	status, started_at, heartbeat_at, objective_rto_seconds, objective_rpo_seconds,
	scheduled_at, schedule, schedule_timezone, owner, tags, postmortems, plan,
	objective_downtime_seconds, objective_lost_writes, runner_labels)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (id) DO NOTHING`

func (s *sqlStore) StartRun(ctx context.Context, run Run) error {
	if run.Host == "" {
		run.Host, run.PID = s.host, s.pid
	}
	tags, err := jsonList(run.Tags)
	if err != nil {
		return fmt.Errorf("record start of run %s: tags: %w", run.ID, err)
	}
	postmortems, err := jsonList(run.Postmortems)
	if err != nil {
		return fmt.Errorf("record start of run %s: postmortems: %w", run.ID, err)
	}
	plan, err := jsonList(run.Plan)
	if err != nil {
		return fmt.Errorf("record start of run %s: plan: %w", run.ID, err)
	}
	runnerLabels, err := jsonMap(run.RunnerLabels)
	if err != nil {
		return fmt.Errorf("record start of run %s: runner labels: %w", run.ID, err)
	}
	_, err = s.db.ExecContext(ctx, s.db.Rebind(insertRun),
		run.ID, text(run.Scenario), run.ScenarioHash, text(run.ScenarioSource), run.Trigger, text(run.GameDay), text(run.Host), run.PID,
		StatusRunning, micros(run.StartedAt), micros(run.StartedAt), secondsOf(run.ObjectiveRTO), secondsOf(run.ObjectiveRPO),
		nullMicros(run.ScheduledAt), text(run.Schedule), text(run.ScheduleTimezone), text(run.Owner), tags, postmortems, plan,
		secondsOf(run.ObjectiveDowntime), nullInt(run.ObjectiveLostWrites), runnerLabels)
	if err != nil {
		return fmt.Errorf("record start of run %s: %w", run.ID, err)
	}
	return nil
}

const startClock = `UPDATE runs SET clock_start = ? WHERE id = ? AND clock_start IS NULL`

func (s *sqlStore) StartClock(ctx context.Context, runID string, at time.Time) error {
	if _, err := s.db.ExecContext(ctx, s.db.Rebind(startClock), micros(at), runID); err != nil {
		return fmt.Errorf("record clock start of run %s: %w", runID, err)
	}
	return nil
}

// insertRunningStep writes a step as it starts; a replay after the step
// ended finds its row and leaves it.
// A manual step waits for its answer from its start.
const insertRunningStep = `INSERT INTO steps (run_id, seq, phase, name, kind, round, started_at, duration_seconds,
	attempts, passed, message, result, running, background, instructions, manual_timeout_seconds, waiting)
VALUES (?, ?, ?, ?, ?, ?, ?, 0, 0, FALSE, '', '', TRUE, ?, ?, ?, ?)
ON CONFLICT (run_id, seq) DO NOTHING`

func (s *sqlStore) StartStep(ctx context.Context, step Step) error {
	manual := manualColumnsOf(step.Manual)
	_, err := s.db.ExecContext(ctx, s.db.Rebind(insertRunningStep),
		step.RunID, step.Seq, string(step.Phase), text(step.Name), step.Kind, step.Round, micros(step.StartedAt), step.Background,
		manual.instructions, manual.timeout, step.Manual != nil)
	if err != nil {
		return fmt.Errorf("record start of step %q of run %s: %w", step.Name, step.RunID, err)
	}
	return nil
}

// insertStep writes a finished step, or completes the row its start
// wrote; a finished row is never written again. An answer already in the
// row stays: it was the first (one given at the runner's terminal while
// the store was away comes in the step itself).
const insertStep = `INSERT INTO steps (run_id, seq, phase, name, kind, round, started_at, duration_seconds,
	attempts, passed, message, result, running, background, cancelled,
	instructions, manual_timeout_seconds, waiting, answer_outcome, answered_by, answer_note, answered_at, answer_automatic)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, FALSE, ?, ?, ?, ?, FALSE, ?, ?, ?, ?, ?)
ON CONFLICT (run_id, seq) DO UPDATE SET started_at = excluded.started_at, duration_seconds = excluded.duration_seconds,
	attempts = excluded.attempts, passed = excluded.passed, message = excluded.message, result = excluded.result,
	running = FALSE, background = excluded.background, cancelled = excluded.cancelled,
	instructions = excluded.instructions, manual_timeout_seconds = excluded.manual_timeout_seconds, waiting = FALSE,
	answered_by = CASE WHEN steps.answer_outcome IS NULL THEN excluded.answered_by ELSE steps.answered_by END,
	answer_note = CASE WHEN steps.answer_outcome IS NULL THEN excluded.answer_note ELSE steps.answer_note END,
	answered_at = CASE WHEN steps.answer_outcome IS NULL THEN excluded.answered_at ELSE steps.answered_at END,
	answer_automatic = CASE WHEN steps.answer_outcome IS NULL THEN excluded.answer_automatic ELSE steps.answer_automatic END,
	answer_outcome = COALESCE(steps.answer_outcome, excluded.answer_outcome)
WHERE steps.running`

func (s *sqlStore) RecordStep(ctx context.Context, step Step) error {
	manual := manualColumnsOf(step.Manual)
	_, err := s.db.ExecContext(ctx, s.db.Rebind(insertStep),
		step.RunID, step.Seq, string(step.Phase), text(step.Name), step.Kind, step.Round, micros(step.StartedAt),
		step.Duration.Seconds(), step.Attempts, step.Passed, text(step.Message), text(step.Result),
		step.Background, step.Cancelled,
		manual.instructions, manual.timeout, manual.outcome, manual.by, manual.note, manual.at, manual.automatic)
	if err != nil {
		return fmt.Errorf("record step %q of run %s: %w", step.Name, step.RunID, err)
	}
	return nil
}

const finishRun = `UPDATE runs SET status = ?, ended_at = ?, clock_start = ?, clock_stop = ?,
	rto_seconds = ?, rpo_seconds = ?, verdict = ?, reason = ?, rollback = ?, workloads = ?,
	client_downtime_seconds = ?, lost_writes = ?, measures = ?
WHERE id = ?`

func (s *sqlStore) FinishRun(ctx context.Context, runID string, f Finish) error {
	workloads, err := jsonList(f.Workloads)
	if err != nil {
		return fmt.Errorf("record end of run %s: workloads: %w", runID, err)
	}
	measures, err := jsonList(f.Measures)
	if err != nil {
		return fmt.Errorf("record end of run %s: measures: %w", runID, err)
	}
	_, err = s.db.ExecContext(ctx, s.db.Rebind(finishRun),
		StatusFinished, micros(f.EndedAt), nullMicros(f.ClockStart), nullMicros(f.ClockStop),
		secondsOf(f.RTO), secondsOf(f.RPO), f.Verdict, text(f.Reason), f.Rollback, text(workloads),
		secondsOf(ClientDowntime(f.Workloads)), nullInt(LostWritesOf(f.Workloads)), measures, runID)
	if err != nil {
		return fmt.Errorf("record end of run %s: %w", runID, err)
	}
	if _, err := s.db.ExecContext(ctx, s.db.Rebind(stopWaitingOf), runID); err != nil {
		return fmt.Errorf("record end of run %s: %w", runID, err)
	}
	return nil
}

func (s *sqlStore) Heartbeat(ctx context.Context, runID string, at time.Time) error {
	_, err := s.db.ExecContext(ctx, s.db.Rebind(`UPDATE runs SET heartbeat_at = ? WHERE id = ? AND status = ?`),
		micros(at), runID, StatusRunning)
	return err
}

func (s *sqlStore) MarkInterrupted(ctx context.Context, staleBefore time.Time) (int, error) {
	var running []struct {
		ID          string        `db:"id"`
		Host        string        `db:"host"`
		PID         int           `db:"pid"`
		HeartbeatAt int64         `db:"heartbeat_at"`
		ClockStart  sql.NullInt64 `db:"clock_start"`
		Plan        string        `db:"plan"`
	}
	if err := s.db.SelectContext(ctx, &running, s.db.Rebind(`SELECT id, host, pid, heartbeat_at, clock_start, plan FROM runs WHERE status = ?`), StatusRunning); err != nil {
		return 0, err
	}
	marked := 0
	for _, r := range running {
		var gone string
		switch {
		case r.Host == s.host && r.PID != s.pid && !processAlive(r.PID):
			gone = fmt.Sprintf("the runner (process %d on %s) stopped without finishing the run", r.PID, r.Host)
		case r.Host == s.host && r.PID == s.pid:
			// This process is alive, so its runs are: a run whose
			// heartbeats fail is not dead, and its end is written or
			// spooled.
			continue
		case r.HeartbeatAt < micros(staleBefore):
			gone = fmt.Sprintf("the runner on %s stopped sending heartbeats at %s", r.Host, fromMicros(r.HeartbeatAt).Format(time.RFC3339))
		default:
			continue
		}
		left, err := s.leftBehind(ctx, r.ID)
		if err != nil {
			return marked, fmt.Errorf("mark run %s interrupted: %w", r.ID, err)
		}
		plan, _ := fromJSONList[PlanStep](r.Plan) // an unreadable plan reads as none
		reason, rollback := interruptedReason(gone, left.running, r.ClockStart.Valid || left.setupBegan, plan)
		// The last thing known of the run, so that it never ends before a
		// step it recorded.
		endedAt := max(r.HeartbeatAt, r.ClockStart.Int64, left.lastActivity.Int64)
		// The condition on status keeps a run that finished meanwhile.
		result, err := s.db.ExecContext(ctx, s.db.Rebind(`UPDATE runs SET status = ?, verdict = ?, reason = ?, rollback = ?, ended_at = ? WHERE id = ? AND status = ?`),
			StatusFinished, VerdictInterrupted, text(reason), rollback, endedAt, r.ID, StatusRunning)
		if err != nil {
			return marked, fmt.Errorf("mark run %s interrupted: %w", r.ID, err)
		}
		if n, _ := result.RowsAffected(); n > 0 {
			marked++
		}
		// Nothing waits any more: an answer now is refused.
		if _, err := s.db.ExecContext(ctx, s.db.Rebind(stopWaitingOf), r.ID); err != nil {
			return marked, fmt.Errorf("mark run %s interrupted: %w", r.ID, err)
		}
	}
	return marked, nil
}

// leftBehind is what a run's steps say of where its runner stopped.
type leftBehind struct {
	// running are the steps that started and never ended.
	running []Step
	// lastActivity is the latest start or end of a step; null without
	// steps.
	lastActivity sql.NullInt64
	// setupBegan says a setup step started: the system was touched
	// before the clock started.
	setupBegan bool
}

const (
	runningStepsOf = `SELECT phase, name, kind, round, started_at FROM steps WHERE run_id = ? AND running ORDER BY seq`
	lastActivityOf = `SELECT MAX(started_at + CAST(duration_seconds * 1000000 AS BIGINT)) FROM steps WHERE run_id = ?`
	setupStepsOf   = `SELECT COUNT(*) FROM steps WHERE run_id = ? AND phase = ?`
)

func (s *sqlStore) leftBehind(ctx context.Context, runID string) (leftBehind, error) {
	var left leftBehind
	var rows []struct {
		Phase     string `db:"phase"`
		Name      string `db:"name"`
		Kind      string `db:"kind"`
		Round     int    `db:"round"`
		StartedAt int64  `db:"started_at"`
	}
	if err := s.db.SelectContext(ctx, &rows, s.db.Rebind(runningStepsOf), runID); err != nil {
		return left, fmt.Errorf("read its running steps: %w", err)
	}
	for _, row := range rows {
		left.running = append(left.running, Step{RunID: runID, Phase: phase.Phase(row.Phase), Name: row.Name, Kind: row.Kind,
			Round: row.Round, StartedAt: fromMicros(row.StartedAt), Running: true})
	}
	if err := s.db.GetContext(ctx, &left.lastActivity, s.db.Rebind(lastActivityOf), runID); err != nil {
		return left, fmt.Errorf("read its last step: %w", err)
	}
	var setupSteps int
	if err := s.db.GetContext(ctx, &setupSteps, s.db.Rebind(setupStepsOf), runID, string(phase.Setup)); err != nil {
		return left, fmt.Errorf("read its setup steps: %w", err)
	}
	left.setupBegan = setupSteps > 0
	return left, nil
}

// interruptedReason says why a run whose runner is gone ended, in which
// steps, and how its rollback went. Once setup or the clock started the system was
// touched and the drill never finished: whether its rollback did not run,
// did not complete or does not exist, the system may be left disrupted, so
// rollback is RollbackSkipped.
func interruptedReason(gone string, running []Step, touched bool, plan []PlanStep) (reason, rollback string) {
	reason = gone
	var inRollback bool
	for _, step := range running {
		reason += fmt.Sprintf(", during %s step %q (started %s)", step.Phase, step.Name, step.StartedAt.Format(time.RFC3339))
		inRollback = inRollback || step.Phase == phase.Rollback
	}
	hasRollback := len(plan) == 0 // a run recorded without its plan may have one
	for _, step := range plan {
		hasRollback = hasRollback || step.Phase == phase.Rollback
	}
	switch {
	case !touched:
		return reason, RollbackNotNeeded
	case !hasRollback:
		return reason + "; the scenario has no rollback steps: the system may be left disrupted", RollbackSkipped
	case inRollback:
		return reason + "; rollback did not complete: the system may be left disrupted", RollbackSkipped
	}
	return reason + "; rollback never ran: the system may be left disrupted", RollbackSkipped
}

func (s *sqlStore) Claim(ctx context.Context, scenario string, scheduledAt time.Time, owner string) (bool, error) {
	result, err := s.db.ExecContext(ctx, s.db.Rebind(`INSERT INTO claims (scenario, scheduled_at, claimed_by, claimed_at)
		VALUES (?, ?, ?, ?) ON CONFLICT (scenario, scheduled_at) DO NOTHING`),
		scenario, micros(scheduledAt), owner, micros(s.now()))
	if err != nil {
		return false, fmt.Errorf("claim %s at %s: %w", scenario, scheduledAt.Format(time.RFC3339), err)
	}
	n, err := result.RowsAffected()
	return n == 1, err
}

// Conversions between Go values and stored columns.

// text makes a string storable in both databases: PostgreSQL's text
// refuses NUL bytes and invalid UTF-8, which a command's stderr may hold.
func text(s string) string {
	if !strings.ContainsRune(s, 0) && utf8.ValidString(s) {
		return s
	}
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "\\0")
}

// jsonList stores a list as a JSON array; none is "[]". JSON escapes NUL
// and replaces invalid UTF-8, so the text is storable in both databases.
func jsonList[T any](list []T) (string, error) {
	if len(list) == 0 {
		return "[]", nil
	}
	encoded, err := json.Marshal(list)
	return string(encoded), err
}

// fromJSONList reads a list stored by jsonList; a run recorded before the
// column existed has an empty string there. None is an empty list, never
// nil.
func fromJSONList[T any](stored string) ([]T, error) {
	list := []T{}
	// Most runs have none: no decoding for them, on a read of many runs.
	if stored == "" || stored == "[]" {
		return list, nil
	}
	if err := json.Unmarshal([]byte(stored), &list); err != nil {
		return nil, err
	}
	if list == nil { // a stored null
		list = []T{}
	}
	return list, nil
}

// jsonMap stores labels as a JSON object; none is "{}".
func jsonMap(labels map[string]string) (string, error) {
	if len(labels) == 0 {
		return "{}", nil
	}
	encoded, err := json.Marshal(labels)
	return string(encoded), err
}

// fromJSONMap reads labels stored by jsonMap; an empty or NULL column, or
// a stored null, is an empty map, never nil.
func fromJSONMap(stored string) (map[string]string, error) {
	labels := map[string]string{}
	if stored == "" || stored == "{}" {
		return labels, nil
	}
	if err := json.Unmarshal([]byte(stored), &labels); err != nil {
		return nil, err
	}
	if labels == nil {
		labels = map[string]string{}
	}
	return labels, nil
}

func micros(t time.Time) int64 { return t.UTC().UnixMicro() }

func nullMicros(t time.Time) sql.NullInt64 {
	if t.IsZero() {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: micros(t), Valid: true}
}

func fromMicros(v int64) time.Time { return time.UnixMicro(v).UTC() }

func fromNullMicros(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return fromMicros(v.Int64)
}

func nullInt(n *int64) sql.NullInt64 {
	if n == nil {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: *n, Valid: true}
}

func secondsOf(d *time.Duration) sql.NullFloat64 {
	if d == nil {
		return sql.NullFloat64{}
	}
	return sql.NullFloat64{Float64: d.Seconds(), Valid: true}
}

func durationOf(v sql.NullFloat64) *time.Duration {
	if !v.Valid {
		return nil
	}
	// Rounded, not truncated: 0.01643374 s times 1e9 is 16433739.999…
	d := time.Duration(math.Round(v.Float64 * float64(time.Second)))
	return &d
}
