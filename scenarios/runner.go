package scenarios

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/redrill/redrill/internal/labels"
)

// runnerSchema is the body of a runner block: where a drill may run.
var runnerSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "labels", Required: true}},
}

// decodeRunner reads `runner { labels = { site = "eu-west" } }`: the
// labels a runner must have, every one, to run the drill on a schedule.
func decodeRunner(block *hcl.Block, ctx *hcl.EvalContext) (map[string]string, hcl.Diagnostics) {
	content, diags := block.Body.Content(runnerSchema)
	attr := content.Attributes["labels"]
	if attr == nil {
		return nil, diags
	}
	value, valueDiags := attributeValue(attr, ctx, cty.Map(cty.String))
	diags = append(diags, valueDiags...)
	if valueDiags.HasErrors() {
		return nil, diags
	}
	value, _ = value.UnmarkDeep()
	invalid := func(err error) *hcl.Diagnostic {
		return &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Invalid runner label",
			Detail:   fmt.Sprintf("%v. A runner says its own labels with serve --label KEY=VALUE.", err),
			Subject:  attr.Expr.Range().Ptr(),
		}
	}
	wanted := map[string]string{}
	for it := value.ElementIterator(); it.Next(); {
		key, element := it.Element()
		if element.IsNull() {
			diags = append(diags, invalid(fmt.Errorf("label %s is null", key.AsString())))
			continue
		}
		if err := labels.CheckKey(key.AsString()); err != nil {
			diags = append(diags, invalid(err))
			continue
		}
		if err := labels.CheckValue(key.AsString(), element.AsString()); err != nil {
			diags = append(diags, invalid(err))
			continue
		}
		wanted[key.AsString()] = element.AsString()
	}
	if len(wanted) == 0 && !diags.HasErrors() {
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Runner block without labels",
			Detail:   "List at least one label a runner must have, such as labels = { site = \"eu-west\" }, or remove the block: without it any runner may run the drill.",
			Subject:  attr.Expr.Range().Ptr(),
		})
	}
	return wanted, diags
}
