package reports

import (
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/redrill/redrill/scenarios/phase"
	"github.com/redrill/redrill/store"
)

// The JUnit document, in the form that both the strict Ant schema
// (JUnit.xsd of windyroad/JUnit-Schema) and the Jenkins xunit plugin's
// junit-10.xsd accept: no attributes on <testsuites>; on every suite a
// package, an id, a host, a timestamp without a zone, one <properties>,
// and a <system-out> and a <system-err>, even empty; on every testcase a
// classname and a time, and at most one of skipped, error or failure,
// with a type. Output goes in the suite's <system-out>: Ant allows none in
// a testcase. docs/reports.md says how both schemas were checked.
type (
	junitSuites struct {
		XMLName xml.Name     `xml:"testsuites"`
		Suites  []junitSuite `xml:"testsuite"`
	}
	junitSuite struct {
		Name       string          `xml:"name,attr"`
		Package    string          `xml:"package,attr"`
		ID         int             `xml:"id,attr"`
		Hostname   string          `xml:"hostname,attr"`
		Timestamp  string          `xml:"timestamp,attr"`
		Tests      int             `xml:"tests,attr"`
		Failures   int             `xml:"failures,attr"`
		Errors     int             `xml:"errors,attr"`
		Skipped    int             `xml:"skipped,attr"`
		Time       string          `xml:"time,attr"`
		Properties junitProperties `xml:"properties"`
		Testcases  []junitCase     `xml:"testcase"`
		SystemOut  string          `xml:"system-out"`
		SystemErr  string          `xml:"system-err"`
	}
	junitProperties struct {
		Property []junitProperty `xml:"property"`
	}
	junitProperty struct {
		Name  string `xml:"name,attr"`
		Value string `xml:"value,attr"`
	}
	junitCase struct {
		Name      string        `xml:"name,attr"`
		Classname string        `xml:"classname,attr"`
		Time      string        `xml:"time,attr"`
		Skipped   *junitSkipped `xml:"skipped"`
		Error     *junitProblem `xml:"error"`
		Failure   *junitProblem `xml:"failure"`
	}
	junitSkipped struct {
		Message string `xml:"message,attr"`
	}
	junitProblem struct {
		Message string `xml:"message,attr"`
		Type    string `xml:"type,attr"`
		Text    string `xml:",chardata"`
	}
)

// junitPackage is every suite's package: the Ant schema requires one.
const junitPackage = "redrill"

// internalErrorPrefix starts the reason of a drill that could not run
// because redrill itself failed (runner.go): a JUnit error, not a failure.
const internalErrorPrefix = "redrill failed:"

