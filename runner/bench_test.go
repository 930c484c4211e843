package runner

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/redrill/redrill/scenarios"
	"github.com/redrill/redrill/store"
)

// BenchmarkRecoveryClockAccuracy measures how far the measured RTO is from
// the truth: a server turns healthy a known time after the disrupt step
// breaks it; recovered_when polls it every `every`. Reported: the mean,
// worst and least error (measured - truth) in milliseconds. The clock stops
// at the start of the first passing round, so the error is at most one
// interval plus a round's duration, and at least minus one request's
// latency (a round that starts just before the recovery and reaches the
// server just after it).
//
// Each interval is measured without a workload and with one: an http
// workload of 1,000 requests a second from 4 workers against the same
// server, from 200 ms before the clock starts to the end of the drill.
func BenchmarkRecoveryClockAccuracy(b *testing.B) {
	for _, every := range []string{"10ms", "50ms", "1s"} {
		for _, workload := range []string{"none", "http-1000-per-s"} {
			b.Run("every="+every+"/workload="+workload, func(b *testing.B) {
				recoveryClockAccuracy(b, every, workload != "none")
			})
		}
	}
}

func recoveryClockAccuracy(b *testing.B, every string, underLoad bool) {
	interval, _ := time.ParseDuration(every)
	var mu sync.Mutex
	var healthyAt time.Time
	// The recovery comes at a different point of the polling interval
	// each time: 300 ms plus a step through the interval.
	delay := 300 * time.Millisecond
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if r.URL.Path == "/break" {
			healthyAt = time.Now().Add(delay)
			delay = 300*time.Millisecond + (delay-300*time.Millisecond+interval*37/100)%interval
			return
		}
		if time.Now().Before(healthyAt) {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	defer server.Close()
	workload := ""
	if underLoad {
		workload = fmt.Sprintf(`
  workload "clients" {
    rate        = 1000
    concurrency = 4
    warmup      = "200ms"
    http { url = "%s/work" }
  }`, server.URL)
	}
	src := fmt.Sprintf(`scenario "accuracy" {
  disrupt {
    step "break" {
      http {
        url    = "%[1]s/break"
        method = "POST"
      }
    }
  }
  recovered_when {
    every   = "%[2]s"
    timeout = "1m"
    check "healthy" {
      http { url = "%[1]s/health" }
    }
  }%[3]s
}`, server.URL, every, workload)
	set, diags := scenarios.LoadSources(map[string][]byte{"accuracy.hcl": []byte(src)}, scenarios.Options{})
	if diags.HasErrors() {
		b.Fatal(diags.Error())
	}
	dir := b.TempDir()
	history, err := store.Open(context.Background(), filepath.Join(dir, "h.db"), store.Options{SpoolDir: dir})
	if err != nil {
		b.Fatal(err)
	}
	defer history.Close()

	var errors []time.Duration
	var attempts, skipped int64
	for b.Loop() {
		result := Run(context.Background(), set, set.Scenarios[0], Options{Store: history})
		if result.RTO == nil {
			b.Fatalf("%s: %s", result.Verdict, result.Reason)
		}
		if underLoad {
			if len(result.Workloads) != 1 || result.Workloads[0].Failed == 0 {
				b.Fatalf("the workload did not see the outage: %+v", result.Workloads)
			}
			attempts, skipped = attempts+result.Workloads[0].Attempts, skipped+result.Workloads[0].Skipped
		}
		mu.Lock()
		truth := healthyAt.Sub(result.ClockStart)
		mu.Unlock()
		errors = append(errors, *result.RTO-truth)
	}
	var sum time.Duration
	for _, e := range errors {
		sum += e
	}
	b.ReportMetric(float64(sum.Microseconds())/float64(len(errors))/1000, "mean-error-ms")
	b.ReportMetric(float64(slices.Max(errors).Microseconds())/1000, "max-error-ms")
	b.ReportMetric(float64(slices.Min(errors).Microseconds())/1000, "min-error-ms")
	if underLoad {
		// Slots skipped because every worker was busy: the workload kept
		// its rate when they are few.
		b.ReportMetric(float64(attempts)/float64(len(errors)), "workload-attempts/drill")
		b.ReportMetric(float64(skipped)/float64(len(errors)), "workload-skipped/drill")
	}
}

// BenchmarkRunTrueCommand is the whole `redrill run` process for a drill
// of one step running `true`, with an SQLite store. Target: under 100 ms.
func BenchmarkRunTrueCommand(b *testing.B) {
	dir := b.TempDir()
	binary := filepath.Join(b.TempDir(), "redrill")
	if out, err := exec.Command("go", "build", "-o", binary, "../cmd/redrill").CombinedOutput(); err != nil {
		b.Fatalf("build: %v\n%s", err, out)
	}
	path := filepath.Join(dir, "true.hcl")
	src := "scenario \"true\" {\n  recover {\n    step \"true\" {\n      command { run = [\"true\"] }\n    }\n  }\n}\n"
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		b.Fatal(err)
	}
	var walls []time.Duration
	for b.Loop() {
		started := time.Now()
		cmd := exec.Command(binary, "run", path, "--store", filepath.Join(dir, "h.db"))
		cmd.Env = append(os.Environ(), "XDG_STATE_HOME="+dir)
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("%v\n%s", err, out)
		}
		walls = append(walls, time.Since(started))
	}
	slices.Sort(walls)
	b.ReportMetric(float64(walls[len(walls)/2].Microseconds())/1000, "median-ms")
}

// BenchmarkLongStepDuration compares the recorded duration of a 2 s
// command step with its wall time around the run. Target: within 1%.
func BenchmarkLongStepDuration(b *testing.B) {
	src := "scenario \"sleep\" {\n  recover {\n    step \"sleep\" {\n      command { run = [\"sleep\", \"2\"] }\n    }\n  }\n}\n"
	set, diags := scenarios.LoadSources(map[string][]byte{"sleep.hcl": []byte(src)}, scenarios.Options{})
	if diags.HasErrors() {
		b.Fatal(diags.Error())
	}
	dir := b.TempDir()
	history, err := store.Open(context.Background(), filepath.Join(dir, "h.db"), store.Options{SpoolDir: dir})
	if err != nil {
		b.Fatal(err)
	}
	defer history.Close()
	worst := 0.0
	for b.Loop() {
		result := Run(context.Background(), set, set.Scenarios[0], Options{Store: history})
		recorded := result.Steps[0].Duration
		// The truth is the command's own 2 s; the recording adds process
		// start and exit.
		deviation := float64(recorded-2*time.Second) / float64(2*time.Second) * 100
		worst = max(worst, deviation)
	}
	b.ReportMetric(worst, "worst-deviation-%")
}
