// Package workload runs a drill's workloads: attempts sent at a steady rate
// by a fixed number of workers, as the system's clients would send them,
// measuring what those clients see (failures, latency, the longest time
// nothing succeeded) and remembering each acknowledged write, so that
// after recovery the writes the system acknowledged and then lost can be
// counted.
package workload

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/redrill/redrill/store"
)

// Attempt sends one attempt with its sequence number (unique, from 1, in
// the order attempts start) and start time. A nil error means the system
// acknowledged it; ctx ends when the workload stops.
type Attempt func(ctx context.Context, seq int64, at time.Time) error

// Options describe a workload.
type Options struct {
	Name string
	Kind string
	// Rate is attempts per second, > 0.
	Rate float64
	// Concurrency is how many attempts may be in flight at once, ≥ 1.
	Concurrency int
	// Clock paces the attempts and times them; nil means the real clock.
	Clock clockwork.Clock
	// Redact hides secrets in the failures kept; nil keeps them as they are.
	Redact func(string) string
}

// Workload is a running workload.
type Workload struct {
	opts     Options
	clock    clockwork.Clock
	interval time.Duration
	attempt  Attempt
	started  time.Time
	acks     *acks
	seq      atomic.Int64

	cancel  context.CancelFunc
	done    sync.WaitGroup
	stopped sync.Once
	endedAt time.Time

	// mu guards what follows: every worker reports to it.
	mu          sync.Mutex
	stats       store.Workload
	latencies   *latencies
	lastSuccess time.Time
	// stalledAt is the due time of a slot waiting for a free worker, and
	// stallGap the interval without success that the first success after
	// it closed.
	stalledAt time.Time
	stallGap  [2]time.Time
	// failing says an attempt failed since lastSuccess; skipping that
	// slots were skipped since then (every worker busy).
	failing, skipping bool
}

// Start starts the workload's workers; they run until Stop or until ctx
// ends.
func Start(ctx context.Context, opts Options, attempt Attempt) *Workload {
	if opts.Clock == nil {
		opts.Clock = clockwork.NewRealClock()
	}
	if opts.Redact == nil {
		opts.Redact = func(s string) string { return s }
	}
	opts.Concurrency = max(opts.Concurrency, 1)
	w := &Workload{
		opts: opts, clock: opts.Clock, attempt: attempt,
		interval:  time.Duration(float64(time.Second) / opts.Rate),
		latencies: newLatencies(),
		stats:     store.Workload{Name: opts.Name, Kind: opts.Kind, Rate: opts.Rate, Concurrency: opts.Concurrency},
	}
	w.interval = max(w.interval, 1)
	w.started = w.clock.Now()
	w.lastSuccess = w.started
	w.acks = newAcks(w.started)
	ctx, w.cancel = context.WithCancel(ctx)
	slots := make(chan struct{})
	for range opts.Concurrency {
		w.done.Go(func() { w.work(ctx, slots) })
	}
	w.done.Go(func() {
		defer close(slots)
		w.pace(ctx, slots)
	})
	return w
}

// pace hands one slot to a free worker every interval. When every worker
// is busy it waits for one, and the slots that passed meanwhile are
// skipped, not sent in a burst once the system answers again.
func (w *Workload) pace(ctx context.Context, slots chan<- struct{}) {
	next := w.started
	for {
		if wait := next.Sub(w.clock.Now()); wait > 0 {
			timer := w.clock.NewTimer(wait)
			select {
			case <-ctx.Done():
				timer.Stop()
				return
			case <-timer.Chan():
			}
		}
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
			return
		default:
			w.stalled(next)
			select {
			case slots <- struct{}{}:
			case <-ctx.Done():
				return
			}
			missed := int64(w.clock.Now().Sub(next) / w.interval)
			w.unstalled(missed)
			next = next.Add(time.Duration(missed) * w.interval)
		}
		next = next.Add(w.interval)
	}
}

func (w *Workload) work(ctx context.Context, slots <-chan struct{}) {
	for range slots {
		seq := w.seq.Add(1)
		at := w.clock.Now()
		err := w.attempt(ctx, seq, at)
		if err != nil && ctx.Err() != nil {
			// Cut short by the end of the workload: not a failure of the
			// system. An answer that arrived is counted all the same.
			return
		}
		w.ended(seq, at, w.clock.Now(), err)
	}
}

