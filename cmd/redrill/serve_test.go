package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redrill/redrill/internal/pgtest"
	"github.com/redrill/redrill/store"
)

// everySecondDrill is a quick drill scheduled every second.
const everySecondDrill = `scenario "every-second" {
  schedule {
    cron = "* * * * * *"
  }
  recover {
    step "restore" {
      command { run = ["true"] }
    }
  }
}
`

func TestServe(t *testing.T) {
	binary := redrillBinary(t)
	dir := t.TempDir()
	path := writeFile(t, dir, "scheduled.hcl", everySecondDrill)
	history := filepath.Join(dir, "history.db")
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	address := listener.Addr().String()
	listener.Close()

	serve := exec.Command(binary, "serve", path, "--store", history, "--listen", address)
	serve.Env = append(os.Environ(), "XDG_STATE_HOME="+dir)
	logs := &lockedBuffer{}
	serve.Stderr = logs
	if err := serve.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = serve.Process.Kill() })

	deadline := time.Now().Add(20 * time.Second)
	var body string
	for time.Now().Before(deadline) {
		resp, err := http.Get("http://" + address + "/api/runs")
		if err == nil {
			content, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			body = string(content)
			if strings.Count(body, `"verdict": "met"`) >= 2 {
				break
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	if strings.Count(body, `"verdict": "met"`) < 2 {
		t.Fatalf("no scheduled runs served after 20 s:\n%s\n%s", body, logs.String())
	}

	second := exec.Command(binary, "serve", path, "--store", history, "--listen", "127.0.0.1:0")
	second.Env = serve.Env
	out, err := second.CombinedOutput()
	if exit, ok := err.(*exec.ExitError); !ok || exit.ExitCode() != 2 || !strings.Contains(string(out), "another redrill serve uses") {
		t.Errorf("a second serve on the same SQLite file: %v\n%s", err, out)
	}
	if code, _, stderr := run(t, "serve", path, "--listen", "0.0.0.0:0", "--store", filepath.Join(dir, "other.db")); code != 2 || !strings.Contains(stderr, "give --token") {
		t.Errorf("serve off loopback without a token: exit %d %s", code, stderr)
	}
	for _, token := range []string{" ", "secret ", "\tsecret", "sec\x00ret"} {
		if code, _, stderr := run(t, "serve", path, "--token", token, "--store", filepath.Join(dir, "other.db")); code != 2 || !strings.Contains(stderr, "no client could send it") {
			t.Errorf("serve --token %q: exit %d %s, want it refused", token, code, stderr)
		}
	}

	// SIGHUP: an invalid set is refused and the schedule kept; a valid one
	// replaces it.
	writeFile(t, dir, "scheduled.hcl", `scenario "every-second" {
  schedule {
    cron = "not a cron"
  }
}
`)
	if err := serve.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return strings.Contains(logs.String(), "reload refused") })
	if !strings.Contains(logs.String(), "scheduled.hcl line 3") {
		t.Errorf("the refused reload does not say where the error is:\n%s", logs.String())
	}
	writeFile(t, dir, "scheduled.hcl", `scenario "every-second" {
  schedule {
    cron = "* * * * * *"
  }
  recover {
    step "restore" {
      command { run = ["true"] }
    }
  }
}

scenario "hourly" {
  schedule {
    cron = "0 * * * *"
  }
  recover {
    step "restore" {
      command { run = ["true"] }
    }
  }
}
`)
	if err := serve.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return strings.Contains(logs.String(), "msg=reloaded") })
	if !strings.Contains(logs.String(), "scheduled=2") {
		t.Errorf("the reload did not schedule both scenarios:\n%s", logs.String())
	}

	if err := serve.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := serve.Wait(); err != nil {
		t.Errorf("serve after SIGTERM: %v\n%s", err, logs.String())
	}
}

