package pgtest

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Cluster is a PostgreSQL cluster of one test's own, made with Debian's
// postgresql-common tools, so that the test may crash and restart a server
// without touching the machine's main cluster. NewCluster makes one.
type Cluster struct {
	version string
	name    string
	port    int
}

// readyTimeout bounds how long a started cluster may take to accept
// connections; crash recovery of a few seconds of writes is far quicker.
const readyTimeout = 30 * time.Second

// portAttempts is how many free-looking ports NewCluster tries before it
// gives up: another process may take a port between the check and the bind.
const portAttempts = 5

// settingName is what NewCluster accepts as a postgresql.conf name, so
// that a setting is one line of the file and nothing else.
var settingName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.]*$`)

// NewCluster creates, starts and returns a cluster of the PostgreSQL major
// version named by REDRILL_TEST_PG_VERSION (default: the newest installed),
// with the given postgresql.conf settings, listening on 127.0.0.1 only, on a
// free port, with trust authentication over TCP. The cluster is stopped and
// dropped when the test ends, whether it passed or not. Without
// pg_createcluster, or when this process may not create clusters, the test
// is skipped, except under CI=true, where it fails.
func NewCluster(t testing.TB, settings map[string]string) *Cluster {
	t.Helper()
	if _, err := exec.LookPath("pg_createcluster"); err != nil {
		unavailable(t, "pg_createcluster is not installed (Debian's postgresql-common)")
	}
	version, err := clusterVersion()
	if err != nil {
		unavailable(t, err.Error())
	}
	for name := range settings {
		if !settingName.MatchString(name) {
			t.Fatalf("cluster setting %q is not a postgresql.conf name", name)
		}
	}
	dropStaleClusters(t, version)

	var lastClash string
	for range portAttempts {
		c := &Cluster{version: version, name: clusterName(), port: candidatePort()}
		if !portIsFree(c.port) {
			continue
		}
		out, err := run("pg_createcluster", c.createArgs()...)
		if err != nil {
			if permissionDenied(out) {
				unavailable(t, "this process may not create PostgreSQL clusters (pg_createcluster needs root or the postgres user): "+lastLine(out))
			}
			_, _ = run("pg_dropcluster", version, c.name) // whatever it made
			t.Fatalf("pg_createcluster %s %s: %v\n%s", version, c.name, err, out)
		}
		if err := c.configure(settings); err != nil {
			c.drop(t)
			t.Fatalf("configure cluster %s: %v", c.name, err)
		}
		out, err = run("pg_ctlcluster", c.startArgs()...)
		if err != nil {
			c.drop(t)
			if portClash(out) {
				lastClash = lastLine(out)
				continue
			}
			t.Fatalf("start cluster %s: %v\n%s", c.name, err, out)
		}
		t.Cleanup(func() { c.drop(t) })
		c.waitAccepting(t)
		return c
	}
	t.Fatalf("no free port for a test cluster after %d attempts; last clash: %s", portAttempts, lastClash)
	return nil
}

// Name is the cluster's name, as pg_lsclusters shows it.
func (c *Cluster) Name() string { return c.name }

// Version is the cluster's PostgreSQL major version, such as "15".
func (c *Cluster) Version() string { return c.version }

// Port is the TCP port the cluster listens on, on 127.0.0.1.
func (c *Cluster) Port() int { return c.port }

// URL is a lib/pq URL for the superuser postgres on the given database
// ("postgres" exists in every new cluster).
func (c *Cluster) URL(database string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", c.port, database)
}

// LogFile is where the server logs, for a test that wants to show it.
func (c *Cluster) LogFile() string {
	return fmt.Sprintf("/var/log/postgresql/postgresql-%s-%s.log", c.version, c.name)
}

// CrashCommand is the argv that crashes the server: an immediate stop,
// which kills every server process without a checkpoint, so that the next
// start runs crash recovery. A scenario's command step can run it as is.
func (c *Cluster) CrashCommand() []string {
	return append([]string{"pg_ctlcluster"}, c.ctlArgs("stop", "-m", "immediate")...)
}

// StartCommand is the argv that starts the server and returns once it
// accepts connections (pg_ctlcluster waits for that itself).
func (c *Cluster) StartCommand() []string {
	return append([]string{"pg_ctlcluster"}, c.startArgs()...)
}

// Crash runs CrashCommand and fails the test if it does not succeed.
func (c *Cluster) Crash(t testing.TB) {
	t.Helper()
	argv := c.CrashCommand()
	if out, err := run(argv[0], argv[1:]...); err != nil {
		t.Fatalf("crash cluster %s: %v\n%s", c.name, err, out)
	}
}

// Start runs StartCommand and waits until the server accepts connections.
func (c *Cluster) Start(t testing.TB) {
	t.Helper()
	argv := c.StartCommand()
	if out, err := run(argv[0], argv[1:]...); err != nil {
		t.Fatalf("start cluster %s: %v\n%s", c.name, err, out)
	}
	c.waitAccepting(t)
}

func (c *Cluster) createArgs() []string {
	return []string{c.version, c.name, "--port", strconv.Itoa(c.port),
		// Never started by the init system, should the machine reboot
		// before the test's cleanup ran.
		"--start-conf", "manual",
		// Trust over TCP is what the tests connect with; the Unix socket
		// keeps Debian's peer authentication.
		"--", "--auth-host=trust", "--auth-local=peer"}
}

// configure appends the settings to the cluster's postgresql.conf, where
// the last occurrence of a name wins. pg_createcluster's --pgoption would
// write 127.0.0.1 unquoted (it takes it for a number), and a file of our
// own in conf.d would outlive pg_dropcluster.
func (c *Cluster) configure(settings map[string]string) error {
	all := map[string]string{"listen_addresses": "127.0.0.1"}
	maps.Copy(all, settings)
	var conf strings.Builder
	conf.WriteString("\n# Set by redrill's pgtest.NewCluster.\n")
	for _, name := range slices.Sorted(maps.Keys(all)) {
		fmt.Fprintf(&conf, "%s = %s\n", name, quoteSetting(all[name]))
	}
	path := filepath.Join("/etc/postgresql", c.version, c.name, "postgresql.conf")
	file, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return err
	}
	if _, err := file.WriteString(conf.String()); err != nil {
		_ = file.Close()
		return err
	}
	return file.Close()
}

// quoteSetting quotes a value as postgresql.conf reads quoted strings,
// which every kind of setting accepts.
func quoteSetting(value string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, "'", "''", "\n", `\n`).Replace(value) + "'"
}

func (c *Cluster) startArgs() []string { return c.ctlArgs("start") }

// ctlArgs are pg_ctlcluster's arguments for an action. Without
// --skip-systemctl-redirect, root's pg_ctlcluster hands the action to
// systemd where systemd runs, and the test would no longer own the server.
func (c *Cluster) ctlArgs(action string, options ...string) []string {
	return append([]string{"--skip-systemctl-redirect", c.version, c.name, action}, options...)
}

// waitAccepting polls until the server answers a query, or fails the test.
func (c *Cluster) waitAccepting(t testing.TB) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), readyTimeout)
	defer cancel()
	db, err := sql.Open("postgres", c.URL("postgres"))
	if err != nil {
		t.Fatalf("cluster %s: %v", c.name, err)
	}
	defer func() { _ = db.Close() }()
	poll := time.NewTicker(50 * time.Millisecond)
	defer poll.Stop()
	for {
		attemptCtx, cancelAttempt := context.WithTimeout(ctx, 2*time.Second)
		_, err := db.ExecContext(attemptCtx, "SELECT 1")
		cancelAttempt()
		if err == nil {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("cluster %s does not accept connections on port %d after %s: %v\n%s",
				c.name, c.port, readyTimeout, err, tail(c.LogFile(), 20))
		case <-poll.C:
		}
	}
}

// drop stops and removes the cluster; a failed test first shows the end
// of the server's log, which pg_dropcluster removes.
func (c *Cluster) drop(t testing.TB) {
	if t.Failed() {
		t.Logf("end of the log of cluster %s:\n%s", c.name, tail(c.LogFile(), 30))
	}
	if out, err := run("pg_dropcluster", "--stop", c.version, c.name); err != nil {
		t.Errorf("drop cluster %s (see pg_lsclusters; remove it with pg_dropcluster --stop %s %s): %v\n%s",
			c.name, c.version, c.name, err, out)
	}
}
