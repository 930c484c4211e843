package reports

import (
	"slices"
	"sync"
	"time"

	"github.com/redrill/redrill/store"
)

// Console is the live state of the drills serve runs, game days first, for
// the live console: it observes the runner's events (the same events the
// terminal's live output is made of) and tells its watchers at each
// change. It holds only what this serve process runs: the store's record
// is the reports' business.
type Console struct {
	now func() time.Time
	mu  sync.Mutex
	// runs by id, and their ids in start order.
	runs  map[string]*consoleRun
	order []string
	// version counts the changes; changed is closed at each one and
	// replaced, so that every watcher wakes without a list of them.
	version uint64
	changed chan struct{}
	// closed ends every event stream when serve shuts down.
	closed    chan struct{}
	closeOnce sync.Once
}

// Finished runs stay on the console while their game day goes on, and
// keepFinished after it: the facilitator reads the verdicts at the end.
// At most keepRuns are kept whatever their age.
const (
	keepFinished = time.Hour
	keepRuns     = 200
)

// consoleRun is what the console knows of one run.
type consoleRun struct {
	record store.Run
	phase  string
	// step is the step under way in the foreground; nil between steps.
	step           *consoleStep
	abortRequested bool
}

type consoleStep struct {
	Name      string    `json:"name"`
	Kind      string    `json:"kind"`
	Round     int       `json:"round,omitempty"`
	StartedAt time.Time `json:"started_at"`
}

// NewConsole starts an empty console; now is its clock (nil: time.Now).
func NewConsole(now func() time.Time) *Console {
	if now == nil {
		now = time.Now
	}
	return &Console{now: now, runs: map[string]*consoleRun{}, changed: make(chan struct{}), closed: make(chan struct{})}
}

// Close ends the event streams, so that a server's shutdown does not wait
// for browsers that would watch for ever.
func (c *Console) Close() {
	c.closeOnce.Do(func() { close(c.closed) })
}

// Observe is a runner's Options.Observe (serve's scheduler passes every
// event of every drill to it).
func (c *Console) Observe(e store.Event) {
	c.mu.Lock()
	defer c.mu.Unlock()
	run := c.runs[e.Record.ID]
	if run == nil {
		run = &consoleRun{}
		c.runs[e.Record.ID] = run
		c.order = append(c.order, e.Record.ID)
	}
	run.record = e.Record.Run
	switch e.Type {
	case store.EventPhase:
		run.phase = string(e.Phase)
		run.step = nil
	case store.EventStepStart:
		if e.Step != nil && !e.Step.Background {
			run.phase = string(e.Phase)
			run.step = &consoleStep{Name: e.Step.Name, Kind: e.Step.Kind, Round: e.Step.Round, StartedAt: e.At}
		}
	case store.EventStepEnd:
		if e.Step != nil && run.step != nil && run.step.Name == e.Step.Name {
			run.step = nil
		}
	case store.EventEnd:
		run.step = nil
		run.phase = ""
	}
	c.pruneLocked()
	c.changedLocked()
}

func (c *Console) changedLocked() {
	c.version++
	close(c.changed)
	c.changed = make(chan struct{})
}

// touch wakes the watchers: something the console reads elsewhere (the
// waiting manual steps) changed.
func (c *Console) touch() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.changedLocked()
}

// markAbortRequested shows that someone asked the run to abort, until
// the run ends.
func (c *Console) markAbortRequested(runID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if run := c.runs[runID]; run != nil {
		run.abortRequested = true
		c.changedLocked()
	}
}

func (c *Console) currentVersion() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.version
}

// pruneLocked forgets finished runs whose game day is over since
// keepFinished, and the oldest past keepRuns.
func (c *Console) pruneLocked() {
	now := c.now()
	running := map[string]bool{}
	for _, run := range c.runs {
		if run.record.Status == store.StatusRunning {
			running[run.record.GameDay] = true
		}
	}
	kept := c.order[:0]
	for i, id := range c.order {
		run := c.runs[id]
		finished := run.record.Status != store.StatusRunning
		old := finished && !running[run.record.GameDay] && now.Sub(run.record.EndedAt) > keepFinished
		tooMany := finished && len(c.order)-i > keepRuns
		if old || tooMany {
			delete(c.runs, id)
			continue
		}
		kept = append(kept, id)
	}
	c.order = kept
}

// watch returns the current version and a channel closed at the next
// change.
func (c *Console) watch() (uint64, <-chan struct{}) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.version, c.changed
}

// ConsoleGameDay is a game day as the loaded scenario set defines it:
// the console lists its scenarios before they start.
type ConsoleGameDay struct {
	Name         string
	Start        time.Time
	Scenarios    []string
	Parallel     bool
	Description  string
	Facilitator  string
	Participants []string
}

// consoleState is what the console page draws, and the JSON of
// /api/console and of each server-sent event.
type consoleState struct {
	// Now is the server's clock: the page ticks the recovery clocks from
	// it, whatever the browser's clock says.
	Now      time.Time            `json:"now"`
	Version  uint64               `json:"version"`
	GameDays []consoleGameDayJSON `json:"gamedays"`
	// Drills are the runs outside any game day (scheduled ticks).
	Drills []consoleRunJSON `json:"drills"`
	// Elsewhere are the manual steps waiting in runs that this serve
	// does not run (another replica's, or redrill run's): they can be
	// answered here too.
	Elsewhere []store.WaitingStep `json:"elsewhere"`
}