// Three serve processes share one PostgreSQL store and a drill scheduled
// every second: each tick runs once. After one of them is killed with
// SIGKILL, the ticks still run once each, on the two left.
func TestServeReplicasRunEachTickOnce(t *testing.T) {
	storeURL := pgtest.NewDatabase(t)
	binary := redrillBinary(t)
	dir := t.TempDir()
	path := writeFile(t, dir, "scheduled.hcl", everySecondDrill)
	history, err := store.Open(context.Background(), storeURL, store.Options{SpoolDir: filepath.Join(dir, "spool")})
	if err != nil {
		t.Fatal(err)
	}
	defer history.Close()

	replicas := make([]*exec.Cmd, 3)
	logs := make([]*lockedBuffer, 3)
	for i := range replicas {
		logs[i] = &lockedBuffer{}
		replicas[i] = exec.Command(binary, "serve", path, "--store", storeURL, "--listen", "127.0.0.1:0")
		replicas[i].Env = append(os.Environ(), "XDG_STATE_HOME="+dir)
		replicas[i].Stderr = logs[i]
		if err := replicas[i].Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = replicas[i].Process.Kill(); _ = replicas[i].Wait() })
	}

	// runsPerTick waits until the store holds runs over span seconds after
	// from, then counts the runs of each scheduled tick in that span.
	runsPerTick := func(from time.Time, span int) map[int64]int {
		t.Helper()
		last := from.Add(time.Duration(span) * time.Second)
		for deadline := time.Now().Add(time.Duration(span+20) * time.Second); ; {
			runs, err := history.Runs(context.Background(), store.RunQuery{Since: from})
			if err != nil {
				t.Fatal(err)
			}
			ticks := map[int64]int{} // Unix seconds
			done := false
			for _, r := range runs {
				// Counted by the tick a run was for, not the second it
				// started in: on a loaded machine a run starts late.
				tick := r.ScheduledAt
				if tick.IsZero() {
					t.Errorf("scheduled run %s does not record its tick", r.ID)
					continue
				}
				if tick.Before(from) || !tick.Before(last) {
					done = done || !tick.Before(last)
					continue
				}
				if r.Trigger != store.TriggerSchedule {
					t.Errorf("run %s has trigger %s", r.ID, r.Trigger)
				}
				ticks[tick.Unix()]++
			}
			if done {
				return ticks
			}
			if time.Now().After(deadline) {
				t.Fatalf("no runs after %s; logs:\n%s", last, logs[0].String())
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	checkOncePerTick := func(what string, from time.Time, span int) {
		t.Helper()
		ticks := runsPerTick(from, span)
		for second := range span {
			tick := from.Add(time.Duration(second) * time.Second)
			if n := ticks[tick.Unix()]; n != 1 {
				t.Errorf("%s: tick %s ran %d times, want once", what, tick.Format(time.TimeOnly), n)
			}
		}
	}

	// Counting starts once every replica has started its schedule.
	waitFor(t, func() bool {
		for _, l := range logs {
			if !strings.Contains(l.String(), "msg=serving") {
				return false
			}
		}
		return true
	})
	start := time.Now().Truncate(time.Second).Add(2 * time.Second)
	checkOncePerTick("three replicas", start, 10)

	if err := replicas[0].Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = replicas[0].Wait()
	checkOncePerTick("after one was killed", time.Now().Truncate(time.Second).Add(2*time.Second), 5)
}

// waitFor polls condition until it holds, for at most 20 s.
func waitFor(t testing.TB, condition func() bool) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); !condition(); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 20 s")
		}
	}
}

