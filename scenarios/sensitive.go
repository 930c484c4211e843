package scenarios

import (
	"math/big"
	"strconv"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// SensitiveTexts returns the text of every sensitive value inside v, as it
// prints: strings as they are, numbers as cty and Go write them ("1234",
// "1234.5", "1.234567e+06"). A value computed from a sensitive variable
// (upper(var.pw), "${var.pw}x", jsonencode(...)) carries the mark, so its
// text is here too: the drill hides these wherever they appear once the
// check has been handed the unmarked value. Unknown and null values and
// booleans are skipped: there is no text to hide, or hiding every "true"
// would hide nothing worth hiding and much that is not secret.
func SensitiveTexts(v cty.Value) []string {
	if v == cty.NilVal {
		return nil
	}
	plain, marked := v.UnmarkDeepWithPaths()
	var texts []string
	for _, pm := range marked {
		if _, ok := pm.Marks[sensitiveMark]; !ok {
			continue
		}
		value, err := pm.Path.Apply(plain)
		if err != nil {
			continue
		}
		_ = cty.Walk(value, func(_ cty.Path, element cty.Value) (bool, error) {
			texts = append(texts, leafTexts(element)...)
			return true, nil
		})
	}
	return texts
}

// leafTexts is how a string or number prints.
func leafTexts(v cty.Value) []string {
	if !v.IsKnown() || v.IsNull() {
		return nil
	}
	switch v.Type() {
	case cty.String:
		return []string{v.AsString()}
	case cty.Number:
		return numberTexts(v.AsBigFloat())
	}
	return nil
}

// numberTexts are the forms a number is written in: cty's (conversion to
// string, JSON) and Go's float formatting (errors, %v).
func numberTexts(n *big.Float) []string {
	texts := []string{n.Text('f', -1)}
	if f, _ := n.Float64(); strconv.FormatFloat(f, 'g', -1, 64) != texts[0] {
		texts = append(texts, strconv.FormatFloat(f, 'g', -1, 64))
	}
	return texts
}

// StepSecrets returns the text of every sensitive value a step's
// attributes compute, given the results so far: the attributes' own values
// (SensitiveTexts) and those of every expression inside them. A template
// such as "echo ${upper(var.pw)}; exit 3" is one sensitive string, but the
// command prints only the part computed from the secret; that part is the
// value of the template's upper(var.pw). Expressions that cannot be
// evaluated alone (the variable of a for expression, a step that has not
// run) are skipped. Attributes in JSON syntax give only their own values.
func (s *Set) StepSecrets(step *Step, results Results) []string {
	body, ok := step.Body.(*hclsyntax.Body)
	if !ok {
		return nil
	}
	ctx := s.stepContext(step, results, cty.NilVal)
	var texts []string
	_ = hclsyntax.VisitAll(body, func(node hclsyntax.Node) hcl.Diagnostics {
		expr, ok := node.(hclsyntax.Expression)
		if !ok {
			return nil
		}
		if value, diags := expr.Value(ctx); !diags.HasErrors() {
			texts = append(texts, SensitiveTexts(value)...)
		}
		return nil
	})
	return texts
}

// ScenarioSecrets returns what a drill of sc must hide from the start: the
// text of every sensitive variable and of every sensitive value its steps'
// attributes compute before the drill runs. Values that depend on earlier
// steps are added as each step runs (StepSecrets).
func (s *Set) ScenarioSecrets(sc *Scenario) []string {
	secrets := s.SecretValues()
	for _, step := range sc.Steps() {
		secrets = append(secrets, SensitiveTexts(step.Planned)...)
		secrets = append(secrets, s.StepSecrets(step, Results{})...)
	}
	return secrets
}

// hideSensitiveDetails replaces the detail of every diagnostic raised by an
// expression that reads a sensitive value: a function's error quotes its
// arguments (`unix: "S3CRET" is not an RFC 3339 time`), and a value derived
// from a secret is not known to the redactor until it is computed.
func hideSensitiveDetails(diags hcl.Diagnostics) hcl.Diagnostics {
	for _, diag := range diags {
		if diag.Expression == nil || diag.EvalContext == nil || !readsSensitive(diag.Expression, diag.EvalContext) {
			continue
		}
		diag.Detail = sensitiveDetail
	}
	return diags
}

const sensitiveDetail = "The expression reads a sensitive value, so the detail of this error is not shown."

// readsSensitive reports whether any variable expr refers to is, or holds,
// a sensitive value in ctx.
func readsSensitive(expr hcl.Expression, ctx *hcl.EvalContext) bool {
	for _, traversal := range expr.Variables() {
		value, diags := traversal.TraverseAbs(ctx)
		if !diags.HasErrors() && IsSensitive(value) {
			return true
		}
	}
	return false
}
