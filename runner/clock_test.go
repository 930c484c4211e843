package runner

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/redrill/redrill/store"
)

// With the clock an input, the measured recovery time is exact: the
// system comes back in the third round of a poll every 10 s, so the RTO is
// 20 s to the nanosecond, whatever the load of the machine.
func TestRecoveryTimeOnAFakeClockIsExact(t *testing.T) {
	start := time.Date(2026, 12, 1, 3, 0, 0, 0, time.UTC)
	clock := clockwork.NewFakeClockAt(start)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	system := t.TempDir()
	up := filepath.Join(system, "up")

	done := make(chan Result, 1)
	go func() {
		result, _, _ := drill(t, ctx, strings.ReplaceAll(`scenario "exact" {
			objective {
				rto = "30s"
			}
			recover {
				step "restore" {
					command { run = ["true"] }
				}
			}
			recovered_when {
				every   = "10s"
				timeout = "5m"
				check "up" {
					command { run = ["test", "-f", "{{up}}"] }
				}
			}
		}`, "{{up}}", up), func(o *Options) { o.Clock = clock })
		done <- result
	}()

	// Each round waits on its timer, beside the heartbeat's ticker; the
	// system is up before the third round.
	for round := 1; round <= 2; round++ {
		if err := clock.BlockUntilContext(ctx, 2); err != nil {
			t.Fatalf("round %d never waited for the next: %v", round, err)
		}
		if round == 2 {
			if err := os.WriteFile(up, nil, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		clock.Advance(10 * time.Second)
	}
	var r Result
	select {
	case r = <-done:
	case <-ctx.Done():
		t.Fatal("the drill did not end")
	}
	if r.Verdict != store.VerdictMet {
		t.Fatalf("verdict %s (%s), want met", r.Verdict, r.Reason)
	}
	if !r.StartedAt.Equal(start) || !r.ClockStart.Equal(start) {
		t.Errorf("started %s, clock started %s, want both at %s", r.StartedAt, r.ClockStart, start)
	}
	if r.RTO == nil || *r.RTO != 20*time.Second {
		t.Errorf("RTO %v, want exactly 20s", r.RTO)
	}
	if want := start.Add(20 * time.Second); !r.ClockStop.Equal(want) {
		t.Errorf("clock stopped at %s, want %s", r.ClockStop, want)
	}
}
