package scenarios

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/redrill/redrill/checks"
	"github.com/redrill/redrill/scenarios/phase"
)

// attemptType is workload in a workload's attempt: its sequence number and
// when it started, as RFC 3339 text that databases read as a timestamp.
var attemptType = cty.Object(map[string]cty.Type{"seq": cty.Number, "at": cty.String})

// workloadPhase names where a workload's attempt is decoded; it is no
// phase of the drill, and its attempts are never recorded as steps.
const workloadPhase phase.Phase = "workload"

// Limits of a workload's settings.
const (
	maxWorkloadRate        = 1_000_000
	maxWorkloadConcurrency = 1_000
	// defaultAttemptTimeout bounds an attempt of a kind with no default
	// timeout: a client gives up long before a restore would.
	defaultAttemptTimeout = 5 * time.Second
)

func workloadSchemas(kinds *checks.Registry) (workload, verify *hcl.BodySchema) {
	workload = &hcl.BodySchema{
		Attributes: []hcl.AttributeSchema{{Name: "rate", Required: true}, {Name: "concurrency"}, {Name: "timeout"}, {Name: "warmup"}},
		Blocks:     []hcl.BlockHeaderSchema{{Type: "assert"}, {Type: "verify"}},
	}
	verify = &hcl.BodySchema{
		Attributes: []hcl.AttributeSchema{{Name: "survivors", Required: true}, {Name: "timeout"}, {Name: "retries"}, {Name: "retry_every"}, {Name: "after"}},
		Blocks:     []hcl.BlockHeaderSchema{{Type: "assert"}},
	}
	for _, name := range kinds.Names() {
		workload.Blocks = append(workload.Blocks, hcl.BlockHeaderSchema{Type: name})
		verify.Blocks = append(verify.Blocks, hcl.BlockHeaderSchema{Type: name})
	}
	return workload, verify
}

// decodeWorkloads reads the workload blocks. A workload's attempts start
// after setup and read what ran before them; its verify runs after
// recovery. It returns the headers of their bodies, decoded with the
// scenario's steps.
func (l *loader) decodeWorkloads(sc *Scenario, blocks hcl.Blocks, afterSetup, afterRecovery []string) ([]*stepHeader, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	var headers []*stepHeader
	seen := map[string]*hcl.Block{}
	for _, block := range blocks {
		name := block.Labels[0]
		if previous, ok := seen[name]; ok {
			diags = append(diags, duplicate("workload", name, block, previous))
			continue
		}
		seen[name] = block
		if d := checkName("workload", block); d != nil {
			diags = append(diags, d)
		}
		w := &Workload{Name: name, Concurrency: 1, Range: block.DefRange}
		sc.Workloads = append(sc.Workloads, w)
		h, d := l.workloadHeader(w, block, afterSetup)
		diags = append(diags, d...)
		headers = append(headers, h)
		if v := verifyBlock(h.content); v != nil {
			vh := l.verifyHeader(w, v, afterRecovery)
			diags = append(diags, vh.contentDiags...)
			diags = append(diags, l.checkKindBlocks(vh)...)
			diags = append(diags, l.readBackground(vh)...)
			headers = append(headers, vh)
		}
	}
	return headers, diags
}

func (l *loader) workloadHeader(w *Workload, block *hcl.Block, readable []string) (*stepHeader, hcl.Diagnostics) {
	h := &stepHeader{name: w.Name, phase: workloadPhase, defRange: block.DefRange, readable: map[string]bool{}, workload: w}
	for _, name := range readable {
		h.readable[name] = true
	}
	h.content, h.contentDiags = block.Body.Content(l.workloadSchema)
	diags := append(hcl.Diagnostics{}, h.contentDiags...)
	diags = append(diags, l.checkKindBlocks(h)...)
	base := l.set.evalContext
	if attr := h.content.Attributes["rate"]; attr != nil {
		diags = append(diags, decodeRate(attr, base, &w.Rate)...)
	}
	if attr := h.content.Attributes["concurrency"]; attr != nil {
		concurrencyDiags := decodeWholeNumber(attr, base, &w.Concurrency)
		diags = append(diags, concurrencyDiags...)
		if !concurrencyDiags.HasErrors() && (w.Concurrency < 1 || w.Concurrency > maxWorkloadConcurrency) {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Invalid concurrency",
				Detail:   fmt.Sprintf("concurrency is how many attempts may be in flight at once: a whole number from 1 to %d.", maxWorkloadConcurrency),
				Subject:  attr.Expr.Range().Ptr(),
			})
		}
	}
	diags = append(diags, decodeDuration(h.content.Attributes["warmup"], base, &w.Warmup)...)
	for _, b := range h.content.Blocks {
		if b.Type == "verify" && verifyBlock(h.content) != b {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Duplicate verify block",
				Detail:   fmt.Sprintf("A workload has at most one verify block; the first is at %s. Merge them.", at(verifyBlock(h.content).DefRange)),
				Subject:  b.DefRange.Ptr(),
			})
		}
	}
	h.attach = func(s *Step) {
		if s.Timeout == 0 && (s.Kind == nil || s.Kind.DefaultTimeout() == 0) {
			s.Timeout = defaultAttemptTimeout
		}
		w.Attempt = s
	}
	return h, diags
}

