package checks

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/zclconf/go-cty/cty"
)

// tcpKind opens a TCP connection: `tcp { address = "db:5432" }`.
type tcpKind struct{ declaration }

func init() { register(newTCPKind()) }

func newTCPKind() tcpKind {
	return tcpKind{declaration{
		name: "tcp",
		spec: hcldec.ObjectSpec{
			"address": required("address", cty.String),
			"timeout": optionalDuration("timeout"),
		},
		result: resultType(map[string]cty.Type{
			"connected": cty.Bool,
			"duration":  cty.Number,
		}),
		// A host that drops packets must not hang a step that gives no
		// timeout.
		defaultTimeout: 10 * time.Second,
	}}
}

// Run reports connected = false, not an error, when the connection is
// refused or times out: a closed port is a result a drill may expect.
func (tcpKind) Run(ctx context.Context, env *Env, config cty.Value) (map[string]cty.Value, error) {
	address := stringAttr(config, "address")
	if _, _, err := net.SplitHostPort(address); err != nil {
		return nil, fmt.Errorf("address %q: %w; write host:port, such as \"db.internal:5432\"", address, err)
	}
	started := env.Now()
	var dialer net.Dialer
	conn, err := dialer.DialContext(ctx, "tcp", address)
	duration := seconds(env.Now().Sub(started))
	if err != nil {
		var dnsErr *net.DNSError
		if errors.As(err, &dnsErr) && dnsErr.IsNotFound {
			return map[string]cty.Value{"connected": cty.False, "duration": duration}, fmt.Errorf("connect to %s: %w", address, err)
		}
		return map[string]cty.Value{"connected": cty.False, "duration": duration}, nil
	}
	_ = conn.Close()
	return map[string]cty.Value{"connected": cty.True, "duration": duration}, nil
}

func (tcpKind) Succeeded(result cty.Value) (bool, string) {
	connected := result.GetAttr("connected")
	if !connected.IsNull() && connected.True() {
		return true, ""
	}
	return false, "not connected"
}
