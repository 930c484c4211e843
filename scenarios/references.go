package scenarios

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/redrill/redrill/checks"
	"github.com/redrill/redrill/scenarios/phase"
)

// scope says which names an expression may refer to. References are
// checked before evaluation so that errors say what is wrong in redrill's
// terms ("step restore runs after this one") rather than HCL's.
type scope struct {
	variables map[string]bool
	locals    map[string]bool
	// steps is nil where steps.NAME may not be used.
	steps *stepScope
	// result is the kind of the check whose own result is readable, in
	// assert, newest_record and survivors; nil elsewhere.
	result checks.Kind
	// workload is set in a workload's attempt, where workload.seq and
	// workload.at are known.
	workload bool
}

// stepScope describes the steps of a scenario as seen from one step.
type stepScope struct {
	// all maps every step and check name of the scenario to its phase.
	all map[string]phase.Phase
	// readable are the names that have run before the current step and
	// have one result.
	readable map[string]bool
	// background are the steps that run in the background, and waits
	// those of them known to have ended when the current step runs.
	background map[string]bool
	waits      map[string]bool
	// kinds holds the kind of each step whose kind is known.
	kinds map[string]checks.Kind
	// current is the step being decoded, for messages.
	current string
}

// checkReferences checks every traversal of an expression or body against
// the scope. It returns the roots that had errors, so the caller can
// evaluate with those roots unknown instead of reporting them twice.
func (s scope) checkReferences(traversals []hcl.Traversal) (badRoots map[string]bool, diags hcl.Diagnostics) {
	badRoots = map[string]bool{}
	for _, traversal := range traversals {
		root := traversal.RootName()
		var d *hcl.Diagnostic
		switch root {
		case "var":
			d = checkNamed(traversal, "variable", s.variables, "Declare it with a variable block, or check the spelling.")
		case "local":
			d = checkNamed(traversal, "local value", s.locals, "Define it in a locals block, or check the spelling.")
		case "steps":
			d = s.checkStep(traversal)
		case "workload":
			d = s.checkWorkload(traversal)
		case "result":
			if s.result == nil {
				d = &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "result is not available here",
					Detail:   "result is the check's own result: use it in an assert block or in newest_record, not in the check's attributes. To read an earlier step's result, use steps.NAME.",
					Subject:  traversal.SourceRange().Ptr(),
				}
			} else {
				d = checkResultField(traversal[1:], s.result)
			}
		}
		if d != nil {
			diags = append(diags, d)
			badRoots[root] = true
		}
	}
	return badRoots, diags
}

// checkNamed checks a reference such as var.NAME against the declared names.
func checkNamed(traversal hcl.Traversal, what string, declared map[string]bool, hint string) *hcl.Diagnostic {
	name, attrRange, ok := secondName(traversal)
	if !ok || declared[name] {
		return nil
	}
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  fmt.Sprintf("Reference to undeclared %s", what),
		Detail:   fmt.Sprintf("No %s named %q is declared.%s %s", what, name, suggest(name, sortedKeys(declared)), hint),
		Subject:  attrRange.Ptr(),
	}
}

