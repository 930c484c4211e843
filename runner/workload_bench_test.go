//go:build unix

package runner

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/redrill/redrill/checks"
	"github.com/redrill/redrill/internal/pgtest"
	"github.com/redrill/redrill/scenarios"
	"github.com/redrill/redrill/store"
)

// insertWindow is how long each side of BenchmarkWorkloadInsertRate
// inserts.
const insertWindow = 3 * time.Second

const insertStatement = "INSERT INTO writes (seq, at) VALUES ($1, $2)"

// BenchmarkWorkloadInsertRate compares a workload of INSERTs against the
// local PostgreSQL with a bare Go loop running the same statement with the
// same arguments, the same pool settings and the same number of workers,
// one after the other in each iteration. Target: the workload reaches at
// least 90% of the bare loop's rate, at 1,000 attempts a second and at the
// highest rate either reaches (rate=max: the workload at the highest rate
// the language accepts, the bare loop unpaced).
//
// The workload's rate is its succeeded attempts over the drill's clock
// (a recover step sleeping insertWindow, the workload running around it);
// the bare loop's is its succeeded inserts over the same window. Each side
// also reports this process's CPU time (user and system) per succeeded
// attempt: the client's cost, which on a shared machine varies less than
// the rate. The figures are means over the iterations; run at least 2 so
// that each side runs first once.
func BenchmarkWorkloadInsertRate(b *testing.B) {
	dsn := pgtest.NewDatabase(b)
	db, err := sqlx.Open("postgres", dsn)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec("CREATE TABLE writes (seq bigint PRIMARY KEY, at timestamptz)"); err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	history, err := store.Open(context.Background(), filepath.Join(dir, "h.db"), store.Options{SpoolDir: dir})
	if err != nil {
		b.Fatal(err)
	}
	defer history.Close()

	for _, concurrency := range []int{4, 16} {
		for _, rate := range []struct {
			name string
			rate float64 // attempts a second; 0 leaves the bare loop unpaced
		}{{"rate=1000", 1000}, {"rate=max", 0}} {
			b.Run(fmt.Sprintf("concurrency=%d/%s", concurrency, rate.name), func(b *testing.B) {
				var workloadRates, bareRates, workloadCPU, bareCPU []float64
				for b.Loop() {
					// Each side runs first in turn, so that a machine
					// getting busier favours neither.
					sides := []func(){
						func() {
							truncate(b, db)
							cpu := processCPU()
							perSecond, succeeded := workloadInsertRate(b, history, dsn, rate.rate, concurrency)
							workloadCPU = append(workloadCPU, float64((processCPU()-cpu).Microseconds())/float64(succeeded))
							checkRows(b, db, succeeded, concurrency)
							workloadRates = append(workloadRates, perSecond)
						},
						func() {
							truncate(b, db)
							cpu := processCPU()
							perSecond, succeeded := bareInsertRate(b, dsn, rate.rate, concurrency)
							bareCPU = append(bareCPU, float64((processCPU()-cpu).Microseconds())/float64(succeeded))
							checkRows(b, db, succeeded, concurrency)
							bareRates = append(bareRates, perSecond)
						},
					}
					if len(workloadRates)%2 == 1 {
						slices.Reverse(sides)
					}
					for _, side := range sides {
						side()
					}
				}
				workload, bare := mean(workloadRates), mean(bareRates)
				b.ReportMetric(workload, "redrill-attempts/s")
				b.ReportMetric(bare, "bare-attempts/s")
				b.ReportMetric(workload/bare*100, "redrill/bare-%")
				b.ReportMetric(mean(workloadCPU), "redrill-cpu-µs/attempt")
				b.ReportMetric(mean(bareCPU), "bare-cpu-µs/attempt")
			})
		}
	}
}

// BenchmarkWorkloadAttempt is one attempt of the INSERT workload of
// BenchmarkWorkloadInsertRate, one after another on one connection, next to
// the bare insert: the difference in time, memory and allocations is the
// cost of redrill's per-attempt path (decoding the attempt, the sql kind,
// its result, redaction). Time is mostly the server's; this process's CPU
// time per attempt and the allocations are the client's.
func BenchmarkWorkloadAttempt(b *testing.B) {
	dsn := pgtest.NewDatabase(b)
	db, err := sqlx.Open("postgres", dsn)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	if _, err := db.Exec("CREATE TABLE writes (seq bigint PRIMARY KEY, at timestamptz)"); err != nil {
		b.Fatal(err)
	}
	src := fmt.Sprintf(`scenario "attempt" {
  recover {
    step "window" {
      command { run = ["true"] }
    }
  }
  workload "writes" {
    rate = 1000
    sql {
      dsn   = %q
      query = %q
      args  = [workload.seq, workload.at]
    }
  }
}`, dsn, insertStatement)
	set, diags := scenarios.LoadSources(map[string][]byte{"attempt.hcl": []byte(src)}, scenarios.Options{})
	if diags.HasErrors() {
		b.Fatal(diags.Error())
	}
	spec := set.Scenarios[0].Workloads[0]
	var seq int64
	b.Run("redrill", func(b *testing.B) {
		truncate(b, db)
		env := checks.NewEnv(checks.Deps{Connections: 1})
		defer env.Close()
		attempt := (&run{set: set}).attempt(spec, env, scenarios.Results{})
		b.ReportAllocs()
		cpu := processCPU()
		for b.Loop() {
			seq++
			if err := attempt(context.Background(), seq, time.Now()); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64((processCPU()-cpu).Microseconds())/float64(b.N), "cpu-µs/op")
	})
	b.Run("bare", func(b *testing.B) {
		truncate(b, db)
		b.ReportAllocs()
		cpu := processCPU()
		for b.Loop() {
			seq++
			if _, err := db.ExecContext(context.Background(), insertStatement, seq, time.Now().UTC().Format(time.RFC3339Nano)); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64((processCPU()-cpu).Microseconds())/float64(b.N), "cpu-µs/op")
	})
}

