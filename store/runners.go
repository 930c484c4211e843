package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Runner is one `redrill serve` process as the store knows it.
type Runner struct {
	Name        string            `json:"name"`   // unique; by default host:pid, the owner name its claims use
	Labels      map[string]string `json:"labels"` // never nil when read (empty map)
	Version     string            `json:"version"`
	Host        string            `json:"host"`
	PID         int               `json:"pid"`
	StartedAt   time.Time         `json:"started_at"`
	HeartbeatAt time.Time         `json:"heartbeat_at"`
	StoppedAt   time.Time         `json:"stopped_at,omitzero"` // zero while it runs
}

// RunnerGoneAfter: a runner whose heartbeat is older is shown as gone.
const RunnerGoneAfter = 3 * HeartbeatInterval

// The states of a runner (Runner.State).
const (
	RunnerUp      = "up"
	RunnerGone    = "gone"
	RunnerStopped = "stopped"
)

// State is "up", "gone" (no heartbeat for RunnerGoneAfter) or "stopped"
// (it said so), at now. A runner that said it stopped is stopped whatever
// its heartbeat: its last heartbeat may still be fresh.
func (r Runner) State(now time.Time) string {
	switch {
	case !r.StoppedAt.IsZero():
		return RunnerStopped
	case now.Sub(r.HeartbeatAt) > RunnerGoneAfter:
		return RunnerGone
	}
	return RunnerUp
}

// Matches reports whether a runner with the labels have has every label
// of want (same key, same value); an empty want matches every runner. It
// is how a scenario's runner block selects runners, and runs by the
// labels of the runner that ran them.
func Matches(have, want map[string]string) bool {
	for key, value := range want {
		if got, ok := have[key]; !ok || got != value {
			return false
		}
	}
	return true
}

// RunnerRegistry is the runners' presence in the store.
type RunnerRegistry interface {
	// RegisterRunner inserts a runner, or replaces the one of the same
	// Name (a restarted runner), clearing StoppedAt. A zero StartedAt is
	// now, a zero HeartbeatAt is StartedAt. The runners gone on the same
	// host with the same labels are stopped at StartedAt: it takes their
	// place.
	RegisterRunner(ctx context.Context, r Runner) error
	// RunnerHeartbeat tells other runners that a runner is alive; it
	// fails with ErrRunnerNotFound for a runner never registered.
	RunnerHeartbeat(ctx context.Context, name string, at time.Time) error
	// StopRunner records that a runner stopped at at (StoppedAt); it
	// fails with ErrRunnerNotFound for a runner never registered.
	StopRunner(ctx context.Context, name string, at time.Time) error
	// Runners lists every known runner, sorted by name.
	Runners(ctx context.Context) ([]Runner, error)
}

// ErrRunnerNotFound is returned for a runner that never registered, or
// whose registration did not reach the store: it should register again.
var ErrRunnerNotFound = errors.New("runner not registered")

const registerRunner = `INSERT INTO runners (name, labels, version, host, pid, started_at, heartbeat_at, stopped_at)
VALUES (?, ?, ?, ?, ?, ?, ?, NULL)
ON CONFLICT (name) DO UPDATE SET labels = excluded.labels, version = excluded.version, host = excluded.host,
	pid = excluded.pid, started_at = excluded.started_at, heartbeat_at = excluded.heartbeat_at, stopped_at = NULL`

func (s *sqlStore) RegisterRunner(ctx context.Context, r Runner) error {
	if r.Name == "" {
		return errors.New("register runner: no name")
	}
	if r.StartedAt.IsZero() {
		r.StartedAt = s.now()
	}
	if r.HeartbeatAt.IsZero() {
		r.HeartbeatAt = r.StartedAt
	}
	labels, err := jsonMap(r.Labels)
	if err != nil {
		return fmt.Errorf("register runner %q: labels: %w", r.Name, err)
	}
	_, err = s.db.ExecContext(ctx, s.db.Rebind(registerRunner), text(r.Name), labels, text(r.Version), text(r.Host), r.PID,
		micros(r.StartedAt), micros(r.HeartbeatAt))
	if err != nil {
		return fmt.Errorf("register runner %q: %w", r.Name, err)
	}
	if err := s.replaceGoneRunners(ctx, r, labels); err != nil {
		return fmt.Errorf("register runner %q: take the place of the runners gone on %s: %w", r.Name, r.Host, err)
	}
	return nil
}

// replaceGoneRunners stops the runners gone on the host of a runner that
// registers with the same labels, whose process no longer exists: a
// runner restarted by systemd or its container comes back with a new
// pid, so a new name, and the one it replaces must not stay gone for ever
// (redrill_runner_up 0, an alert that never resolves). A runner whose
// process still runs (its heartbeats lost with the store) is left as it
// is, and one stopped by mistake is up again at its next heartbeat. A
// runner gone that nothing replaces stays gone.
func (s *sqlStore) replaceGoneRunners(ctx context.Context, r Runner, labels string) error {
	gone := micros(r.StartedAt.Add(-RunnerGoneAfter))
	var candidates []struct {
		Name string `db:"name"`
		PID  int    `db:"pid"`
	}
	if err := s.db.SelectContext(ctx, &candidates, s.db.Rebind(`SELECT name, pid FROM runners
WHERE host = ? AND labels = ? AND name <> ? AND stopped_at IS NULL AND heartbeat_at < ?`), text(r.Host), labels, text(r.Name), gone); err != nil {
		return err
	}
	for _, c := range candidates {
		if processAlive(c.PID) {
			continue
		}
		if _, err := s.db.ExecContext(ctx, s.db.Rebind(`UPDATE runners SET stopped_at = ?
WHERE name = ? AND stopped_at IS NULL AND heartbeat_at < ?`), micros(r.StartedAt), text(c.Name), gone); err != nil {
			return err
		}
	}
	return nil
}

