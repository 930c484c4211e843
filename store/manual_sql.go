package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/redrill/redrill/scenarios/phase"
)

// The manual steps' answers and the abort requests, in SQL. Each write is
// one conditional UPDATE, so that of two answers racing from two machines
// exactly one changes the row; the reads after a refused write only say
// why it was refused.

// stopWaitingOf ends the waits of a run that ended.
const stopWaitingOf = `UPDATE steps SET waiting = FALSE WHERE run_id = ? AND waiting`

// answerStep writes an answer to a step that waits, of a running run, that
// nobody answered yet. A step is named NAME or PHASE.NAME.
const answerStep = `UPDATE steps SET answer_outcome = ?, answered_by = ?, answer_note = ?, answered_at = ?, answer_automatic = ?
WHERE run_id = ? AND (name = ? OR phase || '.' || name = ?) AND waiting AND answer_outcome IS NULL
	AND EXISTS (SELECT 1 FROM runs WHERE runs.id = steps.run_id AND runs.status = ?)`

func (s *sqlStore) Answer(ctx context.Context, runID, step string, a Answer) error {
	if err := validAnswer(a); err != nil {
		return fmt.Errorf("answer step %q of run %s: %w", step, runID, err)
	}
	if a.At.IsZero() {
		a.At = s.now()
	}
	result, err := s.db.ExecContext(ctx, s.db.Rebind(answerStep),
		a.Outcome, text(a.By), text(a.Note), micros(a.At), a.Automatic, runID, step, step, StatusRunning)
	if err != nil {
		return fmt.Errorf("answer step %q of run %s: %w", step, runID, err)
	}
	if n, err := result.RowsAffected(); err != nil || n == 1 {
		return err
	}
	return s.whyNotAnswered(ctx, runID, step)
}

// manualRow is what a refused answer reads of its step.
type manualRow struct {
	Phase           string  `db:"phase"`
	Name            string  `db:"name"`
	Kind            string  `db:"kind"`
	StartedAt       int64   `db:"started_at"`
	DurationSeconds float64 `db:"duration_seconds"`
	Running         bool    `db:"running"`
	Message         string  `db:"message"`
	manualCols
}

// manualCols are the columns a manual step adds to its step's row.
type manualCols struct {
	Waiting        bool            `db:"waiting"`
	AnswerOutcome  sql.NullString  `db:"answer_outcome"`
	AnsweredBy     string          `db:"answered_by"`
	AnsweredAt     sql.NullInt64   `db:"answered_at"`
	AnswerNote     string          `db:"answer_note"`
	Automatic      bool            `db:"answer_automatic"`
	Instructions   string          `db:"instructions"`
	TimeoutSeconds sql.NullFloat64 `db:"manual_timeout_seconds"`
}

const manualColumns = `phase, name, kind, started_at, duration_seconds, running, waiting, message,
	answer_outcome, answered_by, answered_at, answer_note, answer_automatic, instructions, manual_timeout_seconds`

// runState is what a refusal says of the run.
type runState struct {
	Status  string        `db:"status"`
	Verdict string        `db:"verdict"`
	Reason  string        `db:"reason"`
	EndedAt sql.NullInt64 `db:"ended_at"`
	Plan    string        `db:"plan"`
}

func (s *sqlStore) runState(ctx context.Context, runID string) (runState, error) {
	var run runState
	err := s.db.GetContext(ctx, &run, s.db.Rebind(`SELECT status, verdict, reason, ended_at, plan FROM runs WHERE id = ?`), runID)
	if errors.Is(err, sql.ErrNoRows) {
		return run, fmt.Errorf("%w: %s", ErrNotFound, runID)
	}
	return run, err
}

// ended says how a run that is not running ended.
func (r runState) ended(runID string) string {
	message := fmt.Sprintf("run %s is not running: it ended", runID)
	if r.EndedAt.Valid {
		message += " at " + fromMicros(r.EndedAt.Int64).Format(time.RFC3339)
	}
	message += ", " + r.Verdict
	if r.Reason != "" {
		message += " (" + r.Reason + ")"
	}
	return message
}

