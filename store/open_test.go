package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/redrill/redrill/internal/secret"
)

// An error that quotes the store URL hides its password and keeps its
// cause, so callers can still tell a timeout from a refusal.
func TestRedactedErrorsKeepTheirCause(t *testing.T) {
	target := "postgres://redrill:hunter2@db.example:5432/history"
	cause := fmt.Errorf("dial %s: %w", target, os.ErrDeadlineExceeded)
	err := fmt.Errorf("connect to store %s: %w", secret.HideURLPassword(target), redactErr(cause, target))
	if strings.Contains(err.Error(), "hunter2") {
		t.Errorf("the password shows in %q", err)
	}
	if !strings.Contains(err.Error(), "redrill:(sensitive)@db.example") {
		t.Errorf("message %q does not say where the store is", err)
	}
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("%q lost its cause", err)
	}
	if plain := errors.New("no such host"); redactErr(plain, target) != plain {
		t.Error("an error without the password was rewrapped")
	}
}

// A new history, its WAL and its folder are its owner's only.
func TestNewHistoryIsPrivate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state", "redrill")
	target := filepath.Join(dir, "history.db")
	s := open(t, target, base)
	mustDo(t, s.StartRun(context.Background(), newRun("private", "orders", base)))
	for _, path := range []string{dir, target, target + "-wal"} {
		info, err := os.Stat(path)
		mustDo(t, err)
		if mode := info.Mode().Perm(); mode&0o077 != 0 {
			t.Errorf("%s has mode %o, want no access for group and others", path, mode)
		}
	}
}
