package reports

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/redrill/redrill/store"
)

// blockingReader answers Runs once released, and records how many calls
// were under way at once.
type blockingReader struct {
	store.Reader
	release chan struct{}
	mu      sync.Mutex
	now     int // calls under way
	most    int
	calls   int
}

func (b *blockingReader) Runs(ctx context.Context, q store.RunQuery) ([]store.Run, error) {
	b.mu.Lock()
	b.now++
	b.calls++
	b.most = max(b.most, b.now)
	b.mu.Unlock()
	defer func() { b.mu.Lock(); b.now--; b.mu.Unlock() }()
	select {
	case <-b.release:
		return nil, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (b *blockingReader) counts() (now, most, calls int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.now, b.most, b.calls
}

// Many clients at once: the dashboard reads the store for readsInFlight of
// them at a time, the others wait for their turn, and all are answered.
func TestDashboardBoundsConcurrentStoreReads(t *testing.T) {
	reader := &blockingReader{release: make(chan struct{})}
	server := httptest.NewServer(Handler(reader, HandlerOptions{}))
	defer server.Close()

	clients := 3 * readsInFlight
	codes := make(chan int, clients)
	for range clients {
		go func() {
			resp, err := http.Get(server.URL + "/api/runs")
			if err != nil {
				t.Error(err)
				codes <- 0
				return
			}
			resp.Body.Close()
			codes <- resp.StatusCode
		}()
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if now, _, _ := reader.counts(); now == readsInFlight {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d clients: the store was never read by %d at once", clients, readsInFlight)
		}
	}
	close(reader.release)
	for range clients {
		if code := <-codes; code != http.StatusOK {
			t.Errorf("a client waiting for its turn got %d, want 200", code)
		}
	}
	if _, most, calls := reader.counts(); most != readsInFlight || calls != clients {
		t.Errorf("%d clients: %d store reads, at most %d at once; want %d, at most %d at once", clients, calls, most, clients, readsInFlight)
	}
}

// A client that waited too long for its turn is told to retry.
func TestDashboardBusyAnswers503(t *testing.T) {
	limit := newReadLimit(1, time.Millisecond)
	limit.slots <- struct{}{} // another request reads the store
	recorder := httptest.NewRecorder()
	limit.handle(func(w http.ResponseWriter, r *http.Request) { t.Error("read the store without a turn") })(recorder, httptest.NewRequest("GET", "/", nil))
	if recorder.Code != http.StatusServiceUnavailable || recorder.Header().Get("Retry-After") != "1" {
		t.Errorf("answered %d with Retry-After %q, want 503 with Retry-After 1", recorder.Code, recorder.Header().Get("Retry-After"))
	}
}
