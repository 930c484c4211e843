package checks

import (
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/zclconf/go-cty/cty"
)

// tcpKind opens a TCP connection: `tcp { address = "db:5432" }`.
type tcpKind struct{}

func (tcpKind) Name() string { return "tcp" }

func (tcpKind) Spec() hcldec.ObjectSpec {
	return hcldec.ObjectSpec{
		"address": required("address", cty.String),
		"timeout": optionalDuration("timeout"),
	}
}

func (tcpKind) ResultType() cty.Type {
	return resultType(map[string]cty.Type{
		"connected": cty.Bool,
		"duration":  cty.Number,
	})
}
