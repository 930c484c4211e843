package main

import (
	"bufio"
	"context"
	"encoding/json"
	"encoding/xml"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redrill/redrill/internal/junittest"
	"github.com/redrill/redrill/store"
)

func TestRunQuickstart(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	history := filepath.Join(tmp, "history.db")

	code, stdout, stderr := run(t, "run", "../../scenarios/examples/quickstart.hcl", "--store", history)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	for _, want := range []string{"quickstart-orders-restore: MET", "RTO ", "RPO ", "recovery clock started"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
	if !strings.Contains(stderr, "results recorded in "+history) {
		t.Errorf("stderr does not say where results went:\n%s", stderr)
	}

	code, stdout, _ = run(t, "run", "../../scenarios/examples/quickstart.hcl", "--store", history, "--format", "json")
	var report struct {
		Runs []struct {
			Verdict    string   `json:"verdict"`
			RTOSeconds *float64 `json:"rto_seconds"`
		} `json:"runs"`
	}
	if err := json.Unmarshal([]byte(stdout), &report); err != nil {
		t.Fatalf("--format json is not one JSON document: %v\n%s", err, stdout)
	}
	if code != 0 || len(report.Runs) != 1 || report.Runs[0].Verdict != "met" || report.Runs[0].RTOSeconds == nil {
		t.Errorf("json report: exit %d %+v", code, report)
	}
}

func TestRunOfAMissedDrillExitsOne(t *testing.T) {
	dir := t.TempDir()
	path := writeFile(t, dir, "slow.hcl", `scenario "slow" {
  objective {
    rto = "50ms"
  }
  recover {
    step "restore" {
      command { run = ["sleep", "0.2"] }
    }
  }
}
`)
	code, stdout, _ := run(t, "run", path, "--store", filepath.Join(dir, "h.db"))
	if code != 1 || !strings.Contains(stdout, "slow: MISSED") {
		t.Errorf("exit %d, want 1 and MISSED:\n%s", code, stdout)
	}
}

// redrillBinary builds the CLI once for tests that need a real process.
func redrillBinary(t testing.TB) string {
	t.Helper()
	binary := filepath.Join(t.TempDir(), "redrill")
	build := exec.Command("go", "build", "-o", binary, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	return binary
}

// longDrill's step starts a child of its own and says both pids.
const longDrill = `scenario "long" {
  recover {
    step "restore" {
      command { run = ["sh", "-c", "sleep 30 & echo $! > {{dir}}/child.pid; echo $$ > {{dir}}/step.pid; wait"] }
    }
  }
  rollback {
    step "clean" {
      command { run = ["touch", "{{dir}}/rolled-back"] }
    }
  }
}
`

// startLongDrill starts redrill run on a drill with a 30 s step and waits
// until the step and its child have started.
func startLongDrill(t *testing.T) (cmd *exec.Cmd, dir, history string, output *strings.Builder) {
	t.Helper()
	return startDrill(t, longDrill)
}

// startDrill starts redrill run on a drill whose steps write step.pid and
// child.pid, and waits until they have.
func startDrill(t *testing.T, drill string) (cmd *exec.Cmd, dir, history string, output *strings.Builder) {
	t.Helper()
	binary := redrillBinary(t)
	dir = t.TempDir()
	path := writeFile(t, dir, "long.hcl", strings.ReplaceAll(drill, "{{dir}}", dir))
	history = filepath.Join(dir, "history.db")
	cmd = exec.Command(binary, "run", path, "--store", history)
	cmd.Env = append(os.Environ(), "XDG_STATE_HOME="+dir)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	output = &strings.Builder{}
	started := make(chan struct{})
	go func() {
		scanner := bufio.NewScanner(stdout)
		signalled := false
		for scanner.Scan() {
			output.WriteString(scanner.Text() + "\n")
			if !signalled && strings.Contains(scanner.Text(), "recovery clock started") {
				close(started)
				signalled = true
			}
		}
	}()
	select {
	case <-started:
	case <-time.After(30 * time.Second):
		t.Fatalf("the drill did not start:\n%s", output.String())
	}
	for deadline := time.Now().Add(10 * time.Second); !holdsPID(filepath.Join(dir, "step.pid")) || !holdsPID(filepath.Join(dir, "child.pid")); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the step did not start its child:\n%s", output.String())
		}
	}
	return cmd, dir, history, output
}

