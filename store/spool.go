package store

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
)

// spooled writes to the store while it answers; when a write fails, that
// event and every later one go to a local append-only file (fsync'ed), so a
// drill goes on and loses nothing. The file is replayed in order as soon as
// the store answers again: a background probe pings it with backoff (a
// heartbeat that gets through wakes it at once) and replays on the first
// success; Flush (the end of a run, a claim) and the next Open replay too.
// Every event is idempotent (runs and steps are keyed by id and sequence),
// so a replay interrupted halfway and repeated writes nothing twice.
type spooled struct {
	backend Store
	dir     string
	// writeTimeout bounds each write: a store that hangs rather than
	// refuses is treated as unreachable.
	writeTimeout time.Duration
	// host, pid and now name this process's spool file.
	host string
	pid  int
	now  func() time.Time

	mu       sync.Mutex
	spooling bool
	file     *os.File // this process's spool, locked while open
	fileName string
	reason   error
	// scenarioOf names the scenario of each run started and not yet
	// finished, and spooledScenarios counts the events of each scenario
	// in the spool: Spooled answers from them.
	scenarioOf       map[string]string
	spooledScenarios map[string]int

	// probing is set while the probe runs; wake hurries it, closing
	// stops it.
	probing bool
	wake    chan struct{}
	closing chan struct{}
	probe   sync.WaitGroup
}

// Backoff of the probe that replays the spool once the store is back.
const (
	probeFirst = 100 * time.Millisecond
	probeMax   = 5 * time.Second
	// probeTimeout bounds a ping: a store that takes longer is not back.
	probeTimeout = time.Second
)

// pinger is a backend that can tell cheaply whether it answers.
type pinger interface {
	Ping(ctx context.Context) error
}

// event is one write kept in the spool.
type event struct {
	Op     string  `json:"op"` // start, clock, step_start, step or finish
	Run    *Run    `json:"run,omitempty"`
	Step   *Step   `json:"step,omitempty"`
	RunID  string  `json:"run_id,omitempty"`
	Finish *Finish `json:"finish,omitempty"`
	// At is when the clock started (clock).
	At *time.Time `json:"at,omitempty"`
}

// newSpooled spools the writes to backend in opts.SpoolDir; opts are
// filled in by Open.
func newSpooled(backend Store, opts Options) (*spooled, error) {
	if err := os.MkdirAll(opts.SpoolDir, 0o700); err != nil {
		return nil, fmt.Errorf("create spool folder: %w", err)
	}
	return &spooled{backend: backend, dir: opts.SpoolDir, writeTimeout: opts.WriteTimeout,
		host: opts.Host, pid: opts.PID, now: opts.Now,
		scenarioOf: map[string]string{}, spooledScenarios: map[string]int{},
		wake: make(chan struct{}, 1), closing: make(chan struct{})}, nil
}

// within runs a store call for at most limit. A server that stopped
// answering can keep a lib/pq query blocked past its context, so the call
// is left to end on its own: every write is idempotent, so one that lands
// late, after the same event was replayed from the spool, changes nothing.
func within(ctx context.Context, limit time.Duration, call func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- call(ctx) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return fmt.Errorf("%w within %s: %w", errNoAnswer, limit, ctx.Err())
	}
}

// errNoAnswer is a call that within gave up on.
var errNoAnswer = errors.New("the store did not answer")

func (s *spooled) StartRun(ctx context.Context, run Run) error {
	s.mu.Lock()
	s.scenarioOf[run.ID] = run.Scenario
	s.mu.Unlock()
	return s.write(ctx, event{Op: "start", Run: &run})
}

func (s *spooled) StartClock(ctx context.Context, runID string, at time.Time) error {
	return s.write(ctx, event{Op: "clock", RunID: runID, At: &at})
}

func (s *spooled) StartStep(ctx context.Context, step Step) error {
	return s.write(ctx, event{Op: "step_start", Step: &step})
}

func (s *spooled) RecordStep(ctx context.Context, step Step) error {
	return s.write(ctx, event{Op: "step", Step: &step})
}

