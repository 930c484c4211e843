package scenarios

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"

	"github.com/redrill/redrill/scenarios/phase"
)

// checkKindBlocks finds the one check-kind block of a step body.
func (l *loader) checkKindBlocks(h *stepHeader) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, block := range h.content.Blocks {
		kind, ok := l.opts.Kinds.Lookup(block.Type)
		if !ok {
			continue
		}
		if h.kindBlock != nil {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "More than one check kind",
				Detail: fmt.Sprintf("%s has a %s block (at line %d) and a %s block; a step or check runs exactly one kind. Split it into two.",
					h.describe(), h.kindBlock.Type, h.kindBlock.DefRange.Start.Line, block.Type),
				Subject: block.DefRange.Ptr(),
			})
			continue
		}
		h.kind, h.kindBlock = kind, block
		diags = append(diags, h.checkManual(block)...)
	}
	if h.kindBlock == nil && !h.contentDiags.HasErrors() {
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Missing check kind",
			Detail: fmt.Sprintf("%s says nothing to run: add exactly one block of a check kind (%s).",
				h.describe(), strings.Join(l.opts.Kinds.Names(), ", ")),
			Subject: h.defRange.Ptr(),
		})
	}
	return diags
}

// manualKind is the kind of step that waits for a person.
const manualKind = "manual"

// checkManual refuses a manual step where nobody could wait for people:
// a polled phase asks its checks again every few seconds, steady_state
// and data_loss observe, and a workload repeats.
func (h *stepHeader) checkManual(block *hcl.Block) hcl.Diagnostics {
	allowed := []phase.Phase{phase.Setup, phase.Disrupt, phase.Recover, phase.Rollback}
	if block.Type != manualKind || (h.workload == nil && slices.Contains(allowed, h.phase)) {
		return nil
	}
	return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Manual step not allowed here",
		Detail:  fmt.Sprintf("%s cannot wait for a person: a manual block belongs in a step of setup, disrupt, recover or rollback.", h.describe()),
		Subject: block.DefRange.Ptr()}}
}

func (h *stepHeader) describe() string {
	switch {
	case h.measure:
		return fmt.Sprintf("Measure %q", h.name)
	case h.workload != nil:
		return fmt.Sprintf("Workload %q", h.name)
	case h.phase == phase.DataLoss && h.name != string(phase.DataLoss):
		return fmt.Sprintf("The verify block of workload %q", strings.TrimSuffix(h.name, ".verify"))
	case h.phase == phase.DataLoss:
		return "The data_loss block"
	}
	word := h.phase.StepWord()
	return fmt.Sprintf("%s%s %q", strings.ToUpper(word[:1]), word[1:], h.name)
}

// decodeStep evaluates a step's expressions with every earlier result
// unknown, which checks types and references without running anything.
// others describes every step of the scenario; decodeStep adds what the
// step itself can see.
func (l *loader) decodeStep(h *stepHeader, others stepScope, steps cty.Value) (*Step, hcl.Diagnostics) {
	base := l.set.evalContext
	step := &Step{Name: h.name, Phase: h.phase, Kind: h.kind, Body: h.kindBlock.Body, Range: h.defRange, RetryEvery: defaultRetryEvery,
		Background: h.background, After: h.after}
	content := h.content
	var diags hcl.Diagnostics
	diags = append(diags, decodeDuration(content.Attributes["timeout"], base, &step.Timeout)...)
	diags = append(diags, decodeWholeNumber(content.Attributes["retries"], base, &step.Retries)...)
	diags = append(diags, decodeDuration(content.Attributes["retry_every"], base, &step.RetryEvery)...)

	stepScope := &others
	stepScope.readable, stepScope.waits, stepScope.current = h.readable, h.waits, h.name
	sc := scope{variables: l.names.variables, locals: l.names.locals, steps: stepScope, workload: h.workload != nil}
	ctx := stepContext(base, steps, cty.NilVal)
	if h.workload != nil {
		ctx.Variables["workload"] = cty.UnknownVal(attemptType)
	}

	spec := h.kind.Spec()
	traversals := hcldec.Variables(step.Body, spec)
	badRoots, refDiags := sc.checkReferences(traversals)
	diags = append(diags, refDiags...)
	planned, decodeDiags := hcldec.Decode(step.Body, spec, withUnknownRoots(ctx, badRoots))
	diags = append(diags, decodeDiags...)
	step.Planned = planned
	step.References = referencedSteps(traversals)

	// Asserts and newest_record also see the check's own result.
	resultScope := sc
	resultScope.result = h.kind
	resultCtx := stepContext(base, steps, cty.UnknownVal(h.kind.ResultType()))
	if h.workload != nil {
		resultCtx.Variables["workload"] = cty.UnknownVal(attemptType)
	}
	for _, block := range content.Blocks {
		if block.Type != "assert" {
			continue
		}
		a, assertDiags := decodeAssert(block, resultScope, resultCtx)
		diags = append(diags, assertDiags...)
		step.Asserts = append(step.Asserts, a)
		step.References = append(step.References, referencedSteps(a.Condition.Variables())...)
	}
	if attr := content.Attributes["newest_record"]; attr != nil {
		traversals := attr.Expr.Variables()
		badRoots, refDiags := resultScope.checkReferences(traversals)
		diags = append(diags, refDiags...)
		value, valueDiags := attr.Expr.Value(withUnknownRoots(resultCtx, badRoots))
		diags = append(diags, valueDiags...)
		if ty := value.Type(); !valueDiags.HasErrors() && ty != cty.String && ty != cty.Number && ty != cty.DynamicPseudoType {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Invalid newest_record",
				Detail:   fmt.Sprintf("newest_record must be a time (RFC 3339 or SQL timestamp text) or Unix seconds, but this expression is a %s.", ty.FriendlyName()),
				Subject:  attr.Expr.Range().Ptr(),
			})
		}
		step.References = append(step.References, referencedSteps(traversals)...)
	}
	if h.measure {
		m, measureDiags := decodeMeasure(content, resultScope, base, resultCtx, h.defRange)
		diags = append(diags, measureDiags...)
		step.Measure = m
		step.References = append(step.References, referencedSteps(m.Value.Variables())...)
	}
	if attr := content.Attributes["survivors"]; attr != nil {
		diags = append(diags, checkSurvivors(attr, resultScope, resultCtx)...)
		step.References = append(step.References, referencedSteps(attr.Expr.Variables())...)
	}
	slices.Sort(step.References)
	step.References = slices.Compact(step.References)
	return step, diags
}

