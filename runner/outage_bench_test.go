package runner

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redrill/redrill/scenarios"
	"github.com/redrill/redrill/store"
)

// refusingServer is a local TCP server that the drill tells, over HTTP,
// to refuse connections (it closes its listener: the kernel answers
// connection refused) and to accept them again on the same port. It
// measures how long it refused. Each refusal and each return comes at
// another point of the workload's attempt interval: the drill's steps
// would otherwise always meet the attempts at the same point of it (the
// warmup and the sleep being whole intervals).
type refusingServer struct {
	address  string
	control  string
	interval time.Duration

	// turn counts the refusals, which the points in the interval step by.
	turn atomic.Int64

	mu         sync.Mutex
	listener   net.Listener
	refusedAt  time.Time
	acceptedAt time.Time
}

func newRefusingServer(b *testing.B, interval time.Duration) *refusingServer {
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	s := &refusingServer{address: listener.Addr().String(), interval: interval}
	s.serve(listener)
	mux := http.NewServeMux()
	mux.HandleFunc("/refuse", func(w http.ResponseWriter, r *http.Request) {
		turn := s.turn.Add(1)
		time.Sleep(time.Duration(turn) * s.interval * 37 / 100 % s.interval)
		s.refuse()
	})
	mux.HandleFunc("/accept", func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(time.Duration(s.turn.Load()) * s.interval * 61 / 100 % s.interval)
		if err := s.accept(); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
		}
	})
	control := httptest.NewServer(mux)
	s.control = control.URL
	b.Cleanup(func() {
		control.Close()
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.listener != nil {
			s.listener.Close()
		}
	})
	return s
}

// serve accepts connections and closes them at once; s.mu is held or the
// server not yet shared.
func (s *refusingServer) serve(listener net.Listener) {
	s.listener = listener
	go func() {
		for {
			conn, err := listener.Accept()
			if err != nil {
				return
			}
			conn.Close()
		}
	}()
}

func (s *refusingServer) refuse() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.listener.Close()
	s.listener = nil
	s.refusedAt = time.Now()
}

func (s *refusingServer) accept() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	listener, err := net.Listen("tcp", s.address)
	if err != nil {
		return err
	}
	s.acceptedAt = time.Now()
	s.serve(listener)
	return nil
}

// refused is how long the server last refused connections.
func (s *refusingServer) refused() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.acceptedAt.Sub(s.refusedAt)
}

// BenchmarkWorkloadOutageAccuracy measures how far a workload's longest
// outage is from the truth: a drill's disrupt step makes a local TCP
// server refuse connections, its recover steps wait about half a second
// and make it accept them again, and a tcp workload connects throughout;
// the truth is how long the server refused, by its own clock. The outage
// runs from the last success before the refusal to the first after it, so
// it exceeds the truth by up to an interval on either side, plus a
// connection's latency. Reported: the mean, least and worst error
// (measured - truth) in milliseconds, and the bound the issue sets, two
// attempt intervals plus 10 ms.
func BenchmarkWorkloadOutageAccuracy(b *testing.B) {
	for _, rate := range []int{100, 1000} {
		b.Run(fmt.Sprintf("rate=%d", rate), func(b *testing.B) {
			interval := time.Second / time.Duration(rate)
			server := newRefusingServer(b, interval)
			src := fmt.Sprintf(`scenario "outage" {
  disrupt {
    step "refuse" {
      http { url = "%[1]s/refuse" }
    }
  }
  recover {
    step "down" {
      command { run = ["sleep", "0.5"] }
    }
    step "accept" {
      http { url = "%[1]s/accept" }
    }
  }
  workload "connect" {
    rate        = %[3]d
    concurrency = 4
    warmup      = "300ms"
    tcp { address = %[2]q }
  }
}`, server.control, server.address, rate)
			set, diags := scenarios.LoadSources(map[string][]byte{"outage.hcl": []byte(src)}, scenarios.Options{})
			if diags.HasErrors() {
				b.Fatal(diags.Error())
			}
			dir := b.TempDir()
			history, err := store.Open(context.Background(), filepath.Join(dir, "h.db"), store.Options{SpoolDir: dir})
			if err != nil {
				b.Fatal(err)
			}
			defer history.Close()

			var errors []time.Duration
			for b.Loop() {
				result := Run(context.Background(), set, set.Scenarios[0], Options{Store: history})
				if result.Verdict != store.VerdictMet || len(result.Workloads) != 1 {
					b.Fatalf("%s: %s", result.Verdict, result.Reason)
				}
				w := result.Workloads[0]
				if w.Failed == 0 {
					b.Fatalf("no attempt failed while the server refused for %s", server.refused())
				}
				errors = append(errors, w.LongestOutage-server.refused())
			}
			b.ReportMetric(float64(meanDuration(errors).Microseconds())/1000, "mean-error-ms")
			b.ReportMetric(float64(slices.Min(errors).Microseconds())/1000, "min-error-ms")
			b.ReportMetric(float64(slices.Max(errors).Microseconds())/1000, "max-error-ms")
			b.ReportMetric(float64((2*interval + 10*time.Millisecond).Milliseconds()), "bound-ms")
		})
	}
}

func meanDuration(durations []time.Duration) time.Duration {
	var sum time.Duration
	for _, d := range durations {
		sum += d
	}
	return sum / time.Duration(len(durations))
}
