package checks

import (
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/zclconf/go-cty/cty"
)

// httpKind sends one HTTP request: `http { url = "https://..." }`.
type httpKind struct{}

func (httpKind) Name() string { return "http" }

func (httpKind) Spec() hcldec.ObjectSpec {
	return hcldec.ObjectSpec{
		"url":                  required("url", cty.String),
		"method":               oneOf("method", "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"),
		"headers":              optional("headers", cty.Map(cty.String)),
		"body":                 optional("body", cty.String),
		"timeout":              optionalDuration("timeout"),
		"insecure_skip_verify": optional("insecure_skip_verify", cty.Bool),
		"follow_redirects":     optional("follow_redirects", cty.Bool),
	}
}

func (httpKind) ResultType() cty.Type {
	return resultType(map[string]cty.Type{
		"status":   cty.Number,
		"headers":  cty.Map(cty.String),
		"body":     cty.String,
		"json":     cty.DynamicPseudoType,
		"duration": cty.Number,
	})
}