func verifyBlock(content *hcl.BodyContent) *hcl.Block {
	for _, b := range content.Blocks {
		if b.Type == "verify" {
			return b
		}
	}
	return nil
}

func (l *loader) verifyHeader(w *Workload, block *hcl.Block, readable []string) *stepHeader {
	h := &stepHeader{name: w.Name + ".verify", phase: phase.DataLoss, defRange: block.DefRange, readable: map[string]bool{}}
	for _, name := range readable {
		h.readable[name] = true
	}
	h.content, h.contentDiags = block.Body.Content(l.verifySchema)
	w.Verify = &Verify{Range: block.DefRange}
	h.attach = func(s *Step) {
		w.Verify.Check = s
		if attr := h.content.Attributes["survivors"]; attr != nil {
			w.Verify.Survivors = attr.Expr
		}
	}
	return h
}

func decodeRate(attr *hcl.Attribute, ctx *hcl.EvalContext, target *float64) hcl.Diagnostics {
	value, diags := attributeValue(attr, ctx, cty.Number)
	if diags.HasErrors() {
		return diags
	}
	value, _ = value.UnmarkDeep()
	rate, _ := value.AsBigFloat().Float64()
	if !(rate > 0) || rate > maxWorkloadRate || math.IsInf(rate, 0) {
		return append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Invalid rate",
			Detail:   fmt.Sprintf("rate is attempts per second: a number above 0 and at most %d, such as 100 or 0.5.", maxWorkloadRate),
			Subject:  attr.Expr.Range().Ptr(),
		})
	}
	*target = rate
	return diags
}

// readBackground reads background and after, where the phase allows them.
func (l *loader) readBackground(h *stepHeader) hcl.Diagnostics {
	var diags hcl.Diagnostics
	if h.content == nil {
		return nil
	}
	if attr := h.content.Attributes["background"]; attr != nil {
		diags = append(diags, decodeBool(attr, l.set.evalContext, &h.background)...)
		if h.background && !h.phase.Background() {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Background step outside setup, disrupt and recover",
				Detail:   fmt.Sprintf("Only steps of setup, disrupt and recover can run in the background; %s runs in %s, where the drill waits for each %s. Move it, or remove background.", lowerFirst(h.describe()), h.phase, h.phase.StepWord()),
				Subject:  attr.Range.Ptr(),
			})
		}
		if h.background && h.kindBlock != nil && h.kindBlock.Type == manualKind {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Manual step in the background",
				Detail:   fmt.Sprintf("%s waits for a person; in the background the drill would go on without the answer. Remove background.", h.describe()),
				Subject:  attr.Range.Ptr(),
			})
		}
	}
	if attr := h.content.Attributes["after"]; attr != nil {
		diags = append(diags, decodeStringList(attr, l.set.evalContext, &h.after)...)
		h.afterRange = attr.Expr.Range()
		if !waitsAllowed(h.phase) {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "after outside setup, disrupt, recover and data_loss",
				Detail:   fmt.Sprintf("after makes a step wait for background steps; %s runs in %s, where it cannot wait. Use it on a step of setup, disrupt or recover, in data_loss or in a workload's verify.", lowerFirst(h.describe()), h.phase),
				Subject:  attr.Range.Ptr(),
			})
			h.after = nil
		}
	}
	return diags
}

func waitsAllowed(p phase.Phase) bool { return p.Background() || p == phase.DataLoss }

// backgroundSteps names the background steps.
func backgroundSteps(headers []*stepHeader) map[string]bool {
	background := map[string]bool{}
	for _, h := range headers {
		if h.background {
			background[h.name] = true
		}
	}
	return background
}

// checkWaits checks each name of after against the steps before this one,
// and records what the step may read: in rollback every background step
// has ended.
func (h *stepHeader) checkWaits(earlier []*stepHeader, background map[string]bool, names map[string]phase.Phase) hcl.Diagnostics {
	h.waits = map[string]bool{}
	if h.phase == phase.Rollback {
		h.waits = background
		return nil
	}
	var diags hcl.Diagnostics
	for _, name := range h.after {
		d := h.checkWait(name, earlier, background, names)
		if d != nil {
			diags = append(diags, d)
			continue
		}
		h.waits[name] = true
	}
	return diags
}

func (h *stepHeader) checkWait(name string, earlier []*stepHeader, background map[string]bool, names map[string]phase.Phase) *hcl.Diagnostic {
	runsEarlier := slices.ContainsFunc(earlier, func(e *stepHeader) bool { return e.name == name && e.workload == nil })
	var detail string
	switch stage, exists := names[name]; {
	case !exists:
		detail = fmt.Sprintf("This scenario has no step named %q.%s", name, suggest(name, sortedKeys(names)))
	case !background[name]:
		detail = fmt.Sprintf("%q (in %s) does not run in the background: steps run one after another, so it has ended before %q starts. Remove it from after, or give it background = true.", name, stage, h.name)
	case !runsEarlier || name == h.name:
		detail = fmt.Sprintf("%q (in %s) starts after %q, so it cannot be waited for here.", name, stage, h.name)
	default:
		return nil
	}
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Invalid after",
		Detail:   detail,
		Subject:  h.afterRange.Ptr(),
	}
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}
