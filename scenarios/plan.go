package scenarios

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/zclconf/go-cty/cty"

	"github.com/redrill/redrill/internal/labels"
	"github.com/redrill/redrill/internal/secret"
	"github.com/redrill/redrill/scenarios/duration"
	"github.com/redrill/redrill/scenarios/phase"
)

// PlanOptions select what WritePlan shows.
type PlanOptions struct {
	// Scenarios limits the plan to these names; empty means all.
	Scenarios []string
	// Now is when "next run" of a schedule is counted from.
	Now time.Time
}

// WritePlan writes what a run of the set would do, phase by phase, with
// every value resolved as far as it can be before the drill runs. Sensitive
// values read (sensitive). Nothing is executed.
func (s *Set) WritePlan(w io.Writer, opts PlanOptions) error {
	p := &planWriter{set: s, w: w}
	if len(s.Variables) > 0 {
		p.line(0, "variables")
		width := 0
		for _, v := range s.Variables {
			width = max(width, len(v.Name))
		}
		for _, v := range s.Variables {
			p.line(1, "%-*s = %s   (from %s)", width, v.Name, renderValue(v.Value), v.From)
		}
		p.line(0, "")
	}
	for _, sc := range s.Scenarios {
		if len(opts.Scenarios) > 0 && !slices.Contains(opts.Scenarios, sc.Name) {
			continue
		}
		p.scenario(sc, opts.Now)
	}
	for _, gd := range s.GameDays {
		mode := "one after another"
		if gd.Parallel {
			mode = "in parallel"
		}
		p.line(0, "gameday %q at %s: %s, %s", gd.Name, gd.Start.Format(time.RFC3339), strings.Join(gd.Scenarios, ", "), mode)
		if gd.Description != "" {
			p.line(1, "%s", gd.Description)
		}
		if gd.Facilitator != "" {
			p.line(1, "facilitator:  %s", gd.Facilitator)
		}
		if len(gd.Participants) > 0 {
			p.line(1, "participants: %s", strings.Join(gd.Participants, ", "))
		}
	}
	for _, n := range s.Notifiers {
		webhook := secret.HideCredentials(n.Webhook)
		if n.Sensitive {
			webhook = sensitiveText
		}
		p.line(0, "notify %q: %s to %s on %s", n.Name, n.Format, webhook, strings.Join(n.On, ", "))
	}
	return p.err
}

const (
	sensitiveText = secret.Hidden
	unknownText   = "(known when the drill runs)"
)

type planWriter struct {
	set *Set
	w   io.Writer
	err error
}

func (p *planWriter) line(indent int, format string, args ...any) {
	if p.err != nil {
		return
	}
	text := fmt.Sprintf(format, args...)
	if text != "" {
		text = strings.Repeat("  ", indent) + text
	}
	_, p.err = fmt.Fprintln(p.w, text)
}

