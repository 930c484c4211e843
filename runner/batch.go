package runner

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/redrill/redrill/scenarios"
	"github.com/redrill/redrill/store"
)

// Batch is what `redrill run` runs now: the scenarios chosen, or a game
// day's.
type Batch struct {
	Scenarios []*scenarios.Scenario
	// GameDay, when set, is the game day whose scenarios these are; their
	// runs are grouped under its name, in parallel if it says so.
	GameDay *scenarios.GameDay
	// Parallel is how many drills run at once when there is no game day.
	Parallel int
}

// ChooseBatch picks from a set the game day named gameDay, or else the
// scenarios named (every scenario when none is). Its errors say what
// there is to choose from.
func ChooseBatch(set *scenarios.Set, names []string, gameDay string, parallel int) (Batch, error) {
	if parallel < 1 {
		return Batch{}, fmt.Errorf("--parallel %d: give 1 or more", parallel)
	}
	if gameDay == "" {
		selected, err := set.Select(names)
		return Batch{Scenarios: selected, Parallel: parallel}, err
	}
	if len(names) > 0 {
		return Batch{}, fmt.Errorf("--gameday runs the game day's own scenarios: drop --scenario")
	}
	gd, err := set.GameDay(gameDay)
	if err != nil {
		return Batch{}, err
	}
	selected, err := set.Select(gd.Scenarios)
	return Batch{Scenarios: selected, GameDay: gd, Parallel: gameDayParallel(gd, len(selected))}, err
}

// gameDayParallel is how many of a game day's drills run at once.
func gameDayParallel(gd *scenarios.GameDay, scenarios int) int {
	if gd.Parallel {
		return max(scenarios, 1)
	}
	return 1
}

// Concurrent tells whether drills of the batch run at the same time, so
// that live output must tell their lines apart.
func (b Batch) Concurrent() bool { return b.Parallel > 1 && len(b.Scenarios) > 1 }

// notifyWait bounds how long a batch waits for its webhooks: they never
// hold a result back for long.
const notifyWait = 35 * time.Second

// RunBatch runs a batch, posting the set's notify webhooks (failures go
// to logger), and returns the results of the drills that started, in
// order. After ctx ends no further drill starts.
func RunBatch(ctx context.Context, set *scenarios.Set, batch Batch, opts Options, logger *slog.Logger) []Result {
	if batch.GameDay != nil {
		opts.Trigger, opts.GameDay = store.TriggerGameDay, batch.GameDay.Name
	}
	if len(set.Notifiers) > 0 {
		notifier := NewNotifier(set.Notifiers, logger)
		observe := opts.Observe
		opts.Observe = func(e store.Event) {
			if observe != nil {
				observe(e)
			}
			notifier.Observe(e)
		}
		defer func() {
			waitCtx, cancel := context.WithTimeout(context.Background(), notifyWait)
			defer cancel()
			notifier.Wait(waitCtx)
		}()
	}
	return RunScenarios(ctx, set, batch.Scenarios, opts, batch.Parallel)
}

// RunScenarios runs the scenarios, up to parallel at once, and returns the
// results of those that started, in the order given. After ctx ends no
// further drill starts.
func RunScenarios(ctx context.Context, set *scenarios.Set, selected []*scenarios.Scenario, opts Options, parallel int) []Result {
	parallel = max(parallel, 1)
	results := make([]Result, len(selected))
	started := make([]bool, len(selected))
	slots := make(chan struct{}, parallel)
	var wg sync.WaitGroup
	for i, sc := range selected {
		slots <- struct{}{}
		if ctx.Err() != nil {
			break
		}
		started[i] = true
		wg.Go(func() {
			defer func() { <-slots }()
			results[i] = Run(ctx, set, sc, opts)
		})
	}
	wg.Wait()
	var ran []Result
	for i, r := range results {
		if started[i] {
			ran = append(ran, r)
		}
	}
	return ran
}

// RunGameDay runs the scenarios of a game day now, in order or all at once
// when it is parallel, with their runs grouped under the game day's name.
func RunGameDay(ctx context.Context, set *scenarios.Set, gd *scenarios.GameDay, opts Options) ([]Result, error) {
	selected, err := set.Select(gd.Scenarios)
	if err != nil {
		return nil, err
	}
	opts.Trigger, opts.GameDay = store.TriggerGameDay, gd.Name
	return RunScenarios(ctx, set, selected, opts, gameDayParallel(gd, len(selected))), nil
}

// Records are the records of results, for the outputs that show them.
func Records(results []Result) []store.Record {
	records := make([]store.Record, len(results))
	for i, r := range results {
		records[i] = r.Record
	}
	return records
}
