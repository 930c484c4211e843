// Package store keeps the history of drill runs: every run, step and
// measurement, written as it happens, so that reports can show trends and
// several runners can share one history. SQLite (a file, the default) and
// PostgreSQL (for teams and several runners) share one implementation.
package store

import (
	"context"
	"errors"
	"time"

	"github.com/redrill/redrill/scenarios/phase"
)

// Run statuses.
const (
	StatusRunning  = "running"
	StatusFinished = "finished"
)

// Verdicts: how a run ended (docs/reports.md says what each means).
const (
	VerdictMet         = "met"
	VerdictMissed      = "missed"
	VerdictFailed      = "failed"
	VerdictAborted     = "aborted"
	VerdictInterrupted = "interrupted"
	// VerdictNotRun is a scheduled tick that no live runner matches,
	// recorded by another runner so that the silence is a finding: a
	// finished run with no RTO, counted in the totals like any verdict.
	VerdictNotRun = "not_run"
)

// Triggers say what started a run. The stored value of an on-demand run
// (redrill run) is "manual", as it always was.
const (
	TriggerOnDemand = "manual"
	TriggerSchedule = "schedule"
	TriggerGameDay  = "gameday"
)

// Run is one execution of one scenario.
type Run struct {
	ID             string
	Scenario       string
	ScenarioHash   string
	ScenarioSource string
	Trigger        string
	GameDay        string
	Host           string
	PID            int
	Status         string
	Verdict        string
	Reason         string
	StartedAt      time.Time
	EndedAt        time.Time // zero while running
	HeartbeatAt    time.Time
	// The recovery clock; zero when it never started or stopped.
	ClockStart time.Time
	ClockStop  time.Time
	// Measured values; nil when not measured.
	RTO *time.Duration
	RPO *time.Duration
	// The objectives in force when the run started; nil when not set.
	ObjectiveRTO *time.Duration
	ObjectiveRPO *time.Duration
	// ObjectiveDowntime is the longest outage clients may see;
	// ObjectiveLostWrites the acknowledged writes that may be lost (0 is
	// an objective, nil none).
	ObjectiveDowntime   *time.Duration
	ObjectiveLostWrites *int64
	// Workloads is what each workload measured: read back from a finished
	// run, and the progress so far in the events of a running one. Empty,
	// never nil, when the scenario has none.
	Workloads []Workload
	// Measures are the numbers the run's measure blocks recorded, in the
	// order they ran; empty, never nil, when none (or recorded before
	// measures were kept).
	Measures []Measure
	// Rollback says how the rollback went: one of the Rollback values,
	// empty while the run is running and for runs recorded before it was
	// kept.
	Rollback string

	// What the scenario said when the run started, for reports: they need
	// not parse ScenarioSource.
	//
	// ScheduledAt is the scheduled tick the run was started for; zero
	// when the run was not a scheduled tick.
	ScheduledAt time.Time
	// Schedule is the scenario's cron expression and ScheduleTimezone its
	// IANA timezone (empty for UTC); both empty without a schedule.
	Schedule         string
	ScheduleTimezone string
	Owner            string
	// Tags and Postmortems read back as empty, never nil, when none.
	Tags        []string
	Postmortems []Postmortem
	// Plan is every step and check the scenario would run, in order, so
	// that what never ran shows; empty for runs recorded before it was
	// kept.
	Plan []PlanStep
	// RunnerLabels are the labels of the runner that ran the run; empty,
	// never nil, when it had none or the run was recorded before they
	// were kept. The tag names them in the spool's events.
	RunnerLabels map[string]string `json:"runner_labels"`
	// Abort is the request to abort the run (redrill abort, the
	// dashboard); nil when nobody asked.
	Abort *AbortRequest `json:"abort"`
	// HumanTime is the time its manual steps waited for people (their
	// durations, summed); MachineTime is the rest of the run.
	HumanTime time.Duration `json:"human_time"`
}

// MachineTime is the time of a finished run not spent waiting for people:
// from its start to its end, less HumanTime. False while it runs.
func (r Run) MachineTime() (time.Duration, bool) {
	if r.EndedAt.IsZero() {
		return 0, false
	}
	return max(r.EndedAt.Sub(r.StartedAt)-r.HumanTime, 0), true
}

// HumanTimeOf sums the durations of the manual steps among steps.
func HumanTimeOf(steps []Step) time.Duration {
	var waited time.Duration
	for _, s := range steps {
		if s.Kind == KindManual {
			waited += s.Duration
		}
	}
	return waited
}

// PlanStep is a step or check of a scenario, before it runs.
type PlanStep struct {
	Phase phase.Phase `json:"phase"`
	Name  string      `json:"name"`
	Kind  string      `json:"kind"`
}

// Postmortem is an incident a drill was derived from, as its scenario says.
type Postmortem struct {
	ID      string `json:"id"`
	Title   string `json:"title"`
	Date    string `json:"date"`
	URL     string `json:"url"`
	Finding string `json:"finding"`
}

