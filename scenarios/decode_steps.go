package scenarios

import (
	"fmt"
	"slices"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/redrill/redrill/checks"
	"github.com/redrill/redrill/scenarios/phase"
)

// Phase blocks and what they hold.
var (
	checkListSchema = &hcl.BodySchema{
		Blocks: []hcl.BlockHeaderSchema{{Type: "check", LabelNames: []string{"name"}}, measureHeaderSchema},
	}
	stepListSchema = &hcl.BodySchema{
		Blocks: []hcl.BlockHeaderSchema{{Type: "step", LabelNames: []string{"name"}}, measureHeaderSchema},
	}
	recoveredWhenSchema = &hcl.BodySchema{
		Attributes: []hcl.AttributeSchema{{Name: "every"}, {Name: "timeout"}},
		Blocks:     checkListSchema.Blocks,
	}
	guardSchema = &hcl.BodySchema{
		Attributes: []hcl.AttributeSchema{{Name: "every"}},
		Blocks:     checkListSchema.Blocks,
	}
	assertSchema = &hcl.BodySchema{
		Attributes: []hcl.AttributeSchema{{Name: "condition", Required: true}, {Name: "error_message"}},
	}
)

// stepHeader is a step or check whose structure is known but whose
// expressions are not evaluated yet: every name and kind of a scenario must
// be known before any step can be checked for the steps it reads.
type stepHeader struct {
	name      string
	phase     phase.Phase
	defRange  hcl.Range
	content   *hcl.BodyContent
	kind      checks.Kind
	kindBlock *hcl.Block
	// contentDiags are the errors of the body's structure.
	contentDiags hcl.Diagnostics
	// readable are the steps that have started when this one runs.
	readable map[string]bool
	// waits are the background steps known to have ended when this one
	// runs: those it waits for (after), or every one in rollback.
	waits map[string]bool
	// workload is set for the attempt of a workload, which reads
	// workload.seq and workload.at.
	workload *Workload
	// background and after as written; afterRange for their errors.
	background bool
	after      []string
	afterRange hcl.Range
	attach     func(*Step)
	// measure is set for a measure block: a check that records a number.
	measure bool
}

// stepSchema is the body of a step or check: one kind block, asserts, and
// retry settings. data_loss adds newest_record.
func stepSchema(kinds *checks.Registry, stage phase.Phase) *hcl.BodySchema {
	schema := &hcl.BodySchema{
		// background and after are accepted in every phase so that where
		// they do not belong is explained, not reported as unknown.
		Attributes: []hcl.AttributeSchema{{Name: "timeout"}, {Name: "retries"}, {Name: "retry_every"}, {Name: "background"}, {Name: "after"}},
		Blocks:     []hcl.BlockHeaderSchema{{Type: "assert"}},
	}
	if stage == phase.DataLoss {
		schema.Attributes = append(schema.Attributes, hcl.AttributeSchema{Name: "newest_record", Required: true})
		schema.Blocks = append(schema.Blocks, measureHeaderSchema)
	}
	for _, name := range kinds.Names() {
		schema.Blocks = append(schema.Blocks, hcl.BlockHeaderSchema{Type: name})
	}
	return schema
}

// stepSchemas builds the step body schema of every phase.
func stepSchemas(kinds *checks.Registry) map[phase.Phase]*hcl.BodySchema {
	schemas := map[phase.Phase]*hcl.BodySchema{}
	for _, stage := range phase.All() {
		schemas[stage] = stepSchema(kinds, stage)
	}
	return schemas
}

