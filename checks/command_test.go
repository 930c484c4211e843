//go:build unix

package checks

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/zclconf/go-cty/cty"
)

func TestCommand(t *testing.T) {
	command := kind(t, "command")
	dir := t.TempDir()
	tests := []struct {
		name        string
		attrs       map[string]cty.Value
		wantPassed  bool
		wantMessage string
		wantFields  map[string]any
	}{
		{
			name:       "exit code zero passes",
			attrs:      map[string]cty.Value{"run": strs("sh", "-c", "echo restored")},
			wantPassed: true,
			wantFields: map[string]any{"exit_code": 0.0, "stdout": "restored\n", "stderr": "", "error": ""},
		},
		{
			name:        "a non-zero exit fails with the last line of stderr",
			attrs:       map[string]cty.Value{"run": strs("sh", "-c", "echo starting >&2; echo 'relation orders exists' >&2; exit 3")},
			wantMessage: "exit code 3: relation orders exists",
			wantFields:  map[string]any{"exit_code": 3.0},
		},
		{
			name: "env is added to the inherited environment",
			attrs: map[string]cty.Value{
				"run": strs("sh", "-c", `echo "$DRILL_TARGET $HOME"`),
				"env": cty.MapVal(map[string]cty.Value{"DRILL_TARGET": cty.StringVal("orders")}),
			},
			wantPassed: true,
			wantFields: map[string]any{"stdout": "orders " + os.Getenv("HOME") + "\n"},
		},
		{
			name:       "dir sets the working directory",
			attrs:      map[string]cty.Value{"run": strs("pwd"), "dir": cty.StringVal(dir)},
			wantPassed: true,
			wantFields: map[string]any{"stdout": dir + "\n"},
		},
		{
			name:       "arguments are not interpreted by a shell",
			attrs:      map[string]cty.Value{"run": strs("echo", "$HOME; rm -rf /")},
			wantPassed: true,
			wantFields: map[string]any{"stdout": "$HOME; rm -rf /\n"},
		},
		{
			name:        "a program that does not exist could not run",
			attrs:       map[string]cty.Value{"run": strs("redrill-no-such-program")},
			wantMessage: `start redrill-no-such-program: exec: "redrill-no-such-program": executable file not found in $PATH`,
			wantFields:  map[string]any{"exit_code": nil},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			outcome := execute(t, Call{Kind: command, Config: config(t, command, tt.attrs)})
			if outcome.Passed != tt.wantPassed || outcome.Message != tt.wantMessage {
				t.Errorf("passed=%v message=%q, want %v %q", outcome.Passed, outcome.Message, tt.wantPassed, tt.wantMessage)
			}
			for name, want := range tt.wantFields {
				if got := field(t, outcome.Result, name); got != want {
					t.Errorf("%s = %#v, want %#v", name, got, want)
				}
			}
		})
	}
}

// A command that overruns its timeout is killed with every process it
// started, and the step returns soon after the timeout.
func TestCommandTimeoutKillsTheProcessGroup(t *testing.T) {
	command := kind(t, "command")
	pidFile := filepath.Join(t.TempDir(), "child.pid")
	script := "sleep 30 & echo $! > " + pidFile + "; wait"
	started := time.Now()
	outcome := execute(t, Call{
		Kind:    command,
		Config:  config(t, command, map[string]cty.Value{"run": strs("sh", "-c", script)}),
		Timeout: 300 * time.Millisecond,
	})
	elapsed := time.Since(started)

	if outcome.Passed || !strings.Contains(outcome.Message, "timed out after 300ms") {
		t.Errorf("passed=%v message=%q, want a timeout", outcome.Passed, outcome.Message)
	}
	if elapsed > 300*time.Millisecond+killGrace {
		t.Errorf("the step returned after %s; its timeout was 300ms", elapsed)
	}
	content, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	child, err := strconv.Atoi(strings.TrimSpace(string(content)))
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, 5*time.Second, "the background sleep is gone", func() bool {
		return errors.Is(syscall.Kill(child, 0), syscall.ESRCH)
	})
}

func TestCommandOutputIsBounded(t *testing.T) {
	command := kind(t, "command")
	outcome := execute(t, Call{
		Kind:   command,
		Config: config(t, command, map[string]cty.Value{"run": strs("sh", "-c", "head -c 3000000 /dev/zero | tr '\\0' x; echo; echo last line")}),
	})
	stdout := field(t, outcome.Result, "stdout").(string)
	if len(stdout) > maxOutput+100 {
		t.Errorf("kept %d bytes of stdout, limit %d", len(stdout), maxOutput)
	}
	if !strings.Contains(stdout, "bytes dropped") || !strings.HasSuffix(stdout, "last line\n") {
		t.Errorf("stdout does not mark the dropped middle and keep the end: ...%q", stdout[len(stdout)-200:])
	}
}

func TestCommandRetriesUntilItPasses(t *testing.T) {
	command := kind(t, "command")
	counter := filepath.Join(t.TempDir(), "attempts")
	script := "echo x >> " + counter + "; test $(wc -l < " + counter + ") -ge 3"
	outcome := execute(t, Call{
		Kind:       command,
		Config:     config(t, command, map[string]cty.Value{"run": strs("sh", "-c", script)}),
		Retries:    5,
		RetryEvery: 10 * time.Millisecond,
	})
	if !outcome.Passed || outcome.Attempts != 3 {
		t.Errorf("passed=%v attempts=%d, want passed after 3 attempts (%s)", outcome.Passed, outcome.Attempts, outcome.Message)
	}
}