func (w *Workload) ended(seq int64, started, ended time.Time, err error) {
	if err == nil {
		w.acks.set(seq, ended)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.stats.Attempts++
	w.latencies.add(ended.Sub(started))
	if err != nil {
		w.stats.Failed++
		w.stats.LastError = w.opts.Redact(err.Error())
		w.failing = true
		return
	}
	w.stats.Succeeded++
	if ended.Before(w.lastSuccess) {
		return // a slower attempt: a later one already succeeded
	}
	if w.failing {
		w.outage(w.lastSuccess, ended)
	} else if w.skipping {
		w.stallOutage(w.lastSuccess, ended)
	}
	if !w.stalledAt.IsZero() && w.stallGap[0].IsZero() {
		w.stallGap = [2]time.Time{w.lastSuccess, ended}
	}
	w.lastSuccess, w.failing, w.skipping = ended, false, false
}

// stalled says that a slot found every worker busy at due; pace waits for
// a free worker then.
func (w *Workload) stalled(due time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.stalledAt, w.stallGap = due, [2]time.Time{}
}

// unstalled says that a worker took the slot, after n slots were skipped.
// The attempt that held the worker may have succeeded by now, closing the
// interval without success that the skipped slots fell in: stallGap.
func (w *Workload) unstalled(n int64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if n > 0 {
		w.stats.Skipped += n
		if gap := w.stallGap; !gap[0].IsZero() {
			w.stallOutage(gap[0], gap[1])
		} else {
			w.skipping = true
		}
	}
	w.stalledAt, w.stallGap = time.Time{}, [2]time.Time{}
}

// stallOutage is an interval without success in which slots were skipped
// but nothing failed. It is an outage (a server that hangs) only when it
// is longer than what redrill's own scheduling can cause on a busy
// machine: the accuracy of the measure, two intervals plus 10 ms.
func (w *Workload) stallOutage(from, to time.Time) {
	if to.Sub(from) > 2*w.interval+10*time.Millisecond {
		w.outage(from, to)
	}
}

// outage keeps the longest interval without a success; w.mu is held.
func (w *Workload) outage(from, to time.Time) {
	if d := to.Sub(from); d > w.stats.LongestOutage {
		w.stats.LongestOutage, w.stats.OutageStart, w.stats.OutageEnd = d, from, to
	}
}

// Progress is what the workload measured so far, with the current outage.
func (w *Workload) Progress() store.Workload {
	w.mu.Lock()
	defer w.mu.Unlock()
	progress := w.measured()
	if (w.failing || w.skipping) && w.endedAt.IsZero() {
		progress.CurrentOutage = w.clock.Now().Sub(w.lastSuccess)
	}
	return progress
}

// measured is the stats with their quantiles; w.mu is held.
func (w *Workload) measured() store.Workload {
	stats := w.stats
	stats.LatencyP50 = w.latencies.quantile(0.50)
	stats.LatencyP99 = w.latencies.quantile(0.99)
	return stats
}

// Stop stops the workload and waits for its workers; attempts in flight
// are cancelled and not counted. An outage still going on ends with the
// workload. Stop may be called more than once.
func (w *Workload) Stop() store.Workload {
	w.stopped.Do(func() {
		w.cancel()
		w.done.Wait()
		w.mu.Lock()
		defer w.mu.Unlock()
		w.endedAt = w.clock.Now()
		if w.failing {
			w.outage(w.lastSuccess, w.endedAt)
		} else if w.skipping {
			w.stallOutage(w.lastSuccess, w.endedAt)
		}
	})
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.measured()
}

// Verify compares the writes acknowledged before before (when the verify
// query started: later ones it may not see) with survivors, the sequence
// numbers found after recovery. clockStart splits the lost writes into
// those acknowledged before and after the recovery clock started.
func (w *Workload) Verify(survivors Ranges, clockStart, before time.Time) store.LostWrites {
	var lost store.LostWrites
	found := &cursor{ranges: survivors}
	w.acks.each(w.seq.Load(), func(seq int64, ackedAt time.Time, acked bool) {
		if !acked || !ackedAt.Before(before) {
			return
		}
		lost.Acknowledged++
		survived := found.contains(seq)
		beforeClock := clockStart.IsZero() || ackedAt.Before(clockStart)
		switch {
		case survived && beforeClock:
			if lost.NewestSurvivor == nil || ackedAt.After(lost.NewestSurvivor.AckedAt) {
				lost.NewestSurvivor = &store.Write{Seq: seq, AckedAt: ackedAt}
			}
		case survived:
		default:
			lost.Lost++
			if beforeClock {
				lost.LostBeforeClock++
			} else {
				lost.LostAfterClock++
			}
			write := &store.Write{Seq: seq, AckedAt: ackedAt}
			if lost.FirstLost == nil {
				lost.FirstLost = write
			}
			lost.LastLost = write
		}
	})
	return lost
}

// Started is when the workload started.
func (w *Workload) Started() time.Time { return w.started }