// whyNotAnswered says why an answer changed no row.
func (s *sqlStore) whyNotAnswered(ctx context.Context, runID, step string) error {
	run, err := s.runState(ctx, runID)
	if err != nil {
		return fmt.Errorf("answer step %q of run %s: %w", step, runID, err)
	}
	var rows []manualRow
	if err := s.db.SelectContext(ctx, &rows, s.db.Rebind(`SELECT `+manualColumns+` FROM steps
		WHERE run_id = ? AND (name = ? OR phase || '.' || name = ?) ORDER BY seq DESC LIMIT 1`), runID, step, step); err != nil {
		return fmt.Errorf("answer step %q of run %s: %w", step, runID, err)
	}
	notWaiting := func(format string, args ...any) error {
		return refusal{message: fmt.Sprintf(format, args...) + "; the answer was not recorded", kind: ErrNotWaiting}
	}
	if len(rows) == 1 && rows[0].AnswerOutcome.Valid {
		return &AlreadyAnsweredError{By: rows[0].AnsweredBy, At: fromNullMicros(rows[0].AnsweredAt), Outcome: rows[0].AnswerOutcome.String}
	}
	if run.Status != StatusRunning {
		return notWaiting("%s", run.ended(runID))
	}
	if len(rows) == 0 {
		plan, _ := fromJSONList[PlanStep](run.Plan) // an unreadable plan reads as none
		var manual []string
		for _, planned := range plan {
			if planned.Kind != KindManual {
				continue
			}
			if planned.Name == step || string(planned.Phase)+"."+planned.Name == step {
				return notWaiting("manual step %q of run %s has not started yet", step, runID)
			}
			manual = append(manual, string(planned.Phase)+"."+planned.Name)
		}
		if len(manual) == 0 {
			return notWaiting("run %s has no step %q, and no manual step", runID, step)
		}
		return notWaiting("run %s has no step %q; its manual steps are %s", runID, step, strings.Join(manual, ", "))
	}
	row := rows[0]
	if row.Kind != KindManual {
		return notWaiting("step %s.%s of run %s is a %s check, not a manual step", row.Phase, row.Name, runID, row.Kind)
	}
	if row.Running {
		// The runner stopped waiting (its timeout, or the drill stops) and
		// has not recorded the step's end yet.
		return notWaiting("manual step %s.%s of run %s stopped waiting for an answer", row.Phase, row.Name, runID)
	}
	endedAt := fromMicros(row.StartedAt).Add(time.Duration(row.DurationSeconds * float64(time.Second)))
	return notWaiting("manual step %s.%s of run %s stopped waiting at %s (%s)", row.Phase, row.Name, runID,
		endedAt.Format(time.RFC3339), row.Message)
}

// manual is the Manual of a step's row; nil for a step of another kind.
func (row manualCols) manual() *Manual {
	if !row.TimeoutSeconds.Valid {
		return nil
	}
	manual := &Manual{Instructions: row.Instructions, Timeout: *durationOf(row.TimeoutSeconds)}
	if answer, ok := row.answer(); ok {
		manual.Answer = &answer
	}
	return manual
}

// answer is a row's answer; false when there is none.
func (row manualCols) answer() (Answer, bool) {
	if !row.AnswerOutcome.Valid {
		return Answer{}, false
	}
	return Answer{Outcome: row.AnswerOutcome.String, By: row.AnsweredBy, Note: row.AnswerNote,
		At: fromNullMicros(row.AnsweredAt), Automatic: row.Automatic}, true
}

func (s *sqlStore) AnswerOf(ctx context.Context, runID string, seq int) (Answer, bool, error) {
	var row manualRow
	err := s.db.GetContext(ctx, &row, s.db.Rebind(`SELECT `+manualColumns+` FROM steps WHERE run_id = ? AND seq = ?`), runID, seq)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return Answer{}, false, nil
	case err != nil:
		return Answer{}, false, fmt.Errorf("read the answer to step %d of run %s: %w", seq, runID, err)
	}
	answer, ok := row.answer()
	return answer, ok, nil
}

func (s *sqlStore) StopWaiting(ctx context.Context, runID string, seq int) (Answer, bool, error) {
	// Once waiting is cleared no answer can land (answerStep wants it
	// set), so the answer read after it is final.
	if _, err := s.db.ExecContext(ctx, s.db.Rebind(`UPDATE steps SET waiting = FALSE WHERE run_id = ? AND seq = ? AND waiting`), runID, seq); err != nil {
		return Answer{}, false, fmt.Errorf("stop waiting for step %d of run %s: %w", seq, runID, err)
	}
	return s.AnswerOf(ctx, runID, seq)
}

const waitingSteps = `SELECT steps.run_id, runs.scenario, steps.phase, steps.name, steps.instructions, steps.started_at,
	steps.manual_timeout_seconds
FROM steps JOIN runs ON runs.id = steps.run_id
WHERE steps.waiting AND steps.answer_outcome IS NULL AND runs.status = ?
ORDER BY steps.started_at, steps.run_id, steps.seq`

func (s *sqlStore) Waiting(ctx context.Context) ([]WaitingStep, error) {
	var rows []struct {
		RunID          string          `db:"run_id"`
		Scenario       string          `db:"scenario"`
		Phase          string          `db:"phase"`
		Name           string          `db:"name"`
		Instructions   string          `db:"instructions"`
		StartedAt      int64           `db:"started_at"`
		TimeoutSeconds sql.NullFloat64 `db:"manual_timeout_seconds"`
	}
	if err := s.db.SelectContext(ctx, &rows, s.db.Rebind(waitingSteps), StatusRunning); err != nil {
		return nil, fmt.Errorf("list the manual steps waiting for an answer: %w", err)
	}
	waiting := make([]WaitingStep, len(rows))
	for i, row := range rows {
		waiting[i] = WaitingStep{RunID: row.RunID, Scenario: row.Scenario, Phase: phase.Phase(row.Phase), Step: row.Name,
			Instructions: row.Instructions, Since: fromMicros(row.StartedAt)}
		if timeout := durationOf(row.TimeoutSeconds); timeout != nil {
			waiting[i].Timeout = *timeout
		}
	}
	return waiting, nil
}