type consoleGameDayJSON struct {
	Name         string           `json:"name"`
	Description  string           `json:"description,omitempty"`
	Facilitator  string           `json:"facilitator,omitempty"`
	Participants []string         `json:"participants"`
	Parallel     bool             `json:"parallel"`
	Scenarios    []consoleRunJSON `json:"scenarios"`
}

type consoleRunJSON struct {
	Scenario string `json:"scenario"`
	// RunID is empty for a scenario of the game day that has not started.
	RunID   string `json:"run_id,omitempty"`
	Status  string `json:"status"` // "pending", "running" or "finished"
	Verdict string `json:"verdict,omitempty"`
	Reason  string `json:"reason,omitempty"`
	Phase   string `json:"phase,omitempty"`
	// Step is the step under way; nil between steps.
	Step           *consoleStep          `json:"step"`
	StartedAt      *time.Time            `json:"started_at,omitempty"`
	ClockStart     *time.Time            `json:"clock_start,omitempty"`
	ClockStop      *time.Time            `json:"clock_stop,omitempty"`
	RTOSeconds     *float64              `json:"rto_seconds"`
	ObjectiveRTO   *float64              `json:"objective_rto_seconds"`
	Workloads      []consoleWorkloadJSON `json:"workloads"`
	Waiting        []store.WaitingStep   `json:"waiting"`
	Rollback       string                `json:"rollback,omitempty"`
	AbortRequested bool                  `json:"abort_requested,omitempty"`
}

type consoleWorkloadJSON struct {
	Name                 string  `json:"name"`
	Attempts             int64   `json:"attempts"`
	Failed               int64   `json:"failed"`
	CurrentOutageSeconds float64 `json:"current_outage_seconds"`
	LongestOutageSeconds float64 `json:"longest_outage_seconds"`
}

// state is the console now: the game days that have a run on it, each
// with every scenario it lists (those not started as pending), then the
// drills outside game days. waiting are the manual steps that wait for a
// person, from the store.
func (c *Console) state(defined []ConsoleGameDay, waiting []store.WaitingStep) consoleState {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := consoleState{Now: c.now(), Version: c.version, GameDays: []consoleGameDayJSON{}, Drills: []consoleRunJSON{}, Elsewhere: []store.WaitingStep{}}
	for _, step := range waiting {
		if c.runs[step.RunID] == nil {
			out.Elsewhere = append(out.Elsewhere, step)
		}
	}
	days := map[string]int{}
	for _, id := range c.order {
		run := c.runs[id]
		view := run.view(waiting)
		name := run.record.GameDay
		if name == "" {
			out.Drills = append(out.Drills, view)
			continue
		}
		at, ok := days[name]
		if !ok {
			at = len(out.GameDays)
			days[name] = at
			out.GameDays = append(out.GameDays, newConsoleGameDay(name, defined))
		}
		day := &out.GameDays[at]
		if i := slices.IndexFunc(day.Scenarios, func(s consoleRunJSON) bool { return s.Scenario == view.Scenario && s.RunID == "" }); i >= 0 {
			day.Scenarios[i] = view
		} else {
			day.Scenarios = append(day.Scenarios, view)
		}
	}
	return out
}

// newConsoleGameDay is a game day with its defined scenarios pending.
func newConsoleGameDay(name string, defined []ConsoleGameDay) consoleGameDayJSON {
	day := consoleGameDayJSON{Name: name, Participants: []string{}, Scenarios: []consoleRunJSON{}}
	i := slices.IndexFunc(defined, func(d ConsoleGameDay) bool { return d.Name == name })
	if i < 0 {
		return day // a game day of a set since reloaded without it
	}
	gd := defined[i]
	day.Description, day.Facilitator, day.Parallel = gd.Description, gd.Facilitator, gd.Parallel
	day.Participants = append(day.Participants, gd.Participants...)
	for _, scenario := range gd.Scenarios {
		day.Scenarios = append(day.Scenarios, consoleRunJSON{Scenario: scenario, Status: "pending", Workloads: []consoleWorkloadJSON{}, Waiting: []store.WaitingStep{}})
	}
	return day
}

func (r *consoleRun) view(waiting []store.WaitingStep) consoleRunJSON {
	rec := r.record
	out := consoleRunJSON{
		Scenario: rec.Scenario, RunID: rec.ID, Status: rec.Status, Verdict: rec.Verdict, Reason: plainText(rec.Reason),
		Phase: r.phase, Step: r.step, StartedAt: timeOrNil(rec.StartedAt), ClockStart: timeOrNil(rec.ClockStart),
		ClockStop: timeOrNil(rec.ClockStop), RTOSeconds: seconds(rec.RTO), ObjectiveRTO: seconds(rec.ObjectiveRTO),
		Rollback: rec.Rollback, Workloads: []consoleWorkloadJSON{}, Waiting: []store.WaitingStep{},
		AbortRequested: (r.abortRequested || rec.Abort != nil) && rec.Status == store.StatusRunning,
	}
	for _, w := range rec.Workloads {
		out.Workloads = append(out.Workloads, consoleWorkloadJSON{
			Name: w.Name, Attempts: w.Attempts, Failed: w.Failed,
			CurrentOutageSeconds: w.CurrentOutage.Seconds(), LongestOutageSeconds: w.LongestOutage.Seconds(),
		})
	}
	for _, step := range waiting {
		if step.RunID == rec.ID {
			out.Waiting = append(out.Waiting, step)
		}
	}
	return out
}
