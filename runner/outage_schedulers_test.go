package runner

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redrill/redrill/store"
)

// tickLog records when each scheduler logged what, on the real clock.
type tickLog struct {
	mu      sync.Mutex
	entries []tickLogEntry
}

type tickLogEntry struct {
	at      time.Time
	replica string
	msg     string
}

func (l *tickLog) handler(replica string) slog.Handler {
	return &tickLogHandler{log: l, replica: replica}
}

// count is how many messages containing msg were logged in [from, to).
func (l *tickLog) count(msg string, from, to time.Time) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, e := range l.entries {
		if strings.Contains(e.msg, msg) && !e.at.Before(from) && e.at.Before(to) {
			n++
		}
	}
	return n
}

type tickLogHandler struct {
	log     *tickLog
	replica string
}

func (h *tickLogHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h *tickLogHandler) Handle(_ context.Context, r slog.Record) error {
	h.log.mu.Lock()
	h.log.entries = append(h.log.entries, tickLogEntry{at: time.Now(), replica: h.replica, msg: r.Message})
	h.log.mu.Unlock()
	return nil
}
func (h *tickLogHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *tickLogHandler) WithGroup(string) slog.Handler      { return h }

const skippedElsewhere = "tick skipped: the drill is still running on another runner"

// Two replicas share PostgreSQL through one proxy, with a drill every
// second, on the real clock. The store hangs for 3 s while a drill runs:
// once it answers again, every run it missed reaches it within moments,
// so the replicas do not keep skipping ticks for a drill that ended, no
// run is marked interrupted, and no tick runs on both. The figures are
// logged (go test -run TestOutageBetweenReplicas -v); REDRILL_OUTAGE_WATCH
// lengthens the watch after the outage (for example 40s, past
// store.StaleAfter).
func TestOutageBetweenReplicas(t *testing.T) {
	if testing.Short() {
		t.Skip("takes about 15 s")
	}
	direct, viaProxy, proxy := proxiedDatabase(t)
	watch := 8 * time.Second
	if env := os.Getenv("REDRILL_OUTAGE_WATCH"); env != "" {
		var err error
		if watch, err = time.ParseDuration(env); err != nil {
			t.Fatal(err)
		}
	}

	set := scheduledSet(t, `scenario "every-second" {
		schedule {
			cron = "* * * * * *"
		}
		recover {
			step "restore" {
				command { run = ["sleep", "0.3"] }
			}
		}
	}`)
	logs := &tickLog{}
	var frozeAt time.Time // set before frozen is closed
	frozen := make(chan struct{})
	var freezeOnce sync.Once
	warmedUp := time.Now().Add(3 * time.Second)
	observe := func(e store.Event) {
		// The outage starts while a drill runs, after a few ticks.
		if e.Type == store.EventClockStart && time.Now().After(warmedUp) {
			freezeOnce.Do(func() { proxy.freeze(); frozeAt = time.Now(); close(frozen) })
		}
	}
	for _, replica := range []string{"replica-a", "replica-b"} {
		history, err := store.Open(context.Background(), viaProxy, store.Options{
			SpoolDir: filepath.Join(t.TempDir(), "spool"), Host: replica, PID: os.Getpid(), WriteTimeout: time.Second,
		})
		if err != nil {
			t.Fatal(err)
		}
		scheduler, err := NewScheduler(set, SchedulerOptions{Store: history, Identity: Identity{Host: replica, PID: os.Getpid()},
			Logger: slog.New(logs.handler(replica)), Observe: observe})
		if err != nil {
			t.Fatal(err)
		}
		scheduler.Start()
		t.Cleanup(func() { _ = scheduler.Shutdown(context.Background()); history.Close() })
	}

	reader, err := store.Open(context.Background(), direct, store.Options{SpoolDir: filepath.Join(t.TempDir(), "spool"), Host: "reader"})
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close()
	// Runs seen interrupted at some point, to catch one that flips back.
	seenInterrupted := map[string]bool{}
	stopSampling := make(chan struct{})
	var sampling sync.WaitGroup
	sampling.Go(func() {
		for {
			select {
			case <-stopSampling:
				return
			case <-time.After(200 * time.Millisecond):
			}
			runs, err := reader.Runs(context.Background(), store.RunQuery{Scenario: "every-second"})
			if err != nil {
				continue
			}
			for _, run := range runs {
				if run.Verdict == store.VerdictInterrupted {
					seenInterrupted[run.ID] = true
				}
			}
		}
	})

	select {
	case <-frozen:
	case <-time.After(15 * time.Second):
		t.Fatal("no drill started within 15 s")
	}
	time.Sleep(3 * time.Second)
	thawedAt := time.Now()
	proxy.thaw()
	time.Sleep(watch)
	watchEnd := time.Now()
	close(stopSampling)
	sampling.Wait()

	runs, err := reader.Runs(context.Background(), store.RunQuery{Scenario: "every-second"})
	if err != nil {
		t.Fatal(err)
	}
	sort.Slice(runs, func(i, j int) bool { return runs[i].StartedAt.Before(runs[j].StartedAt) })
	ticks, overlaps, interrupted, flipped := map[time.Time]int{}, 0, 0, 0
	for i, run := range runs {
		ticks[run.ScheduledAt]++
		if run.Verdict == store.VerdictInterrupted {
			interrupted++
		} else if seenInterrupted[run.ID] {
			flipped++
			t.Errorf("run %s was interrupted, then %s", run.ID, run.Verdict)
		}
		if i > 0 && !runs[i-1].EndedAt.IsZero() && run.StartedAt.Before(runs[i-1].EndedAt) {
			overlaps++
			t.Errorf("run %s on %s started at %s, before run %s on %s ended at %s: the drill ran twice at once",
				run.ID, run.Host, run.StartedAt.Format(time.StampMilli), runs[i-1].ID, runs[i-1].Host, runs[i-1].EndedAt.Format(time.StampMilli))
		}
	}
	for tick, n := range ticks {
		if n > 1 {
			t.Errorf("tick %s ran %d times", tick.Format(time.TimeOnly), n)
		}
	}
	during := logs.count(skippedElsewhere, frozeAt, thawedAt)
	after := logs.count(skippedElsewhere, thawedAt, watchEnd)
	afterFirstSecond := logs.count(skippedElsewhere, thawedAt.Add(time.Second), watchEnd)
	aborted := 0
	for _, run := range runs {
		if run.Verdict == store.VerdictAborted {
			aborted++
		}
	}
	unclaimed := logs.count("cannot claim its tick", frozeAt, watchEnd)
	t.Logf("3 s outage: %d ticks skipped as still running elsewhere during it, %d in the %s after it (%d after its first second); %d not claimed (store away); %d runs, %d interrupted, %d flipped from interrupted, %d aborted, %d overlapping",
		during, after, watch, afterFirstSecond, unclaimed, len(runs), interrupted, flipped, aborted, overlaps)
	if afterFirstSecond > 0 {
		t.Errorf("%d ticks skipped as still running elsewhere more than a second after the store came back: the drill had ended", afterFirstSecond)
	}
	if interrupted > 0 {
		t.Errorf("%d runs marked interrupted, though every runner lived", interrupted)
	}
}
