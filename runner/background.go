package runner

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/redrill/redrill/scenarios"
)

// errDrillEnded cancels the background steps still running when the drill
// ends, before rollback.
var errDrillEnded = errors.New("still running when the drill ended")

// background tracks the steps the drill started and went on from.
type background struct {
	// ctx ends the steps when the drill ends; a signal ends it earlier.
	ctx    context.Context
	cancel context.CancelCauseFunc
	wg     sync.WaitGroup

	mu   sync.Mutex
	done map[string]chan struct{} // closed when the step has ended
}

func newBackground(ctx context.Context) *background {
	b := &background{done: map[string]chan struct{}{}}
	b.ctx, b.cancel = context.WithCancelCause(ctx)
	return b
}

// start runs a step in the background.
func (r *run) startBackground(step *scenarios.Step) {
	b := r.background
	done := make(chan struct{})
	b.mu.Lock()
	b.done[step.Name] = done
	b.mu.Unlock()
	b.wg.Go(func() {
		defer close(done)
		r.step(b.ctx, step, 0)
	})
}

// waitFor waits until the background steps a step names in after have
// ended; false when ctx ended first.
func (r *run) waitFor(ctx context.Context, step *scenarios.Step) bool {
	for _, name := range step.After {
		r.background.mu.Lock()
		done := r.background.done[name]
		r.background.mu.Unlock()
		if done == nil {
			continue // never started: its phase ended before it
		}
		select {
		case <-done:
		case <-ctx.Done():
			return false
		}
	}
	return true
}

// endBackground cancels the background steps still running, each with its
// whole process group, and waits until they are recorded.
func (r *run) endBackground() {
	r.background.cancel(errDrillEnded)
	r.background.wg.Wait()
}

// cancelledMessage is how a background step cut short by the end of the
// drill reads, whatever its kind said about being killed.
func cancelledMessage(ctx context.Context) string {
	cause := context.Cause(ctx)
	if errors.Is(cause, errDrillEnded) {
		return "cancelled: " + errDrillEnded.Error()
	}
	return fmt.Sprintf("cancelled: %s", strings.TrimPrefix(cause.Error(), "context canceled: "))
}
