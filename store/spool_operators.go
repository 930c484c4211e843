package store

import (
	"context"
	"time"
)

// The operators' requests and the runner's polls for them are never
// spooled: an answer is only given once the store has it, and a runner
// that cannot read the store hears no answer (its terminal still can).

func (s *spooled) Answer(ctx context.Context, runID, step string, a Answer) error {
	return within(ctx, s.writeTimeout, func(ctx context.Context) error { return s.backend.Answer(ctx, runID, step, a) })
}

func (s *spooled) Waiting(ctx context.Context) ([]WaitingStep, error) { return s.backend.Waiting(ctx) }

func (s *spooled) RequestAbort(ctx context.Context, runID, by, note string) error {
	return within(ctx, s.writeTimeout, func(ctx context.Context) error { return s.backend.RequestAbort(ctx, runID, by, note) })
}

func (s *spooled) AnswerOf(ctx context.Context, runID string, seq int) (Answer, bool, error) {
	return withinFound(ctx, s.writeTimeout, func(ctx context.Context) (Answer, bool, error) { return s.backend.AnswerOf(ctx, runID, seq) })
}

func (s *spooled) StopWaiting(ctx context.Context, runID string, seq int) (Answer, bool, error) {
	return withinFound(ctx, s.writeTimeout, func(ctx context.Context) (Answer, bool, error) { return s.backend.StopWaiting(ctx, runID, seq) })
}

func (s *spooled) AbortRequested(ctx context.Context, runID string) (AbortRequest, bool, error) {
	return withinFound(ctx, s.writeTimeout, func(ctx context.Context) (AbortRequest, bool, error) {
		return s.backend.AbortRequested(ctx, runID)
	})
}

// withinFound is within for a read that may find nothing; the value of a
// call given up on is never read.
func withinFound[T any](ctx context.Context, limit time.Duration, call func(context.Context) (T, bool, error)) (T, bool, error) {
	type found struct {
		value T
		ok    bool
	}
	results := make(chan found, 1)
	err := within(ctx, limit, func(ctx context.Context) error {
		value, ok, err := call(ctx)
		results <- found{value, ok}
		return err
	})
	if err != nil {
		var zero T
		return zero, false, err
	}
	result := <-results
	return result.value, result.ok, nil
}

func (s *spooled) ManualTimes(ctx context.Context, since time.Time) ([]ManualTime, error) {
	return s.backend.ManualTimes(ctx, since)
}