func storedVerdict(t *testing.T, history string) store.Run {
	t.Helper()
	s, err := store.Open(context.Background(), history, store.Options{SpoolDir: filepath.Join(filepath.Dir(history), "spool-check")})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	runs, err := s.Runs(context.Background(), store.RunQuery{})
	if err != nil || len(runs) != 1 {
		t.Fatalf("runs: %v %v", runs, err)
	}
	return runs[0]
}

// SIGINT, SIGTERM and SIGHUP (what a dropped SSH session sends) each stop
// the drill, run rollback and exit 130, and leave no child running.
func TestSignalRunsRollbackAndExits130(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP} {
		t.Run(sig.String(), func(t *testing.T) {
			cmd, dir, history, _ := startLongDrill(t)
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			err := cmd.Wait()
			if exit, ok := err.(*exec.ExitError); !ok || exit.ExitCode() != 130 {
				t.Fatalf("exit: %v, want code 130", err)
			}
			if _, err := os.Stat(filepath.Join(dir, "rolled-back")); err != nil {
				t.Error("rollback did not run")
			}
			received := receivedSignal(sig).Error()
			stored := storedVerdict(t, history)
			if stored.Verdict != store.VerdictInterrupted || stored.Reason != "interrupted: "+received {
				t.Errorf("stored verdict %q (%s), want interrupted: %s", stored.Verdict, stored.Reason, received)
			}
			// Each cause once: the step's message and what show prints.
			code, stdout, _ := run(t, "show", stored.ID, "--store", history)
			if code != 0 || !strings.Contains(stdout, "FAILED: sh killed: "+received+"\n") ||
				strings.Count(stdout, received) != 2 || strings.Contains(stdout, "interrupted: interrupted") {
				t.Errorf("show: exit %d, want the step killed by %s and the verdict, each cause once:\n%s", code, received, stdout)
			}
			waitUntilGone(t, dir, "step.pid", "child.pid")
		})
	}
}

// waitUntilGone waits until the processes whose pids the step wrote to
// files in dir have ended, as ps sees them (a zombie has ended).
func waitUntilGone(t *testing.T, dir string, pidFiles ...string) {
	t.Helper()
	for _, name := range pidFiles {
		var pid string
		for deadline := time.Now().Add(5 * time.Second); pid == ""; time.Sleep(10 * time.Millisecond) {
			if pid = strings.TrimSpace(string(mustRead(t, filepath.Join(dir, name)))); pid == "" && time.Now().After(deadline) {
				t.Fatalf("%s holds no pid", name)
			}
		}
		alive := func() bool {
			out, err := exec.Command("ps", "-o", "stat=", "-p", pid).Output()
			return err == nil && !strings.HasPrefix(strings.TrimSpace(string(out)), "Z")
		}
		for deadline := time.Now().Add(10 * time.Second); alive(); time.Sleep(50 * time.Millisecond) {
			if time.Now().After(deadline) {
				_ = exec.Command("kill", "-KILL", pid).Run()
				t.Fatalf("process %s (%s) still runs after redrill ended", pid, name)
			}
		}
	}
}

// A drill with a long operation in the background, a workload of
// commands and a long recover step, all running when redrill is killed.
const backgroundDrill = `scenario "long-under-load" {
  setup {
    step "operation" {
      background = true
      command { run = ["sh", "-c", "sleep 30 & echo $! > {{dir}}/child.pid; echo $$ > {{dir}}/step.pid; wait"] }
    }
  }
  workload "clients" {
    rate    = 1
    timeout = "1m"
    command { run = ["sh", "-c", "echo $$ > {{dir}}/client.pid; exec sleep 30"] }
  }
  recover {
    step "restore" {
      command { run = ["sh", "-c", "echo $$ > {{dir}}/restore.pid; exec sleep 30"] }
    }
  }
}
`

// kill -9 of redrill leaves nothing its drill started running: not the
// background step and its child, not a workload's attempt, not the step.
func TestKilledRunnerLeavesNoBackgroundProcess(t *testing.T) {
	cmd, dir, _, _ := startDrill(t, backgroundDrill)
	waitFor(t, func() bool {
		return holdsPID(filepath.Join(dir, "restore.pid")) && holdsPID(filepath.Join(dir, "client.pid"))
	})
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	waitUntilGone(t, dir, "step.pid", "child.pid", "client.pid", "restore.pid")
}

