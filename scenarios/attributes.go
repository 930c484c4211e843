package scenarios

import (
	"fmt"
	"math/big"
	"time"

	"github.com/agext/levenshtein"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"

	"github.com/redrill/redrill/scenarios/duration"
)

// Helpers that decode one attribute into a Go value. A nil attribute (not
// written) leaves the target as it is. These attributes are shown in plans,
// reports and messages, so they may not hold sensitive values.

// attributeValue evaluates attr and converts it to ty; the value must be
// known, not null and not sensitive.
func attributeValue(attr *hcl.Attribute, ctx *hcl.EvalContext, ty cty.Type) (cty.Value, hcl.Diagnostics) {
	value, diags := attr.Expr.Value(ctx)
	if diags.HasErrors() {
		return cty.NilVal, explainReferences(attr.Expr, ctx, diags)
	}
	if IsSensitive(value) {
		return cty.NilVal, append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Sensitive value not allowed here",
			Detail:   fmt.Sprintf("The %q attribute is shown in plans and reports, so it cannot be computed from a sensitive variable.", attr.Name),
			Subject:  attr.Expr.Range().Ptr(),
		})
	}
	converted, err := convert.Convert(value, ty)
	if err != nil {
		return cty.NilVal, append(diags, &hcl.Diagnostic{
			Severity:    hcl.DiagError,
			Summary:     "Incorrect attribute value type",
			Detail:      fmt.Sprintf("Inappropriate value for attribute %q: %s required.", attr.Name, ty.FriendlyName()),
			Subject:     attr.Expr.Range().Ptr(),
			Expression:  attr.Expr,
			EvalContext: ctx,
		})
	}
	if converted.IsNull() || !converted.IsWhollyKnown() {
		return cty.NilVal, append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Missing attribute value",
			Detail:   fmt.Sprintf("The %q attribute needs a value known before the drill runs.", attr.Name),
			Subject:  attr.Expr.Range().Ptr(),
		})
	}
	return converted, diags
}

func decodeString(attr *hcl.Attribute, ctx *hcl.EvalContext, target *string) hcl.Diagnostics {
	if attr == nil {
		return nil
	}
	value, diags := attributeValue(attr, ctx, cty.String)
	if diags.HasErrors() {
		return diags
	}
	value, _ = value.UnmarkDeep()
	*target = value.AsString()
	return diags
}

func decodeBool(attr *hcl.Attribute, ctx *hcl.EvalContext, target *bool) hcl.Diagnostics {
	if attr == nil {
		return nil
	}
	value, diags := attributeValue(attr, ctx, cty.Bool)
	if diags.HasErrors() {
		return diags
	}
	value, _ = value.UnmarkDeep()
	*target = value.True()
	return diags
}

func decodeStringList(attr *hcl.Attribute, ctx *hcl.EvalContext, target *[]string) hcl.Diagnostics {
	if attr == nil {
		return nil
	}
	value, diags := attributeValue(attr, ctx, cty.List(cty.String))
	if diags.HasErrors() {
		return diags
	}
	value, _ = value.UnmarkDeep()
	list := make([]string, 0, value.LengthInt())
	for it := value.ElementIterator(); it.Next(); {
		_, element := it.Element()
		if element.IsNull() {
			return append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Null in a list",
				Detail:   fmt.Sprintf("The %q attribute is a list of strings and cannot hold null.", attr.Name),
				Subject:  attr.Expr.Range().Ptr(),
			})
		}
		list = append(list, element.AsString())
	}
	*target = list
	return diags
}

// decodeWholeNumber reads a whole number no smaller than zero.
func decodeWholeNumber(attr *hcl.Attribute, ctx *hcl.EvalContext, target *int) hcl.Diagnostics {
	if attr == nil {
		return nil
	}
	value, diags := attributeValue(attr, ctx, cty.Number)
	if diags.HasErrors() {
		return diags
	}
	value, _ = value.UnmarkDeep()
	n, accuracy := value.AsBigFloat().Int64()
	if accuracy != big.Exact || n < 0 || n > 1_000_000 {
		return append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Invalid number",
			Detail:   fmt.Sprintf("The %q attribute must be a whole number from 0 to 1000000.", attr.Name),
			Subject:  attr.Expr.Range().Ptr(),
		})
	}
	*target = int(n)
	return diags
}

