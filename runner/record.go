package runner

import (
	"context"
	"sync"
	"time"
)

// recorder writes a run's events to the store in order, off the drill's
// path, so that a slow or hanging store never delays a step and so never
// adds to a measured recovery time. The store bounds each write and spools
// what it cannot write, so the queue always drains.
type recorder struct {
	mu      sync.Mutex
	queue   []func(context.Context) error
	closed  bool
	ready   *sync.Cond
	drained chan struct{}
	onError func(error)
}

func startRecorder(onError func(error)) *recorder {
	rec := &recorder{drained: make(chan struct{}), onError: onError}
	rec.ready = sync.NewCond(&rec.mu)
	go rec.loop()
	return rec
}

// add queues a write.
func (rec *recorder) add(write func(context.Context) error) {
	rec.mu.Lock()
	rec.queue = append(rec.queue, write)
	rec.mu.Unlock()
	rec.ready.Signal()
}

// close waits until every queued write is done.
func (rec *recorder) close() {
	rec.mu.Lock()
	rec.closed = true
	rec.mu.Unlock()
	rec.ready.Signal()
	<-rec.drained
}

func (rec *recorder) loop() {
	defer close(rec.drained)
	for {
		rec.mu.Lock()
		for len(rec.queue) == 0 && !rec.closed {
			rec.ready.Wait()
		}
		if len(rec.queue) == 0 {
			rec.mu.Unlock()
			return
		}
		write := rec.queue[0]
		rec.queue = rec.queue[1:]
		rec.mu.Unlock()

		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		if err := write(ctx); err != nil {
			rec.onError(err)
		}
		cancel()
	}
}
