package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	// The two databases the history can live in.
	_ "github.com/lib/pq"
	"github.com/pressly/goose/v3"
	_ "modernc.org/sqlite"

	"github.com/redrill/redrill/internal/secret"
)

//go:embed migrations
var migrations embed.FS

// EnvStore names the environment variable that chooses the store when
// --store is not given.
const EnvStore = "REDRILL_STORE"

// DefaultPath is where the embedded SQLite history lives when no store is
// chosen: $XDG_STATE_HOME/redrill/history.db, else
// ~/.local/state/redrill/history.db.
func DefaultPath() (string, error) {
	if state := os.Getenv("XDG_STATE_HOME"); state != "" {
		return filepath.Join(state, "redrill", "history.db"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("no home folder for the default store: %w; give --store or %s", err, EnvStore)
	}
	return filepath.Join(home, ".local", "state", "redrill", "history.db"), nil
}

// Options tune Open.
type Options struct {
	// SpoolDir keeps events written while the store was unreachable;
	// empty means a "spool" folder next to the SQLite file, or in the
	// state folder for PostgreSQL.
	SpoolDir string
	// Now is the clock, for heartbeat expiry, claims and spool names; nil
	// means time.Now.
	Now func() time.Time
	// Host and PID say which runner this is: a run started without a host
	// is recorded as this runner's, a spool file is named after it, and a
	// running run of this host whose process is gone is interrupted. Empty
	// and zero mean this machine's hostname and this process's id.
	Host string
	PID  int
	// Logger receives the warnings of Open that do not stop it: spooled
	// events that could not be replayed yet. Nil means slog.Default().
	Logger *slog.Logger
	// WriteTimeout bounds each write; a store that takes longer is
	// treated as unreachable and the event is spooled. Zero means
	// DefaultWriteTimeout.
	WriteTimeout time.Duration
}

// DefaultWriteTimeout is how long a write may take before the store is
// taken for unreachable.
const DefaultWriteTimeout = 5 * time.Second

// Open opens the history named by target: a postgres:// URL, or an SQLite
// file path; empty means DefaultPath. It applies migrations, replays any
// spooled events and marks runs whose runner is gone as interrupted.
//
// Spooled events that cannot be replayed do not fail Open: they stay in
// the spool for the next Open or Flush, and Open logs why as a warning on
// opts.Logger.
func Open(ctx context.Context, target string, opts Options) (Store, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Host == "" {
		opts.Host, _ = os.Hostname()
	}
	if opts.PID == 0 {
		opts.PID = os.Getpid()
	}
	if opts.WriteTimeout == 0 {
		opts.WriteTimeout = DefaultWriteTimeout
	}
	if target == "" {
		path, err := DefaultPath()
		if err != nil {
			return nil, err
		}
		target = path
	}
	d := dialectOf(target)
	if opts.SpoolDir == "" {
		// Next to an SQLite file; for PostgreSQL, in the state folder.
		path := target
		if !d.file {
			var err error
			if path, err = DefaultPath(); err != nil {
				return nil, err
			}
		}
		opts.SpoolDir = filepath.Join(filepath.Dir(path), "spool")
	}
	backend, err := openSQL(ctx, d, target, opts)
	if err != nil {
		return nil, err
	}
	spooled, err := newSpooled(backend, opts)
	if err != nil {
		backend.Close()
		return nil, err
	}
	// Leftovers of a run that lost its store are replayed as soon as the
	// store is back; if it is still away, they wait for the next open.
	if err := spooled.ReplayAll(ctx); err != nil {
		opts.Logger.Warn("spooled events of an earlier run could not be written to the store yet; they stay in the spool",
			"store", backend.Where(), "spool", opts.SpoolDir, "error", err)
	}
	if _, err := backend.MarkInterrupted(ctx, opts.Now().Add(-StaleAfter)); err != nil {
		spooled.Close()
		return nil, fmt.Errorf("mark stale runs in %s: %w", backend.Where(), err)
	}
	if d.readConns > 0 {
		return withReadPool(ctx, spooled, d, target)
	}
	return spooled, nil
}

func isPostgres(target string) bool {
	return strings.HasPrefix(target, "postgres://") || strings.HasPrefix(target, "postgresql://")
}

// createPrivate creates a new history file, and its folder, readable by
// its owner only: the history holds scenario sources, hosts and what
// checks printed. SQLite gives its WAL and shared-memory files the mode of
// the database file. An existing file keeps its mode.
func createPrivate(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("create the store's folder: %w", err)
	}
	file, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	switch {
	case errors.Is(err, fs.ErrExist):
		return nil
	case err != nil:
		return fmt.Errorf("create the store %s: %w", path, err)
	}
	return file.Close()
}

// openSQL opens and migrates the database; opts are filled in by Open.
func openSQL(ctx context.Context, d dialect, target string, opts Options) (*sqlStore, error) {
	s := &sqlStore{dialect: d, now: opts.Now, host: opts.Host, pid: opts.PID, where: secret.HideURLPassword(target)}
	if d.file {
		s.where = target
		if err := createPrivate(target); err != nil {
			return nil, err
		}
	}
	db, err := sqlx.Open(d.driver, d.dsn(target))
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", s.where, redactErr(err, target))
	}
	if d.maxOpenConns > 0 {
		db.SetMaxOpenConns(d.maxOpenConns)
		// Kept rather than closed after each burst of ticks (the default
		// keeps 2): a new PostgreSQL connection is a new server process.
		db.SetMaxIdleConns(d.maxOpenConns)
	}
	s.db = db
	var connectErr error
	err = d.lockMigrations(target, func(options ...goose.ProviderOption) error {
		if connectErr = s.db.PingContext(ctx); connectErr != nil {
			return connectErr
		}
		return migrate(ctx, s.db.DB, d, options)
	})
	switch {
	case connectErr != nil:
		s.db.Close()
		return nil, fmt.Errorf("connect to store %s: %w", s.where, redactErr(connectErr, target))
	case err != nil:
		s.db.Close()
		return nil, fmt.Errorf("migrate store %s: %w", s.where, redactErr(err, target))
	}
	return s, nil
}

// migrationsTable records which migrations a history has had.
const migrationsTable = "redrill_migrations"

// migrate applies the embedded migrations of the dialect.
func migrate(ctx context.Context, db *sql.DB, d dialect, options []goose.ProviderOption) error {
	fsys, err := fs.Sub(migrations, d.migrations)
	if err != nil {
		return fmt.Errorf("read the %s migrations: %w", d.name, err)
	}
	provider, err := goose.NewProvider(d.goose, db, fsys, append(options, goose.WithTableName(migrationsTable))...)
	if err != nil {
		return fmt.Errorf("read the %s migrations: %w", d.name, err)
	}
	_, err = provider.Up(ctx)
	return err
}

// redactedError is an error whose message hides the store's password; its
// cause stays reachable with errors.Is and errors.As.
type redactedError struct {
	err      error
	password string
}

func (e redactedError) Error() string {
	return strings.ReplaceAll(e.err.Error(), e.password, secret.Hidden)
}

func (e redactedError) Unwrap() error { return e.err }

// redactErr hides the password of target in err's message, if it is there.
func redactErr(err error, target string) error {
	u, parseErr := url.Parse(target)
	if parseErr != nil {
		return err
	}
	password, ok := u.User.Password()
	if !ok || password == "" || !strings.Contains(err.Error(), password) {
		return err
	}
	return redactedError{err: err, password: password}
}