// FinishRun, replayed from the spool, wins over an interrupted mark that
// another runner made meanwhile: the runner's verdict is what happened,
// "interrupted" only what its silence suggested. The probe makes that
// rare: it replays the finish within moments of the store answering.
func (s *spooled) FinishRun(ctx context.Context, runID string, finish Finish) error {
	defer func() {
		s.mu.Lock()
		delete(s.scenarioOf, runID) // the run's last event
		s.mu.Unlock()
	}()
	return s.write(ctx, event{Op: "finish", RunID: runID, Finish: &finish})
}

// Heartbeat goes straight to the store, even while events are spooled: if
// the store is back, other runners must still see the run alive, and the
// spool is replayed at once. A run whose start is still in the spool has
// no row to update yet; that is harmless.
func (s *spooled) Heartbeat(ctx context.Context, runID string, at time.Time) error {
	err := within(ctx, s.writeTimeout, func(ctx context.Context) error { return s.backend.Heartbeat(ctx, runID, at) })
	if err == nil {
		select {
		case s.wake <- struct{}{}:
		default:
		}
	}
	return err
}

// Spooled tells whether this process's spool holds events of a run of
// scenario that the store has not seen: other runners cannot see that run.
func (s *spooled) Spooled(scenario string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.spooledScenarios[scenario] > 0
}

func (s *spooled) write(ctx context.Context, e event) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.spooling {
		err := s.apply(ctx, e)
		if err == nil {
			return nil
		}
		// Later events must follow this one, so they are spooled too.
		s.spooling, s.reason = true, err
		s.startProbe()
	}
	if err := s.append(e); err != nil {
		return fmt.Errorf("%w: %w", ErrNotRecorded, err)
	}
	if scenario, ok := s.scenarioOf[e.runID()]; ok {
		s.spooledScenarios[scenario]++
	}
	return nil
}

// runID is the run an event belongs to.
func (e event) runID() string {
	switch {
	case e.Run != nil:
		return e.Run.ID
	case e.Step != nil:
		return e.Step.RunID
	}
	return e.RunID
}

// startProbe starts the probe that replays the spool once the store
// answers, unless it runs already; s.mu is held.
func (s *spooled) startProbe() {
	if s.probing {
		return
	}
	select {
	case <-s.closing:
		return
	default:
	}
	s.probing = true
	s.probe.Go(s.replayWhenBack)
}

// replayWhenBack pings the store with backoff and replays the spool at the
// first answer, until the spool is empty or the store closes.
func (s *spooled) replayWhenBack() {
	wait := probeFirst
	for {
		timer := time.NewTimer(wait)
		select {
		case <-s.closing:
			timer.Stop()
			s.mu.Lock()
			s.probing = false
			s.mu.Unlock()
			return
		case <-s.wake:
			timer.Stop()
		case <-timer.C:
		}
		if s.ping() == nil {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			err := s.Flush(ctx)
			cancel()
			s.mu.Lock()
			if err == nil && !s.spooling {
				s.probing = false
				s.mu.Unlock()
				return
			}
			s.mu.Unlock()
		}
		wait = min(2*wait, probeMax)
	}
}

// ping asks the store whether it answers, within probeTimeout.
func (s *spooled) ping() error {
	p, ok := s.backend.(pinger)
	if !ok {
		return nil // Flush finds out
	}
	return within(context.Background(), probeTimeout, p.Ping)
}

// append adds an event to this process's spool file and syncs it.
func (s *spooled) append(e event) error {
	if s.file == nil {
		if err := s.create(); err != nil {
			return err
		}
	}
	line, err := json.Marshal(e)
	if err != nil {
		return err
	}
	if _, err := s.file.Write(append(line, '\n')); err != nil {
		return fmt.Errorf("write spool %s: %w", s.fileName, err)
	}
	if err := s.file.Sync(); err != nil {
		return fmt.Errorf("sync spool %s: %w", s.fileName, err)
	}
	return nil
}