// Finish is what a run adds when it ends.
type Finish struct {
	EndedAt    time.Time
	ClockStart time.Time
	ClockStop  time.Time
	RTO        *time.Duration
	RPO        *time.Duration
	Verdict    string
	Reason     string
	Rollback   string
	Workloads  []Workload
	Measures   []Measure
}

// Workload is what one workload of a run measured: its attempts as its
// clients saw them, the longest time none succeeded, and, when it was
// verified, the acknowledged writes that did not survive.
type Workload struct {
	Name        string  `json:"name"`
	Kind        string  `json:"kind"`
	Rate        float64 `json:"rate"`
	Concurrency int     `json:"concurrency"`
	Attempts    int64   `json:"attempts"`
	Succeeded   int64   `json:"succeeded"`
	Failed      int64   `json:"failed"`
	// Skipped counts the attempts not sent because every worker was busy
	// (a server that hangs rather than refuses).
	Skipped    int64         `json:"skipped"`
	LatencyP50 time.Duration `json:"latency_p50"`
	LatencyP99 time.Duration `json:"latency_p99"`
	// LongestOutage is the longest interval in which no attempt succeeded,
	// from OutageStart (the last success before it, or the workload's
	// start) to OutageEnd (the first success after it, or the workload's
	// end); zero times when no attempt ever failed.
	LongestOutage time.Duration `json:"longest_outage"`
	OutageStart   time.Time     `json:"outage_start"`
	OutageEnd     time.Time     `json:"outage_end"`
	// CurrentOutage is how long no attempt has succeeded, while the
	// workload runs and is failing; zero otherwise and once it ended.
	CurrentOutage time.Duration `json:"current_outage"`
	// LastError is the newest failure's message, secrets hidden.
	LastError string `json:"last_error"`
	// Verified is nil until the workload's verify has compared the
	// acknowledged writes with the survivors, and when it has none.
	Verified *LostWrites `json:"verified"`
}

// LostWrites compares a workload's acknowledged writes with those that
// survived the drill.
type LostWrites struct {
	Acknowledged int64 `json:"acknowledged"`
	Lost         int64 `json:"lost"`
	// LostBeforeClock were acknowledged before the recovery clock started,
	// LostAfterClock after it.
	LostBeforeClock int64 `json:"lost_before_clock"`
	LostAfterClock  int64 `json:"lost_after_clock"`
	// FirstLost and LastLost are the lost writes of lowest and highest
	// sequence number; nil when none was lost.
	FirstLost *Write `json:"first_lost"`
	LastLost  *Write `json:"last_lost"`
	// NewestSurvivor is the newest write acknowledged before the clock
	// started that survived, from which the RPO is measured; nil when
	// none did.
	NewestSurvivor *Write `json:"newest_survivor"`
}

// Write is one attempt of a workload that its system acknowledged.
type Write struct {
	Seq     int64     `json:"seq"`
	AckedAt time.Time `json:"acked_at"`
}

// How a run's rollback went.
const (
	// RollbackNone: the scenario has no rollback steps.
	RollbackNone = "none"
	// RollbackNotNeeded: the drill ended before it touched the system
	// (its steady state did not hold), so there was nothing to undo.
	RollbackNotNeeded = "not_needed"
	RollbackPassed    = "passed"
	// RollbackFailed: a rollback step failed; the system may be left
	// disrupted.
	RollbackFailed = "failed"
	// RollbackSkipped: a second interrupt skipped the rollback, or its
	// runner died after the clock started, before or during rollback (or
	// in a scenario without one); the system may be left disrupted.
	RollbackSkipped = "skipped"
)

// LeftDisrupted tells whether the run's rollback failed or did not run
// although the system was touched: the system may be left disrupted,
// whatever the verdict.
func (r Run) LeftDisrupted() bool {
	return r.Rollback == RollbackFailed || r.Rollback == RollbackSkipped
}

// Step is one step, or one round of a polled check, of a run.
type Step struct {
	RunID string
	// Seq orders the steps of a run; (RunID, Seq) is unique, which makes
	// writing a step twice harmless.
	Seq       int
	Phase     phase.Phase
	Name      string
	Kind      string
	Round     int
	StartedAt time.Time
	Duration  time.Duration
	Attempts  int
	Passed    bool
	Message   string
	// Result is the check's result as JSON, bounded and with secrets
	// already redacted by the checks package.
	Result string
	// Running says the step started and has not ended: it is under way,
	// or its runner died during it. Only StartedAt and what names the
	// step are set.
	Running bool
	// Background says the drill went on while the step ran; Cancelled
	// that it was still running when the drill ended, and was stopped.
	Background bool
	Cancelled  bool
	// Manual is what a manual step asked and was answered; nil for the
	// other kinds.
	Manual *Manual
}

// RunQuery selects runs, newest first.
type RunQuery struct {
	Scenario string    // empty: every scenario
	Since    time.Time // zero: no lower bound
	Until    time.Time // zero: no upper bound
	Limit    int       // zero: no limit
	// GameDays selects only runs that belong to a game day; GameDay only
	// those of the game day of that name.
	GameDays bool
	GameDay  string
	// Labels selects only runs whose runner had every one of these labels
	// (Matches); empty: runs of every runner.
	Labels map[string]string
}