// lockedBuffer collects a child process's output while the test reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// A file nesting 70,000 parentheses dropped into the served folder
// overflowed serve's stack on SIGHUP, stopping every schedule. It is
// refused like any invalid set: serve keeps running its schedule.
func TestServeRefusesDeepNestingOnReload(t *testing.T) {
	binary := redrillBinary(t)
	folder := t.TempDir()
	writeFile(t, folder, "scheduled.hcl", everySecondDrill)
	state := t.TempDir()
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	address := listener.Addr().String()
	listener.Close()

	serve := exec.Command(binary, "serve", folder, "--store", filepath.Join(state, "history.db"), "--listen", address)
	serve.Env = append(os.Environ(), "XDG_STATE_HOME="+state)
	logs := &lockedBuffer{}
	serve.Stderr = logs
	if err := serve.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = serve.Process.Kill() })
	waitFor(t, func() bool { return strings.Contains(logs.String(), "msg=serving") })

	writeFile(t, folder, "deep.hcl", "a = "+strings.Repeat("(", 70_000)+"1"+strings.Repeat(")", 70_000)+"\n")
	if err := serve.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return strings.Contains(logs.String(), "reload refused") })
	if !strings.Contains(logs.String(), "deep.hcl:1:105: error: Nesting too deep") {
		t.Errorf("the refused reload does not say why:\n%.3000s", logs.String())
	}

	get := func(path string) (int, string) {
		resp, err := http.Get("http://" + address + path)
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	if code, body := get("/healthz"); code != http.StatusOK {
		t.Fatalf("/healthz after the refused reload: %d %s\n%.3000s", code, body, logs.String())
	}
	// The schedule keeps its job: runs go on after the reload.
	_, before := get("/api/runs")
	waitFor(t, func() bool {
		_, after := get("/api/runs")
		return strings.Count(after, `"verdict": "met"`) >= strings.Count(before, `"verdict": "met"`)+2
	})

	if err := serve.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := serve.Wait(); err != nil {
		t.Errorf("serve after SIGTERM: %v\n%.3000s", err, logs.String())
	}
}

// SIGTERM of serve interrupts the drills under way with a reason that
// names the signal.
func TestServeSIGTERMNamesTheSignal(t *testing.T) {
	serve, dir, history, logs := startLongScheduledDrill(t, "touch {{dir}}/started; sleep 30")
	waitFor(t, func() bool { _, err := os.Stat(filepath.Join(dir, "started")); return err == nil })
	if err := serve.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := serve.Wait(); err != nil {
		t.Fatalf("serve after SIGTERM: %v\n%s", err, logs.String())
	}
	if run := storedVerdict(t, history); run.Verdict != store.VerdictInterrupted || run.Reason != "interrupted: received SIGTERM" {
		t.Errorf("after SIGTERM the run is %q (%s), want interrupted: received SIGTERM", run.Verdict, run.Reason)
	}
}

// kill -9 of serve mid-drill leaves none of the drill's commands running:
// the drill's reaper kills them when serve dies.
func TestKilledServeLeavesNoChildRunning(t *testing.T) {
	serve, dir, _, _ := startLongScheduledDrill(t, "sleep 30 & echo $! > {{dir}}/child.pid; echo $$ > {{dir}}/step.pid; wait")
	waitFor(t, func() bool {
		return holdsPID(filepath.Join(dir, "step.pid")) && holdsPID(filepath.Join(dir, "child.pid"))
	})
	if err := serve.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = serve.Wait()
	waitUntilGone(t, dir, "step.pid", "child.pid")
}

// startLongScheduledDrill starts serve on a drill scheduled every second
// whose recover step runs step (a shell command; {{dir}} is the test's
// folder). It returns serve, the folder, the store and serve's log.
func startLongScheduledDrill(t *testing.T, step string) (serve *exec.Cmd, dir, history string, logs *lockedBuffer) {
	t.Helper()
	binary := redrillBinary(t)
	dir = t.TempDir()
	path := writeFile(t, dir, "long.hcl", strings.ReplaceAll(`scenario "long" {
  schedule {
    cron = "* * * * * *"
  }
  recover {
    step "restore" {
      command { run = ["sh", "-c", "`+step+`"] }
    }
  }
}
`, "{{dir}}", dir))
	history = filepath.Join(dir, "history.db")
	serve = exec.Command(binary, "serve", path, "--store", history, "--listen", "127.0.0.1:0")
	serve.Env = append(os.Environ(), "XDG_STATE_HOME="+dir)
	logs = &lockedBuffer{}
	serve.Stderr = logs
	if err := serve.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = serve.Process.Kill() })
	return serve, dir, history, logs
}
