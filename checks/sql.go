package checks

import (
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/zclconf/go-cty/cty"
)

// sqlKind runs one query: `sql { dsn = "...", query = "SELECT ..." }`.
type sqlKind struct{}

func (sqlKind) Name() string { return "sql" }

// SQL drivers a scenario may name; the first is the default.
var sqlDrivers = []string{"postgres", "sqlite"}

func (sqlKind) Spec() hcldec.ObjectSpec {
	return hcldec.ObjectSpec{
		"driver":  oneOf("driver", sqlDrivers...),
		"dsn":     required("dsn", cty.String),
		"query":   required("query", cty.String),
		"args":    optional("args", cty.List(cty.DynamicPseudoType)),
		"timeout": optionalDuration("timeout"),
	}
}

func (sqlKind) ResultType() cty.Type {
	return resultType(map[string]cty.Type{
		// The shape of rows and value depends on the query.
		"rows":      cty.DynamicPseudoType,
		"row_count": cty.Number,
		"value":     cty.DynamicPseudoType,
		"duration":  cty.Number,
	})
}
