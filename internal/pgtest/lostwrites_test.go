package pgtest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// What a drill measures as lost acknowledged writes: clients insert
// numbered rows, the server is crashed, and after the restart the rows
// whose insert had succeeded are counted.
func TestCrashLosesAcknowledgedWritesOnlyWhenCommitsAreAsynchronous(t *testing.T) {
	if testing.Short() {
		t.Skip("crashes four clusters after writing to them, about 20 s; not with -short")
	}
	t.Parallel()
	defaultWALWriter := map[string]string{"synchronous_commit": "off"}
	for _, tc := range []struct {
		name     string
		settings map[string]string
		quiet    time.Duration // between the last write and the crash
		loses    bool
	}{
		{"durable commits all survive a crash under load", DurableCommits(), 0, false},
		{"lossy commits acknowledged last are lost in a crash under load", LossyCommits(), 0, true},
		{"lossy commits acknowledged last are lost a second after the last write", LossyCommits(), time.Second, true},
		// Why LossyCommits sets wal_writer_delay: by default the WAL
		// writer writes the last page out within 200 ms.
		{"asynchronous commits survive a crash a second after the last write by default", defaultWALWriter, time.Second, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := NewCluster(t, tc.settings)
			got := writeThroughCrash(t, c, 4, 500, 2*time.Second, tc.quiet)
			when := "under load"
			if tc.quiet > 0 {
				when = tc.quiet.String() + " after the last write"
			}
			t.Logf("%v, crash %s: %s", tc.settings, when, got)
			if tc.loses && len(got.lost) == 0 {
				t.Errorf("no acknowledged write was lost")
			}
			// A WAL page holds about 47 of these transactions.
			if recent := got.acknowledged[max(0, len(got.acknowledged)-100)]; len(got.lost) > 0 && got.lost[0] < recent {
				t.Errorf("write %d was lost, acknowledged before the last 100", got.lost[0])
			}
			if !tc.loses && len(got.lost) > 0 {
				t.Errorf("%d acknowledged writes were lost: %v", len(got.lost), got.lost)
			}
		})
	}
}

// crashOutcome is what a crash did to a workload's writes.
type crashOutcome struct {
	attempted      int64         // inserts tried
	acknowledged   []int64       // sequence numbers of the inserts that succeeded, ascending
	lost           []int64       // acknowledged, and missing after the restart, ascending
	unacknowledged int           // failed inserts whose row is there after all
	writing        time.Duration // from the first insert to the last
}

func (o crashOutcome) String() string {
	s := fmt.Sprintf("%d of %d inserts acknowledged in %s (%.0f/s), %d lost",
		len(o.acknowledged), o.attempted, o.writing.Round(time.Millisecond),
		float64(len(o.acknowledged))/o.writing.Seconds(), len(o.lost))
	if len(o.lost) > 0 {
		s += fmt.Sprintf(" (from %d to %d; the last acknowledged was %d)",
			o.lost[0], o.lost[len(o.lost)-1], o.acknowledged[len(o.acknowledged)-1])
	}
	return s + fmt.Sprintf(", %d unacknowledged present", o.unacknowledged)
}

// writeThroughCrash has workers insert rows numbered from one sequence, at
// about rate rows a second in all, for the writing time. It then crashes
// the cluster, while they still insert when quiet is zero, else once they
// have been stopped for quiet; restarts it; and says which acknowledged
// rows are gone. Each worker keeps one connection, so that no failed insert
// is retried on another.
func writeThroughCrash(t *testing.T, c *Cluster, workers int, rate float64, writing, quiet time.Duration) crashOutcome {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db := open(t, c.URL("postgres"))
	mustExec(t, db, "CREATE TABLE writes (seq bigint PRIMARY KEY, worker int NOT NULL)")

	var (
		next     atomic.Int64
		mu       sync.Mutex
		acked    []int64
		failures []time.Time
		wg       sync.WaitGroup
		stop     = make(chan struct{})
		interval = time.Duration(float64(workers) / rate * float64(time.Second))
	)
	startedAt := time.Now()
	for worker := range workers {
		conn, err := db.Conn(ctx)
		if err != nil {
			t.Fatalf("connect worker %d: %v", worker, err)
		}
		wg.Go(func() {
			defer func() { _ = conn.Close() }()
			tick := time.NewTicker(interval)
			defer tick.Stop()
			for {
				select {
				case <-stop:
					return
				case <-tick.C:
				}
				seq := next.Add(1)
				_, err := conn.ExecContext(ctx, "INSERT INTO writes VALUES ($1, $2)", seq, worker)
				mu.Lock()
				if err != nil {
					failures = append(failures, time.Now())
				} else {
					acked = append(acked, seq)
				}
				mu.Unlock()
				if err != nil {
					return // the connection went with the server
				}
			}
		})
	}
	wait := func(d time.Duration) {
		select {
		case <-time.After(d):
		case <-ctx.Done():
		}
	}
	stopWriting := func() {
		close(stop)
		wg.Wait()
	}

	wait(writing)
	var crashAt, stoppedAt time.Time
	if quiet > 0 {
		stopWriting()
		stoppedAt = time.Now()
		wait(quiet)
		crashAt = time.Now()
		c.Crash(t)
	} else {
		crashAt = time.Now()
		c.Crash(t)
		stopWriting()
		stoppedAt = crashAt
	}
	c.Start(t)

	present := map[int64]bool{}
	rows, err := db.QueryContext(ctx, "SELECT seq FROM writes")
	if err != nil {
		t.Fatalf("read the writes after the restart: %v", err)
	}
	defer func() { _ = rows.Close() }()
	for rows.Next() {
		var seq int64
		if err := rows.Scan(&seq); err != nil {
			t.Fatalf("read the writes after the restart: %v", err)
		}
		present[seq] = true
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("read the writes after the restart: %v", err)
	}

	for _, failedAt := range failures {
		if failedAt.Before(crashAt) {
			t.Errorf("an insert failed %s before the crash", crashAt.Sub(failedAt))
		}
	}
	if want := rate * writing.Seconds(); float64(len(acked)) < want/2 {
		t.Errorf("only %d inserts were acknowledged in %s; want about %.0f", len(acked), writing, want)
	}
	slices.Sort(acked)
	outcome := crashOutcome{attempted: next.Load(), acknowledged: acked, writing: stoppedAt.Sub(startedAt)}
	for _, seq := range acked {
		if !present[seq] {
			outcome.lost = append(outcome.lost, seq)
		}
		delete(present, seq)
	}
	outcome.unacknowledged = len(present)
	return outcome
}
