package workload

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

// writes records what a test's attempts did, as the system would know it.
type writes struct {
	mu    sync.Mutex
	acked map[int64]time.Time
	fail  func(seq int64) bool
	// slow, when set, is how long the system takes to answer a write.
	slow func(seq int64) time.Duration
}

func (w *writes) attempt(_ context.Context, seq int64, _ time.Time) error {
	if w.slow != nil {
		time.Sleep(w.slow(seq))
	}
	if w.fail != nil && w.fail(seq) {
		return errors.New("connection refused")
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.acked[seq] = time.Now()
	return nil
}

func (w *writes) count() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.acked)
}

// waitFor polls until cond holds, failing the test after a deadline.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestCountsAttemptsAndLostWrites(t *testing.T) {
	// Write 42 takes the system 100 ms: the clock starts in that gap, far
	// from either acknowledgement however late this busy machine records
	// them.
	system := &writes{acked: map[int64]time.Time{}, fail: func(seq int64) bool { return seq%10 == 0 },
		slow: func(seq int64) time.Duration {
			if seq == 42 {
				return 100 * time.Millisecond
			}
			return 0
		}}
	w := Start(context.Background(), Options{Name: "writer", Kind: "sql", Rate: 200, Concurrency: 1}, system.attempt)
	waitFor(t, "90 acknowledged writes", func() bool { return system.count() >= 90 })
	stats := w.Stop()

	if stats.Attempts != stats.Succeeded+stats.Failed || stats.Failed != stats.Attempts/10 {
		t.Errorf("attempts %d = succeeded %d + failed %d, want every tenth failed", stats.Attempts, stats.Succeeded, stats.Failed)
	}
	if stats.Succeeded != int64(system.count()) {
		t.Errorf("succeeded %d, the system acknowledged %d", stats.Succeeded, system.count())
	}
	if stats.LastError != "connection refused" || stats.LatencyP50 <= 0 || stats.LatencyP99 < stats.LatencyP50 {
		t.Errorf("last error %q, latency p50 %s p99 %s", stats.LastError, stats.LatencyP50, stats.LatencyP99)
	}

	// The system lost writes 31 to 47; the clock started between the
	// acknowledgements of 41 and 42, 100 ms apart.
	var survivors []Range
	for seq := range system.acked {
		if seq < 31 || seq > 47 {
			survivors = append(survivors, Range{seq, seq})
		}
	}
	found, err := NewRanges(survivors)
	if err != nil {
		t.Fatal(err)
	}
	clockStart := system.acked[41].Add(system.acked[42].Sub(system.acked[41]) / 2)
	got := w.Verify(found, clockStart, time.Now())

	if got.Acknowledged != int64(system.count()) {
		t.Errorf("acknowledged %d, want %d", got.Acknowledged, system.count())
	}
	// 31..47 holds 17 numbers, of which 40 failed: 16 acknowledged, lost;
	// 31..41 less 40 before the clock, 42..47 after.
	if got.Lost != 16 || got.LostBeforeClock != 10 || got.LostAfterClock != 6 {
		t.Errorf("lost %d (%d before the clock, %d after), want 16 (10, 6)", got.Lost, got.LostBeforeClock, got.LostAfterClock)
	}
	if got.FirstLost == nil || got.FirstLost.Seq != 31 || got.LastLost == nil || got.LastLost.Seq != 47 {
		t.Fatalf("first lost %+v, last lost %+v, want 31 and 47", got.FirstLost, got.LastLost)
	}
	if d := system.acked[47].Sub(got.LastLost.AckedAt); d < 0 || d > 5*time.Millisecond {
		t.Errorf("write 47 acknowledged at %s, the system saw it at %s", got.LastLost.AckedAt, system.acked[47])
	}
	if got.NewestSurvivor == nil || got.NewestSurvivor.Seq != 29 {
		t.Errorf("newest survivor before the clock %+v, want write 29 (30 failed)", got.NewestSurvivor)
	}
}

func TestNothingLostWhenEverythingSurvived(t *testing.T) {
	system := &writes{acked: map[int64]time.Time{}}
	// At 20 writes a second an outage is a stall of more than 110 ms (two
	// intervals and 10 ms): more than a loaded test machine causes.
	w := Start(context.Background(), Options{Rate: 20, Concurrency: 4}, system.attempt)
	waitFor(t, "20 writes", func() bool { return system.count() >= 20 })
	stats := w.Stop()
	found, _ := NewRanges([]Range{{1, 1 << 40}})
	got := w.Verify(found, time.Now(), time.Now())
	if got.Lost != 0 || got.FirstLost != nil || got.Acknowledged != stats.Succeeded {
		t.Errorf("verified %+v after %d acknowledged writes, want none lost", got, stats.Succeeded)
	}
	if stats.LongestOutage != 0 || !stats.OutageStart.IsZero() {
		t.Errorf("longest outage %s from %s with no failure", stats.LongestOutage, stats.OutageStart)
	}
}

