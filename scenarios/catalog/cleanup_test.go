package catalog_test

import (
	"context"
	"database/sql"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/redrill/redrill/internal/pgtest"
	"github.com/redrill/redrill/runner"
	"github.com/redrill/redrill/scenarios"
	"github.com/redrill/redrill/scenarios/catalog"
	"github.com/redrill/redrill/store"
)

// runEntry loads one catalog entry with vars and runs it with a store of
// its own.
func runEntry(t *testing.T, name string, vars []string) runner.Result {
	t.Helper()
	src, err := catalog.Source(name)
	if err != nil {
		t.Fatal(err)
	}
	set, diags := scenarios.LoadSources(map[string][]byte{name + ".hcl": src}, scenarios.Options{Vars: vars})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	stateDir := t.TempDir()
	history, err := store.Open(context.Background(), filepath.Join(stateDir, "h.db"), store.Options{SpoolDir: stateDir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { history.Close() })
	return runner.Run(context.Background(), set, set.Scenarios[0], runner.Options{Store: history})
}

func requireNoFile(t *testing.T, path string) {
	t.Helper()
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("the drill left %s behind (stat: %v)", path, err)
	}
}

// The GitHub-derived drill runs against MySQL or MariaDB: the backup is
// transferred, restored into a new replica database, caught up with rows
// written after the backup, and then the replica database and the
// transferred copy are gone.
func TestGitHubDrillCatchesUpAndCleansUp(t *testing.T) {
	server := mysqlServer(t)
	suffix := randomSuffix(t)
	sourceDB, replicaDB := "redrill_src_"+suffix, "redrill_replica_"+suffix
	server.mustRun(t, "CREATE DATABASE "+sourceDB)
	t.Cleanup(func() { server.run("DROP DATABASE IF EXISTS " + sourceDB) })
	t.Cleanup(func() { server.run("DROP DATABASE IF EXISTS " + replicaDB) })
	server.mustRun(t, "CREATE TABLE "+sourceDB+".pushes (id INT PRIMARY KEY, ref TEXT)")
	server.mustRun(t, "INSERT INTO "+sourceDB+".pushes VALUES (1, 'main'), (2, 'main'), (3, 'topic')")

	backupDir, workDir := t.TempDir(), t.TempDir()
	backup := filepath.Join(backupDir, "latest.sql.gz")
	dump := exec.Command("sh", "-c", `mysqldump --defaults-extra-file="$1" --host="$2" --port="$3" --single-transaction "$4" | gzip > "$5"`,
		"sh", server.defaultsFile, server.host, server.port, sourceDB, backup)
	if out, err := dump.CombinedOutput(); err != nil {
		t.Fatalf("mysqldump: %v\n%s", err, out)
	}
	// Writes after the backup, which the new replica must catch up with.
	server.mustRun(t, "INSERT INTO "+sourceDB+".pushes VALUES (4, 'main'), (5, 'release')")

	result := runEntry(t, "github-2018-mysql-restore", []string{
		"github_host=" + server.host, "github_port=" + server.port, "github_defaults_file=" + server.defaultsFile,
		"github_dsn=" + server.dsn, "github_source_db=" + sourceDB, "github_replica_db=" + replicaDB,
		"github_backup=" + backup, "github_work_dir=" + workDir,
	})
	if result.Verdict != store.VerdictMet {
		t.Fatalf("verdict %s (%s); steps: %+v", result.Verdict, result.Reason, result.Steps)
	}
	if left := server.query(t, "SHOW DATABASES LIKE '"+replicaDB+"'"); left != "" {
		t.Errorf("rollback left the replica database %s", left)
	}
	requireNoFile(t, filepath.Join(workDir, "redrill-github-replica.sql.gz"))
	if _, err := os.Stat(backup); err != nil {
		t.Errorf("the drill must not touch the backup itself: %v", err)
	}
}

// The Gliffy-derived drill runs against PostgreSQL: the off-site dump is
// fetched, restored into a scratch database and checked, and then the
// scratch database and the fetched copy are gone.
func TestGliffyDrillRestoresAndCleansUp(t *testing.T) {
	pgtest.RequireClient(t, "pg_restore")
	sourceDSN := pgtest.NewDatabase(t)
	source, err := sql.Open("postgres", sourceDSN)
	if err != nil {
		t.Fatal(err)
	}
	defer source.Close()
	if _, err := source.Exec(`CREATE TABLE documents AS SELECT i AS id, 'diagram-' || i AS title FROM generate_series(1, 1000) AS i`); err != nil {
		t.Fatal(err)
	}
	offsite, workDir := t.TempDir(), t.TempDir()
	backup := filepath.Join(offsite, "latest.dump")
	if out, err := exec.Command("pg_dump", "-Fc", "--file", backup, sourceDSN).CombinedOutput(); err != nil {
		t.Fatalf("pg_dump: %v\n%s", err, out)
	}
	scratch := "redrill_gliffy_" + randomSuffix(t)
	admin := pgtest.WithDatabase(pgtest.ServerURL(), "postgres")
	t.Cleanup(func() {
		if db, err := sql.Open("postgres", admin); err == nil {
			_, _ = db.Exec("DROP DATABASE IF EXISTS " + scratch + " WITH (FORCE)")
			db.Close()
		}
	})

	result := runEntry(t, "gliffy-2016-offsite-restore", []string{
		"gliffy_server=" + serverWithoutDatabase(t), "gliffy_offsite_backup=" + backup,
		"gliffy_work_dir=" + workDir, "gliffy_scratch_db=" + scratch,
	})
	if result.Verdict != store.VerdictMet {
		t.Fatalf("verdict %s (%s); steps: %+v", result.Verdict, result.Reason, result.Steps)
	}
	var exists bool
	if err := source.QueryRow(`SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, scratch).Scan(&exists); err != nil || exists {
		t.Errorf("rollback left the scratch database %s (err %v)", scratch, err)
	}
	requireNoFile(t, filepath.Join(workDir, "redrill-gliffy-restore.dump"))
}

func serverWithoutDatabase(t *testing.T) string {
	t.Helper()
	return pgtest.ServerBase()
}
