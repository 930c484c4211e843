// Package pgtest gives tests PostgreSQL of their own: a fresh database on
// the server named by REDRILL_TEST_POSTGRES (NewDatabase), or a throwaway
// cluster on this machine that they may crash and restart (NewCluster).
package pgtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	// The driver the tests connect with.
	_ "github.com/lib/pq"
)

// DefaultURL is the server used when REDRILL_TEST_POSTGRES is not set.
const DefaultURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// ServerURL returns the URL of the test server.
func ServerURL() string {
	if u := os.Getenv("REDRILL_TEST_POSTGRES"); u != "" {
		return u
	}
	return DefaultURL
}

// NewDatabase creates an empty database for the test, drops it when the
// test ends, and returns its URL. Without a reachable server the test is
// skipped, except under CI=true, where it fails.
func NewDatabase(t testing.TB) string {
	t.Helper()
	server := ServerURL()
	admin, err := sql.Open("postgres", server)
	if err != nil {
		t.Fatalf("REDRILL_TEST_POSTGRES: %v", err)
	}
	t.Cleanup(func() { _ = admin.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := admin.PingContext(ctx); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("PostgreSQL at %s is not reachable and CI=true: %v", redact(server), err)
		}
		t.Skipf("PostgreSQL at %s is not reachable (%v); set REDRILL_TEST_POSTGRES to run this test", redact(server), err)
	}

	suffix := make([]byte, 6)
	_, _ = rand.Read(suffix)
	name := "redrill_test_" + hex.EncodeToString(suffix)
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("drop test database %s: %v", name, err)
		}
	})
	return WithDatabase(server, name)
}

// WithDatabase returns the server URL pointing at another database.
func WithDatabase(serverURL, database string) string {
	u, err := url.Parse(serverURL)
	if err != nil {
		return serverURL
	}
	u.Path = "/" + database
	return u.String()
}

func redact(serverURL string) string {
	u, err := url.Parse(serverURL)
	if err != nil {
		return "(unparsable URL)"
	}
	if _, hasPassword := u.User.Password(); hasPassword {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return strings.TrimSpace(u.String())
}

// ServerBase returns the test server's URL without a database or query,
// as scenarios take it: postgres://user:password@host:port.
func ServerBase() string {
	u, err := url.Parse(ServerURL())
	if err != nil {
		return ServerURL()
	}
	u.Path, u.RawQuery = "", ""
	return u.String()
}

// RequireClient skips the test when one of PostgreSQL's client programs
// (pg_dump, pg_restore, psql) is missing, except under CI=true, where it
// fails: a drill that shells out to it cannot run.
func RequireClient(t testing.TB, program string) {
	t.Helper()
	if _, err := exec.LookPath(program); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not installed and CI=true: install PostgreSQL's client programs", program)
		}
		t.Skipf("%s is not installed; install PostgreSQL's client programs to run this test", program)
	}
}
