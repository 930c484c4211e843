package checks

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"time"

	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/zclconf/go-cty/cty"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/connectivity"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"
)

// grpcKind asks a service for its health, by the gRPC health checking
// protocol: `grpc { address = "orders.internal:50051" }`.
type grpcKind struct{ declaration }

func init() { register(newGRPCKind()) }

func newGRPCKind() grpcKind {
	return grpcKind{declaration{
		name: "grpc",
		spec: hcldec.ObjectSpec{
			"address":              required("address", cty.String),
			"service":              optional("service", cty.String),
			"tls":                  optional("tls", cty.Bool),
			"insecure_skip_verify": optional("insecure_skip_verify", cty.Bool),
			"timeout":              optionalDuration("timeout"),
		},
		result: resultType(map[string]cty.Type{
			"status":   cty.String,
			"duration": cty.Number,
		}),
		// A server that accepts and never answers must not hang a step
		// that gives no timeout.
		defaultTimeout: 10 * time.Second,
	}}
}

// Run sends one health check. A status the server answers, such as
// NOT_SERVING or SERVICE_UNKNOWN (the service is not registered), is a
// result, not an error; a server that cannot be reached is an error.
func (grpcKind) Run(ctx context.Context, env *Env, config cty.Value) (map[string]cty.Value, error) {
	address := stringAttr(config, "address")
	if _, _, err := net.SplitHostPort(address); err != nil {
		return nil, fmt.Errorf("address %q: %w; write host:port, such as \"orders.internal:50051\"", address, err)
	}
	conn, err := env.grpcConn(address, boolAttr(config, "tls", false), boolAttr(config, "insecure_skip_verify", false))
	if err != nil {
		return nil, err
	}
	started := env.Now()
	reply, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{Service: stringAttr(config, "service")})
	duration := seconds(env.Now().Sub(started))
	if err != nil {
		if status.Code(err) == codes.NotFound {
			return map[string]cty.Value{"status": cty.StringVal("SERVICE_UNKNOWN"), "duration": duration}, nil
		}
		return map[string]cty.Value{"duration": duration}, fmt.Errorf("health check of %s: %w", address, err)
	}
	return map[string]cty.Value{"status": cty.StringVal(reply.GetStatus().String()), "duration": duration}, nil
}

func (grpcKind) Succeeded(result cty.Value) (bool, string) {
	got := result.GetAttr("status")
	if got.IsNull() {
		return false, "no health status"
	}
	if got.AsString() == healthpb.HealthCheckResponse_SERVING.String() {
		return true, ""
	}
	return false, "status " + got.AsString() + ", want SERVING"
}

// grpcConn returns the drill's channel to a gRPC server, made on first
// use: a channel multiplexes every check of the drill over one connection.
// Checks do not wait for a server that refuses (no WaitForReady): a round
// that started before the recovery must not pass because of it.
func (e *Env) grpcConn(address string, useTLS, insecureSkipVerify bool) (*grpc.ClientConn, error) {
	key := fmt.Sprintf("%s\x00%t\x00%t", address, useTLS, insecureSkipVerify)
	e.mu.Lock()
	defer e.mu.Unlock()
	if conn, ok := e.grpcConns[key]; ok {
		// A channel that failed to connect waits longer and longer before
		// it tries again (up to two minutes): a server back up would be
		// seen late and the RTO overstated. A new channel connects now.
		if conn.GetState() != connectivity.TransientFailure {
			return conn, nil
		}
		_ = conn.Close()
	}
	creds := insecure.NewCredentials()
	if useTLS {
		creds = credentials.NewTLS(&tls.Config{InsecureSkipVerify: insecureSkipVerify})
	}
	conn, err := grpc.NewClient(address, grpc.WithTransportCredentials(creds))
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", address, err)
	}
	e.grpcConns[key] = conn
	return conn, nil
}
