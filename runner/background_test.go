package runner

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/redrill/redrill/store"
)

// backgroundDrill starts a long operation in the background during setup
// (a shell that starts a child of its own), waits until both are running,
// then recovers with {{recover}}. Its rollback leaves {{dir}}/clean only if
// neither process is alive by then.
const backgroundDrill = `scenario "mid-operation" {
	timeout = "{{timeout}}"
	setup {
		step "bulk-op" {
			background = true
			command { run = ["sh", "-c", "sleep 60 & echo $! > {{dir}}/child.pid; echo $$ > {{dir}}/op.pid; wait"] }
		}
		step "op-running" {
			retries     = 200
			retry_every = "10ms"
			command { run = ["test", "-s", "{{dir}}/op.pid"] }
		}
	}
	recover {
		step "restore" {
			command { run = {{recover}} }
		}
	}
	rollback {
		step "check-gone" {
			command { run = ["sh", "-c", "for f in op child; do s=$(awk '{print $3}' /proc/$(cat {{dir}}/$f.pid)/stat 2>/dev/null); [ -z \"$s\" ] || [ \"$s\" = Z ] || exit 1; done; touch {{dir}}/clean"] }
		}
	}
}`

// alive tells whether a process runs (a zombie does not).
func alive(t *testing.T, pidFile string) bool {
	t.Helper()
	text, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatalf("the background step never wrote %s: %v", pidFile, err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(text)))
	if err != nil {
		t.Fatal(err)
	}
	stat, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return false
	}
	fields := strings.Fields(string(stat))
	return len(fields) > 2 && fields[2] != "Z"
}

func TestBackgroundStepsAreCancelledBeforeRollbackInEveryEnding(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("needs /proc to tell whether a process runs")
	}
	tests := []struct {
		name, recover, timeout string
		observe                func(cancel context.CancelCauseFunc) func(store.Event)
		verdict                string
	}{
		{name: "met", recover: `["true"]`, verdict: store.VerdictMet},
		{name: "failed", recover: `["false"]`, verdict: store.VerdictFailed},
		{name: "drill timeout", recover: `["sleep", "30"]`, timeout: "2s", verdict: store.VerdictAborted},
		{name: "interrupted", recover: `["sleep", "30"]`, verdict: store.VerdictInterrupted,
			observe: func(cancel context.CancelCauseFunc) func(store.Event) {
				return func(e store.Event) {
					if e.Type == store.EventStepStart && e.Step.Name == "restore" {
						cancel(context.Canceled)
					}
				}
			}},
		{name: "panic", recover: `["true"]`, verdict: store.VerdictFailed,
			observe: func(context.CancelCauseFunc) func(store.Event) {
				return func(e store.Event) {
					if e.Type == store.EventStepEnd && e.Step.Name == "restore" {
						panic("output broke")
					}
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			timeout := tt.timeout
			if timeout == "" {
				timeout = "1m"
			}
			src := strings.NewReplacer("{{recover}}", tt.recover, "{{timeout}}", timeout).Replace(backgroundDrill)
			ctx, cancel := context.WithCancelCause(context.Background())
			defer cancel(nil)
			result, dir, history := drill(t, ctx, src, func(o *Options) {
				if tt.observe != nil {
					o.Observe = tt.observe(cancel)
				}
			})
			if result.Verdict != tt.verdict {
				t.Errorf("verdict %s (%s), want %s", result.Verdict, result.Reason, tt.verdict)
			}
			if !exists(filepath.Join(dir, "clean")) {
				t.Errorf("the background operation was still running when rollback ran (rollback %s: %s)", result.Rollback, result.Reason)
			}
			for _, f := range []string{"op.pid", "child.pid"} {
				if alive(t, filepath.Join(dir, f)) {
					t.Errorf("the process of %s outlived the drill", f)
				}
			}
			_, steps, err := history.Run(context.Background(), result.ID)
			if err != nil {
				t.Fatal(err)
			}
			op := findStep(steps, "bulk-op")
			if op == nil || !op.Background || !op.Cancelled || op.Passed || op.Running || !strings.HasPrefix(op.Message, "cancelled") {
				t.Errorf("bulk-op recorded as %+v, want a background step, cancelled", op)
			}
		})
	}
}

func findStep(steps []store.Step, name string) *store.Step {
	for i := range steps {
		if steps[i].Name == name {
			return &steps[i]
		}
	}
	return nil
}

// A step that waits for a background step starts once it has ended and
// reads its result.
func TestAfterWaitsForTheBackgroundStep(t *testing.T) {
	result, _, _ := drill(t, context.Background(), `scenario "waits" {
		setup {
			step "load" {
				background = true
				command { run = ["sh", "-c", "sleep 0.3; echo loaded"] }
			}
		}
		disrupt {
			step "break" {
				command { run = ["true"] }
			}
		}
		recover {
			step "reload" {
				after = ["load"]
				command { run = ["echo", steps.load.stdout] }
				assert { condition = trimspace(result.stdout) == "loaded" }
			}
		}
	}`)
	if result.Verdict != store.VerdictMet {
		t.Fatalf("verdict %s (%s), want met", result.Verdict, result.Reason)
	}
	load, reload, breaks := findStep(result.Steps, "load"), findStep(result.Steps, "reload"), findStep(result.Steps, "break")
	if load == nil || reload == nil || breaks == nil {
		t.Fatalf("steps %+v", result.Steps)
	}
	if !load.Passed || load.Cancelled || !load.Background {
		t.Errorf("load recorded as %+v, want a background step that passed", load)
	}
	loadEnded := load.StartedAt.Add(load.Duration)
	if reload.StartedAt.Before(loadEnded) {
		t.Errorf("reload started at %s, before load ended at %s", reload.StartedAt, loadEnded)
	}
	if !breaks.StartedAt.Before(loadEnded) {
		t.Errorf("the disrupt step waited for the background step: started %s, load ended %s", breaks.StartedAt, loadEnded)
	}
	// The clock ran while the recover step waited: the wait is recovery time.
	if *result.RTO < loadEnded.Sub(result.ClockStart) {
		t.Errorf("RTO %s leaves out the wait for load (%s)", *result.RTO, loadEnded.Sub(result.ClockStart))
	}
}

// A failed setup step aborts the drill before the clock starts; rollback
// still runs, since setup touched the system.
func TestFailedSetupAbortsAndRollsBack(t *testing.T) {
	result, dir, _ := drill(t, context.Background(), `scenario "setup-fails" {
		setup {
			step "prepare" {
				command { run = ["touch", "{{dir}}/prepared"] }
			}
			step "load" {
				command { run = ["false"] }
			}
		}
		recover {
			step "restore" {
				command { run = ["true"] }
			}
		}
		rollback {
			step "clean" {
				command { run = ["rm", "{{dir}}/prepared"] }
			}
		}
	}`)
	if result.Verdict != store.VerdictAborted || !strings.Contains(result.Reason, `a setup step failed: setup "load"`) {
		t.Errorf("verdict %s (%s), want aborted by the setup step", result.Verdict, result.Reason)
	}
	if !result.ClockStart.IsZero() || result.RTO != nil {
		t.Errorf("the clock started (%s, RTO %v) although setup failed", result.ClockStart, result.RTO)
	}
	if exists(filepath.Join(dir, "prepared")) || result.Rollback != store.RollbackPassed {
		t.Errorf("rollback %s: setup's change was not undone", result.Rollback)
	}
}
