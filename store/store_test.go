package store

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redrill/redrill/internal/pgtest"
)

// backend is a store target for a test: an SQLite file or a fresh
// PostgreSQL database.
type backend struct {
	name   string
	target func(t *testing.T) string
}

var backends = []backend{
	{name: "sqlite", target: func(t *testing.T) string { return filepath.Join(t.TempDir(), "history.db") }},
	{name: "postgres", target: func(t *testing.T) string { return pgtest.NewDatabase(t) }},
}

// forEachBackend runs test once per backend.
func forEachBackend(t *testing.T, test func(t *testing.T, target string)) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) { test(t, b.target(t)) })
	}
}

func open(t *testing.T, target string, now time.Time) Store {
	t.Helper()
	s, err := Open(context.Background(), target, Options{SpoolDir: filepath.Join(t.TempDir(), "spool"), Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func duration(d time.Duration) *time.Duration { return &d }

var base = time.Date(2026, 11, 1, 3, 0, 0, 123_456_000, time.UTC)

func newRun(id, scenario string, started time.Time) Run {
	return Run{ID: id, Scenario: scenario, ScenarioHash: "abc", ScenarioSource: `scenario "x" {}`, Trigger: TriggerOnDemand,
		StartedAt: started, ObjectiveRTO: duration(30 * time.Minute)}
}

func TestRunLifecycle(t *testing.T) {
	forEachBackend(t, func(t *testing.T, target string) {
		ctx := context.Background()
		s := open(t, target, base)
		run := newRun("run-1", "orders-db-restore", base)
		if err := s.StartRun(ctx, run); err != nil {
			t.Fatal(err)
		}
		for i, name := range []string{"recreate", "restore", "orders-present"} {
			step := Step{RunID: "run-1", Seq: i + 1, Phase: "recover", Name: name, Kind: "sql",
				StartedAt: base.Add(time.Duration(i) * time.Second), Duration: 1500 * time.Millisecond,
				Attempts: 1, Passed: i != 1, Message: "", Result: `{"value": 42}`}
			if err := s.RecordStep(ctx, step); err != nil {
				t.Fatal(err)
			}
			// Writing a step twice (a replay) stores it once.
			if err := s.RecordStep(ctx, step); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.StartRun(ctx, run); err != nil {
			t.Fatalf("a replayed start is harmless: %v", err)
		}
		finish := Finish{EndedAt: base.Add(20 * time.Minute), ClockStart: base.Add(time.Second), ClockStop: base.Add(19 * time.Minute),
			RTO: duration(19*time.Minute - time.Second), Verdict: VerdictMet, Reason: "recovered within RTO"}
		if err := s.FinishRun(ctx, "run-1", finish); err != nil {
			t.Fatal(err)
		}

		got, steps, err := s.Run(ctx, "run-1")
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != StatusFinished || got.Verdict != VerdictMet || !got.StartedAt.Equal(base) || !got.ClockStop.Equal(finish.ClockStop) {
			t.Errorf("run = %+v", got)
		}
		if got.RTO == nil || *got.RTO != 19*time.Minute-time.Second || got.RPO != nil || *got.ObjectiveRTO != 30*time.Minute {
			t.Errorf("measurements: rto=%v rpo=%v objective=%v", got.RTO, got.RPO, got.ObjectiveRTO)
		}
		if len(steps) != 3 || steps[1].Name != "restore" || steps[1].Passed || steps[0].Duration != 1500*time.Millisecond || steps[2].Result != `{"value": 42}` {
			t.Errorf("steps = %+v", steps)
		}
		if _, _, err := s.Run(ctx, "nope"); err == nil {
			t.Error("a missing run was found")
		}
	})
}

func TestQueries(t *testing.T) {
	forEachBackend(t, func(t *testing.T, target string) {
		ctx := context.Background()
		s := open(t, target, base)
		// Ten runs of "orders" with RTOs of 1..10 minutes, two of "api".
		for i := 1; i <= 10; i++ {
			id := fmt.Sprintf("orders-%02d", i)
			mustDo(t, s.StartRun(ctx, newRun(id, "orders", base.Add(time.Duration(i)*time.Hour))))
			verdict := VerdictMet
			if i > 8 {
				verdict = VerdictMissed
			}
			mustDo(t, s.FinishRun(ctx, id, Finish{EndedAt: base.Add(time.Duration(i) * time.Hour), RTO: duration(time.Duration(i) * time.Minute), Verdict: verdict}))
		}
		mustDo(t, s.StartRun(ctx, newRun("api-1", "api", base)))
		mustDo(t, s.FinishRun(ctx, "api-1", Finish{EndedAt: base, Verdict: VerdictFailed}))
		mustDo(t, s.StartRun(ctx, newRun("api-2", "api", base.Add(time.Hour))))

		runs, err := s.Runs(ctx, RunQuery{Scenario: "orders", Since: base.Add(3 * time.Hour), Limit: 4})
		mustDo(t, err)
		if len(runs) != 4 || runs[0].ID != "orders-10" || runs[3].ID != "orders-07" {
			t.Errorf("runs = %v", ids(runs))
		}
		latest, err := s.LatestRuns(ctx)
		mustDo(t, err)
		if len(latest) != 2 || latest[0].ID != "api-2" || latest[1].ID != "orders-10" {
			t.Errorf("latest = %v", ids(latest))
		}
		newest, ran, err := s.LatestRun(ctx, "orders")
		mustDo(t, err)
		if !ran || newest.ID != "orders-10" {
			t.Errorf("latest run of orders = %q (ran %v), want orders-10", newest.ID, ran)
		}
		if _, ran, err := s.LatestRun(ctx, "never-ran"); err != nil || ran {
			t.Errorf("a scenario that never ran has a latest run: %v %v", ran, err)
		}
	})
}

func TestMigrationsRunFromEmptyAndAgain(t *testing.T) {
	forEachBackend(t, func(t *testing.T, target string) {
		first := open(t, target, base)
		mustDo(t, first.StartRun(context.Background(), newRun("kept", "orders", base)))
		first.Close()
		second := open(t, target, base)
		if _, _, err := second.Run(context.Background(), "kept"); err != nil {
			t.Fatalf("reopening lost the history: %v", err)
		}
	})
}

func TestRunsOfGoneRunnersAreInterrupted(t *testing.T) {
	forEachBackend(t, func(t *testing.T, target string) {
		ctx := context.Background()
		writer := open(t, target, base)
		// A run on another host whose heartbeat stopped at base.
		remote := newRun("remote", "orders", base)
		remote.Host, remote.PID = "other-host", 1
		mustDo(t, writer.StartRun(ctx, remote))
		// A run of this host whose process has exited: this test binary,
		// run for no test, on every system.
		dead := exec.Command(os.Args[0], "-test.run=^$")
		mustDo(t, dead.Run())
		local := newRun("local", "orders", base)
		local.Host, _ = os.Hostname()
		local.PID = dead.Process.Pid
		mustDo(t, writer.StartRun(ctx, local))
		// The same with a heartbeat still fresh: only the process check
		// tells that it is gone.
		fresh := newRun("local-fresh", "orders", base)
		fresh.Host, fresh.PID = local.Host, local.PID
		mustDo(t, writer.StartRun(ctx, fresh))
		mustDo(t, writer.Heartbeat(ctx, "local-fresh", base.Add(StaleAfter)))
		// A remote run still sending heartbeats.
		alive := newRun("alive", "orders", base)
		alive.Host, alive.PID = "other-host", 1
		mustDo(t, writer.StartRun(ctx, alive))
		mustDo(t, writer.Heartbeat(ctx, "alive", base.Add(StaleAfter)))

		reader := open(t, target, base.Add(StaleAfter+time.Second))
		want := map[string]string{"remote": VerdictInterrupted, "local": VerdictInterrupted, "local-fresh": VerdictInterrupted, "alive": ""}
		for id, verdict := range want {
			run, _, err := reader.Run(ctx, id)
			mustDo(t, err)
			if run.Verdict != verdict {
				t.Errorf("%s: verdict %q (%s), want %q", id, run.Verdict, run.Reason, verdict)
			}
		}
	})
}

// Two processes writing to one store at once lose no rows.
func TestConcurrentWriters(t *testing.T) {
	const writerCount, perWriter = 4, 100
	forEachBackend(t, func(t *testing.T, target string) {
		// The writers start together on a new store: they migrate it at
		// the same moment, as runners started by one deploy would.
		var writers []*exec.Cmd
		for w := range writerCount {
			cmd := exec.Command(os.Args[0], "-test.run=^TestWriterProcess$")
			cmd.Env = append(os.Environ(), "REDRILL_TEST_WRITER="+target, "REDRILL_TEST_WRITER_ID="+strconv.Itoa(w),
				"REDRILL_TEST_WRITER_SPOOL="+t.TempDir())
			cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
			mustDo(t, cmd.Start())
			writers = append(writers, cmd)
		}
		for _, cmd := range writers {
			if err := cmd.Wait(); err != nil {
				t.Fatalf("writer process: %v", err)
			}
		}
		s := open(t, target, base)
		runs, err := s.Runs(context.Background(), RunQuery{})
		mustDo(t, err)
		if len(runs) != writerCount*perWriter {
			t.Errorf("%d runs stored, want %d", len(runs), writerCount*perWriter)
		}
		_, steps, err := s.Run(context.Background(), "writer-1-run-99")
		mustDo(t, err)
		if len(steps) != 3 {
			t.Errorf("%d steps, want 3", len(steps))
		}
	})
}

// TestWriterProcess is a writer of TestConcurrentWriters when started by it.
func TestWriterProcess(t *testing.T) {
	target := os.Getenv("REDRILL_TEST_WRITER")
	if target == "" {
		t.Skip("runs only as a child of TestConcurrentWriters")
	}
	id := os.Getenv("REDRILL_TEST_WRITER_ID")
	ctx := context.Background()
	s, err := Open(ctx, target, Options{SpoolDir: os.Getenv("REDRILL_TEST_WRITER_SPOOL")})
	mustDo(t, err)
	defer s.Close()
	for i := range 100 {
		runID := fmt.Sprintf("writer-%s-run-%d", id, i)
		mustDo(t, s.StartRun(ctx, newRun(runID, "orders", base.Add(time.Duration(i)*time.Second))))
		for seq := 1; seq <= 3; seq++ {
			mustDo(t, s.RecordStep(ctx, Step{RunID: runID, Seq: seq, Phase: "recover", Name: "s", Kind: "command", StartedAt: base, Attempts: 1, Passed: true}))
		}
		mustDo(t, s.FinishRun(ctx, runID, Finish{EndedAt: base, Verdict: VerdictMet}))
	}
	mustDo(t, s.Flush(ctx))
}

func mustDo(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func ids(runs []Run) []string {
	var out []string
	for _, r := range runs {
		out = append(out, r.ID)
	}
	return out
}

// A command's stderr may hold NUL bytes and invalid UTF-8; PostgreSQL's
// text refuses both, and one such step must not stop the history.
func TestBinaryOutputIsStorable(t *testing.T) {
	forEachBackend(t, func(t *testing.T, target string) {
		ctx := context.Background()
		s := open(t, target, base)
		mustDo(t, s.StartRun(ctx, newRun("binary", "orders", base)))
		mustDo(t, s.RecordStep(ctx, Step{RunID: "binary", Seq: 1, Phase: "recover", Name: "restore", Kind: "command",
			StartedAt: base, Attempts: 1, Message: "exit code 3: bad\x00byte \xff\xfe", Result: `{"stderr": "bad\u0000byte"}`}))
		mustDo(t, s.FinishRun(ctx, "binary", Finish{EndedAt: base, Verdict: VerdictFailed, Reason: "nul\x00here"}))
		run, steps, err := s.Run(ctx, "binary")
		mustDo(t, err)
		if run.Verdict != VerdictFailed || len(steps) != 1 || steps[0].Message != "exit code 3: bad\\0byte \uFFFD" {
			t.Errorf("stored %q / %+v", run.Verdict, steps)
		}
	})
}

// A scheduled tick is run by one runner: of many concurrent claims, one
// wins; another tick is a new claim.
func TestClaimsAreExclusive(t *testing.T) {
	forEachBackend(t, func(t *testing.T, target string) {
		ctx := context.Background()
		s := open(t, target, base)
		tick := base.Add(time.Hour)
		won := make(chan bool, 8)
		for i := range 8 {
			go func() {
				ok, err := s.Claim(ctx, "orders", tick, fmt.Sprintf("runner-%d", i))
				if err != nil {
					t.Error(err)
				}
				won <- ok
			}()
		}
		winners := 0
		for range 8 {
			if <-won {
				winners++
			}
		}
		if winners != 1 {
			t.Errorf("%d runners claimed the same tick, want 1", winners)
		}
		if ok, err := s.Claim(ctx, "orders", tick.Add(time.Minute), "runner-0"); err != nil || !ok {
			t.Errorf("the next tick could not be claimed: %v %v", ok, err)
		}
	})
}

// On a new machine the default store's folder does not exist yet; serve's
// lock must not fail on that.
func TestLockExclusiveCreatesTheFolder(t *testing.T) {
	target := filepath.Join(t.TempDir(), "state", "redrill", "history.db")
	release, err := LockExclusive(target)
	if err != nil {
		t.Fatalf("lock in a folder that does not exist yet: %v", err)
	}
	defer release()
	if _, err := LockExclusive(target); err == nil || !strings.Contains(err.Error(), "another redrill serve uses") {
		t.Errorf("a second lock on the same store: %v", err)
	}
}

// A duration read back from the store is the one written, to the
// nanosecond: reports compare a run's RTO with what the runner measured.
func TestDurationsRoundTrip(t *testing.T) {
	for _, d := range []time.Duration{16433740 * time.Nanosecond, time.Nanosecond, 999999999, 9*time.Hour + 12*time.Minute + 3*time.Nanosecond} {
		if got := durationOf(secondsOf(&d)); got == nil || *got != d {
			t.Errorf("%d ns read back as %v", d, got)
		}
	}
}

// A run started without a host is recorded as the runner's that Open was
// given; a running run of that runner's host whose process is gone is
// interrupted at the next Open.
func TestHostAndPIDAreOptions(t *testing.T) {
	forEachBackend(t, func(t *testing.T, target string) {
		ctx := context.Background()
		dead := exec.Command("true")
		mustDo(t, dead.Run())
		runner := Options{SpoolDir: t.TempDir(), Now: func() time.Time { return base }, Host: "runner-a", PID: dead.Process.Pid}
		s, err := Open(ctx, target, runner)
		mustDo(t, err)
		mustDo(t, s.StartRun(ctx, newRun("run-1", "orders", base)))
		run, _, err := s.Run(ctx, "run-1")
		mustDo(t, err)
		if run.Host != "runner-a" || run.PID != dead.Process.Pid {
			t.Errorf("recorded on %s process %d, want runner-a process %d", run.Host, run.PID, dead.Process.Pid)
		}
		mustDo(t, s.Close())

		// Another process of runner-a opens the history.
		next := Options{SpoolDir: t.TempDir(), Now: func() time.Time { return base }, Host: "runner-a", PID: os.Getpid()}
		s, err = Open(ctx, target, next)
		mustDo(t, err)
		defer s.Close()
		run, _, err = s.Run(ctx, "run-1")
		mustDo(t, err)
		if run.Verdict != VerdictInterrupted {
			t.Errorf("verdict %q (%s), want interrupted", run.Verdict, run.Reason)
		}
	})
}
