package runner

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redrill/redrill/internal/pgtest"
	"github.com/redrill/redrill/scenarios"
	"github.com/redrill/redrill/store"
)

// BenchmarkClaimContended measures what the claim path adds to the start
// of a scheduled drill with 10 runners competing, on the local PostgreSQL:
// 10 schedulers, each with its own store (store.Open, its own connection
// pool) on one database, claim the same ticks at the same moment, as
// runners sharing a store do at each cron minute. Target (issue "Runners
// where the systems are"): under 10 ms at the 95th percentile.
//
//	go test ./runner -run='^$' -bench=ClaimContended -benchtime=2000x
//
// "ticks=1" is one scenario: each op is one tick that the 10 runners claim
// at once, one winner. "ticks=1000" is a cron minute of 1,000 scenarios:
// each op is a minute whose 1,000 ticks each runner claims at once, a
// goroutine a tick as gocron runs them (use -benchtime=5x); a claim's
// latency includes its wait for one of the store's connections.
//
// claim-* is the latency of every attempt (Scheduler.claim, the store's
// Claim: the spool's flush and the INSERT ... ON CONFLICT DO NOTHING);
// start-* is the winner's whole path to the drill's start (the claim, then
// the check that no other runner still runs the drill).
func BenchmarkClaimContended(b *testing.B) {
	const runners = 10
	for _, ticks := range []int{1, 1000} {
		b.Run(fmt.Sprintf("ticks=%d", ticks), func(b *testing.B) {
			target := pgtest.NewDatabase(b)
			set := claimBenchSet(b, ticks)
			schedulers := make([]*Scheduler, runners)
			for r := range schedulers {
				identity := Identity{Host: fmt.Sprintf("runner-%02d", r+1), PID: os.Getpid()}
				history, err := store.Open(context.Background(), target, store.Options{SpoolDir: b.TempDir(), Host: identity.Host})
				if err != nil {
					b.Fatal(err)
				}
				b.Cleanup(func() { history.Close() })
				// Not started: the benchmark calls the claim path itself.
				if schedulers[r], err = NewScheduler(set, SchedulerOptions{Store: history, Identity: identity}); err != nil {
					b.Fatal(err)
				}
			}

			var mu sync.Mutex
			var claims, starts []time.Duration
			minute := time.Date(2026, 11, 25, 3, 0, 0, 0, time.UTC)
			for b.Loop() {
				minute = minute.Add(time.Minute)
				won := make([]int, ticks)
				var wg sync.WaitGroup
				release := make(chan struct{})
				for _, s := range schedulers {
					for tick, sc := range set.Scenarios {
						wg.Go(func() {
							<-release
							began := time.Now()
							ok, err := s.claim(sc.Name, minute)
							claimed := time.Since(began)
							if err != nil {
								b.Error(err)
								return
							}
							if ok && s.runningElsewhere(sc.Name, minute) {
								b.Errorf("%s at %s: another runner still runs it", sc.Name, minute)
							}
							mu.Lock()
							defer mu.Unlock()
							claims = append(claims, claimed)
							if ok {
								won[tick]++
								starts = append(starts, time.Since(began))
							}
						})
					}
				}
				close(release)
				wg.Wait()
				for tick, n := range won {
					if n != 1 {
						b.Fatalf("tick %d of %s won by %d runners, want 1", tick, minute, n)
					}
				}
			}
			b.ReportMetric(float64(len(claims))/b.Elapsed().Seconds(), "claims/s")
			for _, p := range []struct {
				name string
				at   float64
			}{{"p50", 0.50}, {"p95", 0.95}, {"p99", 0.99}} {
				b.ReportMetric(percentileMS(claims, p.at), "claim-"+p.name+"-ms")
				b.ReportMetric(percentileMS(starts, p.at), "start-"+p.name+"-ms")
			}
		})
	}
}

// percentileMS is the nearest-rank percentile of durations, in ms.
func percentileMS(durations []time.Duration, at float64) float64 {
	if len(durations) == 0 {
		return 0
	}
	sorted := slices.Clone(durations)
	slices.Sort(sorted)
	rank := min(len(sorted)-1, int(at*float64(len(sorted))))
	return float64(sorted[rank]) / float64(time.Millisecond)
}

// claimBenchSet is n scenarios ticking every minute, with no runner block.
func claimBenchSet(b *testing.B, n int) *scenarios.Set {
	b.Helper()
	var src strings.Builder
	for i := range n {
		fmt.Fprintf(&src, `scenario "drill-%04d" {
  schedule {
    cron = "* * * * *"
  }
  recover {
    step "restore" {
      command { run = ["true"] }
    }
  }
}
`, i)
	}
	set, diags := scenarios.LoadSources(map[string][]byte{"claims.hcl": []byte(src.String())}, scenarios.Options{})
	if diags.HasErrors() {
		b.Fatal(diags.Error())
	}
	return set
}