func decodeDuration(attr *hcl.Attribute, ctx *hcl.EvalContext, target *time.Duration) hcl.Diagnostics {
	if attr == nil {
		return nil
	}
	var text string
	diags := decodeString(attr, ctx, &text)
	if diags.HasErrors() {
		return diags
	}
	d, err := duration.Parse(text)
	if err != nil {
		return append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Invalid duration",
			Detail:   fmt.Sprintf("The %q attribute: %v.", attr.Name, err),
			Subject:  attr.Expr.Range().Ptr(),
		})
	}
	if d == 0 {
		return append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Invalid duration",
			Detail:   fmt.Sprintf("The %q attribute must be longer than zero.", attr.Name),
			Subject:  attr.Expr.Range().Ptr(),
		})
	}
	*target = d
	return diags
}

// duplicate reports a second definition of a named thing.
func duplicate(what, name string, block, previous *hcl.Block) *hcl.Diagnostic {
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  fmt.Sprintf("Duplicate %s", what),
		Detail:   fmt.Sprintf("A %s named %q is already defined at %s. Names must be unique; rename one of them.", what, name, at(previous.DefRange)),
		Subject:  block.DefRange.Ptr(),
	}
}

// suggest returns " Did you mean "x"?" when a known name is close to name.
func suggest(name string, known []string) string {
	best, bestDistance := "", 3
	for _, candidate := range known {
		if d := levenshtein.Distance(name, candidate, nil); d < bestDistance {
			best, bestDistance = candidate, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" Did you mean %q?", best)
}

// at writes a range as file:line, for messages that point elsewhere.
func at(r hcl.Range) string {
	return fmt.Sprintf("%s:%d", r.Filename, r.Start.Line)
}

// checkName requires a block's name to be an identifier, so it can be
// referred to (steps.NAME, --scenario NAME) and shown without quoting.
func checkName(what string, block *hcl.Block) *hcl.Diagnostic {
	name := block.Labels[0]
	if hclsyntax.ValidIdentifier(name) {
		return nil
	}
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  fmt.Sprintf("Invalid %s name", what),
		Detail:   fmt.Sprintf("%q is not a valid name: use letters, digits, underscores and dashes, starting with a letter or an underscore.", name),
		Subject:  block.LabelRanges[0].Ptr(),
	}
}

// explainReferences returns the errors of evaluating expr: those of its
// references in redrill's terms when a reference is wrong, else diags.
// References are checked only after evaluation failed, which keeps loading
// many scenarios fast.
func explainReferences(expr hcl.Expression, ctx *hcl.EvalContext, diags hcl.Diagnostics) hcl.Diagnostics {
	if refDiags := checkContextReferences(expr, ctx); refDiags.HasErrors() {
		return refDiags
	}
	return diags
}

// checkContextReferences checks the var.NAME and local.NAME references of
// an expression against the names ctx defines, so that a typo reads as it
// does in a step ("Reference to undeclared variable", with a suggestion)
// rather than as HCL's "This object does not have an attribute".
func checkContextReferences(expr hcl.Expression, ctx *hcl.EvalContext) hcl.Diagnostics {
	if ctx == nil {
		return nil
	}
	var diags hcl.Diagnostics
	for _, traversal := range expr.Variables() {
		root := traversal.RootName()
		if root != "var" && root != "local" {
			continue
		}
		declared, ok := objectTypeIn(ctx, root)
		name, _, named := secondName(traversal)
		if !ok || !named || declared.HasAttribute(name) {
			continue
		}
		names := map[string]bool{}
		for name := range declared.AttributeTypes() {
			names[name] = true
		}
		sc := scope{variables: names, locals: names}
		_, refDiags := sc.checkReferences([]hcl.Traversal{traversal})
		diags = append(diags, refDiags...)
	}
	return diags
}

// objectTypeIn returns the type of the object ctx holds under root, or
// false when it holds none there (such as a root made unknown after an
// error): those references are left to evaluation, not reported twice.
func objectTypeIn(ctx *hcl.EvalContext, root string) (cty.Type, bool) {
	for c := ctx; c != nil; c = c.Parent() {
		if value, ok := c.Variables[root]; ok {
			return value.Type(), value.Type().IsObjectType()
		}
	}
	return cty.NilType, false
}