func (p *planWriter) scenario(sc *Scenario, now time.Time) {
	p.line(0, "scenario %q   %s:%d", sc.Name, sc.Source.File, sc.Source.Range.Start.Line)
	if sc.Description != "" {
		p.line(1, "%s", sc.Description)
	}
	if sc.Owner != "" {
		p.line(1, "owner:     %s", sc.Owner)
	}
	if len(sc.Tags) > 0 {
		p.line(1, "tags:      %s", strings.Join(sc.Tags, ", "))
	}
	p.line(1, "objective: %s", objectiveText(sc.Objective))
	if sc.Schedule != nil {
		p.line(1, "schedule:  %q in %s, next run %s", sc.Schedule.Cron, sc.Schedule.Location, nextRun(sc.Schedule, now))
	}
	if len(sc.RunnerLabels) > 0 {
		p.line(1, "runner:    labels %s", labels.String(sc.RunnerLabels))
	}
	if sc.Timeout > 0 {
		p.line(1, "timeout:   %s", duration.Format(sc.Timeout))
	}
	for _, pm := range sc.Postmortems {
		p.line(1, "postmortem %s", strings.TrimSpace(strings.Join([]string{pm.ID, pm.Date, pm.Title}, " ")))
		if pm.Finding != "" {
			p.line(2, "finding: %s", pm.Finding)
		}
		if pm.URL != "" {
			p.line(2, "%s", secret.HideCredentials(pm.URL))
		}
	}

	number := 0
	stage := func(title, note string) {
		number++
		p.line(0, "")
		if note != "" {
			title += "   (" + note + ")"
		}
		p.line(1, "%d. %s", number, title)
	}
	if len(sc.SteadyState) > 0 {
		stage("steady_state", "must all pass before anything is touched")
		p.steps(sc.SteadyState)
	}
	if len(sc.Setup) > 0 {
		stage("setup", "prepares the drill before the clock starts; rollback runs once it has begun")
		p.steps(sc.Setup)
	}
	if len(sc.Workloads) > 0 {
		stage("workloads", "sent from the end of setup until data loss is measured")
		p.workloads(sc.Workloads)
	}
	clockNote := "the recovery clock starts with the first step"
	if len(sc.Disrupt) > 0 {
		stage("disrupt", clockNote)
		p.steps(sc.Disrupt)
		clockNote = ""
	}
	if sc.Guard != nil {
		stage(fmt.Sprintf("guard every %s", duration.Format(sc.Guard.Every)), "polled from clock start until recovery; one failure aborts")
		p.steps(sc.Guard.Checks)
	}
	if len(sc.Recover) > 0 {
		note := clockNote
		if sc.RecoveredWhen == nil {
			note = strings.TrimPrefix(note+"; ", "; ") + "the clock stops at the end of the last step"
		}
		stage("recover", note)
		p.steps(sc.Recover)
	}
	if rw := sc.RecoveredWhen; rw != nil {
		timeout := duration.Format(rw.Timeout)
		if rw.Timeout == 0 {
			timeout = "the drill's " + duration.Format(sc.Timeout)
		}
		stage(fmt.Sprintf("recovered_when every %s, timeout %s", duration.Format(rw.Every), timeout), "the clock stops at the first round where all pass")
		p.steps(rw.Checks)
	}
	if sc.DataLoss != nil && sc.DataLoss.Check != nil {
		stage("data_loss", "RPO measured = clock start - newest_record")
		p.steps([]*Step{sc.DataLoss.Check})
		p.line(3, "newest_record = %s", p.source(sc.DataLoss.NewestRecord.Range()))
		p.steps(sc.DataLoss.Measures)
	}
	if slices.ContainsFunc(sc.Workloads, func(w *Workload) bool { return w.Verify != nil && w.Verify.Check != nil }) {
		stage("verify", "acknowledged writes compared with the survivors; RPO from the newest survivor")
		for _, w := range sc.Workloads {
			if w.Verify != nil && w.Verify.Check != nil {
				p.steps([]*Step{w.Verify.Check})
				p.line(3, "survivors = %s", p.source(w.Verify.Survivors.Range()))
			}
		}
	}
	if len(sc.Rollback) > 0 {
		stage("rollback", "always runs once the drill got past steady_state")
		p.steps(sc.Rollback)
	}
	p.line(0, "")
}

func (p *planWriter) steps(steps []*Step) {
	for _, step := range steps {
		if step == nil {
			continue
		}
		header := fmt.Sprintf("%s %q: %s", step.Phase.StepWord(), step.Name, step.Kind.Name())
		switch {
		case step.Measure != nil:
			header = fmt.Sprintf("measure %q: %s", step.Name, step.Kind.Name())
		case step.Phase == phase.DataLoss:
			header = step.Kind.Name()
			if workload, ok := strings.CutSuffix(step.Name, ".verify"); ok {
				header = fmt.Sprintf("workload %q: %s", workload, step.Kind.Name())
			}
		}
		var extras []string
		if step.Timeout > 0 {
			extras = append(extras, "timeout "+duration.Format(step.Timeout))
		}
		if step.Retries > 0 {
			extras = append(extras, fmt.Sprintf("retries %d every %s", step.Retries, duration.Format(step.RetryEvery)))
		}
		if step.Background {
			extras = append(extras, "in the background")
		}
		if len(step.After) > 0 {
			extras = append(extras, "after "+strings.Join(step.After, ", "))
		}
		if len(extras) > 0 {
			header += "   (" + strings.Join(extras, ", ") + ")"
		}
		p.line(2, "%s", header)
		p.attributes(step.Planned)
		for _, a := range step.Asserts {
			text := "assert " + p.source(a.Condition.Range())
			if a.ErrorMessage != nil {
				text += "   else " + p.source(a.ErrorMessage.Range())
			}
			p.line(3, "%s", text)
		}
		if m := step.Measure; m != nil {
			p.line(3, "records %s = %s", m.Unit, p.source(m.Value.Range()))
		}
		if len(step.References) > 0 {
			p.line(3, "reads steps: %s", strings.Join(step.References, ", "))
		}
	}
}

