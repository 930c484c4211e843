package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redrill/redrill/internal/pgtest"
	"github.com/redrill/redrill/store"
)

const euEverySecondDrill = `scenario "eu-every-second" {
  runner {
    labels = { site = "eu-west" }
  }
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

// Runners with different labels on one PostgreSQL store: each tick of a
// scenario for site=eu-west runs once, only on an EU runner, also after
// one is killed with SIGKILL; with no EU runner left, its ticks are
// recorded not_run, once each, by the others. redrill runners shows them.
func TestLabelledRunnersShareOneStore(t *testing.T) {
	storeURL := pgtest.NewDatabase(t)
	binary := redrillBinary(t)
	dir := t.TempDir()
	path := writeFile(t, dir, "eu.hcl", euEverySecondDrill)
	history, err := store.Open(context.Background(), storeURL, store.Options{SpoolDir: filepath.Join(dir, "spool")})
	if err != nil {
		t.Fatal(err)
	}
	defer history.Close()

	sites := []string{"eu-west", "eu-west", "us-east", "us-east"}
	runners := make([]*exec.Cmd, len(sites))
	logs := make([]*lockedBuffer, len(sites))
	for i, site := range sites {
		logs[i] = &lockedBuffer{}
		runners[i] = exec.Command(binary, "serve", path, "--store", storeURL, "--listen", "127.0.0.1:0", "--label", "site="+site)
		runners[i].Env = append(os.Environ(), "XDG_STATE_HOME="+dir, "REDRILL_LABELS=hw=ignored-when-flags-are-given")
		runners[i].Stderr = logs[i]
		if err := runners[i].Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = runners[i].Process.Kill(); _ = runners[i].Wait() })
	}
	waitFor(t, func() bool {
		for _, l := range logs {
			if !strings.Contains(l.String(), "msg=serving") {
				return false
			}
		}
		return true
	})
	pidOf := func(i int) int { return runners[i].Process.Pid }

	// runsOfTicks waits for the ticks of [from, from+span) to be recorded
	// and returns them by tick.
	runsOfTicks := func(from time.Time, span int) map[int64][]store.Run {
		t.Helper()
		last := from.Add(time.Duration(span) * time.Second)
		for deadline := time.Now().Add(time.Duration(span+40) * time.Second); ; time.Sleep(200 * time.Millisecond) {
			runs, err := history.Runs(context.Background(), store.RunQuery{Since: from.Add(-time.Second)})
			if err != nil {
				t.Fatal(err)
			}
			byTick, done := map[int64][]store.Run{}, false
			for _, r := range runs {
				switch {
				case r.ScheduledAt.Before(from):
				case !r.ScheduledAt.Before(last):
					done = done || r.Status == store.StatusFinished
				default:
					byTick[r.ScheduledAt.Unix()] = append(byTick[r.ScheduledAt.Unix()], r)
				}
			}
			if done {
				return byTick
			}
			if time.Now().After(deadline) {
				t.Fatalf("no run after %s; log of the first runner:\n%s", last, logs[0].String())
			}
		}
	}
	checkTicks := func(what string, from time.Time, span int, check func(store.Run) string) {
		t.Helper()
		byTick := runsOfTicks(from, span)
		for second := range span {
			tick := from.Add(time.Duration(second) * time.Second)
			runs := byTick[tick.Unix()]
			if len(runs) != 1 {
				t.Errorf("%s: tick %s has %d runs, want one", what, tick.Format(time.TimeOnly), len(runs))
				continue
			}
			if problem := check(runs[0]); problem != "" {
				t.Errorf("%s: tick %s: %s", what, tick.Format(time.TimeOnly), problem)
			}
		}
	}
	onEURunner := func(alive ...int) func(store.Run) string {
		return func(r store.Run) string {
			pids := []int{}
			for _, i := range alive {
				pids = append(pids, pidOf(i))
			}
			if r.Verdict != store.VerdictMet || r.RunnerLabels["site"] != "eu-west" || !slices.Contains(pids, r.PID) {
				return fmt.Sprintf("ran on %s:%d with labels %v, verdict %s; want an EU runner %v, met", r.Host, r.PID, r.RunnerLabels, r.Verdict, pids)
			}
			return ""
		}
	}

	start := time.Now().Truncate(time.Second).Add(2 * time.Second)
	checkTicks("two EU and two US runners", start, 8, onEURunner(0, 1))

	code, out, _ := run(t, "runners", "--store", storeURL)
	if code != 0 || strings.Count(out, " up ") != 4 || strings.Count(out, "site=eu-west") != 2 || strings.Count(out, "site=us-east") != 2 {
		t.Errorf("runners: exit %d:\n%s", code, out)
	}

	if err := runners[0].Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = runners[0].Wait()
	checkTicks("after an EU runner was killed", time.Now().Truncate(time.Second).Add(2*time.Second), 5, onEURunner(1))

	// The last EU runner stops cleanly; the killed one is gone once its
	// heartbeat is RunnerGoneAfter old. From then on, the US runners
	// record each tick not_run, once.
	if err := runners[1].Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	_ = runners[1].Wait()
	killed := runnerName(t, runners[0])
	for deadline := time.Now().Add(store.RunnerGoneAfter + 30*time.Second); ; time.Sleep(200 * time.Millisecond) {
		listed, err := history.Runners(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if i := slices.IndexFunc(listed, func(r store.Runner) bool { return r.Name == killed }); i >= 0 && listed[i].State(time.Now()) == store.RunnerGone {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("runner %s is not gone %s after it was killed: %+v", killed, store.RunnerGoneAfter+30*time.Second, listed)
		}
	}
	checkTicks("with no EU runner left", time.Now().Truncate(time.Second).Add(time.Second), 4, func(r store.Run) string {
		if r.Verdict != store.VerdictNotRun || !strings.Contains(r.Reason, "no live runner with labels site=eu-west") || len(r.RunnerLabels) != 0 {
			return "verdict " + r.Verdict + " (" + r.Reason + "), want not_run naming site=eu-west"
		}
		return ""
	})

	code, out, _ = run(t, "runners", "--store", storeURL, "--format", "json")
	var listed struct {
		Runners []struct {
			Name, State string
			Labels      map[string]string
		}
	}
	if err := json.Unmarshal([]byte(out), &listed); code != 0 || err != nil {
		t.Fatalf("runners --format json: exit %d, %v:\n%s", code, err, out)
	}
	states := map[string]int{}
	for _, r := range listed.Runners {
		states[r.State]++
		if r.Labels["hw"] != "" {
			t.Errorf("runner %s has the labels of REDRILL_LABELS although --label was given: %v", r.Name, r.Labels)
		}
	}
	if states["up"] != 2 || states["gone"] != 1 || states["stopped"] != 1 {
		t.Errorf("runner states %v, want 2 up, 1 gone (killed), 1 stopped", states)
	}
	code, out, _ = run(t, "history", "--store", storeURL, "--label", "site=eu-west", "--limit", "0", "--format", "json")
	if code != 0 || strings.Contains(out, `"not_run"`) || !strings.Contains(out, `"site": "eu-west"`) {
		t.Errorf("history --label site=eu-west: exit %d: want the EU runs only", code)
	}
}

// runnerName is the name a serve process registers under: host:pid.
func runnerName(t *testing.T, cmd *exec.Cmd) string {
	t.Helper()
	host, err := os.Hostname()
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%s:%d", host, cmd.Process.Pid)
}

// A lone runner whose labels match no scheduled scenario's runner block
// says so at start-up, and records the ticks not_run; a bad --label is a
// usage error; run warns when its labels do not match and runs anyway.
func TestRunnerLabelsOnOneMachine(t *testing.T) {
	binary := redrillBinary(t)
	dir := t.TempDir()
	path := writeFile(t, dir, "eu.hcl", euEverySecondDrill)
	history := filepath.Join(dir, "history.db")

	serve := exec.Command(binary, "serve", path, "--store", history, "--listen", "127.0.0.1:0")
	serve.Env = append(os.Environ(), "XDG_STATE_HOME="+dir, "REDRILL_LABELS=site=us-east")
	logs := &lockedBuffer{}
	serve.Stderr = logs
	if err := serve.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = serve.Process.Kill(); _ = serve.Wait() })
	waitFor(t, func() bool {
		return strings.Contains(logs.String(), `msg="no live runner matches a scheduled scenario: its ticks will be recorded not_run" scenario=eu-every-second`)
	})
	waitFor(t, func() bool {
		return strings.Contains(logs.String(), "scheduled drill not run: no live runner has its labels")
	})
	if err := serve.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	_ = serve.Wait()
	code, out, _ := run(t, "history", "--store", history, "--limit", "1")
	if code != 0 || !strings.Contains(out, "not_run") {
		t.Errorf("history: exit %d, want a not_run run:\n%s", code, out)
	}
	code, out, _ = run(t, "runners", "--store", history)
	if code != 0 || !strings.Contains(out, "stopped") || !strings.Contains(out, "site=us-east") {
		t.Errorf("runners after SIGTERM: exit %d, want the runner stopped with its labels:\n%s", code, out)
	}

	if code, _, stderr := run(t, "serve", path, "--store", filepath.Join(dir, "other.db"), "--label", "site"); code != exitInvalid || !strings.Contains(stderr, `--label: label "site": write KEY=VALUE`) {
		t.Errorf("serve --label site: exit %d, %s", code, stderr)
	}
	code, out, stderr := run(t, "run", path, "--store", filepath.Join(dir, "run.db"), "--label", "site=lab")
	if code != exitMet || !strings.Contains(stderr, "Warning: scenario eu-every-second is for runners with labels site=eu-west; this one lacks site=eu-west") {
		t.Errorf("run on a machine the scenario is not for: exit %d, stderr %q", code, stderr)
	}
	if code, out, _ = run(t, "history", "--store", filepath.Join(dir, "run.db"), "--label", "site=lab"); code != 0 || !strings.Contains(out, "eu-every-second") {
		t.Errorf("history --label site=lab: exit %d:\n%s", code, out)
	}
}