// create creates and locks this process's spool file, named after the
// host, the process and the time. A clock that stands still (a test's)
// can name two spools alike: the second gets a numbered name rather than
// replacing the first.
func (s *spooled) create() error {
	stem := filepath.Join(s.dir, fmt.Sprintf("%s-%d-%d", s.host, s.pid, s.now().UnixNano()))
	for attempt := 1; ; attempt++ {
		name := stem + ".jsonl"
		if attempt > 1 {
			name = fmt.Sprintf("%s-%d.jsonl", stem, attempt)
		}
		// Created under another name and locked before it is linked to
		// its own, so no other process's ReplayAll can take it for an
		// abandoned spool; linking, unlike renaming, keeps an existing one.
		// Read and write, not write only: Windows locks only files opened
		// to read or write data, and an append-only file is neither.
		file, err := openLockable(name+".new", os.O_CREATE|os.O_EXCL|os.O_RDWR|os.O_APPEND, 0o600)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("store unreachable (%v) and spool not writable: %w", s.reason, err)
		}
		// The lock tells other processes this spool is still being written.
		if err := lockFile(file, false); err != nil {
			file.Close()
			os.Remove(name + ".new")
			return fmt.Errorf("lock spool %s: %w", file.Name(), err)
		}
		err = os.Link(name+".new", name)
		os.Remove(name + ".new")
		if errors.Is(err, fs.ErrExist) {
			closeLocked(file)
			continue
		}
		if err != nil {
			closeLocked(file)
			return fmt.Errorf("spool %s: %w", name, err)
		}
		s.file, s.fileName = file, name
		return nil
	}
}

// Flush replays this process's spool into the store.
func (s *spooled) Flush(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.file == nil {
		s.spooling = false
		return nil
	}
	if err := s.replay(ctx, s.fileName); err != nil {
		return fmt.Errorf("%d spooled events wait for %s: %w", countLines(s.fileName), s.backend.Where(), err)
	}
	// Removed while still locked, so no other process replays it again.
	err := os.Remove(s.fileName)
	closeLocked(s.file)
	s.file, s.fileName, s.spooling, s.reason = nil, "", false, nil
	clear(s.spooledScenarios)
	return err
}

// ReplayAll replays the spools left by processes that have ended.
func (s *spooled) ReplayAll(ctx context.Context) error {
	names, err := filepath.Glob(filepath.Join(s.dir, "*.jsonl"))
	if err != nil {
		return err
	}
	sort.Strings(names)
	var errs []error
	for _, name := range names {
		if s.file != nil && name == s.fileName {
			continue
		}
		file, err := openLockable(name, os.O_RDWR, 0)
		if errors.Is(err, fs.ErrNotExist) {
			continue // replayed meanwhile by another process
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("open spool: %w", err))
			continue
		}
		if lockFile(file, false) != nil {
			file.Close() // still being written by a live process
			continue
		}
		if err := s.replay(ctx, name); err != nil {
			errs = append(errs, err)
			closeLocked(file)
			continue
		}
		os.Remove(name) // before the lock is released
		closeLocked(file)
	}
	return errors.Join(errs...)
}

// replay applies a spool file's events in order.
func (s *spooled) replay(ctx context.Context, name string) error {
	file, err := os.Open(name)
	if err != nil {
		return err
	}
	defer file.Close()
	scanner := bufio.NewScanner(file)
	scanner.Buffer(make([]byte, 64<<10), 64<<20)
	var cut error
	for line := 1; scanner.Scan(); line++ {
		text := strings.TrimSpace(scanner.Text())
		if text == "" {
			continue
		}
		if cut != nil {
			// The unreadable line was not the last: not a crash mid-write.
			return cut
		}
		var e event
		if err := json.Unmarshal([]byte(text), &e); err != nil {
			// A line cut by a crash mid-write can only be the last one.
			cut = fmt.Errorf("%s line %d is unreadable and events follow it: %w", name, line, err)
			continue
		}
		if err := s.apply(ctx, e); err != nil {
			return fmt.Errorf("replay %s line %d: %w", name, line, err)
		}
	}
	return scanner.Err()
}

