package checks

import (
	"fmt"
	"sync"
)

// maxOutput bounds what is kept of a command's stdout and stderr, and of an
// HTTP body, so a chatty restore cannot exhaust memory.
const maxOutput = 1 << 20

// boundedBuffer keeps the first and the last half of what is written to it,
// dropping the middle: the start says what ran, the end how it ended.
type boundedBuffer struct {
	mu      sync.Mutex
	limit   int
	head    []byte
	tail    []byte // ring of the last limit/2 bytes once head is full
	tailPos int
	dropped int64
}

func newBoundedBuffer(limit int) *boundedBuffer {
	return &boundedBuffer{limit: limit}
}

func (b *boundedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := len(p)
	headLimit := b.limit / 2
	if room := headLimit - len(b.head); room > 0 {
		take := min(room, len(p))
		b.head = append(b.head, p[:take]...)
		p = p[take:]
	}
	tailLimit := b.limit - headLimit
	for len(p) > 0 {
		if len(b.tail) < tailLimit {
			take := min(tailLimit-len(b.tail), len(p))
			b.tail = append(b.tail, p[:take]...)
			p = p[take:]
			continue
		}
		// The ring is full: new bytes overwrite the oldest.
		take := min(tailLimit-b.tailPos, len(p))
		copy(b.tail[b.tailPos:], p[:take])
		b.tailPos = (b.tailPos + take) % tailLimit
		b.dropped += int64(take)
		p = p[take:]
	}
	return n, nil
}

// String returns what was kept, with a marker where bytes were dropped.
func (b *boundedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	tail := append(append([]byte(nil), b.tail[b.tailPos:]...), b.tail[:b.tailPos]...)
	if b.dropped == 0 {
		return string(b.head) + string(tail)
	}
	return fmt.Sprintf("%s\n[... %d bytes dropped ...]\n%s", b.head, b.dropped, tail)
}
