package runner

import (
	"context"
	"sync"

	"github.com/redrill/redrill/scenarios"
	"github.com/redrill/redrill/store"
)

// RunAll runs the scenarios, up to parallel at once, and returns the
// results of those that started, in the order given. After ctx ends no
// further drill starts.
func RunAll(ctx context.Context, set *scenarios.Set, selected []*scenarios.Scenario, opts Options, parallel int) []Result {
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
	parallel := 1
	if gd.Parallel {
		parallel = len(selected)
	}
	return RunAll(ctx, set, selected, opts, parallel), nil
}
