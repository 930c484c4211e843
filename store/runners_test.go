package store

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestMatches(t *testing.T) {
	eu := map[string]string{"site": "eu-west", "tier": "1"}
	tests := []struct {
		name       string
		have, want map[string]string
		matches    bool
	}{
		{name: "an empty want matches every runner", have: eu, want: map[string]string{}, matches: true},
		{name: "a nil want matches a runner without labels", have: nil, want: nil, matches: true},
		{name: "the same labels match", have: eu, want: map[string]string{"site": "eu-west", "tier": "1"}, matches: true},
		{name: "a subset of the runner's labels matches", have: eu, want: map[string]string{"site": "eu-west"}, matches: true},
		{name: "another value does not match", have: eu, want: map[string]string{"site": "us-east"}, matches: false},
		{name: "a key the runner lacks does not match", have: eu, want: map[string]string{"gpu": "yes"}, matches: false},
		{name: "an empty value is a value, not a wildcard", have: eu, want: map[string]string{"site": ""}, matches: false},
		{name: "a key with an empty value matches only that", have: map[string]string{"site": ""}, want: map[string]string{"site": ""}, matches: true},
		{name: "a runner without labels matches no label", have: map[string]string{}, want: map[string]string{"site": "eu-west"}, matches: false},
		{name: "keys are case-sensitive", have: eu, want: map[string]string{"Site": "eu-west"}, matches: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Matches(tt.have, tt.want); got != tt.matches {
				t.Errorf("Matches(%v, %v) = %v, want %v", tt.have, tt.want, got, tt.matches)
			}
		})
	}
}

// Runs are selected by the labels of their runner in SQL, so that the
// limit counts matching runs only.
func TestRunsByRunnerLabels(t *testing.T) {
	forEachBackend(t, func(t *testing.T, target string) {
		ctx := context.Background()
		s := open(t, target, base)
		runners := []map[string]string{
			{"site": "eu-west", "tier": "1"},
			{"site": "us-east"},
			{"site": "eu-west", "network.zone": "dmz"},
			nil,
			{"site": "eu-west", "tier": "1"},
			{"site": "us-east", "tier": "1"},
		}
		for i, labels := range runners {
			run := newRun(fmt.Sprintf("run-%d", i+1), "orders", base.Add(time.Duration(i+1)*time.Hour))
			run.RunnerLabels = labels
			mustDo(t, s.StartRun(ctx, run))
		}
		tests := []struct {
			name   string
			labels map[string]string
			limit  int
			want   []string
		}{
			{name: "no labels selects every run", want: []string{"run-6", "run-5", "run-4", "run-3", "run-2", "run-1"}},
			{name: "empty labels select every run", labels: map[string]string{}, limit: 2, want: []string{"run-6", "run-5"}},
			{name: "one label", labels: map[string]string{"site": "eu-west"}, want: []string{"run-5", "run-3", "run-1"}},
			{name: "the limit counts matching runs only", labels: map[string]string{"site": "eu-west"}, limit: 2, want: []string{"run-5", "run-3"}},
			{name: "every label must match", labels: map[string]string{"site": "eu-west", "tier": "1"}, want: []string{"run-5", "run-1"}},
			{name: "every label and a limit", labels: map[string]string{"site": "eu-west", "tier": "1"}, limit: 1, want: []string{"run-5"}},
			{name: "a label of several sites", labels: map[string]string{"tier": "1"}, want: []string{"run-6", "run-5", "run-1"}},
			{name: "a key with a dot is a key, not a path", labels: map[string]string{"network.zone": "dmz"}, want: []string{"run-3"}},
			{name: "no runner has the label", labels: map[string]string{"site": "mars"}, want: []string{}},
			{name: "an empty value is not a wildcard", labels: map[string]string{"site": ""}, want: []string{}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				runs, err := s.Runs(ctx, RunQuery{Labels: tt.labels, Limit: tt.limit})
				mustDo(t, err)
				if got := ids(runs); !slices.Equal(got, tt.want) {
					t.Errorf("runs = %v, want %v", got, tt.want)
				}
				for _, run := range runs {
					if !Matches(run.RunnerLabels, tt.labels) {
						t.Errorf("run %s of runner labels %v does not match %v", run.ID, run.RunnerLabels, tt.labels)
					}
				}
			})
		}
	})
}

