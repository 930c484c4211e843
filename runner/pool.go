package runner

import (
	"context"
	"slices"
	"sync"
)

// drillPool is what outlives a reload: the drills under way, so that a
// reload neither cancels one nor starts it a second time, a game day waits
// for its scenarios' scheduled runs to end, and shutdown cancels and waits
// for all of them.
type drillPool struct {
	ctx     context.Context
	cancel  context.CancelCauseFunc
	running sync.WaitGroup
	mu      sync.Mutex
	freed   *sync.Cond      // signalled when names leave active, and at shutdown
	active  map[string]bool // scenario and game-day names
	// waited counts game days waiting for a name: no new drill of it
	// starts meanwhile, so a frequent schedule cannot keep one waiting.
	waited map[string]int
	// notifiers of every schedule since start: a drill started before a
	// reload posts its finish through the notifier of its schedule.
	notifiers []*Notifier
}

func newDrillPool() *drillPool {
	ctx, cancel := context.WithCancelCause(context.Background())
	p := &drillPool{ctx: ctx, cancel: cancel, active: map[string]bool{}, waited: map[string]int{}}
	p.freed = sync.NewCond(&p.mu)
	return p
}

// enter marks a name as running; false when it already is, or when serve
// is stopping.
func (p *drillPool) enter(name string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.active[name] || p.waited[name] > 0 || p.ctx.Err() != nil {
		return false
	}
	p.active[name] = true
	p.running.Add(1)
	return true
}

// watch runs f on its own, counted among the drills under way so that
// shutdown waits for it; f must return once p.ctx is done. False when
// serve is stopping.
func (p *drillPool) watch(f func()) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ctx.Err() != nil {
		return false
	}
	p.running.Go(f)
	return true
}

// enterAll waits until none of names is running, then marks them all as
// running; false when serve is stopping.
func (p *drillPool) enterAll(names []string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, name := range names {
		p.waited[name]++
	}
	for p.ctx.Err() == nil && slices.ContainsFunc(names, func(name string) bool { return p.active[name] }) {
		p.freed.Wait()
	}
	for _, name := range names {
		if p.waited[name]--; p.waited[name] == 0 {
			delete(p.waited, name)
		}
	}
	if p.ctx.Err() != nil {
		return false
	}
	for _, name := range names {
		p.active[name] = true
	}
	p.running.Add(1)
	return true
}

// busy lists those of names that are running.
func (p *drillPool) busy(names []string) []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var running []string
	for _, name := range names {
		if p.active[name] {
			running = append(running, name)
		}
	}
	return running
}

// leave ends what enter or enterAll began.
func (p *drillPool) leave(names ...string) {
	p.mu.Lock()
	for _, name := range names {
		delete(p.active, name)
	}
	p.mu.Unlock()
	p.freed.Broadcast()
	p.running.Done()
}

// stop cancels the drills under way with cause, which their reason
// names, and wakes whatever waits to start one.
func (p *drillPool) stop(cause error) {
	p.mu.Lock()
	p.cancel(cause)
	p.mu.Unlock()
	p.freed.Broadcast()
}
