package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// errLockHeld is a lock that another process holds, on every system
// (filelock_unix.go, filelock_windows.go).
var errLockHeld = errors.New("locked by another process")

// LockExclusive makes sure one `redrill serve` at a time uses an SQLite
// history: its scheduler has no other way to know of a second one, which
// would run every scheduled drill twice. A PostgreSQL store needs no lock:
// ticks are claimed in it. The returned function releases the lock.
func LockExclusive(target string) (release func(), err error) {
	if target == "" {
		if target, err = DefaultPath(); err != nil {
			return nil, err
		}
	}
	if isPostgres(target) {
		return func() {}, nil
	}
	path := target + ".serve.lock"
	// On a new machine the default store's folder does not exist yet.
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("create the store's folder: %w", err)
	}
	file, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if err := lockFile(file, false); err != nil {
		file.Close()
		if !errors.Is(err, errLockHeld) {
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		return nil, fmt.Errorf("another redrill serve uses %s (lock %s): run one per SQLite file, or share a PostgreSQL store between runners", target, path)
	}
	return func() { closeLocked(file) }, nil
}

// withFileLock runs fn while holding an exclusive lock on path, waiting
// for other processes that hold it. SQLite has no session lock for
// migrations: without this, processes opening a new history file at the
// same moment would each try to create its tables.
func withFileLock(path string, fn func() error) error {
	file, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return fmt.Errorf("lock %s: %w", path, err)
	}
	if err := lockFile(file, true); err != nil {
		file.Close()
		return fmt.Errorf("lock %s: %w", path, err)
	}
	defer closeLocked(file)
	return fn()
}