// A spool written by a redrill that did not keep runner labels replays
// as runs of no labels.
func TestSpooledStartWithoutRunnerLabels(t *testing.T) {
	forEachBackend(t, func(t *testing.T, target string) {
		ctx := context.Background()
		spoolDir := t.TempDir()
		line := `{"op":"start","run":{"ID":"old-spool","Scenario":"orders","ScenarioHash":"abc","Trigger":"manual","StartedAt":"2026-11-01T03:00:00Z"}}`
		mustDo(t, os.WriteFile(filepath.Join(spoolDir, "old-host-1-1.jsonl"), []byte(line+"\n"), 0o600))
		s, err := Open(ctx, target, Options{SpoolDir: spoolDir})
		mustDo(t, err)
		defer s.Close()
		run, _, err := s.Run(ctx, "old-spool")
		mustDo(t, err)
		if run.RunnerLabels == nil || len(run.RunnerLabels) != 0 {
			t.Errorf("runner labels = %#v, want an empty map", run.RunnerLabels)
		}
	})
}

func TestRunnerState(t *testing.T) {
	started := base
	tests := []struct {
		name   string
		runner Runner
		now    time.Time
		want   string
	}{
		{name: "just registered is up", runner: Runner{StartedAt: started, HeartbeatAt: started}, now: started, want: RunnerUp},
		{name: "a heartbeat RunnerGoneAfter old is still up", runner: Runner{HeartbeatAt: started}, now: started.Add(RunnerGoneAfter), want: RunnerUp},
		{name: "a heartbeat older than RunnerGoneAfter is gone", runner: Runner{HeartbeatAt: started}, now: started.Add(RunnerGoneAfter + time.Microsecond), want: RunnerGone},
		{name: "a fresh heartbeat brings a gone runner back", runner: Runner{HeartbeatAt: started.Add(time.Hour)}, now: started.Add(time.Hour + time.Second), want: RunnerUp},
		{name: "a stopped runner is stopped with a fresh heartbeat", runner: Runner{HeartbeatAt: started, StoppedAt: started}, now: started, want: RunnerStopped},
		{name: "a stopped runner is stopped, not gone, long after", runner: Runner{HeartbeatAt: started, StoppedAt: started}, now: started.Add(24 * time.Hour), want: RunnerStopped},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.runner.State(tt.now); got != tt.want {
				t.Errorf("State(%s) = %q, want %q", tt.now.Sub(started), got, tt.want)
			}
		})
	}
}

// withDeadPID is r with the pid of no process: the largest pid Linux
// can give is 4,194,303.
func withDeadPID(r Runner) Runner {
	r.PID = 1 << 22
	return r
}

