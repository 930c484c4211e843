package scenarios

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"

	"github.com/redrill/redrill/checks"
	"github.com/redrill/redrill/scenarios/phase"
	"github.com/redrill/redrill/store"
)

// Measure is what a measure block adds to its check: the number it
// records with the run, computed from the check's result.
type Measure struct {
	// Value is evaluated with the check's result; it must be a number, or
	// text that reads as one.
	Value hcl.Expression
	// Unit is one of store.Units.
	Unit  string
	Range hcl.Range
}

// measureBlock is the block type of a measure, in steady_state, setup and
// data_loss.
const measureBlock = "measure"

// measureHeaderSchema is the measure block as the phase blocks list it; it
// is accepted in every phase so that one in the wrong place is explained,
// not reported as unknown.
var measureHeaderSchema = hcl.BlockHeaderSchema{Type: measureBlock, LabelNames: []string{"name"}}

// measurePhases are where a measure may stand: before the disruption, to
// size what will be restored, and after recovery, to count what was.
var measurePhases = []phase.Phase{phase.SteadyState, phase.Setup, phase.DataLoss}

// measureSchema is the body of a measure: a check-kind body with value and
// unit.
func measureSchema(kinds *checks.Registry) *hcl.BodySchema {
	schema := &hcl.BodySchema{
		Attributes: []hcl.AttributeSchema{
			{Name: "value", Required: true}, {Name: "unit", Required: true},
			{Name: "timeout"}, {Name: "retries"}, {Name: "retry_every"}, {Name: "after"},
		},
		Blocks: []hcl.BlockHeaderSchema{{Type: "assert"}},
	}
	for _, name := range kinds.Names() {
		schema.Blocks = append(schema.Blocks, hcl.BlockHeaderSchema{Type: name})
	}
	return schema
}

// misplacedMeasure explains a measure block outside steady_state, setup
// and data_loss.
func misplacedMeasure(stage phase.Phase, block *hcl.Block) *hcl.Diagnostic {
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Measure in the wrong block",
		Detail: fmt.Sprintf("measure %q is in %s; a measure records a number before the disruption or after recovery, so it belongs in steady_state, setup or data_loss. Move it there.",
			block.Labels[0], stage),
		Subject: block.DefRange.Ptr(),
	}
}

// decodeMeasure checks a measure's unit and value; the value is checked
// against the check's result type, which is unknown until it runs.
func decodeMeasure(content *hcl.BodyContent, sc scope, base, resultCtx *hcl.EvalContext, defRange hcl.Range) (*Measure, hcl.Diagnostics) {
	m := &Measure{Range: defRange, Value: hcl.StaticExpr(cty.UnknownVal(cty.Number), defRange)}
	var diags hcl.Diagnostics
	if attr := content.Attributes["unit"]; attr != nil {
		value, unitDiags := attr.Expr.Value(base)
		diags = append(diags, unitDiags...)
		if !unitDiags.HasErrors() {
			m.Unit = unitOf(value)
			if !slices.Contains(store.Units, m.Unit) {
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Invalid unit",
					Detail: fmt.Sprintf("A measure's unit is one of %s; %s is none of them. Use bytes for sizes (reports divide them by the RTO for a throughput), rows for counts of records, seconds for times, count for anything else.",
						strings.Join(quoted(store.Units), ", "), renderValue(value)),
					Subject: attr.Expr.Range().Ptr(),
				})
			}
		}
	}
	if attr := content.Attributes["value"]; attr != nil {
		m.Value = attr.Expr
		badRoots, refDiags := sc.checkReferences(attr.Expr.Variables())
		diags = append(diags, refDiags...)
		value, valueDiags := attr.Expr.Value(withUnknownRoots(resultCtx, badRoots))
		diags = append(diags, valueDiags...)
		if !valueDiags.HasErrors() {
			if _, err := convert.Convert(value, cty.Number); err != nil {
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Invalid measure value",
					Detail: fmt.Sprintf("A measure's value must be a number, such as result.size or tonumber(trimspace(result.stdout)); this expression is %s.",
						describeValue(value)),
					Subject: attr.Expr.Range().Ptr(),
				})
			}
		}
	}
	return m, diags
}

// unitOf is the unit as written, or "" when it is not text.
func unitOf(v cty.Value) string {
	v, _ = v.UnmarkDeep()
	if v.IsNull() || !v.IsKnown() || v.Type() != cty.String {
		return ""
	}
	return v.AsString()
}

func describeValue(v cty.Value) string {
	if v.IsKnown() && !v.IsNull() && v.Type() == cty.String {
		return fmt.Sprintf("the text %s", renderValue(v))
	}
	return "a " + v.Type().FriendlyName()
}

func quoted(words []string) []string {
	out := make([]string, len(words))
	for i, w := range words {
		out[i] = fmt.Sprintf("%q", w)
	}
	return out
}

// MeasureValue evaluates a measure's value with its check's result. An
// error says where the value was written and what it was.
func (s *Set) MeasureValue(step *Step, result cty.Value, results Results) (float64, error) {
	m := step.Measure
	at := m.Value.Range()
	value, diags := m.Value.Value(s.stepContext(step, results, result))
	if diags.HasErrors() {
		return 0, fmt.Errorf("value at %s: %s", rangeText(at), diagnosticSentence(hideSensitiveDetails(diags)))
	}
	value, _ = value.UnmarkDeep()
	if text := value; text.IsKnown() && !text.IsNull() && text.Type() == cty.String {
		value = cty.StringVal(strings.TrimSpace(text.AsString()))
	}
	number, err := convert.Convert(value, cty.Number)
	if err != nil || number.IsNull() || !number.IsKnown() {
		return 0, fmt.Errorf("value at %s is %s, not a number", rangeText(at), checks.Truncate(renderValue(value), 100))
	}
	f, _ := number.AsBigFloat().Float64()
	if math.IsInf(f, 0) {
		return 0, fmt.Errorf("value at %s is too large to record", rangeText(at))
	}
	return f, nil
}

func rangeText(r hcl.Range) string {
	return fmt.Sprintf("%s:%d:%d", r.Filename, r.Start.Line, r.Start.Column)
}
