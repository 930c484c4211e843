package runner

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redrill/redrill/reports"
	"github.com/redrill/redrill/scenarios"
	"github.com/redrill/redrill/store"
)

// drill loads one scenario from src, with {{dir}} replaced by a temp dir,
// and runs it against an SQLite store. It returns the result, the dir and
// the store.
func drill(t *testing.T, ctx context.Context, src string, opts ...func(*Options)) (Result, string, store.Store) {
	t.Helper()
	return drillIn(t, ctx, t.TempDir(), src, opts...)
}

// drillIn is drill in the folder dir.
func drillIn(t *testing.T, ctx context.Context, dir, src string, opts ...func(*Options)) (Result, string, store.Store) {
	t.Helper()
	src = strings.ReplaceAll(src, "{{dir}}", dir)
	set, diags := scenarios.LoadSources(map[string][]byte{"drill.hcl": []byte(src)}, scenarios.Options{})
	if diags.HasErrors() {
		t.Fatalf("scenario: %s", diags.Error())
	}
	history, err := store.Open(context.Background(), filepath.Join(dir, "history.db"), store.Options{SpoolDir: filepath.Join(dir, "spool")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { history.Close() })
	options := Options{Store: history}
	for _, o := range opts {
		o(&options)
	}
	return Run(ctx, set, set.Scenarios[0], options), dir, history
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func TestQuickstartDrillIsMet(t *testing.T) {
	tmp := t.TempDir()
	src, err := os.ReadFile("../scenarios/examples/quickstart.hcl")
	if err != nil {
		t.Fatal(err)
	}
	set, diags := scenarios.LoadSources(map[string][]byte{"quickstart.hcl": src}, scenarios.Options{
		LookupEnv: func(name string) (string, bool) { return tmp, name == "TMPDIR" },
	})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	history, err := store.Open(context.Background(), filepath.Join(tmp, "history.db"), store.Options{SpoolDir: filepath.Join(tmp, "spool")})
	if err != nil {
		t.Fatal(err)
	}
	defer history.Close()

	result := Run(context.Background(), set, set.Scenarios[0], Options{Store: history})
	if result.Verdict != store.VerdictMet {
		t.Fatalf("verdict %s: %s", result.Verdict, result.Reason)
	}
	if result.RTO == nil || *result.RTO <= 0 || result.RPO == nil {
		t.Errorf("RTO %v RPO %v, want both measured", result.RTO, result.RPO)
	}
	if exists(filepath.Join(tmp, "redrill-quickstart-orders.db")) || exists(filepath.Join(tmp, "redrill-quickstart-backup.db")) {
		t.Error("rollback left the quick start's files behind")
	}
	stored, steps, err := history.Run(context.Background(), result.ID)
	if err != nil {
		t.Fatal(err)
	}
	if stored.Verdict != store.VerdictMet || stored.RTO == nil || *stored.RTO != *result.RTO || len(steps) != len(result.Steps) {
		t.Errorf("stored run %+v with %d steps, want what the run returned (%d steps)", stored, len(steps), len(result.Steps))
	}
}

func TestVerdicts(t *testing.T) {
	tests := []struct {
		name        string
		src         string
		wantVerdict string
		wantReason  string
		wantFiles   map[string]bool // file in {{dir}} -> should exist
	}{
		{
			name: "restore slower than rto is missed",
			src: `scenario "slow" {
				objective { rto = "100ms" }
				recover {
					step "restore" {
						command { run = ["sleep", "0.3"] }
					}
				}
			}`,
			wantVerdict: store.VerdictMissed,
			wantReason:  "exceeds the objective 100ms",
		},
		{
			name: "a failing recover step fails the drill, later steps never start, rollback runs every step",
			src: `scenario "broken" {
				recover {
					step "restore" {
						command { run = ["sh", "-c", "echo 'pg_restore: error' >&2; exit 2"] }
					}
					step "after" {
						command { run = ["touch", "{{dir}}/after"] }
					}
				}
				rollback {
					step "fails" {
						command { run = ["false"] }
					}
					step "cleans" {
						command { run = ["touch", "{{dir}}/cleaned"] }
					}
				}
			}`,
			wantVerdict: store.VerdictFailed,
			wantReason:  `a recover step failed: recover "restore": exit code 2: pg_restore: error; rollback failed: fails: exit code 1`,
			wantFiles:   map[string]bool{"after": false, "cleaned": true},
		},
		{
			name: "steady state not met aborts and touches nothing",
			src: `scenario "unsteady" {
				steady_state {
					check "dump" {
						file { path = "{{dir}}/missing.dump" }
					}
				}
				recover {
					step "restore" {
						command { run = ["touch", "{{dir}}/restored"] }
					}
				}
				rollback {
					step "cleans" {
						command { run = ["touch", "{{dir}}/cleaned"] }
					}
				}
			}`,
			wantVerdict: store.VerdictAborted,
			wantReason:  "steady state not met",
			wantFiles:   map[string]bool{"restored": false, "cleaned": false},
		},
		{
			name: "a guard that fails mid-recovery cancels the step and aborts",
			src: `scenario "guarded" {
				guard {
					every = "50ms"
					check "canary" {
						file { path = "{{dir}}/canary" }
					}
				}
				recover {
					step "long" {
						command { run = ["sleep", "30"] }
					}
					step "after" {
						command { run = ["touch", "{{dir}}/after"] }
					}
				}
				rollback {
					step "cleans" {
						command { run = ["touch", "{{dir}}/cleaned"] }
					}
				}
			}`,
			wantVerdict: store.VerdictAborted,
			wantReason:  `guard tripped: check "canary": the file does not exist`,
			wantFiles:   map[string]bool{"after": false, "cleaned": true},
		},
		{
			name: "the drill timeout aborts",
			src: `scenario "timed" {
				timeout = "200ms"
				recover {
					step "long" {
						command { run = ["sleep", "30"] }
					}
				}
				rollback {
					step "cleans" {
						command { run = ["touch", "{{dir}}/cleaned"] }
					}
				}
			}`,
			wantVerdict: store.VerdictAborted,
			wantReason:  "drill timeout reached after 200ms",
			wantFiles:   map[string]bool{"cleaned": true},
		},
		{
			name: "recovered_when that never passes fails",
			src: `scenario "never" {
				recovered_when {
					every   = "20ms"
					timeout = "150ms"
					check "up" {
						file { path = "{{dir}}/never" }
					}
				}
			}`,
			wantVerdict: store.VerdictFailed,
			wantReason:  "not recovered within 150ms",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			started := time.Now()
			result, dir, history := drill(t, context.Background(), tt.src)
			if elapsed := time.Since(started); elapsed > 10*time.Second {
				t.Errorf("the drill took %s", elapsed)
			}
			if result.Verdict != tt.wantVerdict || !strings.Contains(result.Reason, tt.wantReason) {
				t.Errorf("verdict %s (%s), want %s (%s)", result.Verdict, result.Reason, tt.wantVerdict, tt.wantReason)
			}
			for name, want := range tt.wantFiles {
				if got := exists(filepath.Join(dir, name)); got != want {
					t.Errorf("file %s exists: %v, want %v", name, got, want)
				}
			}
			stored, _, err := history.Run(context.Background(), result.ID)
			if err != nil || stored.Verdict != tt.wantVerdict || stored.Status != store.StatusFinished {
				t.Errorf("stored: %+v, %v", stored, err)
			}
		})
	}
}

func TestInterruptRunsRollback(t *testing.T) {
	ctx, cancel := context.WithCancelCause(context.Background())
	time.AfterFunc(200*time.Millisecond, func() { cancel(context.Canceled) })
	result, dir, _ := drill(t, ctx, `scenario "interrupted" {
		recover {
			step "long" {
						command { run = ["sleep", "30"] }
					}
		}
		rollback {
			step "cleans" {
						command { run = ["touch", "{{dir}}/cleaned"] }
					}
		}
	}`)
	if result.Verdict != store.VerdictInterrupted {
		t.Errorf("verdict %s (%s), want interrupted", result.Verdict, result.Reason)
	}
	if !exists(filepath.Join(dir, "cleaned")) {
		t.Error("rollback did not run after the interrupt")
	}
}

func TestSecondInterruptSkipsRollback(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	rollbackCtx, cancelRollback := context.WithCancel(context.Background())
	cancelRollback()
	result, dir, _ := drill(t, ctx, `scenario "interrupted" {
		recover {
			step "long" {
						command { run = ["sleep", "30"] }
					}
		}
		rollback {
			step "cleans" {
						command { run = ["touch", "{{dir}}/cleaned"] }
					}
		}
	}`, func(o *Options) { o.RollbackContext = rollbackCtx })
	if exists(filepath.Join(dir, "cleaned")) || !strings.Contains(result.Reason, "rollback skipped by a second interrupt") {
		t.Errorf("reason %q; rollback should have been skipped", result.Reason)
	}
}

// The clock never reports a recovery earlier than it happened: it stops at
// the start of the first round that sees the system healthy.
func TestRecoveryIsNeverMeasuredEarly(t *testing.T) {
	result, dir, _ := drill(t, context.Background(), `scenario "delayed" {
		disrupt {
			step "break" {
						command { run = ["sh", "-c", "(sleep 0.3; touch {{dir}}/healthy) > /dev/null 2>&1 &"] }
					}
		}
		recovered_when {
			every   = "20ms"
			timeout = "10s"
			check "healthy" {
						file { path = "{{dir}}/healthy" }
					}
		}
	}`)
	if result.Verdict != store.VerdictMet {
		t.Fatalf("verdict %s: %s", result.Verdict, result.Reason)
	}
	info, err := os.Stat(filepath.Join(dir, "healthy"))
	if err != nil {
		t.Fatal(err)
	}
	truth := info.ModTime().Sub(result.ClockStart)
	// File times have the file system's granularity; allow it.
	if *result.RTO < truth-10*time.Millisecond {
		t.Errorf("measured RTO %s is earlier than the recovery (%s)", *result.RTO, truth)
	}
}

// A recovered_when check that passes only on a retry saw the recovery at
// that attempt: the clock must not stop at the round's start.
func TestRetriedCheckDoesNotStopTheClockEarly(t *testing.T) {
	result, dir, _ := drill(t, context.Background(), `scenario "retried" {
		disrupt {
			step "break" {
				command { run = ["sh", "-c", "(sleep 0.5; touch {{dir}}/healthy) > /dev/null 2>&1 &"] }
			}
		}
		recovered_when {
			every   = "1s"
			timeout = "10s"
			check "healthy" {
				retries     = 20
				retry_every = "50ms"
				file { path = "{{dir}}/healthy" }
			}
		}
	}`)
	info, err := os.Stat(filepath.Join(dir, "healthy"))
	if err != nil || result.RTO == nil {
		t.Fatalf("%v %s: %s", err, result.Verdict, result.Reason)
	}
	if truth := info.ModTime().Sub(result.ClockStart); *result.RTO < truth-10*time.Millisecond {
		t.Errorf("measured RTO %s, but the system recovered after %s", *result.RTO, truth)
	}
}

// A guard check still running when recovery is reached is cut short; that
// is not a failure, and nothing records it as one.
func TestGuardCutShortAtRecoveryIsNoFailure(t *testing.T) {
	result, _, history := drill(t, context.Background(), `scenario "guarded" {
		guard {
			every = "10ms"
			check "slow-canary" {
				command { run = ["sleep", "0.5"] }
			}
		}
		recover {
			step "restore" {
				command { run = ["sleep", "0.2"] }
			}
		}
	}`)
	if result.Verdict != store.VerdictMet {
		t.Fatalf("verdict %s: %s", result.Verdict, result.Reason)
	}
	_, steps, err := history.Run(context.Background(), result.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range steps {
		if !s.Passed {
			t.Errorf("recorded as failed: %s %s: %s", s.Phase, s.Name, s.Message)
		}
	}
}

func TestFailedRollbackIsReported(t *testing.T) {
	result, _, history := drill(t, context.Background(), `scenario "rb" {
		recover {
			step "restore" {
				command { run = ["true"] }
			}
		}
		rollback {
			step "restore-prod" {
				command { run = ["false"] }
			}
		}
	}`)
	if !result.LeftDisrupted() || !strings.Contains(reports.Summary(result.Record), "rollback did not complete") {
		t.Errorf("rollback failure not reported: %+v", result)
	}
	stored, _, err := history.Run(context.Background(), result.ID)
	if err != nil {
		t.Fatal(err)
	}
	if stored.Verdict != store.VerdictMet || stored.Rollback != store.RollbackFailed || !stored.LeftDisrupted() {
		t.Errorf("stored verdict %s, rollback %q: want met with the rollback failed", stored.Verdict, stored.Rollback)
	}
}

// Every run records how its rollback went and the steps it would run.
func TestRollbackOutcomeAndPlanAreRecorded(t *testing.T) {
	tests := []struct {
		name, src, rollback string
	}{
		{"rollback passed", `scenario "x" {
			recover {
				step "restore" {
					command { run = ["true"] }
				}
			}
			rollback {
				step "clean" {
					command { run = ["true"] }
				}
			}
		}`, store.RollbackPassed},
		{"no rollback steps", `scenario "x" {
			recover {
				step "restore" {
					command { run = ["true"] }
				}
			}
		}`, store.RollbackNone},
		{"steady state did not hold: nothing to undo", `scenario "x" {
			steady_state {
				check "up" {
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
					command { run = ["true"] }
				}
			}
		}`, store.RollbackNotNeeded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			result, _, history := drill(t, context.Background(), tt.src)
			stored, _, err := history.Run(context.Background(), result.ID)
			if err != nil {
				t.Fatal(err)
			}
			if stored.Rollback != tt.rollback || stored.LeftDisrupted() {
				t.Errorf("stored rollback %q, want %q", stored.Rollback, tt.rollback)
			}
			var planned []string
			for _, step := range stored.Plan {
				planned = append(planned, string(step.Phase)+"/"+step.Name+"/"+step.Kind)
			}
			if len(planned) == 0 || !strings.Contains(strings.Join(planned, " "), "recover/restore/command") {
				t.Errorf("stored plan %v, want every step of the scenario", planned)
			}
		})
	}
}

func TestSecretsAreNotStoredWithTheSource(t *testing.T) {
	result, _, history := drill(t, context.Background(), `variable "pw" {
		default   = "hunter2-SECRET"
		sensitive = true
	}
	scenario "secret" {
		recover {
			step "restore" {
				command { run = ["echo", var.pw, "postgres://app:inline-pw@db/orders"] }
			}
		}
	}`)
	stored, steps, err := history.Run(context.Background(), result.ID)
	if err != nil {
		t.Fatal(err)
	}
	everything := stored.ScenarioSource + fmt.Sprint(steps)
	if strings.Contains(everything, "hunter2-SECRET") || strings.Contains(everything, "inline-pw") {
		t.Errorf("a secret is stored:\n%s", everything)
	}
}

// A panic inside a drill (here in the live output) is recorded as a failed
// run, and rollback still cleans up what the drill touched.
func TestPanicIsRecordedAsFailedRun(t *testing.T) {
	result, dir, history := drill(t, context.Background(), `scenario "panics" {
		recover {
			step "break" {
				command { run = ["touch", "{{dir}}/disrupted"] }
			}
		}
		rollback {
			step "clean" {
				command { run = ["rm", "-f", "{{dir}}/disrupted"] }
			}
		}
	}`, func(o *Options) {
		o.Observe = func(e store.Event) {
			if e.Type == store.EventStepEnd && e.Step.Name == "break" {
				panic("output broke")
			}
		}
	})
	if result.Verdict != store.VerdictFailed || result.Reason != "redrill failed: panic: output broke" {
		t.Errorf("verdict %s (%s), want failed with the panic", result.Verdict, result.Reason)
	}
	if exists(filepath.Join(dir, "disrupted")) {
		t.Error("rollback did not run after the panic")
	}
	stored, _, err := history.Run(context.Background(), result.ID)
	if err != nil {
		t.Fatal(err)
	}
	if stored.Status != store.StatusFinished || stored.Verdict != store.VerdictFailed {
		t.Errorf("stored run %s %s, want finished and failed", stored.Status, stored.Verdict)
	}
}

// A panic during rollback is reported as a failed rollback; the run is
// still finished and recorded, never left running.
func TestPanicInRollbackIsRecorded(t *testing.T) {
	result, _, history := drill(t, context.Background(), `scenario "rollback-panics" {
		recover {
			step "restore" {
				command { run = ["true"] }
			}
		}
		rollback {
			step "clean" {
				command { run = ["true"] }
			}
		}
	}`, func(o *Options) {
		o.Observe = func(e store.Event) {
			if e.Type == store.EventStepEnd && e.Step.Name == "clean" {
				panic("output broke")
			}
		}
	})
	if !result.LeftDisrupted() || !strings.Contains(result.Reason, "rollback failed: redrill panic: output broke") {
		t.Errorf("rollback %s, reason %q", result.Rollback, result.Reason)
	}
	stored, _, err := history.Run(context.Background(), result.ID)
	if err != nil {
		t.Fatal(err)
	}
	if stored.Status != store.StatusFinished {
		t.Errorf("stored run is %s, want finished", stored.Status)
	}
}

// When recovered_when times out, the reason says which check never
// passed and its last real failure, not the poll the deadline cut short.
func TestNotRecoveredNamesTheCheckThatKeptFailing(t *testing.T) {
	// The first two rounds fail at once; the third hangs until the
	// deadline cuts it short, whatever the machine's load.
	result, _, history := drill(t, context.Background(), `scenario "slow-restore" {
		recover {
			step "restore" {
				command { run = ["true"] }
			}
		}
		recovered_when {
			every   = "100ms"
			timeout = "2s"
			check "service-up" {
				command { run = ["true"] }
			}
			check "rows-match" {
				command { run = ["sh", "-c", "n=$(cat {{dir}}/rounds 2>/dev/null || echo 0); echo $((n+1)) > {{dir}}/rounds; [ $n -ge 2 ] && sleep 30; exit 1"] }
				assert {
					condition     = result.exit_code == 0
					error_message = "fewer rows than production"
				}
			}
		}
	}`)
	if result.Verdict != store.VerdictFailed {
		t.Fatalf("verdict %s (%s), want failed", result.Verdict, result.Reason)
	}
	want := `not recovered within 2s: check "rows-match" never passed: fewer rows than production (result.exit_code = 1)`
	stored, _, err := history.Run(context.Background(), result.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, reason := range []string{result.Reason, stored.Reason} {
		if reason != want {
			t.Errorf("reason %q, want %q", reason, want)
		}
	}
}

// A guard polls while the drill runs and both tell an observer: under the
// race detector (CI runs this package with -race), nothing the guard's
// goroutine reads of the run is written by the drill outside the lock.
// Before the record was guarded, this showed a race within 20 runs.
func TestGuardAndObserverShareTheRunSafely(t *testing.T) {
	for range 20 {
		result, _, _ := drill(t, context.Background(), `scenario "guarded" {
			objective {
				rto = "1m"
			}
			recover {
				step "restore" {
					command { run = ["true"] }
				}
			}
			recovered_when {
				every   = "1ms"
				timeout = "10s"
				check "up" {
					command { run = ["true"] }
				}
			}
			guard {
				every = "1ms"
				check "still-serving" {
					command { run = ["true"] }
				}
			}
		}`, func(o *Options) {
			o.Observe = func(e store.Event) {
				// What a live output reads: the clock, the measurements
				// and the steps so far.
				_ = fmt.Sprint(e.Record.ClockStart, e.Record.ClockStop, e.Record.RTO, e.Record.Verdict, len(e.Record.Steps))
			}
		})
		if result.Verdict != store.VerdictMet {
			t.Fatalf("verdict %s (%s), want met", result.Verdict, result.Reason)
		}
	}
}