func TestRunnerRegistry(t *testing.T) {
	eu := Runner{Name: "eu-1", Labels: map[string]string{"site": "eu-west"}, Version: "v1.4.0", Host: "eu-host", PID: 41,
		StartedAt: base, HeartbeatAt: base}
	tests := []struct {
		name string
		do   func(ctx context.Context, s Store) error
		want []Runner
		// states are the runners' states at now.
		now    time.Time
		states []string
	}{
		{
			name: "a registered runner is listed as it said, up",
			do:   func(ctx context.Context, s Store) error { return s.RegisterRunner(ctx, eu) },
			want: []Runner{eu}, now: base.Add(time.Second), states: []string{RunnerUp},
		},
		{
			name: "a runner without labels reads back an empty map",
			do: func(ctx context.Context, s Store) error {
				return s.RegisterRunner(ctx, Runner{Name: "bare", Host: "h", PID: 1, StartedAt: base})
			},
			want: []Runner{{Name: "bare", Labels: map[string]string{}, Host: "h", PID: 1, StartedAt: base, HeartbeatAt: base}},
			now:  base, states: []string{RunnerUp},
		},
		{
			name: "heartbeats keep a runner up",
			do: func(ctx context.Context, s Store) error {
				return errors.Join(s.RegisterRunner(ctx, eu), s.RunnerHeartbeat(ctx, "eu-1", base.Add(time.Minute)))
			},
			want: []Runner{with(eu, func(r *Runner) { r.HeartbeatAt = base.Add(time.Minute) })},
			now:  base.Add(time.Minute + RunnerGoneAfter), states: []string{RunnerUp},
		},
		{
			name: "a runner without heartbeats is gone",
			do:   func(ctx context.Context, s Store) error { return s.RegisterRunner(ctx, eu) },
			want: []Runner{eu}, now: base.Add(RunnerGoneAfter + time.Second), states: []string{RunnerGone},
		},
		{
			name: "a stopped runner says so",
			do: func(ctx context.Context, s Store) error {
				return errors.Join(s.RegisterRunner(ctx, eu), s.StopRunner(ctx, "eu-1", base.Add(time.Hour)))
			},
			want: []Runner{with(eu, func(r *Runner) { r.StoppedAt = base.Add(time.Hour) })},
			now:  base.Add(time.Hour), states: []string{RunnerStopped},
		},
		{
			name: "a restarted runner replaces its stopped self",
			do: func(ctx context.Context, s Store) error {
				restarted := with(eu, func(r *Runner) {
					r.Labels, r.Version, r.PID = map[string]string{"site": "eu-central"}, "v1.5.0", 42
					r.StartedAt, r.HeartbeatAt = base.Add(2*time.Hour), time.Time{}
				})
				return errors.Join(s.RegisterRunner(ctx, eu), s.StopRunner(ctx, "eu-1", base.Add(time.Hour)), s.RegisterRunner(ctx, restarted))
			},
			want: []Runner{with(eu, func(r *Runner) {
				r.Labels, r.Version, r.PID = map[string]string{"site": "eu-central"}, "v1.5.0", 42
				r.StartedAt, r.HeartbeatAt = base.Add(2*time.Hour), base.Add(2*time.Hour)
			})},
			now: base.Add(2 * time.Hour), states: []string{RunnerUp},
		},
		{
			name: "a runner back on the host of one gone, with its labels, takes its place",
			do: func(ctx context.Context, s Store) error {
				back := with(eu, func(r *Runner) {
					r.Name, r.PID, r.StartedAt, r.HeartbeatAt = "eu-host:42", 42, base.Add(time.Hour), time.Time{}
				})
				return errors.Join(s.RegisterRunner(ctx, eu), s.RegisterRunner(ctx, back))
			},
			want: []Runner{
				with(eu, func(r *Runner) { r.StoppedAt = base.Add(time.Hour) }),
				with(eu, func(r *Runner) {
					r.Name, r.PID, r.StartedAt, r.HeartbeatAt = "eu-host:42", 42, base.Add(time.Hour), base.Add(time.Hour)
				}),
			},
			now: base.Add(time.Hour), states: []string{RunnerStopped, RunnerUp},
		},
		{
			name: "a runner gone stays gone beside one of other labels, on another host, or while it was still up",
			do: func(ctx context.Context, s Store) error {
				gone := with(withDeadPID(eu), func(r *Runner) { r.Name = "a-gone" })
				other := with(eu, func(r *Runner) {
					r.Name, r.Labels, r.StartedAt, r.HeartbeatAt = "b-other-labels", map[string]string{"site": "eu-central"}, base.Add(time.Hour), time.Time{}
				})
				elsewhere := with(eu, func(r *Runner) {
					r.Name, r.Host, r.StartedAt, r.HeartbeatAt = "c-elsewhere", "us-host", base.Add(time.Hour), time.Time{}
				})
				alive := with(eu, func(r *Runner) {
					r.Name, r.StartedAt, r.HeartbeatAt = "d-alive", base.Add(time.Hour), base.Add(time.Hour)
				})
				sibling := with(eu, func(r *Runner) {
					r.Name, r.StartedAt, r.HeartbeatAt = "e-sibling", base.Add(time.Hour+RunnerGoneAfter/2), time.Time{}
				})
				return errors.Join(s.RegisterRunner(ctx, gone), s.RegisterRunner(ctx, other), s.RegisterRunner(ctx, elsewhere),
					s.RegisterRunner(ctx, alive), s.RunnerHeartbeat(ctx, "d-alive", base.Add(time.Hour)), s.RegisterRunner(ctx, sibling))
			},
			want: []Runner{
				with(withDeadPID(eu), func(r *Runner) { r.Name, r.StoppedAt = "a-gone", base.Add(time.Hour) }),
				with(eu, func(r *Runner) {
					r.Name, r.Labels, r.StartedAt, r.HeartbeatAt = "b-other-labels", map[string]string{"site": "eu-central"}, base.Add(time.Hour), base.Add(time.Hour)
				}),
				with(eu, func(r *Runner) {
					r.Name, r.Host, r.StartedAt, r.HeartbeatAt = "c-elsewhere", "us-host", base.Add(time.Hour), base.Add(time.Hour)
				}),
				with(eu, func(r *Runner) {
					r.Name, r.StartedAt, r.HeartbeatAt = "d-alive", base.Add(time.Hour), base.Add(time.Hour)
				}),
				with(eu, func(r *Runner) {
					r.Name, r.StartedAt, r.HeartbeatAt = "e-sibling", base.Add(time.Hour+RunnerGoneAfter/2), base.Add(time.Hour+RunnerGoneAfter/2)
				}),
			},
			now: base.Add(time.Hour + RunnerGoneAfter/2), states: []string{RunnerStopped, RunnerUp, RunnerUp, RunnerUp, RunnerUp},
		},
		{
			name: "a runner whose process still runs is not replaced, and a heartbeat revives one stopped in its place",
			do: func(ctx context.Context, s Store) error {
				// Its heartbeats were lost with the store; its process is this test.
				alive := with(eu, func(r *Runner) { r.Name, r.PID = "eu-host:alive", os.Getpid() })
				mistaken := with(withDeadPID(eu), func(r *Runner) { r.Name = "eu-host:revived" })
				back := with(eu, func(r *Runner) {
					r.Name, r.PID, r.StartedAt, r.HeartbeatAt = "eu-host:new", 43, base.Add(time.Hour), time.Time{}
				})
				return errors.Join(s.RegisterRunner(ctx, alive), s.RegisterRunner(ctx, mistaken), s.RegisterRunner(ctx, back),
					s.RunnerHeartbeat(ctx, "eu-host:revived", base.Add(time.Hour+time.Second)))
			},
			want: []Runner{
				with(eu, func(r *Runner) { r.Name, r.PID = "eu-host:alive", os.Getpid() }),
				with(eu, func(r *Runner) {
					r.Name, r.PID, r.StartedAt, r.HeartbeatAt = "eu-host:new", 43, base.Add(time.Hour), base.Add(time.Hour)
				}),
				with(withDeadPID(eu), func(r *Runner) { r.Name, r.HeartbeatAt = "eu-host:revived", base.Add(time.Hour+time.Second) }),
			},
			now: base.Add(time.Hour + time.Second), states: []string{RunnerGone, RunnerUp, RunnerUp},
		},
		{
			name: "runners are listed by name",
			do: func(ctx context.Context, s Store) error {
				var errs []error
				for _, name := range []string{"us-1", "ap-1", "eu-1"} {
					errs = append(errs, s.RegisterRunner(ctx, with(eu, func(r *Runner) { r.Name = name })))
				}
				errs = append(errs, s.StopRunner(ctx, "us-1", base))
				return errors.Join(errs...)
			},
			want: []Runner{
				with(eu, func(r *Runner) { r.Name = "ap-1" }),
				eu,
				with(eu, func(r *Runner) { r.Name, r.StoppedAt = "us-1", base }),
			},
			now: base, states: []string{RunnerUp, RunnerUp, RunnerStopped},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			forEachBackend(t, func(t *testing.T, target string) {
				ctx := context.Background()
				s := open(t, target, base)
				mustDo(t, tt.do(ctx, s))
				got, err := s.Runners(ctx)
				mustDo(t, err)
				if !reflect.DeepEqual(got, tt.want) {
					t.Errorf("runners = %+v\nwant %+v", got, tt.want)
				}
				var states []string
				for _, r := range got {
					states = append(states, r.State(tt.now))
				}
				if !slices.Equal(states, tt.states) {
					t.Errorf("states at %s = %v, want %v", tt.now.Sub(base), states, tt.states)
				}
			})
		})
	}
}

