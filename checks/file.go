package checks

import (
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/zclconf/go-cty/cty"
)

// fileKind looks at a file: `file { path = "/var/backups/latest.dump" }`.
// A missing file is a result (exists = false), not an error.
type fileKind struct{}

func (fileKind) Name() string { return "file" }

func (fileKind) Spec() hcldec.ObjectSpec {
	return hcldec.ObjectSpec{
		"path": required("path", cty.String),
	}
}

func (fileKind) ResultType() cty.Type {
	return resultType(map[string]cty.Type{
		"exists":   cty.Bool,
		"size":     cty.Number,
		"modified": cty.String,
		"age":      cty.Number,
	})
}
