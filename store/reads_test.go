package store

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"
)

// With SQLite, reports read on connections of their own: a read answers
// while a claim waits for the file's write lock, which another process
// holds. On one connection for both, the read queued behind the claim
// until the lock was released or the busy timeout (10 s) ran out.
func TestSQLiteReadsDoNotWaitForWrites(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "history.db")
	s, err := Open(ctx, path, Options{SpoolDir: t.TempDir(), WriteTimeout: 30 * time.Second})
	mustDo(t, err)
	defer s.Close()
	mustDo(t, s.StartRun(ctx, newRun("run-1", "orders", base)))

	locker, err := sql.Open("sqlite", "file:"+path)
	mustDo(t, err)
	defer locker.Close()
	conn, err := locker.Conn(ctx)
	mustDo(t, err)
	defer conn.Close()
	_, err = conn.ExecContext(ctx, "BEGIN EXCLUSIVE")
	mustDo(t, err)
	unlock := func() { _, _ = conn.ExecContext(ctx, "ROLLBACK") }
	defer unlock()

	// The claim waits for the lock on the writer's connection.
	claimed := make(chan error, 1)
	go func() { _, err := s.Claim(ctx, "orders", base, "runner-a"); claimed <- err }()
	writer := rawDB(t, s) // the writer's pool
	for deadline := time.Now().Add(5 * time.Second); writer.Stats().InUse == 0; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the claim never took the writer's connection")
		}
	}
	// Well within the writer's busy timeout: the read must not wait for it.
	readCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	latest, err := s.LatestRuns(readCtx)
	if err != nil {
		t.Fatalf("a report's read waited for a write: %v", err)
	}
	if len(latest) != 1 || latest[0].ID != "run-1" {
		t.Errorf("latest runs %+v, want run-1", latest)
	}
	if _, err := s.Measurements(readCtx, base.Add(-time.Hour)); err != nil {
		t.Errorf("measurements: %v", err)
	}
	if _, err := s.RunTotals(readCtx); err != nil {
		t.Errorf("run totals: %v", err)
	}
	unlock()
	if err := <-claimed; err != nil {
		t.Errorf("the claim, once the lock was released: %v", err)
	}
}
