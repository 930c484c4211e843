package catalog_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-sql-driver/mysql"

	"github.com/redrill/redrill/internal/mysqltest"
	"github.com/redrill/redrill/runner"
	"github.com/redrill/redrill/scenarios"
	"github.com/redrill/redrill/scenarios/catalog"
	"github.com/redrill/redrill/store"
)

// The Instapaper-derived drill runs end to end against a real MySQL or
// MariaDB server (REDRILL_TEST_MYSQL, user@host:port, default
// root@127.0.0.1:3306, no password): a database is dumped with mysqldump,
// restored into a scratch database with the mysql client, checked with
// the sql kind and dropped. A truncated dump makes the restore, and the drill, fail.
func TestInstapaperDrillRestoresMySQL(t *testing.T) {
	server := mysqlServer(t)
	suffix := randomSuffix(t)
	sourceDB, scratchDB := "redrill_src_"+suffix, "redrill_scratch_"+suffix
	server.mustRun(t, "CREATE DATABASE "+sourceDB)
	t.Cleanup(func() { server.run("DROP DATABASE IF EXISTS " + sourceDB) })
	server.mustRun(t, "CREATE TABLE "+sourceDB+".bookmarks (id INT PRIMARY KEY, url TEXT)")
	server.mustRun(t, "INSERT INTO "+sourceDB+".bookmarks VALUES (1, 'https://example.com/a'), (2, 'https://example.com/b')")

	dir := t.TempDir()
	dump := filepath.Join(dir, "latest.sql.gz")
	dumpCmd := exec.Command("sh", "-c", `mysqldump --defaults-extra-file="$1" --host="$2" --port="$3" --single-transaction "$4" | gzip > "$5"`,
		"sh", server.defaultsFile, server.host, server.port, sourceDB, dump)
	if out, err := dumpCmd.CombinedOutput(); err != nil {
		t.Fatalf("mysqldump: %v\n%s", err, out)
	}
	truncated := filepath.Join(dir, "truncated.sql.gz")
	if content, err := os.ReadFile(dump); err != nil || os.WriteFile(truncated, content[:len(content)/2], 0o644) != nil {
		t.Fatal("cannot write the truncated dump")
	}

	tests := []struct {
		name        string
		dump        string
		wantVerdict string
		wantFailed  string // the step that fails, if one does
	}{
		{"a good dump is restored and the drill is met", dump, store.VerdictMet, ""},
		{"a truncated dump fails the restore", truncated, store.VerdictFailed, "restore"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src, err := catalog.Source("instapaper-2017-large-table-restore")
			if err != nil {
				t.Fatal(err)
			}
			set, diags := scenarios.LoadSources(map[string][]byte{"drill.hcl": src}, scenarios.Options{Vars: []string{
				"instapaper_host=" + server.host, "instapaper_port=" + server.port, "instapaper_defaults_file=" + server.defaultsFile, "instapaper_dsn=" + server.dsn,
				"instapaper_source_db=" + sourceDB, "instapaper_scratch_db=" + scratchDB, "instapaper_dump=" + tt.dump,
			}})
			if diags.HasErrors() {
				t.Fatal(diags.Error())
			}
			stateDir := t.TempDir()
			history, err := store.Open(context.Background(), filepath.Join(stateDir, "h.db"), store.Options{SpoolDir: stateDir})
			if err != nil {
				t.Fatal(err)
			}
			defer history.Close()
			result := runner.Run(context.Background(), set, set.Scenarios[0], runner.Options{Store: history})
			if result.Verdict != tt.wantVerdict {
				t.Fatalf("verdict %s (%s), want %s; steps: %+v", result.Verdict, result.Reason, tt.wantVerdict, result.Steps)
			}
			for _, step := range result.Steps {
				if !step.Passed && step.Name != tt.wantFailed {
					t.Errorf("step %s failed: %s", step.Name, step.Message)
				}
			}
			if left := server.query(t, "SHOW DATABASES LIKE '"+scratchDB+"'"); left != "" {
				t.Errorf("rollback left the scratch database %s", left)
			}
		})
	}
}

type mysqlTestServer struct {
	host, port, defaultsFile string
	dsn                      string // without a database, as the drill's dsn variable
}

// mysqlServer is the server of REDRILL_TEST_MYSQL; without the mysql
// client programs or a server that answers the test is skipped, except
// under CI=true, where it fails.
func mysqlServer(t *testing.T) *mysqlTestServer {
	skip := t.Skipf
	if os.Getenv("CI") == "true" {
		skip = t.Fatalf
	}
	for _, program := range []string{"mysql", "mysqldump", "gzip", "bash"} {
		if _, err := exec.LookPath(program); err != nil {
			skip("%s is not installed; install the MySQL or MariaDB client programs to run this test", program)
		}
	}
	cfg, err := mysql.ParseDSN(mysqltest.ServerDSN())
	if err != nil {
		t.Fatalf("REDRILL_TEST_MYSQL: %v (want a DSN: user:password@tcp(host:port)/db)", err)
	}
	host, port, err := net.SplitHostPort(cfg.Addr)
	if cfg.Net != "tcp" || err != nil {
		t.Fatalf("REDRILL_TEST_MYSQL: want a TCP address, user@tcp(host:port)/db")
	}
	defaults := filepath.Join(t.TempDir(), "client.cnf")
	if err := os.WriteFile(defaults, []byte("[client]\nuser="+cfg.User+"\npassword="+cfg.Passwd+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg.DBName = ""
	server := &mysqlTestServer{host: host, port: port, defaultsFile: defaults, dsn: cfg.FormatDSN()}
	if out, err := server.run("SELECT 1"); err != nil {
		skip("no MySQL server at %s:%s (set REDRILL_TEST_MYSQL=user:password@tcp(host:port)/db): %v %s", host, port, err, out)
	}
	return server
}

func (s *mysqlTestServer) run(statement string) (string, error) {
	out, err := exec.Command("mysql", "--defaults-extra-file="+s.defaultsFile, "--host="+s.host, "--port="+s.port,
		"--batch", "--skip-column-names", "--execute", statement).CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

func (s *mysqlTestServer) mustRun(t *testing.T, statement string) {
	t.Helper()
	if out, err := s.run(statement); err != nil {
		t.Fatalf("%s: %v\n%s", statement, err, out)
	}
}

func (s *mysqlTestServer) query(t *testing.T, statement string) string {
	t.Helper()
	out, err := s.run(statement)
	if err != nil {
		t.Fatalf("%s: %v\n%s", statement, err, out)
	}
	return out
}

func randomSuffix(t *testing.T) string {
	b := make([]byte, 4)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}