func TestCommandOutputHidesSecrets(t *testing.T) {
	command := kind(t, "command")
	outcome := execute(t, Call{
		Kind: command,
		Config: config(t, command, map[string]cty.Value{
			"run": strs("sh", "-c", `echo "token=$1 dsn=$2" >&2; exit 1`, "sh", "hunter2", "postgres://app:pw-in-dsn@db/orders"),
		}),
	}, "hunter2")
	for _, text := range []string{outcome.Message, field(t, outcome.Result, "stderr").(string)} {
		if strings.Contains(text, "hunter2") || strings.Contains(text, "pw-in-dsn") {
			t.Errorf("a secret is visible: %q", text)
		}
	}
	if want := "exit code 1: token=(sensitive) dsn=postgres://app:(sensitive)@db/orders"; outcome.Message != want {
		t.Errorf("message = %q, want %q", outcome.Message, want)
	}
}

// A command that starts a server and exits 0 passes; the server is left
// running, as a recovery needs it to be.
func TestCommandThatStartsABackgroundProcess(t *testing.T) {
	command := kind(t, "command")
	pidFile := filepath.Join(t.TempDir(), "server.pid")
	outcome := execute(t, Call{
		Kind:   command,
		Config: config(t, command, map[string]cty.Value{"run": strs("sh", "-c", "sleep 5 & echo $! > "+pidFile+"; echo started")}),
	})
	if !outcome.Passed || field(t, outcome.Result, "stdout") != "started\n" {
		t.Fatalf("passed=%v message=%q stdout=%q", outcome.Passed, outcome.Message, field(t, outcome.Result, "stdout"))
	}
	content, _ := os.ReadFile(pidFile)
	server, _ := strconv.Atoi(strings.TrimSpace(string(content)))
	if err := syscall.Kill(server, 0); err != nil {
		t.Errorf("the started process is gone: %v", err)
	}
	_ = syscall.Kill(server, syscall.SIGKILL)
}

// A process a finished command left running on purpose (a server it
// restored) is part of the recovery: the drill's end does not kill it.
// A command still running when the drill's environment closes is killed
// with everything it started (the same happens when redrill dies: see
// cmd/redrill's kill -9 test).
func TestEnvCloseKillsOnlyRunningCommands(t *testing.T) {
	dir := t.TempDir()
	env := NewEnv(Deps{})
	command := kind(t, "command")
	left := env.Execute(context.Background(), Call{Kind: command, Config: config(t, command, map[string]cty.Value{
		"run": strs("sh", "-c", "setsid sleep 30 < /dev/null > /dev/null 2>&1 & echo $! > "+dir+"/server.pid"),
	})})
	if !left.Passed {
		t.Fatalf("the step that starts a server failed: %s", left.Message)
	}
	ctx, cancel := context.WithCancel(context.Background())
	running := make(chan Outcome, 1)
	go func() {
		running <- env.Execute(ctx, Call{Kind: command, Config: config(t, command, map[string]cty.Value{
			"run": strs("sh", "-c", "sleep 30 & echo $! > "+dir+"/child.pid; wait"),
		})})
	}()
	child := waitForPid(t, filepath.Join(dir, "child.pid"))
	if err := env.Close(); err != nil {
		t.Fatal(err)
	}
	server := waitForPid(t, filepath.Join(dir, "server.pid"))
	defer syscall.Kill(server, syscall.SIGKILL)
	for deadline := time.Now().Add(5 * time.Second); syscall.Kill(child, 0) == nil && !zombie(child); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the running command's child %d survived the end of the drill", child)
		}
	}
	if syscall.Kill(server, 0) != nil {
		t.Errorf("the server %d that a finished step left running was killed", server)
	}
	cancel()
	<-running
}

func waitForPid(t *testing.T, path string) int {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if content, err := os.ReadFile(path); err == nil && strings.HasSuffix(string(content), "\n") {
			pid, err := strconv.Atoi(strings.TrimSpace(string(content)))
			if err != nil {
				t.Fatal(err)
			}
			return pid
		}
		if time.Now().After(deadline) {
			t.Fatalf("no pid in %s", path)
		}
	}
}

// zombie tells whether a process has ended but not been waited for.
func zombie(pid int) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true
	}
	fields := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
	return len(fields) > 0 && fields[0] == "Z"
}

// A command that leaves a process running which holds its output ends
// when the command exits: the process it left must not add to the step's
// time (and so to the RTO), and what the command wrote is kept.
func TestCommandEndsWhenItExitsNotWhenItsPipesClose(t *testing.T) {
	command := kind(t, "command")
	pidFile := filepath.Join(t.TempDir(), "server.pid")
	outcome := execute(t, Call{
		Kind:   command,
		Config: config(t, command, map[string]cty.Value{"run": strs("sh", "-c", "sleep 30 & echo $! > "+pidFile+"; echo started")}),
	})
	content, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	server, _ := strconv.Atoi(strings.TrimSpace(string(content)))
	t.Cleanup(func() { _ = syscall.Kill(server, syscall.SIGKILL) })
	if !outcome.Passed || field(t, outcome.Result, "stdout") != "started\n" {
		t.Errorf("passed=%v stdout=%q, want the command's output", outcome.Passed, field(t, outcome.Result, "stdout"))
	}
	if took := outcome.Duration; took > time.Second {
		t.Errorf("the step took %s: it waited for the process the command left running", took)
	}
	if syscall.Kill(server, 0) != nil {
		t.Error("the process the command left running was killed; it is part of the recovery")
	}
}
