package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"time"
)

// ChangeCursor is where a reader of the runs' changes stands: every run
// written before it has been read. The zero cursor is before every write.
type ChangeCursor uint64

// ChangedRun is a run as it was last written, with the two figures of its
// workloads that reports trend (as Measurements reads them).
type ChangedRun struct {
	Run
	Downtime   *time.Duration
	LostWrites *int64
}

// Measurement is what Measurements reads of the run.
func (c ChangedRun) Measurement() Measurement {
	return Measurement{ID: c.ID, Scenario: c.Scenario, StartedAt: c.StartedAt, RTO: c.RTO, Verdict: c.Verdict,
		Downtime: c.Downtime, LostWrites: c.LostWrites, Measures: c.Measures, Host: c.Host, RunnerLabels: c.RunnerLabels}
}

// changedRunRow is a runs row with its trended columns.
type changedRunRow struct {
	runRow
	Downtime   sql.NullFloat64 `db:"client_downtime_seconds"`
	LostWrites sql.NullInt64   `db:"lost_writes"`
}

func (s *sqlStore) ChangeCursor(ctx context.Context) (ChangeCursor, error) {
	var text string
	if err := s.db.GetContext(ctx, &text, s.dialect.changeCursor); err != nil {
		return 0, fmt.Errorf("read the change cursor: %w", err)
	}
	cursor, err := strconv.ParseUint(text, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("read the change cursor: %q: %w", text, err)
	}
	return ChangeCursor(cursor), nil
}

func (s *sqlStore) Changes(ctx context.Context, after ChangeCursor) ([]ChangedRun, ChangeCursor, error) {
	// The cursor is read first: whatever commits between the two reads is
	// read now or, if it is not yet visible, at the next call.
	next, err := s.ChangeCursor(ctx)
	if err != nil {
		return nil, after, err
	}
	var rows []changedRunRow
	query := `SELECT ` + runColumns + `, client_downtime_seconds, lost_writes FROM runs WHERE ` + s.dialect.changedSince
	if err := s.db.SelectContext(ctx, &rows, s.db.Rebind(query), strconv.FormatUint(uint64(after), 10)); err != nil {
		return nil, after, fmt.Errorf("read the runs changed since %d: %w", after, err)
	}
	changed := make([]ChangedRun, len(rows))
	for i, row := range rows {
		run, err := row.run()
		if err != nil {
			return nil, after, fmt.Errorf("read the runs changed since %d: %w", after, err)
		}
		changed[i] = ChangedRun{Run: run, Downtime: durationOf(row.Downtime)}
		if row.LostWrites.Valid {
			changed[i].LostWrites = &row.LostWrites.Int64
		}
	}
	// A cursor never goes back, whatever a clock or a wrapped counter says.
	return changed, max(next, after), nil
}
