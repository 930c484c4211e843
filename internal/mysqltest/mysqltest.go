// Package mysqltest gives tests a MySQL (or MariaDB) database of their
// own: a fresh database on the server named by REDRILL_TEST_MYSQL.
package mysqltest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"os"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
)

// DefaultDSN is the server used when REDRILL_TEST_MYSQL is not set.
const DefaultDSN = "root@tcp(127.0.0.1:3306)/test"

// ServerDSN returns the DSN of the test server.
func ServerDSN() string {
	if dsn := os.Getenv("REDRILL_TEST_MYSQL"); dsn != "" {
		return dsn
	}
	return DefaultDSN
}

// Server returns the DSN of the test server once it answers. Without a
// reachable server the test is skipped, except under CI=true, where it
// fails.
func Server(t testing.TB) string {
	t.Helper()
	server := ServerDSN()
	admin := open(t, server)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := admin.PingContext(ctx); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("MySQL at %s is not reachable and CI=true: %v", redact(server), err)
		}
		t.Skipf("MySQL at %s is not reachable (%v); set REDRILL_TEST_MYSQL to run this test", redact(server), err)
	}
	return server
}

// NewDatabase creates an empty database for the test, drops it when the
// test ends, and returns its DSN.
func NewDatabase(t testing.TB) string {
	t.Helper()
	server := Server(t)
	admin := open(t, server)
	suffix := make([]byte, 6)
	_, _ = rand.Read(suffix)
	name := "redrill_test_" + hex.EncodeToString(suffix)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name); err != nil {
			t.Errorf("drop test database %s: %v", name, err)
		}
	})
	return WithDatabase(server, name)
}

// WithDatabase returns the server DSN pointing at another database.
func WithDatabase(serverDSN, database string) string {
	cfg, err := mysql.ParseDSN(serverDSN)
	if err != nil {
		return serverDSN
	}
	cfg.DBName = database
	return cfg.FormatDSN()
}

func open(t testing.TB, dsn string) *sql.DB {
	t.Helper()
	db, err := sql.Open("mysql", dsn)
	if err != nil {
		t.Fatalf("REDRILL_TEST_MYSQL: %v", err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func redact(dsn string) string {
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		return "(unparsable DSN)"
	}
	if cfg.Passwd != "" {
		cfg.Passwd = "xxxxx"
	}
	return cfg.FormatDSN()
}
