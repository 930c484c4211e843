package store

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/redrill/redrill/internal/pgtest"
)

// A thousand ticks claimed at once by one runner share its few connections
// to PostgreSQL: unbounded, each opened its own, and ten runners exhausted
// the server's max_connections.
func TestPostgresStoreKeepsAFewConnectionsUnderABurstOfClaims(t *testing.T) {
	target := pgtest.NewDatabase(t)
	s := open(t, target, base)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 1000)
	for i := range 1000 {
		wg.Go(func() {
			if _, err := s.Claim(ctx, fmt.Sprintf("drill-%04d", i), base, "runner-1"); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("claim in a burst of 1000: %v", err)
	}

	admin, err := sql.Open("postgres", pgtest.ServerURL())
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	u, _ := url.Parse(target)
	var connections int
	if err := admin.QueryRowContext(ctx, "SELECT count(*) FROM pg_stat_activity WHERE datname = $1",
		strings.TrimPrefix(u.Path, "/")).Scan(&connections); err != nil {
		t.Fatal(err)
	}
	// All of them are kept for the next minute's ticks.
	if connections != postgresConns {
		t.Errorf("%d connections to the store after a burst of 1000 claims, want %d kept", connections, postgresConns)
	}
}
