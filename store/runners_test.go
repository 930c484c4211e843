package store

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
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