// decodePhases reads the phase blocks of a scenario in the order they run.
func (l *loader) decodePhases(sc *Scenario, byType map[string]hcl.Blocks) hcl.Diagnostics {
	var diags hcl.Diagnostics
	var headers []*stepHeader
	names := map[string]phase.Phase{}
	nameRanges := map[string]hcl.Range{}
	var ran []string // names of steps that have run, in order
	var steadyState []string

	// claimName takes a step's name for the scenario, or explains why it
	// cannot have it.
	claimName := func(block *hcl.Block) bool {
		name := block.Labels[0]
		if previous, ok := nameRanges[name]; ok {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  fmt.Sprintf("Duplicate %s name", block.Type),
				Detail:   fmt.Sprintf("%q is already the name of a step or check of this scenario, at %s. Names are unique within a scenario, so that steps.NAME is unambiguous; rename one.", name, at(previous)),
				Subject:  block.LabelRanges[0].Ptr(),
			})
			return false
		}
		if d := checkName(block.Type, block); d != nil {
			diags = append(diags, d)
		}
		nameRanges[name] = block.DefRange
		return true
	}

	addListed := func(stage phase.Phase, body hcl.Body, schema *hcl.BodySchema, readable func() []string, attach func(*Step)) *hcl.BodyContent {
		content, contentDiags := body.Content(schema)
		diags = append(diags, contentDiags...)
		if len(content.Blocks) == 0 && !contentDiags.HasErrors() {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  fmt.Sprintf("Empty %s block", stage),
				Detail:   fmt.Sprintf("The %s block has no %s; add one, or remove the block.", stage, schema.Blocks[0].Type),
				Subject:  body.MissingItemRange().Ptr(),
			})
		}
		for _, block := range content.Blocks {
			name := block.Labels[0]
			if block.Type == measureBlock && !slices.Contains(measurePhases, stage) {
				diags = append(diags, misplacedMeasure(stage, block))
				continue
			}
			if !claimName(block) {
				continue
			}
			names[name] = stage
			var h *stepHeader
			if block.Type == measureBlock {
				h = l.measureHeader(name, stage, block, readable())
			} else {
				h = l.stepHeader(name, stage, block.DefRange, block.Body, readable())
			}
			h.attach = attach
			diags = append(diags, h.contentDiags...)
			diags = append(diags, l.checkKindBlocks(h)...)
			diags = append(diags, l.readBackground(h)...)
			headers = append(headers, h)
			if !stage.Polled() {
				ran = append(ran, name)
			}
		}
		return content
	}
	snapshot := func() []string { return append([]string(nil), ran...) }

	if b := first(byType[string(phase.SteadyState)]); b != nil {
		addListed(phase.SteadyState, b.Body, checkListSchema, snapshot, func(s *Step) { sc.SteadyState = append(sc.SteadyState, s) })
		steadyState = snapshot()
	}
	if b := first(byType[string(phase.Setup)]); b != nil {
		addListed(phase.Setup, b.Body, stepListSchema, snapshot, func(s *Step) { sc.Setup = append(sc.Setup, s) })
	}
	afterSetup := snapshot()
	if b := first(byType[string(phase.Disrupt)]); b != nil {
		addListed(phase.Disrupt, b.Body, stepListSchema, snapshot, func(s *Step) { sc.Disrupt = append(sc.Disrupt, s) })
	}
	if b := first(byType[string(phase.Recover)]); b != nil {
		addListed(phase.Recover, b.Body, stepListSchema, snapshot, func(s *Step) { sc.Recover = append(sc.Recover, s) })
	}
	afterRecovery := snapshot()
	if b := first(byType[string(phase.RecoveredWhen)]); b != nil {
		poll := &Poll{Range: b.DefRange}
		sc.RecoveredWhen = poll
		content := addListed(phase.RecoveredWhen, b.Body, recoveredWhenSchema, func() []string { return afterRecovery }, func(s *Step) { poll.Checks = append(poll.Checks, s) })
		diags = append(diags, l.decodePoll(poll, content, phase.RecoveredWhen, sc.Timeout)...)
	}
	if b := first(byType[string(phase.Guard)]); b != nil {
		poll := &Poll{Range: b.DefRange}
		sc.Guard = poll
		content := addListed(phase.Guard, b.Body, guardSchema, func() []string { return steadyState }, func(s *Step) { poll.Checks = append(poll.Checks, s) })
		diags = append(diags, l.decodePoll(poll, content, phase.Guard, 0)...)
	}
	if b := first(byType[string(phase.DataLoss)]); b != nil {
		h := l.stepHeader(string(phase.DataLoss), phase.DataLoss, b.DefRange, b.Body, afterRecovery)
		sc.DataLoss = &DataLoss{Range: b.DefRange}
		h.attach = func(s *Step) {
			sc.DataLoss.Check = s
			if h.content != nil {
				sc.DataLoss.NewestRecord = newestRecordExpr(h.content)
			}
		}
		diags = append(diags, h.contentDiags...)
		diags = append(diags, l.checkKindBlocks(h)...)
		diags = append(diags, l.readBackground(h)...)
		headers = append(headers, h)
		// Measures of data_loss run after its check, on what recovery
		// left: the rows restored, the size of the restored database.
		for _, block := range h.content.Blocks {
			if block.Type != measureBlock || !claimName(block) {
				continue
			}
			names[block.Labels[0]] = phase.DataLoss
			m := l.measureHeader(block.Labels[0], phase.DataLoss, block, afterRecovery)
			m.attach = func(s *Step) { sc.DataLoss.Measures = append(sc.DataLoss.Measures, s) }
			diags = append(diags, m.contentDiags...)
			diags = append(diags, l.checkKindBlocks(m)...)
			diags = append(diags, l.readBackground(m)...)
			headers = append(headers, m)
		}
	}
	if b := first(byType[string(phase.Rollback)]); b != nil {
		addListed(phase.Rollback, b.Body, stepListSchema, snapshot, func(s *Step) { sc.Rollback = append(sc.Rollback, s) })
	}
	workloadHeaders, workloadDiags := l.decodeWorkloads(sc, byType["workload"], afterSetup, afterRecovery)
	diags = append(diags, workloadDiags...)
	headers = append(headers, workloadHeaders...)

	// Before the drill runs, every step's result is unknown but typed, so
	// steps.NAME.FIELD is checked against the kind's result fields.
	unknownResults := map[string]cty.Value{}
	kinds := map[string]checks.Kind{}
	for _, h := range headers {
		if h.kind != nil && h.phase != phase.DataLoss && h.workload == nil {
			unknownResults[h.name] = cty.UnknownVal(h.kind.ResultType())
			kinds[h.name] = h.kind
		}
	}
	steps := cty.ObjectVal(unknownResults)
	background := backgroundSteps(headers)
	for i, h := range headers {
		diags = append(diags, h.checkWaits(headers[:i], background, names)...)
		if h.kind == nil {
			// Keep the step, so that later checks ("nothing to recover")
			// do not report what follows from its own error.
			h.attach(&Step{Name: h.name, Phase: h.phase, Range: h.defRange})
			continue
		}
		step, stepDiags := l.decodeStep(h, stepScope{all: names, background: background, kinds: kinds}, steps)
		diags = append(diags, stepDiags...)
		h.attach(step)
	}
	return diags
}

// measureHeader reads the structure of a measure block.
func (l *loader) measureHeader(name string, stage phase.Phase, block *hcl.Block, readable []string) *stepHeader {
	h := &stepHeader{name: name, phase: stage, defRange: block.DefRange, readable: map[string]bool{}, measure: true}
	for _, r := range readable {
		h.readable[r] = true
	}
	h.content, h.contentDiags = block.Body.Content(l.measureSchema)
	return h
}

// stepHeader reads the structure of a step body.
func (l *loader) stepHeader(name string, stage phase.Phase, defRange hcl.Range, body hcl.Body, readable []string) *stepHeader {
	h := &stepHeader{name: name, phase: stage, defRange: defRange, readable: map[string]bool{}}
	for _, r := range readable {
		h.readable[r] = true
	}
	content, diags := body.Content(l.schemas[stage])
	h.content = content
	h.contentDiags = diags
	return h
}
