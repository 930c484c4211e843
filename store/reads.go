package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// readPooled sends the reads of reports and commands (the Reader methods)
// to connections of their own, and everything else (writes, claims, the
// scheduler's LatestRun) to the store it wraps. SQLite has one writer
// connection per process: a dashboard read by many clients would
// otherwise queue the scheduler's claim and its drill's writes behind its
// reads. In WAL mode the readers read the last commit while a write goes
// on, so a read never waits for a write nor a write for a read.
type readPooled struct {
	Store
	reads *sqlStore
}

// withReadPool wraps history with a pool of d.readConns read-only
// connections to target; history is closed if they cannot be opened.
func withReadPool(ctx context.Context, history Store, d dialect, target string) (Store, error) {
	db, err := sqlx.Open(d.driver, d.readDSN(target))
	if err != nil {
		history.Close()
		return nil, fmt.Errorf("open the read connections of store %s: %w", history.Where(), err)
	}
	db.SetMaxOpenConns(d.readConns)
	db.SetMaxIdleConns(d.readConns)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		history.Close()
		return nil, fmt.Errorf("open the read connections of store %s: %w", history.Where(), err)
	}
	return readPooled{Store: history, reads: &sqlStore{db: db, dialect: d, where: history.Where()}}, nil
}

func (r readPooled) Runs(ctx context.Context, q RunQuery) ([]Run, error) { return r.reads.Runs(ctx, q) }
func (r readPooled) Run(ctx context.Context, id string) (Run, []Step, error) {
	return r.reads.Run(ctx, id)
}
func (r readPooled) LatestRuns(ctx context.Context) ([]Run, error) { return r.reads.LatestRuns(ctx) }
func (r readPooled) Measurements(ctx context.Context, since time.Time) ([]Measurement, error) {
	return r.reads.Measurements(ctx, since)
}
func (r readPooled) RunTotals(ctx context.Context) ([]RunTotal, error) { return r.reads.RunTotals(ctx) }
func (r readPooled) ChangeCursor(ctx context.Context) (ChangeCursor, error) {
	return r.reads.ChangeCursor(ctx)
}
func (r readPooled) Changes(ctx context.Context, after ChangeCursor) ([]ChangedRun, ChangeCursor, error) {
	return r.reads.Changes(ctx, after)
}

// Close closes the readers, then the store and its writer.
func (r readPooled) Close() error { return errors.Join(r.reads.Close(), r.Store.Close()) }

// The scheduler finds Spooled on any store Open returns.
var _ interface{ Spooled(scenario string) bool } = readPooled{}

// Spooled passes on whether the wrapped store's spool holds events of a
// scenario's runs: the scheduler asks before it starts a drill.
func (r readPooled) Spooled(scenario string) bool {
	spool, ok := r.Store.(interface{ Spooled(scenario string) bool })
	return ok && spool.Spooled(scenario)
}

// Waiting is a read of the dashboard's: it goes to the read connections.
func (r readPooled) Waiting(ctx context.Context) ([]WaitingStep, error) { return r.reads.Waiting(ctx) }

func (r readPooled) ManualTimes(ctx context.Context, since time.Time) ([]ManualTime, error) {
	return r.reads.ManualTimes(ctx, since)
}