func (p *planWriter) workloads(workloads []*Workload) {
	for _, w := range workloads {
		if w.Attempt == nil || w.Attempt.Kind == nil {
			continue
		}
		settings := fmt.Sprintf("%s a second, %d at once, each within %s", strconv.FormatFloat(w.Rate, 'f', -1, 64), w.Concurrency, duration.Format(w.Attempt.Timeout))
		if w.Warmup > 0 {
			settings += ", " + duration.Format(w.Warmup) + " before the clock starts"
		}
		p.line(2, "workload %q: %s   (%s)", w.Name, w.Attempt.Kind.Name(), settings)
		p.attributes(w.Attempt.Planned)
		for _, a := range w.Attempt.Asserts {
			p.line(3, "assert %s", p.source(a.Condition.Range()))
		}
	}
}

func objectiveText(o Objective) string {
	text := fmt.Sprintf("RTO %s, RPO %s", durationOrNone(o.RTO), durationOrNone(o.RPO))
	if o.Downtime > 0 {
		text += ", downtime " + duration.Format(o.Downtime)
	}
	if o.LostWrites != nil {
		text += fmt.Sprintf(", lost writes %d", *o.LostWrites)
	}
	return text
}

// attributes writes the set attributes of a kind block, aligned.
func (p *planWriter) attributes(planned cty.Value) {
	if planned == cty.NilVal || !planned.IsKnown() || planned.IsNull() || !planned.Type().IsObjectType() {
		return
	}
	var names []string
	width := 0
	for name, value := range planned.AsValueMap() {
		if value.IsNull() {
			continue
		}
		names = append(names, name)
		width = max(width, len(name))
	}
	slices.Sort(names)
	for _, name := range names {
		value := renderValue(planned.GetAttr(name))
		if isSecretAttribute(name) && planned.GetAttr(name).IsKnown() {
			// A password or key written as a literal (a redis block's, an
			// object block's) is no less a secret than one from a sensitive
			// variable.
			value = sensitiveText
		}
		p.line(3, "%-*s = %s", width, name, value)
	}
}

// isSecretAttribute tells the kind attributes that hold a password or a
// secret key, hidden in plans whatever their source.
func isSecretAttribute(name string) bool {
	switch name {
	case "password", "secret_key", "session_token":
		return true
	}
	return false
}

// source returns the text of an expression as written.
func (p *planWriter) source(rng hcl.Range) string {
	file := p.set.Files[rng.Filename]
	if file == nil || rng.End.Byte > len(file.Bytes) {
		return "(expression)"
	}
	return secret.HideCredentials(string(file.Bytes[rng.Start.Byte:rng.End.Byte]))
}

// renderValue writes a value in HCL syntax, hiding sensitive parts and the
// password of any DSN or URL, and naming the parts only known at run time.
func renderValue(v cty.Value) string {
	if v.HasMark(sensitiveMark) {
		return sensitiveText
	}
	if !v.IsKnown() {
		return unknownText
	}
	if v.IsNull() {
		return "null"
	}
	ty := v.Type()
	switch {
	case ty.IsListType() || ty.IsTupleType() || ty.IsSetType():
		var parts []string
		for it := v.ElementIterator(); it.Next(); {
			_, element := it.Element()
			parts = append(parts, renderValue(element))
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case ty.IsMapType() || ty.IsObjectType():
		var parts []string
		for it := v.ElementIterator(); it.Next(); {
			key, element := it.Element()
			parts = append(parts, fmt.Sprintf("%s = %s", renderValue(key), renderValue(element)))
		}
		return "{ " + strings.Join(parts, ", ") + " }"
	case ty == cty.String:
		v = cty.StringVal(secret.HideCredentials(v.AsString()))
	}
	return strings.TrimSpace(string(hclwrite.TokensForValue(v).Bytes()))
}

func nextRun(schedule *Schedule, now time.Time) string {
	next := schedule.Ticks.Next(now)
	if next.IsZero() {
		return "never"
	}
	return next.In(schedule.Location).Format(time.RFC3339)
}

func durationOrNone(d time.Duration) string {
	if d == 0 {
		return "not set"
	}
	return duration.Format(d)
}
