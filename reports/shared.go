package reports

import (
	"bytes"
	"context"
	"maps"
	"net/http"
	"sync"
)

// sharedAnswers answers the requests for one page that arrive while it is
// being written with one more writing of it, begun after they all
// arrived: twenty clients asking at once cost two reports, not twenty,
// and none is answered from a read that began before it asked.
type sharedAnswers struct {
	next http.Handler

	mu      sync.Mutex
	pending map[string]*sharedAnswer // by request, not begun yet
	writing map[string]bool
}

// sharedAnswer is one writing of a page, for every request waiting on it.
type sharedAnswer struct {
	done    chan struct{}
	waiters int
	status  int
	header  http.Header
	body    bytes.Buffer
}

func shareAnswers(next http.Handler) *sharedAnswers {
	return &sharedAnswers{next: next, pending: map[string]*sharedAnswer{}, writing: map[string]bool{}}
}

func (s *sharedAnswers) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// What makes two answers differ: the page, its query, the encoding.
	key := r.URL.RequestURI() + "\x00" + r.Header.Get("Accept") + "\x00" + r.Header.Get("Accept-Encoding")
	s.mu.Lock()
	answer, ok := s.pending[key]
	if !ok {
		answer = &sharedAnswer{done: make(chan struct{}), header: http.Header{}}
		s.pending[key] = answer
		if !s.writing[key] {
			s.writing[key] = true
			go s.write(key, r)
		}
	}
	answer.waiters++
	s.mu.Unlock()
	select {
	case <-answer.done:
	case <-r.Context().Done():
		return
	}
	maps.Copy(w.Header(), answer.header)
	w.WriteHeader(answer.status)
	_, _ = w.Write(answer.body.Bytes())
}

// write writes the pending answer of key, then the next one while
// requests keep arriving. The request is the first of those waiting; its
// client leaving does not cancel the others' answer.
func (s *sharedAnswers) write(key string, first *http.Request) {
	request := first.WithContext(context.WithoutCancel(first.Context()))
	for {
		s.mu.Lock()
		answer, ok := s.pending[key]
		if !ok {
			delete(s.writing, key)
			s.mu.Unlock()
			return
		}
		delete(s.pending, key)
		s.mu.Unlock()
		s.next.ServeHTTP(answer, request)
		if answer.status == 0 {
			answer.status = http.StatusOK
		}
		answer.compress(acceptsGzip(request.Header.Get("Accept-Encoding")))
		close(answer.done)
	}
}

// compress gzips a page of some size once for every client waiting on
// it, when they take gzip and the handler did not encode it itself (a
// scrape is gzipped by its handler). A page of a thousand scenarios is
// most of a megabyte of HTML; gzipped, a tenth of it.
func (a *sharedAnswer) compress(takesGzip bool) {
	a.header.Add("Vary", "Accept-Encoding")
	if !takesGzip || a.status != http.StatusOK || a.header.Get("Content-Encoding") != "" || a.body.Len() < 1024 {
		return
	}
	compressed, err := gzipped(a.body.Bytes())
	if err != nil {
		return // answered as written
	}
	a.body.Reset()
	a.body.Write(compressed)
	a.header.Set("Content-Encoding", "gzip")
	a.header.Del("Content-Length")
}

func (a *sharedAnswer) Header() http.Header { return a.header }
func (a *sharedAnswer) WriteHeader(status int) {
	if a.status == 0 {
		a.status = status
	}
}
func (a *sharedAnswer) Write(p []byte) (int, error) {
	a.WriteHeader(http.StatusOK)
	return a.body.Write(p)
}
