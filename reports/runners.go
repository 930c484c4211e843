package reports

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/redrill/redrill/internal/labels"
	"github.com/redrill/redrill/store"
)

// RunnerLister is what lists the runners registered in a store.
type RunnerLister interface {
	Runners(ctx context.Context) ([]store.Runner, error)
}

// RunnerStatus is one runner as the dashboard shows it.
type RunnerStatus struct {
	store.Runner
	// State is store.RunnerUp, RunnerGone or RunnerStopped at the report's time.
	State string `json:"state"`
}

// LabelText is the runner's labels as KEY=VALUE pairs.
func (r RunnerStatus) LabelText() string { return labels.String(r.Labels) }

// runnerStatuses reads the runners and their state at now; nil without
// a lister or when the store cannot say (the report still shows the runs).
func runnerStatuses(ctx context.Context, lister RunnerLister, now time.Time) []RunnerStatus {
	if lister == nil {
		return nil
	}
	runners, err := lister.Runners(ctx)
	if err != nil {
		return nil
	}
	return RunnerStatusesAt(runners, now)
}

// RunnerStatusesAt gives each runner its state at now.
func RunnerStatusesAt(runners []store.Runner, now time.Time) []RunnerStatus {
	statuses := make([]RunnerStatus, len(runners))
	for i, r := range runners {
		statuses[i] = RunnerStatus{Runner: r, State: r.State(now)}
	}
	return statuses
}

// WriteRunners writes the runners as a table for a terminal, with how
// long ago each last renewed its heartbeat at now.
func WriteRunners(w io.Writer, statuses []RunnerStatus, now time.Time) error {
	if len(statuses) == 0 {
		_, err := fmt.Fprintln(w, "No runner has registered in this store: redrill serve registers itself.")
		return err
	}
	table := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(table, "RUNNER\tSTATE\tLABELS\tVERSION\tSTARTED\tLAST HEARTBEAT")
	for _, r := range statuses {
		fmt.Fprintf(table, "%s\t%s\t%s\t%s\t%s\t%s ago\n", r.Name, r.State, cmp.Or(r.LabelText(), "-"), cmp.Or(r.Version, "-"),
			r.StartedAt.UTC().Format("2006-01-02 15:04:05 MST"), now.Sub(r.HeartbeatAt).Round(time.Second))
	}
	return table.Flush()
}

// WriteRunnersJSON writes {"runners": [...]}, each runner with its state.
func WriteRunnersJSON(w io.Writer, statuses []RunnerStatus) error {
	return writeJSON(w, struct {
		Runners []RunnerStatus `json:"runners"`
	}{statuses})
}

// metricRunnerUp is the name of the runners' series.
const metricRunnerUp = "redrill_runner_up"

// runnerFamilies makes redrill_runner_up, whose label names depend on
// the runners: runner, version and one label_KEY per label key any runner
// has (empty for a runner without it), as a metric family has one set of
// label names. It keeps one family per set, so that a scrape whose
// runners read the same is written from what the last one wrote.
type runnerFamilies struct {
	mu    sync.Mutex
	byKey map[string]*family
}

func (r *runnerFamilies) family(labelNames []string) *family {
	r.mu.Lock()
	defer r.mu.Unlock()
	key := strings.Join(labelNames, ",")
	if f, ok := r.byKey[key]; ok {
		return f
	}
	if r.byKey == nil {
		r.byKey = map[string]*family{}
	}
	f := gaugeFamily(metricRunnerUp, "1 while a runner registered in the store renews its heartbeat, 0 once it is gone (no heartbeat for 15 s); a runner that stopped cleanly is not exported.", labelNames...)
	r.byKey[key] = f
	return f
}

// samples is redrill_runner_up for every runner not stopped: 1 up, 0 gone.
func (r *runnerFamilies) samples(runners []RunnerStatus) samples {
	keys := map[string]bool{}
	for _, runner := range runners {
		for key := range runner.Labels {
			keys[key] = true
		}
	}
	names := slices.Sorted(maps.Keys(keys))
	labelNames := []string{"runner", "version"}
	for _, key := range names {
		labelNames = append(labelNames, "label_"+key)
	}
	f := r.family(labelNames)
	var out samples
	for _, runner := range runners {
		if runner.State == store.RunnerStopped {
			continue
		}
		values := []string{runner.Name, runner.Version}
		for _, key := range names {
			values = append(values, runner.Labels[key])
		}
		up := 0.0
		if runner.State == store.RunnerUp {
			up = 1
		}
		out.add(f, up, values...)
	}
	return out
}