const requestAbort = `UPDATE runs SET abort_requested_at = ?, abort_requested_by = ?, abort_note = ?
WHERE id = ? AND status = ? AND abort_requested_at IS NULL`

func (s *sqlStore) RequestAbort(ctx context.Context, runID, by, note string) error {
	if by == "" {
		return fmt.Errorf("request abort of run %s: a request says who makes it: by is empty", runID)
	}
	result, err := s.db.ExecContext(ctx, s.db.Rebind(requestAbort), micros(s.now()), text(by), text(note), runID, StatusRunning)
	if err != nil {
		return fmt.Errorf("request abort of run %s: %w", runID, err)
	}
	if n, err := result.RowsAffected(); err != nil || n == 1 {
		return err
	}
	request, requested, err := s.AbortRequested(ctx, runID)
	if err != nil {
		return fmt.Errorf("request abort of run %s: %w", runID, err)
	}
	if requested {
		return &AbortRequestedError{By: request.By, At: request.At}
	}
	run, err := s.runState(ctx, runID)
	if err != nil {
		return fmt.Errorf("request abort of run %s: %w", runID, err)
	}
	return refusal{message: run.ended(runID) + "; nothing to abort", kind: ErrNotRunning}
}

func (s *sqlStore) AbortRequested(ctx context.Context, runID string) (AbortRequest, bool, error) {
	var row struct {
		At   sql.NullInt64 `db:"abort_requested_at"`
		By   string        `db:"abort_requested_by"`
		Note string        `db:"abort_note"`
	}
	err := s.db.GetContext(ctx, &row, s.db.Rebind(`SELECT abort_requested_at, abort_requested_by, abort_note FROM runs WHERE id = ?`), runID)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return AbortRequest{}, false, fmt.Errorf("%w: %s", ErrNotFound, runID)
	case err != nil:
		return AbortRequest{}, false, fmt.Errorf("read the abort request of run %s: %w", runID, err)
	case !row.At.Valid:
		return AbortRequest{}, false, nil
	}
	return AbortRequest{By: row.By, Note: row.Note, At: fromMicros(row.At.Int64)}, true, nil
}

// manualStored is a step's Manual as its columns store it.
type manualStored struct {
	instructions string
	timeout      sql.NullFloat64
	outcome      sql.NullString
	by, note     string
	at           sql.NullInt64
	automatic    bool
}

func manualColumnsOf(m *Manual) manualStored {
	if m == nil {
		return manualStored{}
	}
	stored := manualStored{instructions: text(m.Instructions), timeout: secondsOf(&m.Timeout)}
	if a := m.Answer; a != nil {
		stored.outcome = sql.NullString{String: a.Outcome, Valid: true}
		stored.by, stored.note, stored.at, stored.automatic = text(a.By), text(a.Note), nullMicros(a.At), a.Automatic
	}
	return stored
}

// manualTimes aggregates the manual steps' waits in SQL, on the steps of
// the window's runs only.
const manualTimes = `SELECT runs.scenario, steps.phase, steps.name, COUNT(*) AS waits,
	SUM(CASE WHEN steps.answer_automatic THEN 1 ELSE 0 END) AS automatic,
	SUM(steps.duration_seconds) AS total_seconds, MAX(steps.duration_seconds) AS longest_seconds
FROM steps JOIN runs ON runs.id = steps.run_id
WHERE steps.kind = 'manual' AND NOT steps.running AND runs.started_at >= ?
GROUP BY runs.scenario, steps.phase, steps.name
ORDER BY total_seconds DESC, runs.scenario, steps.name`

func (s *sqlStore) ManualTimes(ctx context.Context, since time.Time) ([]ManualTime, error) {
	var rows []struct {
		Scenario       string  `db:"scenario"`
		Phase          string  `db:"phase"`
		Name           string  `db:"name"`
		Waits          int     `db:"waits"`
		Automatic      int     `db:"automatic"`
		TotalSeconds   float64 `db:"total_seconds"`
		LongestSeconds float64 `db:"longest_seconds"`
	}
	if err := s.db.SelectContext(ctx, &rows, s.db.Rebind(manualTimes), micros(since)); err != nil {
		return nil, fmt.Errorf("rank the manual steps' waits: %w", err)
	}
	times := make([]ManualTime, len(rows))
	for i, row := range rows {
		times[i] = ManualTime{Scenario: row.Scenario, Phase: phase.Phase(row.Phase), Step: row.Name, Waits: row.Waits, Automatic: row.Automatic,
			Total:   *durationOf(sql.NullFloat64{Float64: row.TotalSeconds, Valid: true}),
			Longest: *durationOf(sql.NullFloat64{Float64: row.LongestSeconds, Valid: true})}
	}
	return times, nil
}
