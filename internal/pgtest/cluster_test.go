package pgtest

import (
	"context"
	"database/sql"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestNewClusterListensOnItsOwnPortWithTheGivenSettings(t *testing.T) {
	t.Parallel()
	c := NewCluster(t, map[string]string{"work_mem": "7MB", "application_name": "redrill's test"})
	if c.Port() == 5432 {
		t.Fatalf("the test cluster took the main cluster's port 5432")
	}
	if !strings.HasPrefix(c.Name(), clusterNamePrefix+strconv.Itoa(os.Getpid())+"-") {
		t.Errorf("cluster name %q does not name this test process", c.Name())
	}
	db := open(t, c.URL("postgres"))
	for setting, want := range map[string]string{
		"work_mem":         "7MB",
		"application_name": "redrill's test",
		"port":             strconv.Itoa(c.Port()),
		"listen_addresses": "127.0.0.1",
		"cluster_name":     c.Version() + "/" + c.Name(),
	} {
		var got string
		if err := db.QueryRow("SELECT current_setting($1)", setting).Scan(&got); err != nil {
			t.Fatalf("read %s: %v", setting, err)
		}
		if got != want {
			t.Errorf("%s = %q, want %q", setting, got, want)
		}
	}
	if listing, listed := lscluster(c.Version(), c.Name()); !listed || !strings.Contains(listing, " online ") {
		t.Errorf("pg_lsclusters does not list %s as online:\n%s", c.Name(), listing)
	}
}

func TestCrashedClusterRecoversSynchronousCommits(t *testing.T) {
	t.Parallel()
	c := NewCluster(t, map[string]string{"synchronous_commit": "on"})
	db := open(t, c.URL("postgres"))
	mustExec(t, db, "CREATE TABLE survivors (n int PRIMARY KEY)")
	mustExec(t, db, "INSERT INTO survivors SELECT generate_series(1, 100)")
	for n := 101; n <= 150; n++ {
		mustExec(t, db, "INSERT INTO survivors VALUES ($1)", n)
	}

	c.Crash(t)
	if err := db.Ping(); err == nil {
		t.Fatalf("the crashed cluster still accepts connections")
	}
	c.Start(t)

	var count, highest int
	if err := db.QueryRow("SELECT count(*), max(n) FROM survivors").Scan(&count, &highest); err != nil {
		t.Fatalf("count rows after the restart: %v", err)
	}
	if count != 150 || highest != 150 {
		t.Errorf("after the crash %d rows remain, the highest %d; want all 150", count, highest)
	}
	// Crash recovery, not a clean shutdown, is what the drills rely on.
	if log, _ := os.ReadFile(c.LogFile()); !strings.Contains(string(log), "automatic recovery in progress") {
		t.Errorf("the restart ran no crash recovery; end of %s:\n%s", c.LogFile(), tail(c.LogFile(), 15))
	}
}

// A scenario's command step runs CrashCommand and StartCommand as argv,
// without a shell, and the next step connects right away.
func TestClusterCommandsRunWithoutAShell(t *testing.T) {
	t.Parallel()
	c := NewCluster(t, nil)
	db := open(t, c.URL("postgres"))

	if out, err := exec.Command(c.CrashCommand()[0], c.CrashCommand()[1:]...).CombinedOutput(); err != nil {
		t.Fatalf("%q: %v\n%s", c.CrashCommand(), err, out)
	}
	if err := db.Ping(); err == nil {
		t.Fatalf("after %q the cluster still accepts connections", c.CrashCommand())
	}
	if out, err := exec.Command(c.StartCommand()[0], c.StartCommand()[1:]...).CombinedOutput(); err != nil {
		t.Fatalf("%q: %v\n%s", c.StartCommand(), err, out)
	}
	if err := db.Ping(); err != nil {
		t.Errorf("right after %q the cluster refuses connections: %v", c.StartCommand(), err)
	}
}

func TestClusterIsDroppedWhenTheTestEnds(t *testing.T) {
	t.Parallel()
	var c *Cluster
	t.Run("inner", func(t *testing.T) { c = NewCluster(t, nil) })
	if c == nil {
		t.Skip("no cluster was made")
	}
	for _, dir := range []string{
		filepath.Join("/etc/postgresql", c.Version(), c.Name()),
		filepath.Join("/var/lib/postgresql", c.Version(), c.Name()),
	} {
		if _, err := os.Stat(dir); err == nil {
			t.Errorf("%s is left after the test ended", dir)
		}
	}
	if listing, listed := lscluster(c.Version(), c.Name()); listed {
		t.Errorf("pg_lsclusters still lists %s:\n%s", c.Name(), listing)
	}
}

func TestNewClusterDropsTheClustersOfAGoneTestProcess(t *testing.T) {
	t.Parallel()
	version, err := clusterVersion()
	if err != nil {
		unavailable(t, err.Error())
	}
	// The cluster is named after a process that lives while the cluster is
	// made, so that no other test drops it half made, and ends before
	// NewCluster looks.
	owner := exec.Command("sleep", "60")
	if err := owner.Start(); err != nil {
		t.Fatalf("start the owner process: %v", err)
	}
	stale := clusterNamePrefix + strconv.Itoa(owner.Process.Pid) + "-stale"
	out, err := run("pg_createcluster", version, stale, "--start-conf", "manual")
	_ = owner.Process.Kill()
	_ = owner.Wait()
	if err != nil {
		if permissionDenied(out) {
			unavailable(t, "this process may not create PostgreSQL clusters: "+lastLine(out))
		}
		t.Fatalf("create the stale cluster: %v\n%s", err, out)
	}
	t.Cleanup(func() { _, _ = run("pg_dropcluster", "--stop", version, stale) })
	if processExists(owner.Process.Pid) {
		t.Skipf("pid %d was reused already", owner.Process.Pid)
	}

	NewCluster(t, nil)
	if _, err := os.Stat(filepath.Join("/etc/postgresql", version, stale)); err == nil {
		t.Errorf("the stale cluster %s is still there", stale)
	}
	if listing, listed := lscluster(version, "main"); !listed {
		t.Errorf("the main cluster is gone:\n%s", listing)
	}
}

func TestClusterOwner(t *testing.T) {
	for name, want := range map[string]int{
		"redrill-test-4242-0a1b2c3d": 4242,
		"redrill-test-7-stale":       7,
		"main":                       0,
		"redrill-test-":              0,
		"redrill-test-x-1":           0,
		"redrill-test-0-1":           0,
		"redrill-test-12":            0,
		"other-redrill-test-12-1":    0,
	} {
		got, ok := clusterOwner(name)
		if got != want || ok != (want != 0) {
			t.Errorf("clusterOwner(%q) = %d, %t; want %d", name, got, ok, want)
		}
	}
}

func open(t testing.TB, url string) *sql.DB {
	t.Helper()
	db, err := sql.Open("postgres", url)
	if err != nil {
		t.Fatalf("open %s: %v", url, err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func mustExec(t testing.TB, db *sql.DB, query string, args ...any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := db.ExecContext(ctx, query, args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

// lscluster is pg_lsclusters' line on one cluster, and whether it has one.
// A bare pg_lsclusters fails while any cluster is half made or dropped, as
// those of parallel tests are.
func lscluster(version, name string) (string, bool) {
	out, err := run("pg_lsclusters", "--no-header", version, name)
	return out, err == nil
}