func with(r Runner, change func(*Runner)) Runner {
	r.Labels = maps.Clone(r.Labels)
	change(&r)
	return r
}

// A runner whose registration never reached the store learns it from its
// next heartbeat, and registers again.
func TestUnregisteredRunner(t *testing.T) {
	forEachBackend(t, func(t *testing.T, target string) {
		ctx := context.Background()
		s := open(t, target, base)
		for what, err := range map[string]error{
			"heartbeat": s.RunnerHeartbeat(ctx, "nobody", base),
			"stop":      s.StopRunner(ctx, "nobody", base),
		} {
			if !errors.Is(err, ErrRunnerNotFound) || !strings.Contains(err.Error(), `runner "nobody"`) {
				t.Errorf("%s of an unregistered runner: %v, want %v naming it", what, err, ErrRunnerNotFound)
			}
		}
		if err := s.RegisterRunner(ctx, Runner{}); err == nil {
			t.Error("a runner without a name was registered")
		}
	})
}

// Presence is not spooled: while the store is away, registry calls fail
// and leave nothing in the spool; once it is back they go straight to it,
// even before the spooled run events are replayed.
func TestRunnerRegistryIsNotSpooled(t *testing.T) {
	for _, o := range outages {
		t.Run(o.name, func(t *testing.T) {
			ctx := context.Background()
			through, direct, down, up := o.setUp(t)
			spoolDir := t.TempDir()
			s, err := Open(ctx, through, Options{SpoolDir: spoolDir, WriteTimeout: 300 * time.Millisecond})
			mustDo(t, err)
			defer s.Close()
			eu := Runner{Name: "eu-1", Labels: map[string]string{"site": "eu-west"}, Host: "eu-host", PID: 41, StartedAt: base}
			mustDo(t, s.RegisterRunner(ctx, eu))

			down()
			mustDo(t, s.StartRun(ctx, newRun("run-1", "orders", base))) // spooled
			calls := map[string]error{
				"register":  s.RegisterRunner(ctx, eu),
				"heartbeat": s.RunnerHeartbeat(ctx, "eu-1", base.Add(time.Minute)),
				"stop":      s.StopRunner(ctx, "eu-1", base.Add(time.Minute)),
			}
			for what, err := range calls {
				if err == nil || !strings.Contains(err.Error(), "not spooled") || !strings.Contains(err.Error(), `runner "eu-1"`) {
					t.Errorf("%s while the store is away: %v, want an error naming the runner", what, err)
				}
			}
			files := spoolFiles(t, spoolDir)
			if len(files) != 1 {
				t.Fatalf("spool files = %v, want the run's start only", files)
			}
			if content, _ := os.ReadFile(files[0]); strings.Count(string(content), "\n") != 1 {
				t.Errorf("spool holds %q, want the run's start only", content)
			}

			up()
			mustDo(t, s.RunnerHeartbeat(ctx, "eu-1", base.Add(2*time.Minute)))
			runners, err := open(t, direct, base).Runners(ctx)
			mustDo(t, err)
			if len(runners) != 1 || !runners[0].HeartbeatAt.Equal(base.Add(2*time.Minute)) || !runners[0].StoppedAt.IsZero() {
				t.Errorf("runners once the store is back = %+v, want eu-1 up with the heartbeat sent after the outage", runners)
			}
		})
	}
}
