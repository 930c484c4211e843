package reports

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/redrill/redrill/store"
)

// Summaries keeps what the dashboard's reports are built from in memory:
// each scenario's newest run, its runs of the window (what Measurements
// reads) and the summary of those, and the game days' runs. It reads the
// whole window once, then only the runs written since its last read
// (store.Reader.Changes), whichever process wrote them, so that a page or
// a scrape costs a few rows per scenario however long the history. The
// reports it builds are those Build gives over the same store.
type Summaries struct {
	history store.Reader
	window  time.Duration

	mu     sync.Mutex
	loaded bool
	cursor store.ChangeCursor
	// floor is the earliest start kept: a report whose window starts
	// before it is built from the store (Build).
	floor     time.Time
	scenarios map[string]*scenarioRuns
	names     []string // of scenarios, sorted as the store sorts them
	gameDays  map[string]store.Run
	// changes counts the reads that found runs written; totals are the
	// run totals read when it was totalsAt.
	changes  uint64
	totals   []store.RunTotal
	totalsAt uint64
}

// scenarioRuns is what Summaries keeps of one scenario.
type scenarioRuns struct {
	latest store.Run
	// runs are those started since the floor, oldest first and by id
	// within a microsecond, as Measurements returns them.
	runs []store.Measurement
	// summary summarizes runs[summaryFrom:]; fresh until runs change.
	summary     windowSummary
	summaryFrom int
	fresh       bool
	schedule    scheduleMemo
}

// NewSummaries keeps the summaries of the reports over window (zero:
// DefaultWindow); nothing is read before the first report.
func NewSummaries(history store.Reader, window time.Duration) *Summaries {
	if window == 0 {
		window = DefaultWindow
	}
	return &Summaries{history: history, window: window}
}

// Report is Build(ctx, history, opts), from the summaries once they are
// up to date with the store.
func (s *Summaries) Report(ctx context.Context, opts Options) (Report, error) {
	if opts.Now.IsZero() {
		opts.Now = time.Now()
	}
	if opts.Since.IsZero() {
		opts.Since = opts.Now.Add(-DefaultWindow)
	}
	report, kept, err := s.fromMemory(ctx, opts)
	if err != nil {
		return report, err
	}
	if kept {
		// People's time is summed by the store over the manual steps,
		// which the summaries do not keep; read outside their lock.
		if report.PeopleTime, err = readPeopleTime(ctx, s.history, opts.Since); err != nil {
			return Report{}, err
		}
		return report, nil
	}
	// A longer window than the one kept (?since=1y): read it all.
	return Build(ctx, s.history, opts)
}

// fromMemory builds the report from the summaries, once they are up to
// date; false when the window starts before what they keep.
func (s *Summaries) fromMemory(ctx context.Context, opts Options) (Report, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.refresh(ctx, opts.Now); err != nil {
		return Report{}, false, err
	}
	since := opts.Since.UnixMicro() // as the store compares starts
	if since < s.floor.UnixMicro() {
		return Report{}, false, nil
	}
	report := Report{GeneratedAt: opts.Now.UTC(), Since: opts.Since.UTC(), Scenarios: make([]ScenarioReport, 0, len(s.names)+len(opts.Scheduled))}
	for _, name := range s.names {
		runs := s.scenarios[name]
		report.Scenarios = append(report.Scenarios, scenarioReport(runs.latest, runs.window(since), opts.Now, runs.schedule.at(runs.latest, opts.Now)))
	}
	for _, scheduled := range opts.Scheduled {
		if _, ran := s.scenarios[scheduled.Scenario]; !ran {
			report.Scenarios = append(report.Scenarios, neverRan(scheduled))
		}
	}
	var gameDayRuns []store.Run
	for _, run := range s.gameDays {
		if run.StartedAt.UnixMicro() >= since {
			gameDayRuns = append(gameDayRuns, run)
		}
	}
	// Newest first, as the store lists runs.
	slices.SortFunc(gameDayRuns, func(a, b store.Run) int { return -compareStarts(a.StartedAt, a.ID, b.StartedAt, b.ID) })
	report.GameDays = groupGameDays(gameDayRuns)
	rank(report.Scenarios)
	return report, true, nil
}

// RunTotals is the store's totals of the finished runs, read again only
// once the summaries have seen a run written since the last read: the
// totals change with the runs only (triggers in the run's transaction).
func (s *Summaries) RunTotals(ctx context.Context) ([]store.RunTotal, error) {
	s.mu.Lock()
	totals, current := s.totals, s.totals != nil && s.totalsAt == s.changes
	seen := s.changes
	s.mu.Unlock()
	if current {
		return totals, nil
	}
	totals, err := s.history.RunTotals(ctx)
	if err != nil {
		return nil, err
	}
	if totals == nil {
		totals = []store.RunTotal{}
	}
	s.mu.Lock()
	if seen >= s.totalsAt {
		s.totals, s.totalsAt = totals, seen
	}
	s.mu.Unlock()
	return totals, nil
}

// window is the summary of the runs started at or after since (Unix
// microseconds), computed again only when they changed.
func (r *scenarioRuns) window(since int64) windowSummary {
	from := sort.Search(len(r.runs), func(i int) bool { return r.runs[i].StartedAt.UnixMicro() >= since })
	if !r.fresh || from != r.summaryFrom {
		r.summary, r.summaryFrom, r.fresh = summarize(r.runs[from:]), from, true
	}
	return r.summary
}

