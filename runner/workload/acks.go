package workload

import (
	"sync"
	"time"
)

// acks keeps when each attempt was acknowledged, by sequence number, to
// the millisecond: 4 bytes an attempt in pages of pageSize, so that an
// hour at 1,000 writes a second takes 14 MB, never a map of every write,
// and growing never copies what is kept.
type acks struct {
	mu    sync.Mutex
	start time.Time
	pages [][]uint32
}

const pageSize = 1 << 16

// notAcked marks an attempt that failed, was cancelled or has not ended.
const notAcked = 0

func newAcks(start time.Time) *acks { return &acks{start: start} }

// set records that attempt seq (from 1) was acknowledged at at.
func (a *acks) set(seq int64, at time.Time) {
	// Stored plus one, so that zero means not acknowledged; an
	// acknowledgement in the workload's first millisecond is kept as 1.
	ms := at.Sub(a.start).Milliseconds() + 1
	ms = max(1, min(ms, 1<<32-1))
	index := seq - 1
	a.mu.Lock()
	defer a.mu.Unlock()
	for int64(len(a.pages))*pageSize <= index {
		a.pages = append(a.pages, make([]uint32, pageSize))
	}
	a.pages[index/pageSize][index%pageSize] = uint32(ms)
}

// each calls visit for every sequence number from 1 to last, in order,
// with its acknowledgement time, or false when it was not acknowledged.
func (a *acks) each(last int64, visit func(seq int64, ackedAt time.Time, acked bool)) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for seq := int64(1); seq <= last; seq++ {
		index := seq - 1
		var stored uint32 = notAcked
		if page := index / pageSize; page < int64(len(a.pages)) {
			stored = a.pages[page][index%pageSize]
		}
		if stored == notAcked {
			visit(seq, time.Time{}, false)
			continue
		}
		visit(seq, a.start.Add(time.Duration(stored-1)*time.Millisecond), true)
	}
}
