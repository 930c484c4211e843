// Package scenarios is the redrill scenario language: it loads HCL files,
// resolves variables and locals, decodes and validates scenarios, game days
// and notifiers, and formats files. Everything it returns keeps the source
// range it came from, so later errors can point back at the file.
package scenarios

import (
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/redrill/redrill/checks"
	"github.com/redrill/redrill/scenarios/cron"
	"github.com/redrill/redrill/scenarios/phase"
	"github.com/redrill/redrill/store"
)

// Set is a loaded scenario set: one file, or every scenario file of a folder.
type Set struct {
	Variables []*Variable
	Scenarios []*Scenario
	GameDays  []*GameDay
	Notifiers []*Notifier

	// Files holds every parsed file by name, for printing diagnostics with
	// their source lines.
	Files map[string]*hcl.File

	// evalContext holds var, local and the functions; checks are decoded
	// again against it at run time.
	evalContext *hcl.EvalContext
}

// Scenario returns the scenario named name, or nil.
func (s *Set) Scenario(name string) *Scenario {
	for _, sc := range s.Scenarios {
		if sc.Name == name {
			return sc
		}
	}
	return nil
}

// GameDay returns the game day with that name, or an error that lists the
// game days there are.
func (s *Set) GameDay(name string) (*GameDay, error) {
	known := make([]string, 0, len(s.GameDays))
	for _, gd := range s.GameDays {
		if gd.Name == name {
			return gd, nil
		}
		known = append(known, gd.Name)
	}
	if len(known) == 0 {
		return nil, fmt.Errorf("no game day named %q: these files define none", name)
	}
	return nil, fmt.Errorf("no game day named %q.%s The game days are: %s", name, suggest(name, known), strings.Join(known, ", "))
}

// Variable is a declared input variable with its resolved value.
type Variable struct {
	Name        string
	Description string
	Type        cty.Type
	Sensitive   bool
	// Value is marked sensitive when Sensitive is set, and so is everything
	// computed from it.
	Value cty.Value
	// From says where the value came from: "--var", "--var-file FILE",
	// "REDRILL_VAR_name" or "default".
	From  string
	Range hcl.Range
}

// Source is where a scenario was written.
type Source struct {
	File  string
	Range hcl.Range
	// Text is the scenario block as written.
	Text []byte
}

// Scenario is one validated drill.
type Scenario struct {
	Name        string
	Description string
	Owner       string
	Tags        []string
	// Postmortems are the incidents the drill was derived from, in the
	// type the record of its runs and the reports share.
	Postmortems []store.Postmortem
	Objective   Objective
	Schedule    *Schedule
	// RunnerLabels are the labels a runner must have, every one, to run
	// the drill on its schedule (the runner block); nil means any runner.
	RunnerLabels map[string]string
	// Timeout caps the whole drill; zero means no cap.
	Timeout time.Duration

	SteadyState   []*Step
	Setup         []*Step
	Disrupt       []*Step
	Recover       []*Step
	RecoveredWhen *Poll
	Guard         *Poll
	DataLoss      *DataLoss
	Rollback      []*Step
	// Workloads run from the end of setup until data loss is measured.
	Workloads []*Workload

	Source Source
	// Hash is a stable SHA-256 of the scenario's source text, so reports can
	// tell runs of different versions of a drill apart.
	Hash string
}

// Objective holds the recovery objectives; zero means not set.
type Objective struct {
	RTO time.Duration
	RPO time.Duration
	// Downtime is the longest outage a workload's clients may see.
	Downtime time.Duration
	// LostWrites is how many acknowledged writes may be lost; nil when
	// not set (0 is an objective).
	LostWrites *int64
	Range      hcl.Range
}

// Schedule is when a drill runs by itself.
type Schedule struct {
	Cron     string
	Location *time.Location
	// Ticks is Cron parsed in Location.
	Ticks cron.Schedule
	Range hcl.Range
}

// Steps returns every step and check of the scenario, phase by phase in
// the order of phase.All.
func (sc *Scenario) Steps() []*Step {
	var steps []*Step
	steps = append(steps, sc.SteadyState...)
	steps = append(steps, sc.Setup...)
	steps = append(steps, sc.Disrupt...)
	steps = append(steps, sc.Recover...)
	if sc.RecoveredWhen != nil {
		steps = append(steps, sc.RecoveredWhen.Checks...)
	}
	if sc.Guard != nil {
		steps = append(steps, sc.Guard.Checks...)
	}
	if sc.DataLoss != nil && sc.DataLoss.Check != nil {
		steps = append(steps, sc.DataLoss.Check)
	}
	if sc.DataLoss != nil {
		steps = append(steps, sc.DataLoss.Measures...)
	}
	for _, w := range sc.Workloads {
		if w.Verify != nil && w.Verify.Check != nil {
			steps = append(steps, w.Verify.Check)
		}
	}
	return append(steps, sc.Rollback...)
}

