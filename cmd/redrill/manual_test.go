package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// manualScenario has a manual recover step under a running recovery
// clock, and a rollback that leaves a file.
const manualScenario = `scenario "failover" {
  objective {
    rto = "10m"
  }
  disrupt {
    step "stop" {
      command { run = ["true"] }
    }
  }
  recover {
    step "promote" {
      manual {
        instructions = "Promote the replica in eu-west-2 and confirm"
        timeout      = "2m"
      }
    }
  }
  rollback {
    step "clean" {
      command { run = ["touch", "{{dir}}/rolled-back"] }
    }
  }
}
`

func writeManualScenario(t *testing.T) (dir, path, history string) {
	t.Helper()
	dir = t.TempDir()
	path = writeFile(t, dir, "failover.hcl", strings.ReplaceAll(manualScenario, "{{dir}}", dir))
	return dir, path, filepath.Join(dir, "h.db")
}

// waitUntil polls until cond holds, failing the test after within with what.
func waitUntil(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not after %s", what, within)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

var runIDPattern = regexp.MustCompile(`run ([0-9a-f-]{36})`)

// startRun starts redrill run of the manual scenario as a process whose
// input is no terminal, and returns it once its manual step waits, with
// its run id and output so far.
func startRun(t *testing.T, binary, path, history string) (*exec.Cmd, *lockedBuffer, string) {
	t.Helper()
	out := &lockedBuffer{}
	cmd := exec.Command(binary, "run", path, "--store", history)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	var runID string
	waitUntil(t, 20*time.Second, "the manual step waits", func() bool {
		text := out.String()
		if match := runIDPattern.FindStringSubmatch(text); match != nil {
			runID = match[1]
		}
		return runID != "" && strings.Contains(text, "answer from anywhere: redrill confirm "+runID+" promote")
	})
	return cmd, out, runID
}

func TestConfirmFromAnotherProcess(t *testing.T) {
	binary := redrillBinary(t)
	_, path, history := writeManualScenario(t)
	cmd, out, runID := startRun(t, binary, path, history)

	code, stdout, stderr := run(t, "confirm", runID, "recover.promote", "--note", "lag 0", "--by", "ana@laptop", "--store", history)
	if code != 0 || stdout != "recorded: recover.promote done by ana@laptop\n" {
		t.Fatalf("confirm: exit %d\n%s%s", code, stdout, stderr)
	}
	code, _, stderr = run(t, "confirm", runID, "promote", "--fail", "--by", "bob@desk", "--store", history)
	if code != 1 || !regexp.MustCompile(`^Error: already answered by ana@laptop at 20\d\d-\d\d-\d\dT\d\d:\d\d:\d\dZ\n$`).MatchString(stderr) {
		t.Errorf("second confirm: exit %d, %q; want 1 and who answered first", code, stderr)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	if text := out.String(); !strings.Contains(text, "✓ promote (manual)") || !strings.Contains(text, "failover: MET") {
		t.Errorf("run output:\n%s", text)
	}
	code, stdout, _ = run(t, "show", runID, "--store", history)
	if code != 0 || !strings.Contains(stdout, "done by ana@laptop at ") || !strings.Contains(stdout, ": lag 0") ||
		!strings.Contains(stdout, "waiting for people, ") {
		t.Errorf("show: exit %d\n%s", code, stdout)
	}

	// A late answer is refused with why, an unknown run is bad input.
	code, _, stderr = run(t, "confirm", runID, "promote", "--by", "late", "--store", history)
	if code != 1 || !strings.Contains(stderr, "already answered by ana@laptop") {
		t.Errorf("confirm after the run: exit %d, %q", code, stderr)
	}
	code, _, stderr = run(t, "confirm", "no-such-run", "promote", "--store", history)
	if code != 2 || !strings.Contains(stderr, "run not found: no-such-run") {
		t.Errorf("confirm of an unknown run: exit %d, %q", code, stderr)
	}
}

func TestAbortFromAnotherProcess(t *testing.T) {
	binary := redrillBinary(t)
	dir, path, history := writeManualScenario(t)
	cmd, out, runID := startRun(t, binary, path, history)

	code, stdout, stderr := run(t, "abort", runID, "--note", "wrong region", "--by", "ana@laptop", "--store", history)
	if code != 0 || !strings.Contains(stdout, "abort of run "+runID+" requested by ana@laptop") {
		t.Fatalf("abort: exit %d\n%s%s", code, stdout, stderr)
	}
	err := cmd.Wait()
	if exit, ok := err.(*exec.ExitError); !ok || exit.ExitCode() != exitInterrupted {
		t.Errorf("run ended with %v, want exit %d", err, exitInterrupted)
	}
	if text := out.String(); !strings.Contains(text, "interrupted: abort requested by ana@laptop at ") || !strings.Contains(text, ": wrong region") {
		t.Errorf("run output:\n%s", text)
	}
	if _, err := os.Stat(filepath.Join(dir, "rolled-back")); err != nil {
		t.Errorf("rollback did not run: %v", err)
	}
	code, _, stderr = run(t, "abort", runID, "--store", history)
	if code != 1 || !strings.Contains(stderr, "abort already requested by ana@laptop") {
		t.Errorf("second abort: exit %d, %q", code, stderr)
	}
	code, _, stderr = run(t, "confirm", runID, "promote", "--store", history)
	if code != 1 || !strings.Contains(stderr, "is not running: it ended at ") || !strings.Contains(stderr, "the answer was not recorded") {
		t.Errorf("confirm after the abort: exit %d, %q", code, stderr)
	}
}

func TestRunAnswersAhead(t *testing.T) {
	dir, path, history := writeManualScenario(t)
	code, stdout, stderr := run(t, "run", path, "--store", history, "--yes", "--format", "json")
	if code != 0 {
		t.Fatalf("run --yes: exit %d\n%s%s", code, stdout, stderr)
	}
	var document struct {
		Runs []struct {
			HumanSeconds   float64  `json:"human_seconds"`
			MachineSeconds *float64 `json:"machine_seconds"`
			Steps          []struct {
				Name   string `json:"name"`
				Manual *struct {
					Instructions string `json:"instructions"`
					Answer       *struct {
						Outcome   string `json:"outcome"`
						Automatic bool   `json:"automatic"`
					} `json:"answer"`
				} `json:"manual"`
			} `json:"steps"`
		} `json:"runs"`
	}
	if err := json.Unmarshal([]byte(stdout), &document); err != nil {
		t.Fatalf("%v\n%s", err, stdout)
	}
	promote := document.Runs[0].Steps[1]
	if promote.Name != "promote" || promote.Manual == nil || promote.Manual.Answer == nil || !promote.Manual.Answer.Automatic ||
		promote.Manual.Answer.Outcome != "done" || document.Runs[0].MachineSeconds == nil {
		t.Errorf("run --yes recorded %s", stdout)
	}

	answers := writeFile(t, dir, "answers.json", `{"recover.promote": {"outcome": "failed", "note": "dry run of the failure path"}}`)
	code, stdout, _ = run(t, "run", path, "--store", history, "--answer", answers)
	if code != 1 || !strings.Contains(stdout, "failed by ") || !strings.Contains(stdout, ": dry run of the failure path") {
		t.Errorf("run --answer: exit %d\n%s", code, stdout)
	}
	typo := writeFile(t, dir, "typo.json", `{"promte": "done"}`)
	code, _, stderr = run(t, "run", path, "--store", history, "--answer", typo)
	if want := `"promte" is not a manual step of the scenarios run (they have recover.promote)`; code != 2 || !strings.Contains(stderr, want) {
		t.Errorf("run --answer with a typo: exit %d, %q; want 2 and %q", code, stderr, want)
	}
}

// The terminal that runs the drill asks, on the live output's last line;
// what the operator types is answered and recorded like any answer.
func TestManualStepAtTheTerminal(t *testing.T) {
	tmux, err := exec.LookPath("tmux")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("tmux is missing; CI installs it (.ci/run)")
		}
		t.Skip("tmux is missing: apt-get install tmux to test the terminal prompt")
	}
	binary := redrillBinary(t)
	dir, path, history := writeManualScenario(t)
	socket := filepath.Join(dir, "tmux.sock")
	tmuxDo := func(args ...string) string {
		t.Helper()
		out, err := exec.Command(tmux, append([]string{"-S", socket}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("tmux %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	command := fmt.Sprintf("USER=operator %s run %s --store %s; echo exit=$?; sleep 60", binary, path, history)
	tmuxDo("new-session", "-d", "-x", "150", "-y", "40", command)
	t.Cleanup(func() { _ = exec.Command(tmux, "-S", socket, "kill-server").Run() })
	screen := func() string { return tmuxDo("capture-pane", "-p") }
	lastLine := func() string {
		lines := strings.Split(strings.TrimRight(screen(), "\n "), "\n")
		return strings.TrimRight(lines[len(lines)-1], " ")
	}
	prompt := "    promote: [y] done  [n] failed  [s] skip >"
	waitUntil(t, 20*time.Second, "the prompt shows", func() bool { return lastLine() == prompt })
	text := screen()
	for _, want := range []string{"? promote (manual) waits for a person, at most 2m", "      Promote the replica in eu-west-2 and confirm",
		"answer from anywhere: redrill confirm "} {
		if !strings.Contains(text, want) {
			t.Errorf("the screen lacks %q:\n%s", want, text)
		}
	}
	// The recovery clock runs, yet its live line leaves the prompt alone.
	if strings.Contains(text, "elapsed of RTO") {
		t.Errorf("the live line shows while the prompt waits:\n%s", text)
	}

	tmuxDo("send-keys", "maybe", "Enter")
	waitUntil(t, 10*time.Second, "the prompt asks again", func() bool {
		return lastLine() == "    promote: type y (done), n (failed) or s (skip) >"
	})
	tmuxDo("send-keys", "n", "Enter")
	waitUntil(t, 10*time.Second, "the prompt asks why", func() bool {
		return lastLine() == "    promote failed; why? (a note, Enter for none) >"
	})
	tmuxDo("send-keys", "replica lags 3h", "Enter")
	waitUntil(t, 20*time.Second, "the run ends", func() bool { return strings.Contains(screen(), "exit=1") })
	text = screen()
	for _, want := range []string{"✗ promote (manual)", "failed by operator@", ": replica lags 3h", "failover: FAILED", "✓ clean (command)"} {
		if !strings.Contains(text, want) {
			t.Errorf("the screen lacks %q:\n%s", want, text)
		}
	}
	runID := runIDPattern.FindStringSubmatch(text)
	if runID == nil {
		t.Fatalf("no run id on the screen:\n%s", text)
	}
	code, stdout, _ := run(t, "show", runID[1], "--store", history, "--format", "json")
	if code != 0 || !strings.Contains(stdout, `"by": "operator@`) || !strings.Contains(stdout, `"note": "replica lags 3h"`) ||
		!strings.Contains(stdout, `"automatic": false`) {
		t.Errorf("show: exit %d\n%s", code, stdout)
	}
}
