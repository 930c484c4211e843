package pgtest

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	mathrand "math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// What NewCluster needs from the machine: a server version, a free port,
// room left by the test clusters of processes that are gone, and the
// postgresql-common tools.

// clusterNamePrefix begins every test cluster's name; the process id after
// it lets a later test drop the clusters of a test binary that was killed
// before its cleanups ran.
const clusterNamePrefix = "redrill-test-"

func clusterName() string {
	suffix := make([]byte, 4)
	_, _ = rand.Read(suffix)
	return fmt.Sprintf("%s%d-%s", clusterNamePrefix, os.Getpid(), hex.EncodeToString(suffix))
}

// sweepLock is the file whose lock one test process at a time holds while it
// drops stale clusters: two pg_dropcluster of one cluster at once both say
// they dropped it and leave it half there.
const sweepLock = "/var/run/postgresql/redrill-test-sweep.lock"

// dropStaleClusters drops the test clusters whose test process is gone. A
// test binary killed by a timeout or a signal runs no cleanups, and its
// clusters would keep running forever.
func dropStaleClusters(t testing.TB, version string) {
	lock, err := os.OpenFile(sweepLock, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		t.Logf("stale test clusters are not dropped: %v", err)
		return
	}
	defer func() { _ = lock.Close() }()
	if err := lockSweep(lock); err != nil {
		t.Logf("stale test clusters are not dropped: lock %s: %v", sweepLock, err)
		return
	}
	entries, err := os.ReadDir(filepath.Join("/etc/postgresql", version))
	if err != nil {
		return
	}
	for _, entry := range entries {
		owner, ok := clusterOwner(entry.Name())
		if !ok || processExists(owner) {
			continue
		}
		if out, err := run("pg_dropcluster", "--stop", version, entry.Name()); err != nil {
			t.Logf("drop stale test cluster %s: %v\n%s", entry.Name(), err, out)
			continue
		}
		t.Logf("dropped stale test cluster %s (its test process %d is gone)", entry.Name(), owner)
	}
}

// clusterOwner is the process id in a test cluster's name.
func clusterOwner(name string) (int, bool) {
	rest, ok := strings.CutPrefix(name, clusterNamePrefix)
	if !ok {
		return 0, false
	}
	pid, _, ok := strings.Cut(rest, "-")
	if !ok {
		return 0, false
	}
	owner, err := strconv.Atoi(pid)
	return owner, err == nil && owner > 0
}

func processExists(pid int) bool {
	_, err := os.Stat(filepath.Join("/proc", strconv.Itoa(pid)))
	return err == nil
}

// clusterVersion is REDRILL_TEST_PG_VERSION, or the newest major version
// whose server is installed.
func clusterVersion() (string, error) {
	if v := os.Getenv("REDRILL_TEST_PG_VERSION"); v != "" {
		if _, err := os.Stat(filepath.Join("/usr/lib/postgresql", v, "bin", "postgres")); err != nil {
			return "", fmt.Errorf("REDRILL_TEST_PG_VERSION=%s: no such PostgreSQL server installed: %w", v, err)
		}
		return v, nil
	}
	servers, _ := filepath.Glob("/usr/lib/postgresql/*/bin/postgres")
	newest, newestMajor := "", -1
	for _, server := range servers {
		v := filepath.Base(filepath.Dir(filepath.Dir(server)))
		if major, err := strconv.Atoi(v); err == nil && major > newestMajor {
			newest, newestMajor = v, major
		}
	}
	if newest == "" {
		return "", errors.New("no PostgreSQL server is installed under /usr/lib/postgresql")
	}
	return newest, nil
}

// candidatePort picks a port below the kernel's ephemeral range, so that no
// outgoing connection takes it while the cluster is down between a crash
// and its restart.
func candidatePort() int {
	const lowest = 15000
	highest := 32768
	if r, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
		if fields := strings.Fields(string(r)); len(fields) == 2 {
			if low, err := strconv.Atoi(fields[0]); err == nil && low > lowest+1000 {
				highest = low
			}
		}
	}
	return lowest + mathrand.IntN(highest-lowest)
}

// portIsFree says whether nothing listens on the port, neither on
// 127.0.0.1 nor as another cluster's Unix socket.
func portIsFree(port int) bool {
	if _, err := os.Stat(fmt.Sprintf("/var/run/postgresql/.s.PGSQL.%d", port)); err == nil {
		return false
	}
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		return false
	}
	_ = l.Close()
	return true
}

func portClash(out string) bool {
	return strings.Contains(out, "Address already in use") || strings.Contains(out, "Port conflict")
}

func permissionDenied(out string) bool {
	return strings.Contains(out, "root privileges") || strings.Contains(out, "Permission denied")
}

func unavailable(t testing.TB, why string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("no test cluster and CI=true: %s", why)
	}
	t.Skipf("no test cluster: %s", why)
}

// run runs a postgresql-common tool and returns what it printed.
func run(program string, args ...string) (string, error) {
	var out bytes.Buffer
	cmd := exec.Command(program, args...)
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return strings.TrimSpace(out.String()), err
}

func lastLine(out string) string {
	return out[strings.LastIndexByte(out, '\n')+1:]
}

// tail is the end of a file, or why it cannot be read.
func tail(path string, lines int) string {
	content, err := os.ReadFile(path)
	if err != nil {
		return fmt.Sprintf("(%v)", err)
	}
	all := strings.Split(strings.TrimRight(string(content), "\n"), "\n")
	return strings.Join(all[max(0, len(all)-lines):], "\n")
}