func decodeAssert(block *hcl.Block, sc scope, ctx *hcl.EvalContext) (*Assert, hcl.Diagnostics) {
	a := &Assert{Range: block.DefRange, Condition: hcl.StaticExpr(cty.True, block.DefRange)}
	content, diags := block.Body.Content(assertSchema)
	if attr := content.Attributes["condition"]; attr != nil {
		a.Condition = attr.Expr
		diags = append(diags, checkExpr(attr, sc, ctx, cty.Bool, "true or false")...)
	}
	if attr := content.Attributes["error_message"]; attr != nil {
		a.ErrorMessage = attr.Expr
		diags = append(diags, checkExpr(attr, sc, ctx, cty.String, "a string")...)
	}
	return a, diags
}

// checkExpr checks references and evaluates an expression whose value is
// only known at run time, to report errors and wrong types now.
func checkExpr(attr *hcl.Attribute, sc scope, ctx *hcl.EvalContext, want cty.Type, wantText string) hcl.Diagnostics {
	badRoots, diags := sc.checkReferences(attr.Expr.Variables())
	value, valueDiags := attr.Expr.Value(withUnknownRoots(ctx, badRoots))
	diags = append(diags, valueDiags...)
	if valueDiags.HasErrors() {
		return diags
	}
	if _, err := convert.Convert(value, want); err != nil {
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  fmt.Sprintf("Invalid %s", attr.Name),
			Detail:   fmt.Sprintf("The %s must be %s, but this expression is a %s.", attr.Name, wantText, value.Type().FriendlyName()),
			Subject:  attr.Expr.Range().Ptr(),
		})
	}
	return diags
}

// defaultRetryEvery is the pause between attempts of a step with retries.
const defaultRetryEvery = time.Second

// decodePoll reads every and timeout of recovered_when and guard.
func (l *loader) decodePoll(poll *Poll, content *hcl.BodyContent, polled phase.Phase, scenarioTimeout time.Duration) hcl.Diagnostics {
	base := l.set.evalContext
	var diags hcl.Diagnostics
	poll.Every = polled.DefaultEvery()
	diags = append(diags, decodeDuration(content.Attributes["every"], base, &poll.Every)...)
	diags = append(diags, decodeDuration(content.Attributes["timeout"], base, &poll.Timeout)...)
	if _, hasTimeout := content.Attributes["timeout"]; !hasTimeout && scenarioTimeout == 0 && polled.MustEnd() {
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "recovered_when without a timeout",
			Detail:   "Give recovered_when a timeout, or the scenario a timeout, so that a drill whose system never recovers ends with a verdict instead of polling forever.",
			Subject:  poll.Range.Ptr(),
		})
	}
	return diags
}

func newestRecordExpr(content *hcl.BodyContent) hcl.Expression {
	if attr := content.Attributes["newest_record"]; attr != nil {
		return attr.Expr
	}
	return nil
}

// stepContext adds steps (and, in asserts, result) to the base context.
func stepContext(base *hcl.EvalContext, steps cty.Value, result cty.Value) *hcl.EvalContext {
	ctx := base.NewChild()
	ctx.Variables = map[string]cty.Value{"steps": steps}
	if result != cty.NilVal {
		ctx.Variables["result"] = result
	}
	return ctx
}

func referencedSteps(traversals []hcl.Traversal) []string {
	var names []string
	for _, traversal := range traversals {
		if traversal.RootName() != "steps" {
			continue
		}
		if name, _, ok := secondName(traversal); ok {
			names = append(names, name)
		}
	}
	return names
}

// checkSurvivors checks that survivors can be a list of sequence numbers
// or of [first, last] pairs; the elements are checked when the drill runs.
func checkSurvivors(attr *hcl.Attribute, sc scope, ctx *hcl.EvalContext) hcl.Diagnostics {
	badRoots, diags := sc.checkReferences(attr.Expr.Variables())
	value, valueDiags := attr.Expr.Value(withUnknownRoots(ctx, badRoots))
	diags = append(diags, valueDiags...)
	ty := value.Type()
	if valueDiags.HasErrors() || ty == cty.DynamicPseudoType || ty.IsListType() || ty.IsTupleType() || ty.IsSetType() {
		return diags
	}
	return append(diags, &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Invalid survivors",
		Detail: fmt.Sprintf("survivors must be a list of the sequence numbers found after recovery, or of [first, last] pairs of them, such as [for row in result.rows : [row.first, row.last]]; this expression is a %s.",
			ty.FriendlyName()),
		Subject: attr.Expr.Range().Ptr(),
	})
}
