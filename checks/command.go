package checks

import (
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/zclconf/go-cty/cty"
)

// commandKind runs a program: `command { run = ["pg_restore", ...] }`.
// The argv is executed directly, never through a shell.
type commandKind struct{}

func (commandKind) Name() string { return "command" }

func (commandKind) Spec() hcldec.ObjectSpec {
	return hcldec.ObjectSpec{
		"run":     required("run", cty.List(cty.String)),
		"dir":     optional("dir", cty.String),
		"env":     optional("env", cty.Map(cty.String)),
		"timeout": optionalDuration("timeout"),
	}
}

func (commandKind) ResultType() cty.Type {
	return resultType(map[string]cty.Type{
		"exit_code": cty.Number,
		"stdout":    cty.String,
		"stderr":    cty.String,
		"duration":  cty.Number,
	})
}
