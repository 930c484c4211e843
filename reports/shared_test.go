package reports

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// Requests that arrive while a page is being written wait for one more
// writing of it, begun after they arrived, and share it; the request
// being answered gets the writing it started.
func TestRequestsArrivingDuringAWritingShareTheNext(t *testing.T) {
	release := make(chan struct{})
	var mu sync.Mutex
	writings := 0
	shared := shareAnswers(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		writings++
		n := writings
		mu.Unlock()
		if n == 1 {
			<-release
		}
		w.Header().Set("Content-Type", "text/plain")
		fmt.Fprintf(w, "writing %d", n)
	}))
	server := httptest.NewServer(shared)
	defer server.Close()

	ask := func(answers chan<- string) {
		resp, err := http.Get(server.URL + "/metrics")
		if err != nil {
			answers <- err.Error()
			return
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		answers <- fmt.Sprintf("%d %s %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	first := make(chan string, 1)
	go ask(first)
	waitUntil(t, func() bool { mu.Lock(); defer mu.Unlock(); return writings == 1 })
	later := make(chan string, 3)
	for range 3 {
		go ask(later)
	}
	waitUntil(t, func() bool { // the three wait for the next writing
		shared.mu.Lock()
		defer shared.mu.Unlock()
		for _, answer := range shared.pending {
			return answer.waiters == 3
		}
		return false
	})
	close(release)
	if got := <-first; got != "200 text/plain writing 1" {
		t.Errorf("the first request got %q", got)
	}
	for range 3 {
		if got := <-later; got != "200 text/plain writing 2" {
			t.Errorf("a request that arrived during the first writing got %q, want the second writing", got)
		}
	}
	if writings != 2 {
		t.Errorf("%d writings for four requests, want 2", writings)
	}
}

// waitUntil polls condition for at most 5 s.
func waitUntil(t *testing.T, condition func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !condition(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
	}
}
