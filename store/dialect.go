package store

import (
	"fmt"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

// dialect is what differs between the two databases a history can live
// in. The SQL of the store is shared (sqlx rebinds its placeholders for
// the driver); what is left is how to reach the database, migrate it and
// take turns migrating it. Open chooses one dialect, from the target.
type dialect struct {
	name   string // "sqlite" or "postgres", for messages
	driver string // the database/sql driver
	goose  goose.Dialect
	// migrations is the folder of the dialect's embedded migrations.
	migrations string
	// file says the target is a file path, not a URL: its folder is
	// created, it is shown as it is, and the spool goes next to it.
	file bool
	// dsn turns a target into the driver's data source name.
	dsn func(target string) string
	// maxOpenConns bounds the connection pool, whose connections are
	// all kept open between uses; zero is no bound.
	maxOpenConns int
	// readConns, when not zero, is a pool of that many read-only
	// connections (readDSN) for the Reader methods, apart from the pool
	// of maxOpenConns that writes (store/reads.go).
	readConns int
	readDSN   func(target string) string
	// lockMigrations runs migrate while no other process migrates the
	// same history, passing migrate the options that take the lock in the
	// database when the database has such a lock.
	lockMigrations func(target string, migrate func(options ...goose.ProviderOption) error) error
	// runnerLabelPairs is a table of the key and value (text) of each
	// label in a runs row's runner_labels JSON, for RunQuery.Labels; an
	// empty column is no labels.
	runnerLabelPairs string
	// changeCursor reads, as text, the ChangeCursor before which every
	// write of a run is visible; changedSince selects the runs written at
	// or after the cursor given as text (store/changes.go).
	changeCursor string
	changedSince string
}

// sqlitePragmas make an SQLite history safe for several processes: wait
// for the write lock rather than fail, let readers read during a write
// (WAL), check foreign keys, and sync every commit (a run must survive a
// power loss between two steps).
const sqlitePragmas = "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(FULL)"

// sqliteReadPragmas are those of the read connections: they refuse to
// write, and the file is already in WAL mode.
const sqliteReadPragmas = "?_pragma=busy_timeout(10000)&_pragma=query_only(1)"

var sqliteDialect = dialect{
	name: "sqlite", driver: "sqlite", goose: goose.DialectSQLite3, migrations: "migrations/sqlite",
	file: true,
	dsn:  func(target string) string { return "file:" + target + sqlitePragmas },
	// SQLite has one writer; one connection per process keeps writes in
	// order, and WAL lets other processes read meanwhile.
	maxOpenConns: 1,
	// The dashboard reads on connections of its own, so that its reads
	// never hold the writer's: WAL lets them read during a write.
	readConns: 4,
	readDSN:   func(target string) string { return "file:" + target + sqliteReadPragmas },
	// SQLite has no session lock: without a lock file, processes opening
	// a new history file at the same moment would each create its tables.
	// The first connection is made under the lock too: it turns a new
	// file to WAL, and two processes doing that at once fail with
	// SQLITE_BUSY or SQLITE_IOERR_DELETE_NOENT (5898), each deleting the
	// rollback journal the other is using.
	lockMigrations: func(target string, migrate func(...goose.ProviderOption) error) error {
		return withFileLock(target+".migrate.lock", func() error { return migrate() })
	},
	runnerLabelPairs: `json_each(NULLIF(runs.runner_labels, ''))`,
	// One writer at a time: the numbers are taken in commit order.
	changeCursor: `SELECT CAST(COALESCE(MAX(change_seq), 0) + 1 AS TEXT) FROM runs`,
	changedSince: `change_seq >= CAST(? AS INTEGER)`,
}

// postgresConns is the size of a PostgreSQL store's connection pool.
const postgresConns = 8

var postgresDialect = dialect{
	name: "postgres", driver: "postgres", goose: goose.DialectPostgres, migrations: "migrations/postgres",
	dsn: func(target string) string { return target },
	// A runner with a thousand scenarios on one cron minute claims a
	// thousand ticks at once: unbounded, it opened a connection for each,
	// and ten such runners went past the server's max_connections (100 by
	// default), failing claims with "too many clients". Eight kept
	// connections leave room for 10 runners; with them such a pool runs
	// every tick, its claims taking about 4 s a minute on 2 cores
	// (TestRunnerPoolsAtScale, docs/performance.md).
	maxOpenConns: postgresConns,
	// Several runners starting at once migrate one at a time, on a
	// session advisory lock.
	lockMigrations: func(_ string, migrate func(...goose.ProviderOption) error) error {
		locker, err := lock.NewPostgresSessionLocker()
		if err != nil {
			return fmt.Errorf("create the migration lock: %w", err)
		}
		return migrate(goose.WithSessionLocker(locker))
	},
	runnerLabelPairs: `jsonb_each_text(CAST(NULLIF(runs.runner_labels, '') AS jsonb))`,
	// Transactions commit out of order: every one older than the oldest
	// still running has ended, and its writes are visible.
	changeCursor: `SELECT CAST(pg_snapshot_xmin(pg_current_snapshot()) AS TEXT)`,
	changedSince: `change_xid >= CAST(CAST(? AS TEXT) AS xid8)`,
}

// dialectOf is the dialect of a target: a postgres:// URL, else an SQLite
// file path.
func dialectOf(target string) dialect {
	if isPostgres(target) {
		return postgresDialect
	}
	return sqliteDialect
}