// WriteJUnit writes runs as JUnit XML for CI systems: one testsuite per
// run; one testcase per step or check of the scenario's plan, in order (a
// polled check is one testcase that passes when its last round passed; a
// step that never ran is skipped); a rollback testcase when the scenario
// has rollback steps, failed when the rollback failed or was skipped; and
// a last testcase, the verdict, which fails unless the drill met its
// objectives — a drill whose every step passed can still have missed its
// RTO — and is an error when redrill itself failed. Every text is passed
// through plainText, so that terminal colours and control characters in
// what a command printed cannot break the document.
func WriteJUnit(w io.Writer, records []store.Record) error {
	doc := junitSuites{Suites: []junitSuite{}}
	for i, r := range records {
		doc.Suites = append(doc.Suites, junitSuiteOf(i, r))
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "\t")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

func junitSuiteOf(id int, r store.Record) junitSuite {
	suite := junitSuite{
		Name:      nonBlank(plainText(r.Scenario), "unnamed"),
		Package:   junitPackage,
		ID:        id,
		Hostname:  nonBlank(plainText(r.Host), "localhost"),
		Timestamp: r.StartedAt.UTC().Format("2006-01-02T15:04:05"),
	}
	if !r.EndedAt.IsZero() {
		suite.Time = junitSeconds(r.EndedAt.Sub(r.StartedAt))
	} else {
		suite.Time = junitSeconds(0)
	}
	suite.property("run_id", r.ID)
	suite.property("verdict", r.Verdict)
	suite.property("reason", r.Reason)
	if r.Rollback != "" {
		suite.property("rollback", r.Rollback)
	}
	durationProperty := func(name string, d *time.Duration) {
		if d != nil {
			suite.property(name, fmt.Sprintf("%.3f", d.Seconds()))
		}
	}
	durationProperty("rto_seconds", r.RTO)
	durationProperty("rpo_seconds", r.RPO)
	durationProperty("objective_rto_seconds", r.ObjectiveRTO)
	durationProperty("objective_rpo_seconds", r.ObjectiveRPO)
	// The time waiting for people apart from the rest.
	suite.property("human_seconds", fmt.Sprintf("%.3f", r.HumanTime.Seconds()))
	if machine, ended := r.MachineTime(); ended {
		durationProperty("machine_seconds", &machine)
	}
	suite.workloadProperties(r.Run)

	var log strings.Builder
	log.WriteString(Summary(r))
	log.WriteString("\n")
	for _, s := range r.Steps {
		log.WriteString("\n" + junitStepLine(s))
	}
	for _, group := range stepGroups(r) {
		suite.Testcases = append(suite.Testcases, suite.stepCase(r, group))
	}
	if c, ok := rollbackCase(r); ok {
		suite.Testcases = append(suite.Testcases, c)
	}
	suite.Testcases = append(suite.Testcases, verdictCase(r))
	suite.SystemOut = plainText(log.String())

	suite.Tests = len(suite.Testcases)
	for _, c := range suite.Testcases {
		switch {
		case c.Failure != nil:
			suite.Failures++
		case c.Error != nil:
			suite.Errors++
		case c.Skipped != nil:
			suite.Skipped++
		}
	}
	return suite
}

// workloadProperties are what the run's workloads measured, beside its
// RTO and RPO: a CI server shows a suite's properties, and a testcase per
// figure would count measurements as tests.
func (s *junitSuite) workloadProperties(r store.Run) {
	seconds := func(d time.Duration) string { return fmt.Sprintf("%.3f", d.Seconds()) }
	count := func(n int64) string { return strconv.FormatInt(n, 10) }
	if r.ObjectiveDowntime != nil {
		s.property("objective_downtime_seconds", seconds(*r.ObjectiveDowntime))
	}
	if r.ObjectiveLostWrites != nil {
		s.property("objective_lost_writes", count(*r.ObjectiveLostWrites))
	}
	if downtime := store.ClientDowntime(r.Workloads); downtime != nil {
		s.property("client_downtime_seconds", seconds(*downtime))
	}
	if lost := store.LostWritesOf(r.Workloads); lost != nil {
		s.property("lost_writes", count(*lost))
	}
	for _, w := range r.Workloads {
		prefix := "workload." + w.Name + "."
		for _, p := range [][2]string{
			{"attempts", count(w.Attempts)}, {"succeeded", count(w.Succeeded)}, {"failed", count(w.Failed)}, {"skipped", count(w.Skipped)},
			{"latency_p50_seconds", seconds(w.LatencyP50)}, {"latency_p99_seconds", seconds(w.LatencyP99)},
			{"longest_outage_seconds", seconds(w.LongestOutage)},
		} {
			s.property(prefix+p[0], p[1])
		}
		if w.LastError != "" {
			s.property(prefix+"last_error", w.LastError)
		}
		if v := w.Verified; v != nil {
			s.property(prefix+"acknowledged_writes", count(v.Acknowledged))
			s.property(prefix+"lost_writes", count(v.Lost))
			s.property(prefix+"lost_before_clock", count(v.LostBeforeClock))
			s.property(prefix+"lost_after_clock", count(v.LostAfterClock))
		}
	}
}

func (s *junitSuite) property(name, value string) {
	s.Properties.Property = append(s.Properties.Property, junitProperty{Name: plainText(name), Value: plainText(value)})
}

// stepGroup is a step or check of the plan and what it recorded: nothing
// when it never ran, one step, or the rounds of a polled check.
type stepGroup struct {
	phase phase.Phase
	name  string
	kind  string
	steps []store.Step
}

// stepGroups are the steps of the plan in order, each with its recorded
// steps, then what ran but is not in the plan (runs recorded before the
// plan was kept have none).
func stepGroups(r store.Record) []*stepGroup {
	type key struct {
		phase phase.Phase
		name  string
	}
	var groups []*stepGroup
	byKey := map[key]*stepGroup{}
	add := func(p phase.Phase, name, kind string) *stepGroup {
		k := key{p, name}
		if g, ok := byKey[k]; ok {
			return g
		}
		g := &stepGroup{phase: p, name: name, kind: kind}
		byKey[k] = g
		groups = append(groups, g)
		return g
	}
	for _, p := range r.Plan {
		add(p.Phase, p.Name, p.Kind)
	}
	for _, s := range r.Steps {
		g := add(s.Phase, s.Name, s.Kind)
		g.steps = append(g.steps, s)
	}
	return groups
}

// stepCase is the testcase of a step or check. A polled check passes when
// its last round passed; its rounds, attempts and last failure are in the
// failure when it failed, else in the suite's properties.
func (s *junitSuite) stepCase(r store.Record, g *stepGroup) junitCase {
	c := junitCase{
		Name:      nonBlank(plainText(g.name), "unnamed"),
		Classname: classname(r.Scenario, string(g.phase)),
	}
	if len(g.steps) == 0 {
		c.Time = junitSeconds(0)
		c.Skipped = &junitSkipped{Message: plainText(notRunReason(r, g.phase))}
		return c
	}
	c.Time = junitSeconds(spanOf(g.steps))
	last := g.steps[len(g.steps)-1]
	if last.Cancelled {
		// Still running in the background when the drill ended: it
		// was stopped, it did not fail.
		c.Skipped = &junitSkipped{Message: plainText(cancelledReason(last))}
		return c
	}
	attempts, lastFailure := 0, -1
	for i, step := range g.steps {
		attempts += step.Attempts
		if !step.Passed {
			lastFailure = i
		}
	}
	polled := len(g.steps) > 1 || last.Round > 0
	prefix := string(g.phase) + "." + g.name + "."
	if answer := manualAnswer(last); answer != nil {
		s.property(prefix+"answer", answer.Outcome)
		s.property(prefix+"answered_by", answer.By)
		s.property(prefix+"answered_at", formatTime(answer.At))
		if answer.Note != "" {
			s.property(prefix+"note", answer.Note)
		}
		if answer.Automatic {
			s.property(prefix+"automatic", "true")
		}
		if answer.Outcome == store.AnswerSkipped {
			c.Skipped = &junitSkipped{Message: plainText("skipped by " + answer.By + prefixed(": ", answer.Note))}
			return c
		}
	}
	if polled {
		s.property(prefix+"rounds", strconv.Itoa(len(g.steps)))
	}
	if attempts > len(g.steps) {
		s.property(prefix+"attempts", strconv.Itoa(attempts))
	}
	if last.Passed {
		if lastFailure >= 0 {
			s.property(prefix+"last_failure", junitStepLine(g.steps[lastFailure]))
		}
		return c
	}
	message := last.Message
	if polled {
		message = fmt.Sprintf("round %d of %d: %s", last.Round, len(g.steps), last.Message)
	}
	if last.Attempts > 1 {
		message += fmt.Sprintf(" (%d attempts)", last.Attempts)
	}
	var text strings.Builder
	for _, step := range g.steps {
		text.WriteString(junitStepLine(step) + "\n")
	}
	c.Failure = &junitProblem{Message: plainText(message), Type: nonBlank(plainText(last.Kind), "failed"), Text: plainText(text.String())}
	return c
}

// rollbackCase is the testcase of the rollback as a whole, when the
// scenario has one: it fails when the rollback failed or never ran, as the
// system may be left disrupted.
func rollbackCase(r store.Record) (junitCase, bool) {
	if r.Rollback == "" || r.Rollback == store.RollbackNone {
		return junitCase{}, false
	}
	c := junitCase{Name: "rollback", Classname: classname(r.Scenario, ""), Time: junitSeconds(0)}
	if r.LeftDisrupted() {
		c.Failure = &junitProblem{
			Message: "rollback " + r.Rollback + ": the system may still be disrupted",
			Type:    "rollback_" + r.Rollback,
			Text:    plainText(Summary(r)),
		}
	}
	return c, true
}

// verdictCase fails unless the drill met its objectives, and is an error
// when redrill itself failed.
func verdictCase(r store.Record) junitCase {
	c := junitCase{Name: "verdict", Classname: classname(r.Scenario, ""), Time: junitSeconds(0)}
	if r.Verdict == store.VerdictMet {
		return c
	}
	problem := &junitProblem{
		Message: plainText(verdictAndReason(r.Run)),
		Type:    nonBlank(plainText(r.Verdict), "unknown"),
		Text:    plainText(Summary(r)),
	}
	if strings.HasPrefix(r.Reason, internalErrorPrefix) {
		problem.Type = "internal"
		c.Error = problem
	} else {
		c.Failure = problem
	}
	return c
}

// notRunReason says why a step of the plan has no result.
func notRunReason(r store.Record, p phase.Phase) string {
	if p == phase.Rollback && r.Rollback == store.RollbackNotNeeded {
		return "not run: the drill ended before it touched the system, so there was nothing to roll back"
	}
	if p == phase.Rollback && r.Rollback == store.RollbackSkipped {
		return "not run: the rollback was skipped"
	}
	if r.Verdict == "" {
		return "not run"
	}
	return "not run: the drill ended before it (" + verdictAndReason(r.Run) + ")"
}

// cancelledReason is the skipped message of a cancelled step.
func cancelledReason(s store.Step) string {
	reason := strings.TrimPrefix(s.Message, "cancelled: ")
	return "cancelled: " + orDefault(reason, "still running when the drill ended")
}

// junitStepLine is one step or round as the suite's output and a failure's
// text show it.
func junitStepLine(s store.Step) string {
	var b strings.Builder
	b.WriteString(string(s.Phase) + " " + s.Name)
	if s.Round > 0 {
		fmt.Fprintf(&b, " round %d", s.Round)
	}
	outcome := "passed"
	switch {
	case s.Cancelled:
		outcome = "cancelled"
	case !s.Passed:
		outcome = "failed"
	}
	fmt.Fprintf(&b, ": %s in %s", outcome, junitSeconds(s.Duration)+"s")
	if s.Background {
		b.WriteString(" (background)")
	}
	if s.Attempts > 1 {
		fmt.Fprintf(&b, " after %d attempts", s.Attempts)
	}
	if message := s.Message; message != "" {
		if s.Cancelled {
			message = strings.TrimPrefix(message, "cancelled: ")
		}
		b.WriteString(": " + message)
	}
	return b.String()
}

// spanOf is the time from the first step's start to the last one's end;
// the sum of their durations when a start is missing.
func spanOf(steps []store.Step) time.Duration {
	first, last := steps[0], steps[len(steps)-1]
	if !first.StartedAt.IsZero() && !last.StartedAt.IsZero() {
		if span := last.StartedAt.Add(last.Duration).Sub(first.StartedAt); span >= 0 {
			return span
		}
	}
	var sum time.Duration
	for _, s := range steps {
		sum += s.Duration
	}
	return sum
}

func classname(scenario, part string) string {
	name := nonBlank(plainText(scenario), "unnamed")
	if part == "" {
		return name
	}
	return name + "." + plainText(part)
}

// nonBlank is s, or fallback when s holds only white space: the Ant schema
// wants a suite name and a host of at least one character.
func nonBlank(s, fallback string) string {
	if strings.TrimSpace(s) == "" {
		return fallback
	}
	return s
}

// junitSeconds writes a duration as JUnit does: seconds with milliseconds,
// never negative (Jenkins reads at most three decimals and no sign).
func junitSeconds(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	return fmt.Sprintf("%.3f", d.Seconds())
}

// manualAnswer is a manual step's answer; nil for another kind, or while
// nobody answered.
func manualAnswer(s store.Step) *store.Answer {
	if s.Manual == nil {
		return nil
	}
	return s.Manual.Answer
}