// refresh reads what changed since the last read: the whole window the
// first time, the runs written since after that.
func (s *Summaries) refresh(ctx context.Context, now time.Time) error {
	if !s.loaded {
		return s.load(ctx, now)
	}
	changed, next, err := s.history.Changes(ctx, s.cursor)
	if err != nil {
		return fmt.Errorf("read the runs written since the last report: %w", err)
	}
	for _, run := range changed {
		s.apply(run)
	}
	if len(changed) > 0 {
		s.changes++
	}
	s.cursor = next
	s.prune(now.Add(-s.window))
	return nil
}

// load reads the newest runs, the window's runs and its game days. The
// cursor is read first: a run written meanwhile is read again next time.
func (s *Summaries) load(ctx context.Context, now time.Time) error {
	cursor, err := s.history.ChangeCursor(ctx)
	if err != nil {
		return err
	}
	floor := now.Add(-s.window)
	latest, err := s.history.LatestRuns(ctx)
	if err != nil {
		return err
	}
	measurements, err := s.history.Measurements(ctx, floor)
	if err != nil {
		return err
	}
	gameDayRuns, err := s.history.Runs(ctx, store.RunQuery{Since: floor, GameDays: true})
	if err != nil {
		return err
	}
	s.scenarios, s.names, s.gameDays = map[string]*scenarioRuns{}, nil, map[string]store.Run{}
	for _, run := range latest {
		s.scenarios[run.Scenario] = &scenarioRuns{latest: run}
		s.names = append(s.names, run.Scenario)
	}
	slices.Sort(s.names)
	counts := map[string]int{}
	for _, m := range measurements {
		counts[m.Scenario]++
	}
	for name, runs := range s.scenarios {
		runs.runs = make([]store.Measurement, 0, counts[name])
	}
	for _, m := range measurements { // oldest first, as each scenario keeps them
		if runs, ok := s.scenarios[m.Scenario]; ok {
			m.Scenario = runs.latest.Scenario // one copy of the name
			runs.runs = append(runs.runs, m)
		}
	}
	for _, run := range gameDayRuns {
		s.gameDays[run.ID] = run
	}
	s.cursor, s.floor, s.loaded = cursor, floor, true
	s.changes++
	return nil
}

// apply takes in one run as it was last written.
func (s *Summaries) apply(changed store.ChangedRun) {
	runs, ok := s.scenarios[changed.Scenario]
	if !ok {
		runs = &scenarioRuns{latest: changed.Run}
		s.scenarios[changed.Scenario] = runs
		at, _ := slices.BinarySearch(s.names, changed.Scenario)
		s.names = slices.Insert(s.names, at, changed.Scenario)
	}
	if changed.ID == runs.latest.ID || compareStarts(changed.StartedAt, changed.ID, runs.latest.StartedAt, runs.latest.ID) > 0 {
		runs.latest = changed.Run
	}
	if changed.StartedAt.UnixMicro() < s.floor.UnixMicro() {
		return // before every window kept
	}
	if changed.GameDay != "" {
		s.gameDays[changed.ID] = changed.Run
	}
	measurement := changed.Measurement()
	measurement.Scenario = runs.latest.Scenario // one copy of the name
	at, found := slices.BinarySearchFunc(runs.runs, measurement, func(kept, m store.Measurement) int {
		return compareStarts(kept.StartedAt, kept.ID, m.StartedAt, m.ID)
	})
	switch {
	case !found:
		runs.runs = slices.Insert(runs.runs, at, measurement)
	case sameMeasurement(runs.runs[at], measurement):
		return // a heartbeat: the summary holds
	default:
		runs.runs[at] = measurement
	}
	runs.fresh = false
}

// prune forgets the runs that started before floor, once the window has
// slid a 32nd of its length since the last time: no report of the window
// reads them again.
func (s *Summaries) prune(floor time.Time) {
	if floor.Sub(s.floor) < s.window/32 {
		return
	}
	for _, runs := range s.scenarios {
		gone := sort.Search(len(runs.runs), func(i int) bool { return runs.runs[i].StartedAt.UnixMicro() >= floor.UnixMicro() })
		if gone == 0 {
			continue
		}
		runs.runs = slices.Clone(runs.runs[gone:])
		runs.fresh = false
	}
	for id, run := range s.gameDays {
		if run.StartedAt.UnixMicro() < floor.UnixMicro() {
			delete(s.gameDays, id)
		}
	}
	s.floor = floor
}

// compareStarts orders runs by start, then by id (byte order, as the
// store's collation sorts the ids redrill makes).
func compareStarts(aStart time.Time, aID string, bStart time.Time, bID string) int {
	if c := aStart.Compare(bStart); c != 0 {
		return c
	}
	return strings.Compare(aID, bID)
}

// sameMeasurement tells whether two writes of a run read the same.
func sameMeasurement(a, b store.Measurement) bool {
	return a.Verdict == b.Verdict && equalPointers(a.RTO, b.RTO) && equalPointers(a.Downtime, b.Downtime) &&
		equalPointers(a.LostWrites, b.LostWrites)
}

func equalPointers[T comparable](a, b *T) bool {
	return a == nil && b == nil || a != nil && b != nil && *a == *b
}
