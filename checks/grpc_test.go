package checks

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/zclconf/go-cty/cty"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

// healthServer is a real gRPC server on loopback with the standard health
// service, whose statuses the test sets.
func healthServer(t *testing.T) (*health.Server, string) {
	t.Helper()
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	server := grpc.NewServer()
	statuses := health.NewServer()
	healthpb.RegisterHealthServer(server, statuses)
	go func() { _ = server.Serve(listener) }()
	t.Cleanup(server.Stop)
	return statuses, listener.Addr().String()
}

func grpcCall(t *testing.T, env *Env, attrs map[string]cty.Value) Outcome {
	t.Helper()
	k := kind(t, "grpc")
	return env.Execute(t.Context(), Call{Kind: k, Config: config(t, k, attrs), Timeout: 5 * time.Second})
}

func TestGRPCHealth(t *testing.T) {
	statuses, address := healthServer(t)
	statuses.SetServingStatus("orders.v1.Orders", healthpb.HealthCheckResponse_SERVING)
	statuses.SetServingStatus("billing.v1.Billing", healthpb.HealthCheckResponse_NOT_SERVING)
	env := NewEnv(Deps{})
	defer env.Close()
	tests := []struct {
		service, status string
		passed          bool
		message         string
	}{
		{"", "SERVING", true, ""}, // the server as a whole
		{"orders.v1.Orders", "SERVING", true, ""},
		{"billing.v1.Billing", "NOT_SERVING", false, "status NOT_SERVING, want SERVING"},
		{"unknown.v1.Unknown", "SERVICE_UNKNOWN", false, "status SERVICE_UNKNOWN, want SERVING"},
	}
	for _, tt := range tests {
		t.Run(tt.status+" "+tt.service, func(t *testing.T) {
			outcome := grpcCall(t, env, map[string]cty.Value{"address": cty.StringVal(address), "service": cty.StringVal(tt.service)})
			if outcome.Passed != tt.passed || outcome.Message != tt.message || field(t, outcome.Result, "status") != tt.status {
				t.Errorf("passed=%v message=%q status=%v; want %v, %q, %s", outcome.Passed, outcome.Message, field(t, outcome.Result, "status"), tt.passed, tt.message, tt.status)
			}
		})
	}
}

// A service that goes back to serving is seen at the next check, over the
// channel the drill keeps.
func TestGRPCHealthFollowsTheService(t *testing.T) {
	statuses, address := healthServer(t)
	env := NewEnv(Deps{})
	defer env.Close()
	attrs := map[string]cty.Value{"address": cty.StringVal(address), "service": cty.StringVal("orders")}
	statuses.SetServingStatus("orders", healthpb.HealthCheckResponse_NOT_SERVING)
	if outcome := grpcCall(t, env, attrs); outcome.Passed {
		t.Fatal("a service not serving passed")
	}
	statuses.SetServingStatus("orders", healthpb.HealthCheckResponse_SERVING)
	if outcome := grpcCall(t, env, attrs); !outcome.Passed {
		t.Errorf("the service serves again, the check failed: %s", outcome.Message)
	}
}

// A server that refuses fails at once, saying so; once it is back, the
// next check sees it at once, not after the channel's reconnect backoff.
func TestGRPCServerDownThenBack(t *testing.T) {
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	address := listener.Addr().String()
	listener.Close() // nothing listens there now
	env := NewEnv(Deps{})
	defer env.Close()
	attrs := map[string]cty.Value{"address": cty.StringVal(address)}
	for range 3 { // failures that would grow the backoff
		outcome := grpcCall(t, env, attrs)
		if outcome.Passed || !strings.Contains(outcome.Message, "health check of "+address) || outcome.Duration > 2*time.Second {
			t.Fatalf("passed=%v after %s: %q; want a prompt failure naming %s", outcome.Passed, outcome.Duration, outcome.Message, address)
		}
	}
	back, err := net.Listen("tcp", address)
	if err != nil {
		t.Skipf("the port was taken meanwhile: %v", err)
	}
	server := grpc.NewServer()
	healthpb.RegisterHealthServer(server, health.NewServer())
	go func() { _ = server.Serve(back) }()
	defer server.Stop()
	if outcome := grpcCall(t, env, attrs); !outcome.Passed || outcome.Duration > 2*time.Second {
		t.Errorf("passed=%v after %s (%s): the server is back and the check did not see it at once", outcome.Passed, outcome.Duration, outcome.Message)
	}
}

// BenchmarkGRPCHealth is one health check through the kind, and through
// the bare client on the same kind of channel, against a local server.
func BenchmarkGRPCHealth(b *testing.B) {
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	server := grpc.NewServer()
	healthpb.RegisterHealthServer(server, health.NewServer())
	go func() { _ = server.Serve(listener) }()
	defer server.Stop()
	address := listener.Addr().String()
	b.Run("redrill", func(b *testing.B) {
		env := NewEnv(Deps{})
		defer env.Close()
		k := newGRPCKind()
		call := Call{Kind: k, Config: cty.ObjectVal(map[string]cty.Value{
			"address": cty.StringVal(address), "service": cty.NullVal(cty.String), "tls": cty.NullVal(cty.Bool),
			"insecure_skip_verify": cty.NullVal(cty.Bool), "timeout": cty.NullVal(cty.String),
		}), Timeout: 5 * time.Second}
		for b.Loop() {
			if outcome := env.Execute(b.Context(), call); !outcome.Passed {
				b.Fatal(outcome.Message)
			}
		}
	})
	b.Run("bare", func(b *testing.B) {
		conn, err := grpc.NewClient(address, grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			b.Fatal(err)
		}
		defer conn.Close()
		client := healthpb.NewHealthClient(conn)
		for b.Loop() {
			ctx, cancel := context.WithTimeout(b.Context(), 5*time.Second)
			if _, err := client.Check(ctx, &healthpb.HealthCheckRequest{}); err != nil {
				b.Fatal(err)
			}
			cancel()
		}
	})
}

// slowHealth answers no check before its client gives up, and says when
// the server saw the call cancelled.
type slowHealth struct {
	healthpb.UnimplementedHealthServer
	cancelled chan struct{}
}

func (h slowHealth) Check(ctx context.Context, _ *healthpb.HealthCheckRequest) (*healthpb.HealthCheckResponse, error) {
	<-ctx.Done()
	close(h.cancelled)
	return nil, ctx.Err()
}

// A check that times out cancels the call on the server: the handler's
// context ends with the attempt, not when the handler gives up.
func TestGRPCTimeoutCancelsTheCallOnTheServer(t *testing.T) {
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	server := grpc.NewServer()
	slow := slowHealth{cancelled: make(chan struct{})}
	healthpb.RegisterHealthServer(server, slow)
	go func() { _ = server.Serve(listener) }()
	t.Cleanup(server.Stop)
	env := NewEnv(Deps{})
	defer env.Close()
	k := kind(t, "grpc")
	outcome := env.Execute(t.Context(), Call{Kind: k, Config: config(t, k, map[string]cty.Value{"address": cty.StringVal(listener.Addr().String())}), Timeout: 300 * time.Millisecond})
	if outcome.Passed || !strings.HasPrefix(outcome.Message, "timed out after 300ms") {
		t.Fatalf("passed=%v message=%q, want a timeout", outcome.Passed, outcome.Message)
	}
	select {
	case <-slow.cancelled:
	case <-time.After(2 * time.Second):
		t.Fatal("2s after the timeout the server's handler still runs: the call was not cancelled there")
	}
}