func (s *sqlStore) RunnerHeartbeat(ctx context.Context, name string, at time.Time) error {
	// A heartbeat says the runner runs: one taken for gone and stopped in
	// its place (replaceGoneRunners) is up again. A runner's own stop is
	// written after its last heartbeat.
	return s.updateRunner(ctx, "heartbeat of runner", `UPDATE runners SET heartbeat_at = ?, stopped_at = NULL WHERE name = ?`, name, at)
}

func (s *sqlStore) StopRunner(ctx context.Context, name string, at time.Time) error {
	return s.updateRunner(ctx, "stop runner", `UPDATE runners SET stopped_at = ? WHERE name = ?`, name, at)
}

// updateRunner sets one time of a runner; what says what it does, for
// errors.
func (s *sqlStore) updateRunner(ctx context.Context, what, update, name string, at time.Time) error {
	result, err := s.db.ExecContext(ctx, s.db.Rebind(update), micros(at), text(name))
	if err != nil {
		return fmt.Errorf("%s %q: %w", what, name, err)
	}
	if n, err := result.RowsAffected(); err != nil {
		return fmt.Errorf("%s %q: %w", what, name, err)
	} else if n == 0 {
		return fmt.Errorf("%s %q: %w", what, name, ErrRunnerNotFound)
	}
	return nil
}

func (s *sqlStore) Runners(ctx context.Context) ([]Runner, error) {
	var rows []struct {
		Name        string         `db:"name"`
		Labels      sql.NullString `db:"labels"`
		Version     string         `db:"version"`
		Host        string         `db:"host"`
		PID         int            `db:"pid"`
		StartedAt   int64          `db:"started_at"`
		HeartbeatAt int64          `db:"heartbeat_at"`
		StoppedAt   sql.NullInt64  `db:"stopped_at"`
	}
	if err := s.db.SelectContext(ctx, &rows, `SELECT name, labels, version, host, pid, started_at, heartbeat_at, stopped_at
		FROM runners ORDER BY name`); err != nil {
		return nil, fmt.Errorf("list runners: %w", err)
	}
	runners := make([]Runner, len(rows))
	for i, row := range rows {
		labels, err := fromJSONMap(row.Labels.String)
		if err != nil {
			return nil, fmt.Errorf("list runners: labels of %q: %w", row.Name, err)
		}
		runners[i] = Runner{Name: row.Name, Labels: labels, Version: row.Version, Host: row.Host, PID: row.PID,
			StartedAt: fromMicros(row.StartedAt), HeartbeatAt: fromMicros(row.HeartbeatAt), StoppedAt: fromNullMicros(row.StoppedAt)}
	}
	return runners, nil
}

// The registry is not spooled: presence is ephemeral. A runner the store
// cannot see is not there for the other runners, and a heartbeat replayed
// later would say it was alive when no one could tell. Each call goes
// straight to the store, within the write timeout, even while run events
// are spooled.

func (s *spooled) RegisterRunner(ctx context.Context, r Runner) error {
	return s.unspooled(ctx, fmt.Sprintf("register runner %q", r.Name), func(ctx context.Context) error { return s.backend.RegisterRunner(ctx, r) })
}

func (s *spooled) RunnerHeartbeat(ctx context.Context, name string, at time.Time) error {
	return s.unspooled(ctx, fmt.Sprintf("heartbeat of runner %q", name), func(ctx context.Context) error { return s.backend.RunnerHeartbeat(ctx, name, at) })
}

func (s *spooled) StopRunner(ctx context.Context, name string, at time.Time) error {
	return s.unspooled(ctx, fmt.Sprintf("stop runner %q", name), func(ctx context.Context) error { return s.backend.StopRunner(ctx, name, at) })
}

func (s *spooled) Runners(ctx context.Context) ([]Runner, error) { return s.backend.Runners(ctx) }

// unspooled makes a registry call; one that gets through, like a run's
// heartbeat, wakes the probe: the store is back, so the spool can be
// replayed at once. The store's own errors say what failed already; one
// that did not answer is named with what.
func (s *spooled) unspooled(ctx context.Context, what string, call func(context.Context) error) error {
	err := within(ctx, s.writeTimeout, call)
	switch {
	case errors.Is(err, errNoAnswer):
		return fmt.Errorf("%s in %s (not spooled): %w", what, s.backend.Where(), err)
	case err != nil:
		return fmt.Errorf("store %s (not spooled): %w", s.backend.Where(), err)
	}
	select {
	case s.wake <- struct{}{}:
	default:
	}
	return nil
}