// workloadInsertRate runs a drill whose workload inserts during a recover
// step sleeping insertWindow.
func workloadInsertRate(b *testing.B, history store.Store, dsn string, rate float64, concurrency int) (perSecond float64, succeeded int64) {
	b.Helper()
	if rate == 0 {
		rate = 1_000_000 // the most the language accepts
	}
	src := fmt.Sprintf(`scenario "insert-rate" {
  recover {
    step "window" {
      command { run = ["sleep", "%g"] }
    }
  }
  workload "writes" {
    rate        = %g
    concurrency = %d
    sql {
      dsn   = %q
      query = %q
      args  = [workload.seq, workload.at]
    }
  }
}`, insertWindow.Seconds(), rate, concurrency, dsn, insertStatement)
	set, diags := scenarios.LoadSources(map[string][]byte{"insert-rate.hcl": []byte(src)}, scenarios.Options{})
	if diags.HasErrors() {
		b.Fatal(diags.Error())
	}
	result := Run(context.Background(), set, set.Scenarios[0], Options{Store: history})
	if result.Verdict != store.VerdictMet || result.RTO == nil || len(result.Workloads) != 1 {
		b.Fatalf("%s: %s", result.Verdict, result.Reason)
	}
	w := result.Workloads[0]
	if w.Failed > 0 {
		b.Fatalf("%d of %d attempts failed: %s", w.Failed, w.Attempts, w.LastError)
	}
	return float64(w.Succeeded) / result.RTO.Seconds(), w.Succeeded
}

// bareInsertRate runs the workload's statement from concurrency
// goroutines on a pool of as many connections, kept idle, for
// insertWindow: paced at rate as a workload is, or as fast as they go when
// rate is 0.
func bareInsertRate(b *testing.B, dsn string, rate float64, concurrency int) (perSecond float64, succeeded int64) {
	b.Helper()
	db, err := sqlx.Open("postgres", dsn)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(concurrency)
	db.SetMaxIdleConns(concurrency)
	db.SetConnMaxIdleTime(time.Minute)

	ctx, cancel := context.WithTimeout(context.Background(), insertWindow)
	defer cancel()
	var slots chan struct{}
	var workers sync.WaitGroup
	if rate > 0 {
		slots = make(chan struct{})
		workers.Go(func() { paceSlots(ctx, slots, time.Duration(float64(time.Second)/rate)) })
	}
	var seq, ok, failed atomic.Int64
	var lastErr atomic.Value
	started := time.Now()
	for range concurrency {
		workers.Go(func() {
			for ctx.Err() == nil {
				if slots != nil {
					select {
					case <-ctx.Done():
						return
					case <-slots:
					}
				}
				n := seq.Add(1)
				at := time.Now().UTC().Format(time.RFC3339Nano)
				_, err := db.ExecContext(ctx, insertStatement, n, at)
				switch {
				case ctx.Err() != nil: // cut short by the end of the window
				case err != nil:
					failed.Add(1)
					lastErr.Store(err)
				default:
					ok.Add(1)
				}
			}
		})
	}
	workers.Wait()
	elapsed := time.Since(started)
	if failed.Load() > 0 {
		b.Fatalf("%d bare inserts failed: %v", failed.Load(), lastErr.Load())
	}
	return float64(ok.Load()) / elapsed.Seconds(), ok.Load()
}

// paceSlots hands a slot to a free worker every interval, by the rule of
// the workload's pacer: on a fixed schedule, and when every worker is
// busy it waits for one and skips the slots that passed meanwhile.
func paceSlots(ctx context.Context, slots chan<- struct{}, interval time.Duration) {
	next := time.Now()
	for {
		if wait := time.Until(next); wait > 0 {
			select {
			case <-ctx.Done():
				return
			case <-time.After(wait):
			}
		}
		select {
		case slots <- struct{}{}:
			next = next.Add(interval)
			continue
		default:
		}
		select {
		case <-ctx.Done():
			return
		case slots <- struct{}{}:
		}
		next = next.Add((time.Since(next)/interval + 1) * interval)
	}
}

func truncate(b *testing.B, db *sqlx.DB) {
	b.Helper()
	if _, err := db.Exec("TRUNCATE writes"); err != nil {
		b.Fatal(err)
	}
}

// checkRows makes sure the inserts counted as succeeded are in the table;
// an insert cut short at the end of the window may have landed too.
func checkRows(b *testing.B, db *sqlx.DB, succeeded int64, concurrency int) {
	b.Helper()
	var rows int64
	if err := db.Get(&rows, "SELECT count(*) FROM writes"); err != nil {
		b.Fatal(err)
	}
	if rows < succeeded || rows > succeeded+int64(concurrency) {
		b.Fatalf("%d rows in the table, %d inserts succeeded", rows, succeeded)
	}
}

// processCPU is the CPU time this process has used, user and system.
func processCPU() time.Duration {
	var usage syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &usage); err != nil {
		return 0
	}
	return time.Duration(usage.Utime.Nano() + usage.Stime.Nano())
}

func mean(values []float64) float64 {
	sum := 0.0
	for _, v := range values {
		sum += v
	}
	return sum / float64(len(values))
}