func TestLongestOutageIsTheTimeWithoutSuccess(t *testing.T) {
	var mu sync.Mutex
	var down bool
	system := &writes{acked: map[int64]time.Time{}, fail: func(int64) bool { mu.Lock(); defer mu.Unlock(); return down }}
	w := Start(context.Background(), Options{Rate: 100, Concurrency: 2}, system.attempt)
	waitFor(t, "the first writes", func() bool { return system.count() >= 5 })
	mu.Lock()
	down = true
	mu.Unlock()
	downAt := time.Now()
	waitFor(t, "a failure seen", func() bool { return w.Progress().Failed > 0 })
	waitFor(t, "300 ms down", func() bool { return time.Since(downAt) >= 300*time.Millisecond })
	if current := w.Progress().CurrentOutage; current < 300*time.Millisecond {
		t.Errorf("current outage %s while down for 300 ms", current)
	}
	mu.Lock()
	down = false
	mu.Unlock()
	upAt := time.Now()
	before := system.count()
	waitFor(t, "writes again", func() bool { return system.count() > before+5 })
	stats := w.Stop()
	truth := upAt.Sub(downAt)
	// Loose bounds: the exact accuracy is a benchmark's (docs/performance.md).
	if stats.LongestOutage < truth-20*time.Millisecond || stats.LongestOutage > truth+time.Second {
		t.Errorf("longest outage %s, the system was down %s", stats.LongestOutage, truth)
	}
	if stats.OutageStart.After(downAt) || stats.OutageEnd.Before(upAt) {
		t.Errorf("outage from %s to %s, the system was down from %s to %s", stats.OutageStart, stats.OutageEnd, downAt, upAt)
	}
	if w.Progress().CurrentOutage != 0 {
		t.Error("a stopped workload reports a current outage")
	}
}

func TestAnOutageGoingOnEndsWithTheWorkload(t *testing.T) {
	system := &writes{acked: map[int64]time.Time{}, fail: func(seq int64) bool { return seq > 3 }}
	w := Start(context.Background(), Options{Rate: 200, Concurrency: 1}, system.attempt)
	waitFor(t, "failures", func() bool { return w.Progress().Failed >= 5 })
	stats := w.Stop()
	if stats.LongestOutage <= 0 || stats.OutageEnd.IsZero() {
		t.Errorf("longest outage %s to %s, want one lasting until the stop", stats.LongestOutage, stats.OutageEnd)
	}
}

func TestBusyWorkersSkipSlotsInsteadOfBursting(t *testing.T) {
	release := make(chan struct{})
	var started sync.WaitGroup
	started.Add(1)
	var once sync.Once
	w := Start(context.Background(), Options{Rate: 1000, Concurrency: 1}, func(ctx context.Context, seq int64, _ time.Time) error {
		if seq == 1 {
			once.Do(started.Done)
			select {
			case <-release:
			case <-ctx.Done():
			}
		}
		return nil
	})
	started.Wait()
	time.Sleep(100 * time.Millisecond) // the hang the workload must see: a duration, not a wait for an event
	close(release)
	waitFor(t, "attempts after the hang", func() bool { return w.Progress().Attempts >= 3 })
	stats := w.Stop()
	if stats.Skipped < 50 {
		t.Errorf("skipped %d slots during a 100 ms hang at 1,000 a second", stats.Skipped)
	}
	if stats.LongestOutage < 90*time.Millisecond {
		t.Errorf("longest outage %s during a 100 ms hang", stats.LongestOutage)
	}
}

func TestRanges(t *testing.T) {
	tests := []struct {
		given []Range
		want  Ranges
		len   int64
	}{
		{nil, Ranges{}, 0},
		{[]Range{{5, 5}, {1, 3}, {4, 4}}, Ranges{{1, 5}}, 5},
		{[]Range{{10, 20}, {1, 2}, {15, 30}}, Ranges{{1, 2}, {10, 30}}, 23},
	}
	for _, tt := range tests {
		got, err := NewRanges(tt.given)
		if err != nil || len(got) != len(tt.want) || got.Len() != tt.len {
			t.Errorf("NewRanges(%v) = %v (%v), want %v", tt.given, got, err, tt.want)
			continue
		}
		for i := range got {
			if got[i] != tt.want[i] {
				t.Errorf("NewRanges(%v) = %v, want %v", tt.given, got, tt.want)
			}
		}
	}
	if _, err := NewRanges([]Range{{3, 1}}); err == nil {
		t.Error("a range ending before it starts was accepted")
	}
}

func TestLatencyQuantiles(t *testing.T) {
	l := newLatencies()
	for i := 1; i <= 1000; i++ {
		l.add(time.Duration(i) * time.Millisecond)
	}
	for _, tt := range []struct {
		q    float64
		want time.Duration
	}{{0.5, 500 * time.Millisecond}, {0.99, 990 * time.Millisecond}} {
		got := l.quantile(tt.q)
		if diff := float64(got-tt.want) / float64(tt.want); diff < -0.02 || diff > 0.02 {
			t.Errorf("quantile(%v) = %s, want %s within 2%%", tt.q, got, tt.want)
		}
	}
}
