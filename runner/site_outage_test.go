package runner

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redrill/redrill/store"
)

// One site loses the store: its runner (EU, through a proxy that stops
// answering) can neither claim nor heartbeat, while the US runner reaches
// PostgreSQL directly. The EU drill's ticks are then recorded not_run by
// the US runner, once each: first as ticks no runner took (EU still
// listed up), then as ticks no live runner has the labels for (EU gone).
// Once the store answers EU again, it runs its drill again. No tick is
// recorded twice, and none after the EU run last seen alive is lost.
func TestOneSiteLosesTheStore(t *testing.T) {
	if testing.Short() {
		t.Skip("takes about a minute")
	}
	direct, viaProxy, proxy := proxiedDatabase(t)
	set := scheduledSet(t, `scenario "eu-restore" {
		runner {
			labels = { site = "eu-west" }
		}
		schedule {
			cron = "* * * * * *"
		}
		recover {
			step "restore" {
				command { run = ["true"] }
			}
		}
	}`)
	logs := &tickLog{}
	for _, site := range []struct {
		name, dsn string
		labels    map[string]string
	}{
		{"eu-1", viaProxy, map[string]string{"site": "eu-west"}},
		{"us-1", direct, map[string]string{"site": "us-east"}},
	} {
		history, err := store.Open(context.Background(), site.dsn, store.Options{
			SpoolDir: filepath.Join(t.TempDir(), "spool"), Host: site.name, PID: os.Getpid(), WriteTimeout: time.Second,
		})
		if err != nil {
			t.Fatal(err)
		}
		identity := Identity{Host: site.name, PID: os.Getpid()}
		logger := slog.New(logs.handler(site.name))
		presence := startPresence(ServeOptions{Store: history, Identity: identity, Labels: site.labels, Logger: logger})
		scheduler, err := NewScheduler(set, SchedulerOptions{Store: history, Identity: identity, Labels: site.labels, Logger: logger,
			unclaimedAfter: 2 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		scheduler.Start()
		t.Cleanup(func() { _ = scheduler.Shutdown(context.Background()); presence.stop(); history.Close() })
	}
	reader, err := store.Open(context.Background(), direct, store.Options{SpoolDir: filepath.Join(t.TempDir(), "spool"), Host: "reader"})
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close()
	runs := func() []store.Run {
		t.Helper()
		all, err := reader.Runs(context.Background(), store.RunQuery{Scenario: "eu-restore"})
		if err != nil {
			t.Fatal(err)
		}
		return all
	}
	until := func(what string, within time.Duration, done func([]store.Run) bool) {
		t.Helper()
		deadline := time.Now().Add(within)
		for !done(runs()) {
			if time.Now().After(deadline) {
				t.Fatalf("%s: not within %s", what, within)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	count := func(all []store.Run, match func(store.Run) bool) int {
		n := 0
		for _, run := range all {
			if match(run) {
				n++
			}
		}
		return n
	}

	until("the EU runner runs its drill", 20*time.Second, func(all []store.Run) bool {
		return count(all, func(r store.Run) bool { return r.Verdict == store.VerdictMet && r.Host == "eu-1" }) >= 2
	})
	frozeAt := time.Now()
	proxy.freeze()
	// EU is listed up for 15 s more: those ticks are ones no runner took.
	until("a tick no runner took is recorded not_run", 30*time.Second, func(all []store.Run) bool {
		return count(all, func(r store.Run) bool { return strings.Contains(r.Reason, "no runner took the tick") }) > 0
	})
	// Then EU is gone: its ticks have no live runner.
	until("a tick no live runner has the labels for is recorded not_run", 40*time.Second, func(all []store.Run) bool {
		return count(all, func(r store.Run) bool {
			return strings.Contains(r.Reason, "no live runner with labels site=eu-west") && r.StartedAt.After(frozeAt)
		}) >= 5
	})
	thawedAt := time.Now()
	proxy.thaw()
	until("the EU runner runs its drill again", 30*time.Second, func(all []store.Run) bool {
		return count(all, func(r store.Run) bool {
			return r.Verdict == store.VerdictMet && r.Host == "eu-1" && r.StartedAt.After(thawedAt)
		}) >= 1
	})

	all := runs()
	ticks := map[time.Time]int{}
	var last store.Run // EU's last run started before the outage
	for _, run := range all {
		ticks[run.ScheduledAt]++
		if run.Host == "eu-1" && !run.StartedAt.After(frozeAt) && run.ScheduledAt.After(last.ScheduledAt) {
			last = run
		}
	}
	for tick, n := range ticks {
		if n > 1 {
			t.Errorf("tick %s recorded %d times", tick.Format(time.TimeOnly), n)
		}
	}
	// Every tick from the one after EU's last run to two seconds before
	// the thaw is in the record. A run still under way at the freeze
	// looks alive for store.StaleAfter, and its drill's ticks are skipped
	// meanwhile, as the drill may still run: those are not checked.
	from := last.ScheduledAt.Add(2 * time.Second)
	if last.EndedAt.IsZero() || last.EndedAt.After(frozeAt) {
		from = last.ScheduledAt.Add(store.StaleAfter + 2*time.Second)
	}
	missing, checked := 0, 0
	for tick := from; tick.Before(thawedAt.Add(-2 * time.Second)); tick = tick.Add(time.Second) {
		checked++
		if ticks[tick] == 0 {
			missing++
			t.Errorf("tick %s of the outage is in no record", tick.Format(time.TimeOnly))
		}
	}
	notRun := count(all, func(r store.Run) bool { return r.Verdict == store.VerdictNotRun })
	t.Logf("outage of %s: %d runs, %d not_run (%d no runner took, %d no live runner), %d ticks checked from %s, %d missing; %d records the store refused",
		thawedAt.Sub(frozeAt).Round(time.Second), len(all), notRun,
		count(all, func(r store.Run) bool { return strings.Contains(r.Reason, "no runner took the tick") }),
		count(all, func(r store.Run) bool { return strings.Contains(r.Reason, "no live runner with labels") }),
		checked, from.Format(time.TimeOnly), missing, logs.count("tick not recorded not_run", frozeAt, time.Now()))
}