// Measurement is one run's verdict, measured recovery time and what its
// workloads' clients saw.
type Measurement struct {
	ID        string
	Scenario  string
	StartedAt time.Time
	RTO       *time.Duration // nil when not measured
	Verdict   string
	// Downtime is the run's client downtime (ClientDowntime) and
	// LostWrites its lost acknowledged writes (LostWritesOf); nil when it
	// recorded no workload, or verified none.
	Downtime   *time.Duration
	LostWrites *int64
	// Measures are what the run's measure blocks recorded; empty when
	// none.
	Measures []Measure
	// Host and RunnerLabels say where the run ran, for comparing runners.
	Host         string
	RunnerLabels map[string]string
}

// RunTotal counts the finished runs of one scenario that ended with one
// verdict and one rollback outcome.
type RunTotal struct {
	Scenario string
	Verdict  string
	Rollback string // empty for runs recorded before it was kept
	Runs     int
	// LastStartedAt is when the newest of these runs started.
	LastStartedAt time.Time
}

// Recorder is what a drill writes as it runs.
type Recorder interface {
	// StartRun records a run as running, before its first step.
	StartRun(ctx context.Context, run Run) error
	// StartClock records that the run's recovery clock started at at, so
	// that a run whose runner dies says it touched the system.
	StartClock(ctx context.Context, runID string, at time.Time) error
	// StartStep records a step as running when it starts; RecordStep of
	// the same (RunID, Seq) completes it. Either may be written twice.
	StartStep(ctx context.Context, step Step) error
	// RecordStep records one finished step.
	RecordStep(ctx context.Context, step Step) error
	// FinishRun records the end of a run and its verdict.
	FinishRun(ctx context.Context, runID string, finish Finish) error
	// Heartbeat tells other runners that a run is still alive.
	Heartbeat(ctx context.Context, runID string, at time.Time) error
	// Flush writes the events kept while the store was unreachable, in
	// order; it fails, keeping them, while the store is still away.
	Flush(ctx context.Context) error
}

// Reader is what reports and commands read.
type Reader interface {
	// Runs lists runs, newest first.
	Runs(ctx context.Context, query RunQuery) ([]Run, error)
	// Run returns one run with its steps in order.
	Run(ctx context.Context, id string) (Run, []Step, error)
	// LatestRuns returns the newest run of every scenario.
	LatestRuns(ctx context.Context) ([]Run, error)
	// Measurements lists the runs started since since, oldest first
	// (runs started in the same microsecond by id), with only what trends
	// and charts need. Not grouped by scenario: ordered by start, the
	// store reads its index of starts, the window only.
	Measurements(ctx context.Context, since time.Time) ([]Measurement, error)
	// ManualTimes ranks the manual steps of the runs started since since
	// by the time they waited for people, longest first.
	ManualTimes(ctx context.Context, since time.Time) ([]ManualTime, error)
	// RunTotals counts every finished run of the history by scenario,
	// verdict and rollback outcome, by scenario then verdict then rollback:
	// the newest of a scenario's totals is its last finished run.
	RunTotals(ctx context.Context) ([]RunTotal, error)
	// ChangeCursor is where the runs' changes stand now: Changes from it
	// returns what is written from now on.
	ChangeCursor(ctx context.Context) (ChangeCursor, error)
	// Changes returns every run written (started, finished, interrupted,
	// its heartbeat renewed) at or after cursor, whichever process wrote
	// it and in whatever order their transactions committed, and the
	// cursor to pass next. A run may be returned again at the next call.
	Changes(ctx context.Context, after ChangeCursor) ([]ChangedRun, ChangeCursor, error)
}

// Claimer is what a scheduler asks before it starts a scheduled drill.
type Claimer interface {
	// Claim takes the run of a scenario's scheduled tick for owner; it
	// reports false when another runner claimed that tick first.
	Claim(ctx context.Context, scenario string, scheduledAt time.Time, owner string) (bool, error)
	// MarkInterrupted ends, as interrupted, the running runs whose runner
	// is gone: its heartbeat is older than staleBefore, or it ran on this
	// host under a process that no longer exists.
	MarkInterrupted(ctx context.Context, staleBefore time.Time) (int, error)
	// LatestRun is the newest run of a scenario; false when it never ran.
	LatestRun(ctx context.Context, scenario string) (Run, bool, error)
}

// Store is the whole history, as Open returns it.
type Store interface {
	Recorder
	Reader
	Claimer
	RunnerRegistry
	Operators
	Awaiter
	// Where says where the history is kept, for messages (no password).
	Where() string
	Close() error
}

// ErrNotFound is returned for a run that does not exist.
var ErrNotFound = errors.New("run not found")

// ErrNotRecorded is wrapped by a write that reached neither the store nor
// the spool: the event is lost, unlike one kept in the spool for later.
var ErrNotRecorded = errors.New("not recorded, not even in the spool")

// HeartbeatInterval is how often a runner renews the heartbeat of its
// running runs; a run whose heartbeat is StaleAfter old is interrupted.
const (
	HeartbeatInterval = 5 * time.Second
	StaleAfter        = 6 * HeartbeatInterval
)