func TestKilledRunnerLeavesAnInterruptedRun(t *testing.T) {
	cmd, dir, history, _ := startLongDrill(t)
	// Writes are queued off the drill's path: the kill comes once the
	// running step is in the store, as it is milliseconds after it starts.
	waitFor(t, func() bool {
		s, err := store.Open(context.Background(), history, store.Options{SpoolDir: filepath.Join(filepath.Dir(history), "spool-check")})
		if err != nil {
			return false
		}
		defer s.Close()
		runs, err := s.Runs(context.Background(), store.RunQuery{})
		if err != nil || len(runs) != 1 {
			return false
		}
		_, steps, err := s.Run(context.Background(), runs[0].ID)
		return err == nil && len(steps) == 1 && steps[0].Running
	})
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	// kill -9 leaves redrill no chance to stop its step: the reaper does.
	waitUntilGone(t, dir, "step.pid", "child.pid")
	killed := storedVerdict(t, history)
	if killed.Verdict != store.VerdictInterrupted || !strings.Contains(killed.Reason, "stopped without finishing") {
		t.Errorf("after kill -9 the run is %q (%s), want interrupted", killed.Verdict, killed.Reason)
	}
	// What it leaves says what may be left disrupted.
	if !strings.Contains(killed.Reason, `during recover step "restore"`) || !strings.Contains(killed.Reason, "rollback never ran") {
		t.Errorf("reason %q does not name the running step and the rollback that never ran", killed.Reason)
	}
	if killed.ClockStart.IsZero() || killed.Rollback != store.RollbackSkipped {
		t.Errorf("clock start %s, rollback %q: want the clock's start and rollback skipped", killed.ClockStart, killed.Rollback)
	}
	code, stdout, _ := run(t, "show", killed.ID, "--store", history)
	for _, want := range []string{
		`WARNING   stopped during recover step "restore"`,
		`WARNING   rollback steps that never ran: "clean"`,
		"NEVER ENDED: its runner stopped during it",
	} {
		if code != 0 || !strings.Contains(stdout, want) {
			t.Errorf("show: exit %d, want %q in:\n%s", code, want, stdout)
		}
	}
	if _, steps, err := openedRun(t, history, killed.ID); err != nil || len(steps) != 1 || steps[0].StartedAt.After(killed.EndedAt) {
		t.Errorf("steps %+v (%v): want the restore, started before the run's end %s", steps, err, killed.EndedAt)
	}
}

// openedRun reads one run of a history.
func openedRun(t *testing.T, history, id string) (store.Run, []store.Step, error) {
	t.Helper()
	s, err := store.Open(context.Background(), history, store.Options{SpoolDir: filepath.Join(filepath.Dir(history), "spool-check")})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	return s.Run(context.Background(), id)
}