// apply writes one event to the store, within the write timeout.
func (s *spooled) apply(ctx context.Context, e event) error {
	return within(ctx, s.writeTimeout, func(ctx context.Context) error {
		switch {
		case e.Op == "start" && e.Run != nil:
			return s.backend.StartRun(ctx, *e.Run)
		case e.Op == "clock" && e.At != nil:
			return s.backend.StartClock(ctx, e.RunID, *e.At)
		case e.Op == "step_start" && e.Step != nil:
			return s.backend.StartStep(ctx, *e.Step)
		case e.Op == "step" && e.Step != nil:
			return s.backend.RecordStep(ctx, *e.Step)
		case e.Op == "finish" && e.Finish != nil:
			return s.backend.FinishRun(ctx, e.RunID, *e.Finish)
		}
		return fmt.Errorf("unknown spool event %q", e.Op)
	})
}

func countLines(name string) int {
	content, err := os.ReadFile(name)
	if err != nil {
		return 0
	}
	return strings.Count(string(content), "\n")
}

func (s *spooled) MarkInterrupted(ctx context.Context, staleBefore time.Time) (int, error) {
	return s.backend.MarkInterrupted(ctx, staleBefore)
}

func (s *spooled) Runs(ctx context.Context, q RunQuery) ([]Run, error) { return s.backend.Runs(ctx, q) }
func (s *spooled) Run(ctx context.Context, id string) (Run, []Step, error) {
	return s.backend.Run(ctx, id)
}
func (s *spooled) LatestRuns(ctx context.Context) ([]Run, error) { return s.backend.LatestRuns(ctx) }
func (s *spooled) LatestRun(ctx context.Context, scenario string) (Run, bool, error) {
	return s.backend.LatestRun(ctx, scenario)
}
func (s *spooled) Measurements(ctx context.Context, since time.Time) ([]Measurement, error) {
	return s.backend.Measurements(ctx, since)
}
func (s *spooled) RunTotals(ctx context.Context) ([]RunTotal, error) { return s.backend.RunTotals(ctx) }
func (s *spooled) ChangeCursor(ctx context.Context) (ChangeCursor, error) {
	return s.backend.ChangeCursor(ctx)
}
func (s *spooled) Changes(ctx context.Context, after ChangeCursor) ([]ChangedRun, ChangeCursor, error) {
	return s.backend.Changes(ctx, after)
}

// Claim is never spooled: a runner that cannot reach the store cannot know
// whether another runner took the tick, so it must not run it. A store
// that does not answer in time is such a store. A claim first replays the
// spool, and is refused while events remain in it: when a runner claims,
// the store holds everything it did before, so no other runner takes one
// of its runs for still running, or misses one that runs.
func (s *spooled) Claim(ctx context.Context, scenario string, scheduledAt time.Time, owner string) (bool, error) {
	if err := s.Flush(ctx); err != nil {
		return false, fmt.Errorf("claim %s at %s: this runner's earlier events are not in the store yet: %w", scenario, scheduledAt.Format(time.RFC3339), err)
	}
	var won bool
	err := within(ctx, s.writeTimeout, func(ctx context.Context) error {
		var err error
		won, err = s.backend.Claim(ctx, scenario, scheduledAt, owner)
		return err
	})
	if err != nil {
		return false, err // won may still be written by the abandoned call
	}
	return won, nil
}
func (s *spooled) Where() string { return s.backend.Where() }

// Close tries a last flush; what cannot be written stays in the spool for
// the next Open.
func (s *spooled) Close() error {
	s.mu.Lock()
	select {
	case <-s.closing:
	default:
		close(s.closing)
	}
	s.mu.Unlock()
	s.probe.Wait()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	flushErr := s.Flush(ctx)
	s.mu.Lock()
	if s.file != nil {
		closeLocked(s.file)
		s.file = nil
	}
	s.mu.Unlock()
	return errors.Join(flushErr, s.backend.Close())
}
