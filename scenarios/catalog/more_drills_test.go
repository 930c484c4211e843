package catalog_test

import (
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/redrill/redrill/internal/pgtest"
	"github.com/redrill/redrill/store"
)

func requirePostgresClients(t *testing.T) {
	t.Helper()
	for _, program := range []string{"pg_dump", "pg_restore"} {
		if _, err := exec.LookPath(program); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s is not installed and CI=true: install PostgreSQL's client programs", program)
			}
			t.Skipf("%s is not installed; install PostgreSQL's client programs to run this test", program)
		}
	}
}

// requireNoDatabases fails the test if any of the databases is still on
// the PostgreSQL test server.
func requireNoDatabases(t *testing.T, names ...string) {
	t.Helper()
	admin, err := sql.Open("postgres", pgtest.WithDatabase(pgtest.ServerURL(), "postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	for _, name := range names {
		var exists bool
		if err := admin.QueryRow(`SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil || exists {
			t.Errorf("rollback left the database %s (err %v)", name, err)
		}
	}
}

// dropAfter drops the databases when the test ends, whatever the drill did.
func dropAfter(t *testing.T, names ...string) {
	t.Cleanup(func() {
		admin, err := sql.Open("postgres", pgtest.WithDatabase(pgtest.ServerURL(), "postgres"))
		if err != nil {
			return
		}
		defer admin.Close()
		for _, name := range names {
			_, _ = admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
		}
	})
}

// The Cloudflare-derived drill takes a primary database fully offline and
// brings the data up in a recovery database from the copy setup shipped.
func TestCloudflareDrillFailsOverAndCleansUp(t *testing.T) {
	requirePostgresClients(t)
	pgtest.NewDatabase(t) // skips without a server
	suffix := randomSuffix(t)
	primary, dr := "redrill_cf_primary_"+suffix, "redrill_cf_dr_"+suffix
	dropAfter(t, primary, dr)
	workDir := t.TempDir()
	result := runEntry(t, "cloudflare-2023-facility-failover", []string{
		"cloudflare_server=" + pgtest.ServerBase(), "cloudflare_primary_db=" + primary, "cloudflare_dr_db=" + dr,
		"cloudflare_work_dir=" + workDir,
	})
	if result.Verdict != store.VerdictMet {
		t.Fatalf("verdict %s (%s); steps: %+v", result.Verdict, result.Reason, result.Steps)
	}
	requireNoDatabases(t, primary, dr)
	requireNoFile(t, filepath.Join(workDir, "redrill-cloudflare-copy.dump"))
}

// The Sentry-derived drill checks the real database's transaction ID age
// and times a freezing vacuum of a copy in a scratch database.
func TestSentryDrillFreezesAndCleansUp(t *testing.T) {
	sourceDSN := pgtest.NewDatabase(t)
	source := filepath.Base(sourceDSN)
	if i := len(source) - len("?sslmode=disable"); i > 0 && source[i:] == "?sslmode=disable" {
		source = source[:i]
	}
	scratch := "redrill_sentry_" + randomSuffix(t)
	dropAfter(t, scratch)
	result := runEntry(t, "sentry-2015-xid-wraparound", []string{
		"sentry_server=" + pgtest.ServerBase(), "sentry_source_db=" + source, "sentry_scratch_db=" + scratch,
		"sentry_rows=20000",
	})
	if result.Verdict != store.VerdictMet {
		t.Fatalf("verdict %s (%s); steps: %+v", result.Verdict, result.Reason, result.Steps)
	}
	requireNoDatabases(t, scratch)
}

// The Tarsnap-derived drill rebuilds an index of a store of local files
// and checks it lists every object; a rebuild that breaks partway, as
// Tarsnap's did, fails it and its partial index is removed too.
func TestTarsnapDrillRebuildsFromTheStore(t *testing.T) {
	storeDir, workDir := t.TempDir(), t.TempDir()
	for i := range 50 {
		if err := os.WriteFile(filepath.Join(storeDir, fmt.Sprintf("object-%03d", i)), []byte("data"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name    string
		rebuild string
		want    string
	}{
		{"a full rebuild is met", `["sh", "-c", "find \"$1\" -type f | sort > \"$2\"", "sh"]`, store.VerdictMet},
		{"a rebuild that breaks partway is failed", `["sh", "-c", "find \"$1\" -type f | head -n 10 > \"$2\"; exit 1", "sh"]`, store.VerdictFailed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			result := runEntry(t, "tarsnap-2023-state-reconstruction", []string{
				"tarsnap_store=" + storeDir, "tarsnap_work_dir=" + workDir, "tarsnap_rebuild_command=" + tt.rebuild,
			})
			if result.Verdict != tt.want {
				t.Fatalf("verdict %s (%s), want %s", result.Verdict, result.Reason, tt.want)
			}
			requireNoFile(t, filepath.Join(workDir, "redrill-tarsnap-index"))
		})
	}
}

// The GitHub 2010-derived drill restores the core tables and then the
// largest from their own dumps into a scratch database, and drops it.
func TestGitHub2010DrillRestoresInOrderAndCleansUp(t *testing.T) {
	server := mysqlServer(t)
	suffix := randomSuffix(t)
	sourceDB, scratchDB := "redrill_src_"+suffix, "redrill_scratch_"+suffix
	server.mustRun(t, "CREATE DATABASE "+sourceDB)
	t.Cleanup(func() { server.run("DROP DATABASE IF EXISTS " + sourceDB) })
	t.Cleanup(func() { server.run("DROP DATABASE IF EXISTS " + scratchDB) })
	server.mustRun(t, "CREATE TABLE "+sourceDB+".users (id INT PRIMARY KEY, login TEXT)")
	server.mustRun(t, "CREATE TABLE "+sourceDB+".events (id INT PRIMARY KEY, kind TEXT)")
	server.mustRun(t, "INSERT INTO "+sourceDB+".users VALUES (1, 'a'), (2, 'b')")
	server.mustRun(t, "INSERT INTO "+sourceDB+".events VALUES (1, 'push'), (2, 'fork'), (3, 'watch')")
	dir := t.TempDir()
	core, large := filepath.Join(dir, "core.sql.gz"), filepath.Join(dir, "events.sql.gz")
	for _, dump := range []struct{ args, file string }{
		{"--ignore-table=" + sourceDB + ".events " + sourceDB, core},
		{sourceDB + " events", large},
	} {
		cmd := exec.Command("sh", "-c", `mysqldump --defaults-extra-file="$1" --host="$2" --port="$3" --single-transaction $4 | gzip > "$5"`,
			"sh", server.defaultsFile, server.host, server.port, dump.args, dump.file)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("mysqldump: %v\n%s", err, out)
		}
	}
	result := runEntry(t, "github-2010-events-table-restore", []string{
		"github2010_host=" + server.host, "github2010_port=" + server.port, "github2010_defaults_file=" + server.defaultsFile,
		"github2010_dsn=" + server.dsn, "github2010_scratch_db=" + scratchDB,
		"github2010_core_dump=" + core, "github2010_large_dump=" + large,
	})
	if result.Verdict != store.VerdictMet {
		t.Fatalf("verdict %s (%s); steps: %+v", result.Verdict, result.Reason, result.Steps)
	}
	if left := server.query(t, "SHOW DATABASES LIKE '"+scratchDB+"'"); left != "" {
		t.Errorf("rollback left the scratch database %s", left)
	}
}