func TestRunWritesJUnit(t *testing.T) {
	dir := t.TempDir()
	path := writeFile(t, dir, "slow.hcl", `scenario "slow" {
  objective {
    rto = "50ms"
  }
  recover {
    step "restore" {
      command { run = ["sleep", "0.2"] }
    }
  }
}
`)
	report := filepath.Join(dir, "junit.xml")
	code, _, stderr := run(t, "run", path, "--store", filepath.Join(dir, "h.db"), "--junit", report)
	if code != 1 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	content, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	var suites struct {
		Suites []struct {
			Name      string `xml:"name,attr"`
			Tests     int    `xml:"tests,attr"`
			Failures  int    `xml:"failures,attr"`
			Testcases []struct {
				Name    string `xml:"name,attr"`
				Failure *struct {
					Message string `xml:"message,attr"`
				} `xml:"failure"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(content, &suites); err != nil {
		t.Fatalf("not JUnit XML: %v\n%s", err, content)
	}
	suite := suites.Suites[0]
	if suite.Name != "slow" || suite.Tests != 2 || suite.Failures != 1 {
		t.Fatalf("suite = %+v", suite)
	}
	verdict := suite.Testcases[1]
	if verdict.Name != "verdict" || verdict.Failure == nil || !strings.Contains(verdict.Failure.Message, "missed: RTO") {
		t.Errorf("verdict testcase = %+v", verdict)
	}
}

// The JUnit file of real runs, read by the programs CI reads it with: a
// drill met after four recovered_when rounds whose check printed terminal
// colours and a form feed has no failure, and a drill whose restore failed
// skips the check it never reached.
func TestRunJUnitAsCIReadsIt(t *testing.T) {
	dir := t.TempDir()
	rounds := filepath.Join(dir, "rounds")
	path := writeFile(t, dir, "drills.hcl", `scenario "orders" {
  objective {
    rto = "1m"
  }
  recover {
    step "restore" {
      command { run = ["rm", "-f", "`+rounds+`"] }
    }
  }
  recovered_when {
    every   = "10ms"
    timeout = "30s"
    check "orders-back" {
      command { run = ["sh", "-c", "echo x >> '`+rounds+`'; n=$(wc -l < '`+rounds+`'); printf '\\033[33mnot yet\\033[0m\\f round %s\\n' $n >&2; [ $n -ge 4 ]"] }
    }
  }
}

scenario "broken-restore" {
  recover {
    step "restore" {
      command { run = ["sh", "-c", "printf '\\033[31mdisk full\\033[0m\\f\\n' >&2; exit 1"] }
    }
  }
  recovered_when {
    timeout = "30s"
    check "orders-back" {
      command { run = ["true"] }
    }
  }
}
`)
	report := filepath.Join(dir, "junit.xml")
	code, _, stderr := run(t, "run", path, "--store", filepath.Join(dir, "h.db"), "--junit", report)
	if code != 1 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if lines := strings.Count(string(mustRead(t, rounds)), "\n"); lines != 4 {
		t.Fatalf("orders-back ran %d rounds, want 4", lines)
	}
	junittest.WellFormed(t, report)
	counts := junittest.Consumer(t)(report)
	// orders: restore, orders-back, verdict; broken-restore: restore
	// (failed), orders-back (skipped), verdict (failed).
	want := junittest.Counts{Total: 5, Passed: 3, Failed: 2, Skipped: 1, Status: "FAIL", Suites: 2,
		FailedCases: []string{"restore", "verdict"}, SkippedCases: []string{"orders-back"}}
	if !reflect.DeepEqual(counts, want) {
		t.Errorf("test-results-parser reads %+v, want %+v\n%s", counts, want, mustRead(t, report))
	}
	if content := mustRead(t, report); strings.ContainsAny(string(content), "\x1b\f") || !strings.Contains(string(content), "disk full") {
		t.Errorf("the JUnit file keeps control characters or lost the message:\n%q", content)
	}
}

func TestRunInParallel(t *testing.T) {
	dir := t.TempDir()
	path := writeFile(t, dir, "two.hcl", `scenario "a" {
  recover {
    step "s" {
      command { run = ["true"] }
    }
  }
}

scenario "b" {
  recover {
    step "s" {
      command { run = ["true"] }
    }
  }
}
`)
	code, stdout, stderr := run(t, "run", path, "--parallel", "2", "--store", filepath.Join(dir, "h.db"))
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	for _, want := range []string{"[a] a: MET", "[b] b: MET"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
}

func TestRunGameDay(t *testing.T) {
	dir := t.TempDir()
	path := writeFile(t, dir, "gameday.hcl", `scenario "a" {
  recover {
    step "s" {
      command { run = ["true"] }
    }
  }
}

scenario "b" {
  recover {
    step "s" {
      command { run = ["true"] }
    }
  }
}

scenario "c" {
  recover {
    step "s" {
      command { run = ["false"] }
    }
  }
}

gameday "december" {
  start     = "2026-12-05T09:00:00Z"
  scenarios = ["b", "a"]
  parallel  = true
}
`)
	history := filepath.Join(dir, "h.db")
	code, stdout, stderr := run(t, "run", path, "--gameday", "december", "--store", history)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	for _, want := range []string{"[a] a: MET", "[b] b: MET"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
	if strings.Contains(stdout, "[c]") {
		t.Errorf("scenario c, not in the game day, ran:\n%s", stdout)
	}
	s, err := store.Open(context.Background(), history, store.Options{SpoolDir: filepath.Join(dir, "spool-check")})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	runs, err := s.Runs(context.Background(), store.RunQuery{})
	if err != nil || len(runs) != 2 {
		t.Fatalf("%d runs stored (%v), want 2", len(runs), err)
	}
	for _, r := range runs {
		if r.Trigger != store.TriggerGameDay || r.GameDay != "december" {
			t.Errorf("run of %s: trigger %s, game day %q, want gameday december", r.Scenario, r.Trigger, r.GameDay)
		}
	}

	// A game day in order runs in order, whatever --parallel says.
	inOrder := writeFile(t, dir, "in-order.hcl", strings.Replace(string(mustRead(t, path)), "parallel  = true", "parallel  = false", 1))
	code, stdout, stderr = run(t, "run", inOrder, "--gameday", "december", "--parallel", "2", "--store", history)
	if code != 0 || strings.Contains(stdout, "[a]") || strings.Index(stdout, "b: MET") > strings.Index(stdout, "a: MET") {
		t.Errorf("a game day in order: exit %d, want b then a, unprefixed:\n%s\n%s", code, stdout, stderr)
	}

	if code, _, stderr := run(t, "run", path, "--gameday", "decembre", "--store", history); code != 2 || !strings.Contains(stderr, `no game day named "decembre". Did you mean "december"?`) {
		t.Errorf("unknown game day: exit %d %s", code, stderr)
	}
	if code, _, stderr := run(t, "run", path, "--gameday", "december", "--scenario", "a", "--store", history); code != 2 || !strings.Contains(stderr, "drop --scenario") {
		t.Errorf("--gameday with --scenario: exit %d %s", code, stderr)
	}
}

// A game day shows first in every format: its scenarios, their verdicts,
// its span and what missed; history --gameday shows it alone.
func TestGameDayInHistoryAndReports(t *testing.T) {
	dir := t.TempDir()
	path := writeFile(t, dir, "gameday.hcl", `scenario "a" {
  recover {
    step "s" {
      command { run = ["true"] }
    }
  }
}

scenario "c" {
  recover {
    step "s" {
      command { run = ["false"] }
    }
  }
}

gameday "december" {
  start     = "2026-12-05T09:00:00Z"
  scenarios = ["a", "c"]
}
`)
	history := filepath.Join(dir, "h.db")
	if code, stdout, stderr := run(t, "run", path, "--gameday", "december", "--store", history); code != 1 {
		t.Fatalf("exit %d, want 1 (c fails)\n%s\n%s", code, stdout, stderr)
	}
	code, stdout, stderr := run(t, "history", "--gameday", "december", "--store", history)
	if code != 0 {
		t.Fatalf("history --gameday: exit %d %s", code, stderr)
	}
	for _, want := range []string{"Game day december, ", "2 drills over ", ": 1 met, 1 failed", "Missed: c (failed: a recover step failed"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("history --gameday lacks %q:\n%s", want, stdout)
		}
	}
	code, stdout, _ = run(t, "history", "--gameday", "december", "--format", "json", "--store", history)
	var days struct {
		GameDays []struct {
			Name   string   `json:"name"`
			Missed []string `json:"missed"`
			Runs   []struct {
				Scenario string `json:"scenario"`
				Verdict  string `json:"verdict"`
			} `json:"runs"`
		} `json:"gamedays"`
	}
	if err := json.Unmarshal([]byte(stdout), &days); err != nil || code != 0 || len(days.GameDays) != 1 ||
		len(days.GameDays[0].Runs) != 2 || len(days.GameDays[0].Missed) != 1 {
		t.Errorf("history --gameday --format json: exit %d, %v, %+v", code, err, days)
	}
	for format, table := range map[string]string{"text": "SCENARIO  RISK", "markdown": "| Scenario | Risk |", "html": "<th>Risk</th>", "json": `"scenarios"`} {
		code, stdout, stderr := run(t, "report", "--format", format, "--store", history)
		day := strings.Index(stdout, "december")
		if code != 0 || day < 0 || day > strings.Index(stdout, table) {
			t.Errorf("report --format %s: exit %d, the game day is not shown first:\n%s%s", format, code, stdout, stderr)
		}
	}
}

func TestHistoryShowReport(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	history := filepath.Join(tmp, "history.db")
	if code, _, stderr := run(t, "run", "../../scenarios/examples/quickstart.hcl", "--store", history); code != 0 {
		t.Fatalf("run: %d %s", code, stderr)
	}

	code, stdout, _ := run(t, "history", "--store", history, "--format", "json")
	var list struct {
		Runs []struct {
			RunID   string `json:"run_id"`
			Verdict string `json:"verdict"`
		} `json:"runs"`
	}
	if err := json.Unmarshal([]byte(stdout), &list); err != nil || code != 0 || len(list.Runs) != 1 || list.Runs[0].Verdict != "met" {
		t.Fatalf("history: exit %d, %v, %s", code, err, stdout)
	}

	code, stdout, _ = run(t, "show", list.Runs[0].RunID, "--store", history)
	for _, want := range []string{"verdict   met", "restore-from-backup", "recovered_when  orders-back"} {
		if code != 0 || !strings.Contains(stdout, want) {
			t.Errorf("show lacks %q (exit %d):\n%s", want, code, stdout)
		}
	}
	if code, _, stderr := run(t, "show", "no-such-run", "--store", history); code != 2 || !strings.Contains(stderr, "no run no-such-run") {
		t.Errorf("show of a missing run: exit %d %s", code, stderr)
	}

	code, stdout, _ = run(t, "report", "--store", history, "--format", "markdown")
	if code != 0 || !strings.Contains(stdout, "| quickstart\\-orders\\-restore | healthy |") {
		t.Errorf("report: exit %d\n%s", code, stdout)
	}
}

func TestCatalog(t *testing.T) {
	code, stdout, _ := run(t, "catalog")
	if code != 0 || !strings.Contains(strings.Join(strings.Fields(stdout), " "), "gitlab-2017-postgres-restore 2017-01-31 Postmortem of database outage of January 31") {
		t.Fatalf("catalog: exit %d\n%s", code, stdout)
	}
	code, stdout, _ = run(t, "catalog", "show", "aws-s3-2017-subsystem-restart")
	if code != 0 || !strings.HasPrefix(stdout, "# AWS S3 in us-east-1") {
		t.Fatalf("catalog show: exit %d\n%s", code, stdout)
	}
	path := writeFile(t, t.TempDir(), "drill.hcl", stdout)
	if code, _, stderr := run(t, "validate", path); code != 0 {
		t.Errorf("a scenario written out by catalog show does not validate:\n%s", stderr)
	}
	all := filepath.Join(t.TempDir(), "catalog")
	if code, stdout, stderr := run(t, "catalog", "show", "--all", "-o", all); code != 0 || !strings.Contains(stdout, filepath.Join(all, "gitlab-2017-postgres-restore.hcl")) {
		t.Fatalf("catalog show --all: exit %d\n%s%s", code, stdout, stderr)
	}
	if code, stdout, stderr := run(t, "validate", all); code != 0 {
		t.Errorf("the catalog written out by show --all does not load as one folder:\n%s%s", stdout, stderr)
	}
	if code, _, stderr := run(t, "catalog", "show", "--all"); code != 2 || !strings.Contains(stderr, "needs -o DIR") {
		t.Errorf("--all without -o: exit %d %s", code, stderr)
	}
	if code, _, stderr := run(t, "catalog", "show", "nope"); code != 2 || !strings.Contains(stderr, "no catalog scenario") {
		t.Errorf("unknown name: exit %d %s", code, stderr)
	}
}

func TestDraftFromPostmortem(t *testing.T) {
	out := filepath.Join(t.TempDir(), "drill.hcl")
	code, _, stderr := run(t, "draft", "../../scenarios/draft/testdata/pagerduty.md", "-o", out)
	if code != 0 {
		t.Fatalf("draft: exit %d %s", code, stderr)
	}
	if code, _, stderr := run(t, "validate", out); code != 0 {
		t.Fatalf("the draft does not validate:\n%s", stderr)
	}
	code, stdout, _ := run(t, "run", out, "--store", filepath.Join(t.TempDir(), "h.db"))
	if code != 1 || !strings.Contains(stdout, "TODO: We promoted the replica by hand") {
		t.Errorf("running a draft must fail loudly: exit %d\n%s", code, stdout)
	}
	if code, _, stderr := run(t, "draft", "../../scenarios/draft/testdata/no-recovery.md"); code != 2 || !strings.Contains(stderr, "it has no title") {
		t.Errorf("draft of an unreadable document: exit %d %s", code, stderr)
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	content, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return content
}

// A step whose output holds terminal escape sequences cannot clear the
// operator's screen or retitle the terminal: run and show print them
// visibly escaped.
func TestEscapeSequencesAreShownNotObeyed(t *testing.T) {
	dir := t.TempDir()
	path := writeFile(t, dir, "escapes.hcl", `scenario "noisy" {
  recover {
    step "restore" {
      command { run = ["sh", "-c", "printf '\\033[2J\\033]0;owned\\007\\033[31mboom\\fend' >&2; exit 1"] }
    }
  }
}
`)
	history := filepath.Join(dir, "h.db")
	code, stdout, _ := run(t, "run", path, "--store", history)
	if code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	_, listed, _ := run(t, "history", "--store", history, "--format", "json")
	var runs struct {
		Runs []struct {
			ID string `json:"run_id"`
		} `json:"runs"`
	}
	if err := json.Unmarshal([]byte(listed), &runs); err != nil || len(runs.Runs) != 1 {
		t.Fatalf("history: %v %s", err, listed)
	}
	_, shown, _ := run(t, "show", runs.Runs[0].ID, "--store", history)
	for name, out := range map[string]string{"run": stdout, "show": shown} {
		if strings.ContainsAny(out, "\x1b\x07\f") {
			t.Errorf("%s prints raw control characters:\n%q", name, out)
		}
		if !strings.Contains(out, `\x1b[2J\x1b]0;owned\x07\x1b[31mboom\fend`) {
			t.Errorf("%s does not show the escapes visibly:\n%s", name, out)
		}
	}
}

// holdsPID tells whether a step's pid file holds its pid yet: the shell
// creates the file for "echo $$ > file" before it writes to it, and a
// runner killed in between leaves it empty, with no pid to look for.
func holdsPID(path string) bool {
	content, err := os.ReadFile(path)
	return err == nil && strings.TrimSpace(string(content)) != ""
}

// report --compare-by groups a scenario's runs by a runner label, or by
// host; a key that is no label key is a usage error.
func TestReportComparesByLabel(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	history := filepath.Join(tmp, "history.db")
	for _, hw := range []string{"old", "new", "new"} {
		if code, _, stderr := run(t, "run", "../../scenarios/examples/quickstart.hcl", "--store", history, "--label", "hw="+hw); code != 0 {
			t.Fatalf("run on hw=%s: %d %s", hw, code, stderr)
		}
	}
	code, stdout, stderr := run(t, "report", "--store", history, "--compare-by", "hw", "--format", "json")
	var report struct {
		Scenarios []struct {
			Comparison struct {
				By     string `json:"by"`
				Groups []struct {
					Label string `json:"label"`
					Runs  int    `json:"runs"`
				} `json:"groups"`
				Reliable bool   `json:"reliable"`
				Summary  string `json:"summary"`
			} `json:"comparison"`
		} `json:"scenarios"`
	}
	if err := json.Unmarshal([]byte(stdout), &report); err != nil || code != 0 || len(report.Scenarios) != 1 {
		t.Fatalf("report --compare-by hw: exit %d, %v\n%s%s", code, err, stdout, stderr)
	}
	c := report.Scenarios[0].Comparison
	if c.By != "hw" || len(c.Groups) != 2 || c.Groups[0].Label != "hw=new" || c.Groups[0].Runs != 2 || c.Groups[1].Runs != 1 || c.Reliable ||
		!strings.Contains(c.Summary, "one run on a side is an anecdote") {
		t.Errorf("comparison %+v, want hw=new (2 runs) and hw=old (1 run), not reliable", c)
	}
	code, stdout, _ = run(t, "report", "--store", history, "--compare-by", "host")
	if code != 0 || !strings.Contains(stdout, "Compared by host:") {
		t.Errorf("report --compare-by host: exit %d\n%s", code, stdout)
	}
	if code, _, stderr := run(t, "report", "--store", history, "--compare-by", "hw class"); code != 2 || !strings.Contains(stderr, "--compare-by: give host or a runner label key") {
		t.Errorf("report --compare-by 'hw class': exit %d %s", code, stderr)
	}
}