func (s scope) checkStep(traversal hcl.Traversal) *hcl.Diagnostic {
	if s.steps == nil {
		return &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "steps is not available here",
			Detail:   "steps.NAME reads the result of an earlier step; it can be used only inside a scenario's steps and checks.",
			Subject:  traversal.SourceRange().Ptr(),
		}
	}
	name, attrRange, ok := secondName(traversal)
	if !ok {
		return &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Incomplete step reference",
			Detail:   "Refer to one step by name: steps.NAME.FIELD, such as steps.restore.exit_code.",
			Subject:  traversal.SourceRange().Ptr(),
		}
	}
	stage, exists := s.steps.all[name]
	switch {
	case !exists:
		return &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Reference to undeclared step",
			Detail:   fmt.Sprintf("This scenario has no step or check named %q.%s", name, suggest(name, sortedKeys(s.steps.all))),
			Subject:  attrRange.Ptr(),
		}
	case name == s.steps.current:
		return &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Step refers to itself",
			Detail:   fmt.Sprintf("%q cannot read its own result through steps; in an assert, use result instead.", name),
			Subject:  attrRange.Ptr(),
		}
	case stage.Polled():
		return &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Reference to a polled check",
			Detail:   fmt.Sprintf("%q is a %s check: it is polled many times and has no single result to read. Only steady_state checks and disrupt, recover and rollback steps can be read with steps.NAME.", name, stage),
			Subject:  attrRange.Ptr(),
		}
	case !s.steps.readable[name]:
		return &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Reference to a later step",
			Detail:   fmt.Sprintf("%q (in %s) has not run yet when %q runs, so its result is not known. A step can read only steps that run before it.", name, stage, s.steps.current),
			Subject:  attrRange.Ptr(),
		}
	case s.steps.background[name] && !s.steps.waits[name]:
		return &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Reference to a background step",
			Detail: fmt.Sprintf("%q runs in the background and may still be running when %q runs, so its result is not known. Add after = [%q] to a setup, disrupt, recover or data_loss step to wait for it, and read it there.",
				name, s.steps.current, name),
			Subject: attrRange.Ptr(),
		}
	}
	if kind := s.steps.kinds[name]; kind != nil {
		return checkResultField(traversal[2:], kind)
	}
	return nil
}

// attemptFields are what a workload's attempt knows of itself.
var attemptFields = []string{"at", "seq"}

func (s scope) checkWorkload(traversal hcl.Traversal) *hcl.Diagnostic {
	if !s.workload {
		return &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "workload is not available here",
			Detail:   "workload.seq and workload.at describe one attempt of a workload: use them in the check-kind block of a workload block, not in steps, checks or a verify block.",
			Subject:  traversal.SourceRange().Ptr(),
		}
	}
	name, attrRange, ok := secondName(traversal)
	if ok && slices.Contains(attemptFields, name) {
		return nil
	}
	if !ok {
		attrRange = traversal.SourceRange()
	}
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Unknown workload field",
		Detail:   fmt.Sprintf("An attempt of a workload has the fields %s: workload.seq is its sequence number, workload.at the time it started (RFC 3339).", strings.Join(attemptFields, " and ")),
		Subject:  attrRange.Ptr(),
	}
}

// checkResultField checks the field read from a result against the
// fields of the kind, so a typo is caught before the drill runs.
func checkResultField(rest hcl.Traversal, kind checks.Kind) *hcl.Diagnostic {
	if len(rest) == 0 {
		return nil
	}
	attr, ok := rest[0].(hcl.TraverseAttr)
	if !ok {
		return nil
	}
	fields := kind.ResultType().AttributeTypes()
	if _, ok := fields[attr.Name]; ok {
		return nil
	}
	names := sortedKeys(fields)
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Unknown result field",
		Detail: fmt.Sprintf("A %s result has no field %q.%s Its fields are: %s.",
			kind.Name(), attr.Name, suggest(attr.Name, names), strings.Join(names, ", ")),
		Subject: attr.SrcRange.Ptr(),
	}
}

// secondName returns NAME in root.NAME.
func secondName(traversal hcl.Traversal) (string, hcl.Range, bool) {
	if len(traversal) < 2 {
		return "", hcl.Range{}, false
	}
	switch step := traversal[1].(type) {
	case hcl.TraverseAttr:
		return step.Name, step.SrcRange, true
	case hcl.TraverseIndex:
		if step.Key.Type() == cty.String && step.Key.IsKnown() && !step.Key.IsNull() {
			return step.Key.AsString(), step.SrcRange, true
		}
	}
	return "", hcl.Range{}, false
}

// withUnknownRoots returns ctx, or a child of it in which the given roots are
// unknown, so errors already reported for them are not reported again.
func withUnknownRoots(ctx *hcl.EvalContext, roots map[string]bool) *hcl.EvalContext {
	if len(roots) == 0 {
		return ctx
	}
	child := ctx.NewChild()
	child.Variables = map[string]cty.Value{}
	for root := range roots {
		child.Variables[root] = cty.DynamicVal
	}
	return child
}

func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}