// Step is a step or a check: one check kind with its attributes, asserts and
// retry settings. Attributes may refer to earlier steps (steps.NAME) and are
// decoded again when the step runs.
type Step struct {
	Name  string
	Phase phase.Phase
	Kind  checks.Kind
	// Body is the kind block's body; see Set.DecodeStep.
	Body hcl.Body
	// Planned is the kind's attributes as known before the drill runs;
	// values that depend on earlier steps are unknown.
	Planned cty.Value
	Asserts []*Assert
	// Timeout is zero when the step has none of its own.
	Timeout    time.Duration
	Retries    int
	RetryEvery time.Duration
	// Background steps start and the drill goes on; After names the
	// background steps this one waits for before it starts.
	Background bool
	After      []string
	// References names the earlier steps this one reads.
	References []string
	// Measure is set for a measure block: the check's result gives a
	// number recorded with the run.
	Measure *Measure
	Range   hcl.Range
}

// Assert is a condition on a check's result.
type Assert struct {
	Condition    hcl.Expression
	ErrorMessage hcl.Expression
	Range        hcl.Range
}

// Poll is a set of checks polled at an interval: recovered_when or guard.
type Poll struct {
	Every time.Duration
	// Timeout is zero for guards, which poll until recovery.
	Timeout time.Duration
	Checks  []*Step
	Range   hcl.Range
}

// DataLoss measures the newest surviving record after recovery.
type DataLoss struct {
	Check *Step
	// NewestRecord is evaluated with the check's result.
	NewestRecord hcl.Expression
	// Measures run after Check, in order.
	Measures []*Step
	Range    hcl.Range
}

// Workload is a check-kind body sent at a steady rate while the drill
// runs, as the system's clients would: each attempt reads workload.seq and
// workload.at.
type Workload struct {
	Name string
	// Attempt is the body of one attempt, as a step that is never recorded
	// by itself: its kind, asserts and timeout.
	Attempt     *Step
	Rate        float64
	Concurrency int
	// Warmup is how long the drill lets the workload run before the clock
	// starts, so that the disruption meets clients in full flow.
	Warmup time.Duration
	// Verify, when set, finds after recovery which acknowledged writes
	// survived.
	Verify *Verify
	Range  hcl.Range
}

// Verify is a workload's check of its writes after recovery: a check whose
// result gives the surviving sequence numbers.
type Verify struct {
	Check *Step
	// Survivors is evaluated with the check's result: a list of sequence
	// numbers, or of [first, last] pairs of numbers.
	Survivors hcl.Expression
	Range     hcl.Range
}

// GameDay runs a set of scenarios together, once.
type GameDay struct {
	Name      string
	Start     time.Time
	Scenarios []string
	Parallel  bool
	// Description, Facilitator and Participants say what the day is for
	// and who runs it, for people; empty when not given.
	Description  string
	Facilitator  string
	Participants []string
	// RunnerLabels are the labels a runner must have to run the game day;
	// nil means any runner.
	RunnerLabels map[string]string
	Range        hcl.Range
}

// Notifier posts drill events to a webhook.
type Notifier struct {
	Name    string
	Webhook string
	// Sensitive is set when the webhook URL came from a sensitive value.
	Sensitive bool
	Format    string
	On        []string
	Range     hcl.Range
}

// Select returns the scenarios with the given names, in the order given, or
// every scenario when names is empty. An unknown name is an error that
// lists what exists.
func (s *Set) Select(names []string) ([]*Scenario, error) {
	if len(names) == 0 {
		return s.Scenarios, nil
	}
	known := make([]string, 0, len(s.Scenarios))
	for _, sc := range s.Scenarios {
		known = append(known, sc.Name)
	}
	selected := make([]*Scenario, 0, len(names))
	for _, name := range names {
		sc := s.Scenario(name)
		if sc == nil {
			return nil, fmt.Errorf("no scenario named %q.%s The scenarios are: %s", name, suggest(name, known), strings.Join(known, ", "))
		}
		selected = append(selected, sc)
	}
	return selected, nil
}

// SecretValues returns the text of every sensitive variable, strings and
// numbers as they print, so that what a drill prints, logs and stores can
// hide it.
func (s *Set) SecretValues() []string {
	var secrets []string
	for _, v := range s.Variables {
		if v.Sensitive {
			secrets = append(secrets, SensitiveTexts(v.Value)...)
		}
	}
	return secrets
}
