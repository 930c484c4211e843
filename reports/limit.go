package reports

import (
	"net/http"
	"strconv"
	"time"
)

// readsInFlight bounds the dashboard's requests that read the store at
// once (/, /runs/{id}, /api/*; /metrics has its own bound,
// scrapesInFlight). Scheduled drills come first: past a few concurrent
// reads, more clients only add CPU and store contention, which delays the
// scheduler's claims and its drills' writes, without answering sooner.
const readsInFlight = 4

// readWaitLimit is how long a request waits for its turn to read the
// store; past it the dashboard answers 503 with Retry-After.
const readWaitLimit = 10 * time.Second

// readLimit lets at most cap(l.slots) requests read the store at once;
// the others wait for their turn, for at most l.wait.
type readLimit struct {
	slots chan struct{}
	wait  time.Duration
}

func newReadLimit(inFlight int, wait time.Duration) readLimit {
	return readLimit{slots: make(chan struct{}, inFlight), wait: wait}
}

// handle runs next once a slot is free; a client that leaves meanwhile
// gets nothing, one that waited too long a 503.
func (l readLimit) handle(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		timer := time.NewTimer(l.wait)
		defer timer.Stop()
		select {
		case l.slots <- struct{}{}:
			defer func() { <-l.slots }()
			next(w, r)
		case <-r.Context().Done():
		case <-timer.C:
			w.Header().Set("Retry-After", strconv.Itoa(1))
			http.Error(w, "the dashboard is busy; retry", http.StatusServiceUnavailable)
		}
	}
}
