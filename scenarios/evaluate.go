package scenarios

import (
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"

	"github.com/redrill/redrill/checks"
)

// Results holds the results of the steps that have run, by step name.
type Results map[string]cty.Value

// StepConfig decodes a step's kind attributes now that the steps it reads
// have run. The value keeps its sensitive marks; unmark it only to hand
// the values to the check.
func (s *Set) StepConfig(step *Step, results Results) (cty.Value, hcl.Diagnostics) {
	config, diags := hcldec.Decode(step.Body, step.Kind.Spec(), s.stepContext(step, results, cty.NilVal))
	return config, hideSensitiveDetails(diags)
}

// AssertFailure is an assert that did not hold.
type AssertFailure struct {
	Assert *Assert
	// Message is the assert's error_message, or its condition as written,
	// followed by the values the condition compared, such as
	// "orders table is empty (result.value = 0)". Sensitive values read
	// (sensitive).
	Message string
}

// CheckAsserts evaluates every assert of a step against its result. It
// returns the asserts that failed; an assert that cannot be evaluated (a
// field is null, a type does not fit) fails with HCL's explanation.
func (s *Set) CheckAsserts(step *Step, result cty.Value, results Results) []AssertFailure {
	return s.checkAsserts(step, s.stepContext(step, results, result))
}

func (s *Set) checkAsserts(step *Step, ctx *hcl.EvalContext) []AssertFailure {
	var failures []AssertFailure
	for _, a := range step.Asserts {
		value, diags := a.Condition.Value(ctx)
		if diags.HasErrors() {
			diags = hideSensitiveDetails(diags)
			failures = append(failures, AssertFailure{Assert: a, Message: fmt.Sprintf("%s: %s", s.sourceText(a.Condition.Range()), diagnosticSentence(diags))})
			continue
		}
		value, _ = value.UnmarkDeep()
		passed, err := convert.Convert(value, cty.Bool)
		if err == nil && passed.IsKnown() && !passed.IsNull() && passed.True() {
			continue
		}
		failures = append(failures, AssertFailure{Assert: a, Message: s.failureMessage(a, ctx)})
	}
	return failures
}

// NewestRecord evaluates data_loss's newest_record with the check's result.
func (s *Set) NewestRecord(dl *DataLoss, result cty.Value, results Results) (cty.Value, hcl.Diagnostics) {
	value, diags := dl.NewestRecord.Value(s.stepContext(dl.Check, results, result))
	return value, hideSensitiveDetails(diags)
}

func (s *Set) failureMessage(a *Assert, ctx *hcl.EvalContext) string {
	message := s.sourceText(a.Condition.Range())
	if a.ErrorMessage != nil {
		if value, diags := a.ErrorMessage.Value(ctx); !diags.HasErrors() {
			if IsSensitive(value) {
				message = sensitiveText
			} else if text, err := convert.Convert(value, cty.String); err == nil && text.IsKnown() && !text.IsNull() {
				message = text.AsString()
			}
		}
	}
	var compared []string
	seen := map[string]bool{}
	for _, traversal := range a.Condition.Variables() {
		root := traversal.RootName()
		if root != "result" && root != "steps" {
			continue
		}
		name := s.sourceText(traversal.SourceRange())
		if seen[name] {
			continue
		}
		seen[name] = true
		value, diags := traversal.TraverseAbs(ctx)
		if diags.HasErrors() {
			continue
		}
		compared = append(compared, fmt.Sprintf("%s = %s", name, checks.Truncate(renderValue(value), 200)))
	}
	if len(compared) > 0 {
		message += " (" + strings.Join(compared, ", ") + ")"
	}
	return message
}

// stepContext gives a step's expressions the results of the steps it reads;
// a step that did not run (possible in rollback) reads as null.
func (s *Set) stepContext(step *Step, results Results, result cty.Value) *hcl.EvalContext {
	steps := map[string]cty.Value{}
	for _, name := range step.References {
		if value, ok := results[name]; ok {
			steps[name] = value
		} else {
			steps[name] = cty.NullVal(cty.DynamicPseudoType)
		}
	}
	return stepContext(s.evalContext, cty.ObjectVal(steps), result)
}

func (s *Set) sourceText(rng hcl.Range) string {
	file := s.Files[rng.Filename]
	if file == nil || rng.End.Byte > len(file.Bytes) || rng.Start.Byte > rng.End.Byte {
		return "(expression)"
	}
	return string(file.Bytes[rng.Start.Byte:rng.End.Byte])
}

func diagnosticSentence(diags hcl.Diagnostics) string {
	for _, d := range diags {
		if d.Severity == hcl.DiagError {
			return strings.TrimSuffix(d.Summary, ".") + ": " + d.Detail
		}
	}
	return diags.Error()
}

// Survivors evaluates a workload's survivors with its verify check's
// result.
func (s *Set) Survivors(v *Verify, result cty.Value, results Results) (cty.Value, hcl.Diagnostics) {
	value, diags := v.Survivors.Value(s.stepContext(v.Check, results, result))
	return value, hideSensitiveDetails(diags)
}
