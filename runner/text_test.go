package runner

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestLiveLines(t *testing.T) {
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"half a second into the clock", clockLine(500*time.Millisecond, 10*time.Second), "    … 0.5s elapsed of RTO 10s [#-------------------]   5%"},
		{"past the objective", clockLine(90*time.Second, time.Minute), "    … 1m30s elapsed of RTO 1m [####################] 150%"},
		{"no objective", clockLine(3*time.Second, 0), "    … 3.0s elapsed"},
		{"a long step before the clock", stepLine("dump-is-fresh", 12300*time.Millisecond), "    … dump-is-fresh: 12.3s elapsed"},
		{"an hour-long step", stepLine("restore", time.Hour+2*time.Second+400*time.Millisecond), "    … restore: 1h0m2s elapsed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got  %q\nwant %q", tt.got, tt.want)
			}
		})
	}
}

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
	text := NewTextOutput(out, true)
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
