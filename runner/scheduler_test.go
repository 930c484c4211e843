package runner

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/redrill/redrill/scenarios"
	"github.com/redrill/redrill/store"
)

// Scheduled drills run at their ticks on a fake clock, and two schedulers
// sharing one store run each tick once.
func TestSchedulerRunsEachTickOnce(t *testing.T) {
	src := `scenario "every-minute" {
		schedule {
			cron = "* * * * *"
		}
		recover {
			step "restore" {
				command { run = ["true"] }
			}
		}
	}`
	set, diags := scenarios.LoadSources(map[string][]byte{"s.hcl": []byte(src)}, scenarios.Options{})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	dir := t.TempDir()
	history, err := store.Open(context.Background(), filepath.Join(dir, "h.db"), store.Options{SpoolDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer history.Close()

	clock := clockwork.NewFakeClockAt(time.Date(2026, 11, 25, 3, 0, 30, 0, time.UTC))
	var schedulers []*Scheduler
	for _, owner := range []string{"runner-a", "runner-b"} {
		s, err := NewScheduler(set, SchedulerOptions{Store: history, Clock: clock, Owner: owner})
		if err != nil {
			t.Fatal(err)
		}
		s.Start()
		schedulers = append(schedulers, s)
	}
	defer func() {
		for _, s := range schedulers {
			_ = s.Shutdown(context.Background())
		}
	}()
	if next := schedulers[0].Jobs()["every-minute"]; !next.Equal(time.Date(2026, 11, 25, 3, 1, 0, 0, time.UTC)) {
		t.Errorf("next run %s, want 03:01:00", next)
	}

	for tick := 1; tick <= 3; tick++ {
		// Both schedulers wait on the clock before it moves on.
		if err := clock.BlockUntilContext(context.Background(), 2); err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Minute)
		deadline := time.Now().Add(10 * time.Second)
		for {
			runs, err := history.Runs(context.Background(), store.RunQuery{})
			if err != nil {
				t.Fatal(err)
			}
			finished := 0
			for _, r := range runs {
				if r.Status == store.StatusFinished {
					finished++
				}
			}
			if finished >= tick {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("tick %d: %d runs finished", tick, finished)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	runs, _ := history.Runs(context.Background(), store.RunQuery{})
	if len(runs) != 3 {
		t.Errorf("%d runs for 3 ticks on 2 schedulers, want 3", len(runs))
	}
	for _, r := range runs {
		if r.Trigger != store.TriggerSchedule || r.Verdict != store.VerdictMet {
			t.Errorf("run %+v", r)
		}
	}
}
