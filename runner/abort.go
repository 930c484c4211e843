package runner

import (
	"context"
	"fmt"
	"time"

	"github.com/redrill/redrill/store"
)

// An abort request (redrill abort, the dashboard's button) reaches the
// runner through the store: it reads the request with every heartbeat,
// and every ManualPollInterval while a manual step waits, and stops the
// drill as an interrupt does. Rollback runs; the verdict is interrupted,
// its reason who asked and why.

// errAbortRequested is the cause of a drill stopped by an abort request.
type errAbortRequested struct{ request store.AbortRequest }

func (e errAbortRequested) Error() string {
	text := fmt.Sprintf("abort requested by %s at %s", e.request.By, e.request.At.UTC().Format(time.RFC3339))
	if e.request.Note != "" {
		text += ": " + e.request.Note
	}
	return text
}

// checkAbort stops the drill when the store holds a request to abort it.
// A store that cannot be read is asked again at the next chance.
func (r *run) checkAbort(ctx context.Context) {
	awaiter, ok := r.opts.Store.(store.Awaiter)
	if !ok || r.abort == nil {
		return
	}
	request, requested, err := awaiter.AbortRequested(ctx, r.result.ID)
	if err != nil || !requested {
		return
	}
	r.abort(errAbortRequested{request})
}
