package runner

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redrill/redrill/internal/pgtest"
	"github.com/redrill/redrill/scenarios"
	"github.com/redrill/redrill/scenarios/catalog"
	"github.com/redrill/redrill/store"
)

// The PostgreSQL restore example and the catalog's GitLab-derived drill run
// end to end: a generated database of 300,000 orders is dumped, restored
// into a scratch database, counted, its data loss measured, and the
// scratch database dropped.
func TestPostgresRestoreDrill(t *testing.T) {
	t.Run("example", func(t *testing.T) {
		postgresRestoreDrill(t, func() ([]byte, error) { return os.ReadFile("../scenarios/examples/postgres-restore.hcl") }, "", true, nil)
	})
	t.Run("catalog gitlab-2017-postgres-restore", func(t *testing.T) {
		// The source keeps growing after the dump: the drill compares the
		// restored rows with the dump's, not with the live table's.
		postgresRestoreDrill(t, func() ([]byte, error) { return catalog.Source("gitlab-2017-postgres-restore") }, "gitlab_", false, []string{"gitlab_min_dump_bytes=1000"})
	})
}

func postgresRestoreDrill(t *testing.T, scenarioSource func() ([]byte, error), prefix string, passSourceDB bool, extraVars []string) {
	pgtest.RequireClient(t, "pg_restore")
	sourceDSN := pgtest.NewDatabase(t)
	source, err := sql.Open("postgres", sourceDSN)
	if err != nil {
		t.Fatal(err)
	}
	defer source.Close()
	newest := time.Now().UTC().Add(-2 * time.Hour).Truncate(time.Microsecond)
	if _, err := source.Exec(`CREATE TABLE orders AS
		SELECT i AS id, 'item-' || i AS item, $1::timestamptz - (300000 - i) * interval '1 second' AS created_at
		FROM generate_series(1, 300000) AS i`, newest); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	dump := filepath.Join(dir, "orders.dump")
	if out, err := exec.Command("pg_dump", "-Fc", "--file", dump, sourceDSN).CombinedOutput(); err != nil {
		t.Fatalf("pg_dump: %v\n%s", err, out)
	}

	if !passSourceDB {
		if _, err := source.Exec(`INSERT INTO orders SELECT i, 'late-' || i, now() FROM generate_series(300001, 300100) AS i`); err != nil {
			t.Fatal(err)
		}
	}

	u, _ := url.Parse(sourceDSN)
	sourceDB := strings.TrimPrefix(u.Path, "/")
	u.Path, u.RawQuery = "", ""
	scratch := sourceDB + "_scratch"
	src, err := scenarioSource()
	if err != nil {
		t.Fatal(err)
	}
	vars := []string{prefix + "server=" + u.String(), prefix + "scratch_db=" + scratch, prefix + "dump=" + dump}
	if passSourceDB {
		vars = append(vars, prefix+"source_db="+sourceDB)
	}
	set, diags := scenarios.LoadSources(map[string][]byte{"drill.hcl": src}, scenarios.Options{Vars: append(vars, extraVars...)})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	history, err := store.Open(context.Background(), filepath.Join(dir, "h.db"), store.Options{SpoolDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer history.Close()

	result := Run(context.Background(), set, set.Scenarios[0], Options{Store: history})
	if result.Verdict != store.VerdictMet {
		t.Fatalf("verdict %s: %s", result.Verdict, result.Reason)
	}
	// RPO = clock start - newest order: about two hours.
	if rpo := *result.RPO; rpo < 2*time.Hour || rpo > 2*time.Hour+time.Minute {
		t.Errorf("RPO %s, want about 2h", rpo)
	}
	if passSourceDB { // the example measures what it restores
		info, err := os.Stat(dump)
		if err != nil {
			t.Fatal(err)
		}
		var databaseSize float64
		if err := source.QueryRow(`SELECT pg_database_size(current_database())`).Scan(&databaseSize); err != nil {
			t.Fatal(err)
		}
		measured := map[string]store.Measure{}
		for _, m := range result.Measures {
			measured[m.Name] = m
		}
		if m := measured["dump_size"]; m.Value != float64(info.Size()) || m.Unit != store.UnitBytes {
			t.Errorf("dump_size %+v, want %d bytes", m, info.Size())
		}
		if m := measured["database_size"]; m.Value <= 0 || math.Abs(m.Value-databaseSize) > databaseSize/10 || m.Phase != "steady_state" {
			t.Errorf("database_size %+v, want about %.0f bytes, in steady_state", m, databaseSize)
		}
		if m := measured["orders_restored"]; m.Value != 300000 || m.Unit != store.UnitRows || m.Phase != "data_loss" {
			t.Errorf("orders_restored %+v, want 300000 rows, in data_loss", m)
		}
	}
	var exists bool
	if err := source.QueryRow(`SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, scratch).Scan(&exists); err != nil || exists {
		t.Errorf("rollback left the scratch database %s (err %v)", scratch, err)
	}
	t.Logf("restore of 300,000 orders: RTO %s", *result.RTO)
}

// The drill's own connections never block a step of the same drill: after
// recovered_when and data_loss polled a scratch database, rollback drops it
// with a plain DROP DATABASE, which PostgreSQL refuses while any other
// session is connected to it.
func TestRollbackDropsTheDatabaseTheDrillPolled(t *testing.T) {
	scratch := pgtest.NewDatabase(t)
	parsed, err := url.Parse(scratch)
	if err != nil {
		t.Fatal(err)
	}
	name := strings.TrimPrefix(parsed.Path, "/")
	admin := pgtest.ServerURL()
	result, _, _ := drill(t, context.Background(), strings.NewReplacer("{{scratch}}", scratch, "{{admin}}", admin, "{{name}}", name).Replace(`scenario "scratch" {
		objective {
			rto = "1m"
			rpo = "1h"
		}
		recover {
			step "restore" {
				sql {
					dsn   = "{{scratch}}"
					query = "CREATE TABLE orders (id int, created_at timestamptz DEFAULT now()); INSERT INTO orders (id) VALUES (1), (2)"
				}
			}
		}
		recovered_when {
			every   = "100ms"
			timeout = "30s"
			check "orders-back" {
				sql {
					dsn   = "{{scratch}}"
					query = "SELECT count(*) FROM orders"
				}
				assert {
					condition = result.value == 2
				}
			}
		}
		data_loss {
			sql {
				dsn   = "{{scratch}}"
				query = "SELECT max(created_at) FROM orders"
			}
			newest_record = result.value
		}
		rollback {
			step "drop-scratch" {
				sql {
					dsn   = "{{admin}}"
					query = "DROP DATABASE {{name}}"
				}
			}
		}
	}`))
	if result.Verdict != store.VerdictMet || result.Rollback != store.RollbackPassed {
		t.Fatalf("verdict %s, rollback %s: %s", result.Verdict, result.Rollback, result.Reason)
	}
	db, err := sql.Open("postgres", admin)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var left int
	if err := db.QueryRow("SELECT count(*) FROM pg_database WHERE datname = $1", name).Scan(&left); err != nil {
		t.Fatal(err)
	}
	if left != 0 {
		t.Errorf("database %s still exists after rollback", name)
	}
}

// The seed incident's example runs against the local server: the large
// operation is interrupted mid-way, clients keep writing, nothing they
// were told was written is lost, and the scratch database is gone after.
func TestRestartMidOperationExample(t *testing.T) {
	admin, err := sql.Open("postgres", pgtest.NewDatabase(t)) // skips without a server
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	src, err := os.ReadFile("../scenarios/examples/restart-mid-operation.hcl")
	if err != nil {
		t.Fatal(err)
	}
	database := fmt.Sprintf("redrill_mid_operation_%d", os.Getpid())
	u, _ := url.Parse(pgtest.ServerURL())
	u.Path, u.RawQuery = "", ""
	set, diags := scenarios.LoadSources(map[string][]byte{"drill.hcl": src}, scenarios.Options{Vars: []string{
		"postgres_server=" + u.String(), "database=" + database, "rows=1000000", "warmup=500ms",
	}})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	dir := t.TempDir()
	history, err := store.Open(context.Background(), filepath.Join(dir, "h.db"), store.Options{SpoolDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer history.Close()

	result := Run(context.Background(), set, set.Scenarios[0], Options{Store: history})
	if result.Verdict != store.VerdictMet {
		t.Fatalf("verdict %s: %s", result.Verdict, result.Reason)
	}
	operation := findStep(result.Steps, "large-operation")
	if operation == nil || operation.Passed || operation.Cancelled || !strings.Contains(operation.Message, "the session ended during the query") {
		t.Errorf("the large operation was not interrupted mid-way: %+v", operation)
	}
	w := result.Workloads[0]
	if w.Verified == nil || w.Verified.Lost != 0 || w.Verified.Acknowledged < 40 || w.Succeeded < 40 {
		t.Errorf("client writes %+v (verified %+v), want some, none lost", w, w.Verified)
	}
	if result.RPO == nil || *result.RPO != 0 {
		t.Errorf("RPO %v with nothing lost, want 0", result.RPO)
	}
	var left int
	if err := admin.QueryRow(`SELECT count(*) FROM pg_database WHERE datname = $1`, database).Scan(&left); err != nil || left != 0 {
		t.Errorf("the scratch database %s is left behind (%d, %v)", database, left, err)
	}
}
