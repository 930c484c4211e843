package runner

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/redrill/redrill/reports"
)

// syncWriter collects output written from the ticker goroutine.
type syncWriter struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (w *syncWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Write(p)
}

func (w *syncWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// A long steady_state step, before the clock starts, has a live line of
// its own on a terminal.
func TestLiveLineForLongStepOutsideTheClock(t *testing.T) {
	out := &syncWriter{}
	text := reports.NewLiveText(out, true)
	result, _, _ := drill(t, context.Background(), `scenario "slow-check" {
		steady_state {
			check "slow" {
				command { run = ["sleep", "1.2"] }
			}
		}
		recover {
			step "restore" {
				command { run = ["true"] }
			}
		}
	}`, func(o *Options) { o.Observe = text.Observe })
	if result.Verdict != "met" {
		t.Fatalf("verdict %s: %s", result.Verdict, result.Reason)
	}
	if !strings.Contains(out.String(), "\r    … slow: ") {
		t.Errorf("no live line while the steady_state step ran:\n%q", out.String())
	}
}
