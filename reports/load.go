package reports

import (
	"fmt"
	"time"

	"github.com/redrill/redrill/store"
)

// LoadReport is what the clients of a scenario's drills saw: for a
// scenario whose drills ran under load (workloads), the client downtime
// and lost acknowledged writes of its last run against their objectives,
// and over the window.
type LoadReport struct {
	// The objectives in force when the last run started; nil when not set.
	ObjectiveDowntime   *time.Duration
	ObjectiveLostWrites *int64
	// LastDowntime and LastLostWrites are the last run's; nil when it
	// measured none (it is still running, or verified no workload).
	LastDowntime   *time.Duration
	LastLostWrites *int64
	// Over the runs of the window that measured them: the longest
	// downtime, its change per 30 days (least squares, as the RTO's; nil
	// with too few runs), the acknowledged writes lost in all (nil when
	// no run was verified), the runs verified and those that lost any.
	DowntimeMax                *time.Duration
	DowntimeTrendPerThirtyDays *time.Duration
	LostWrites                 *int64
	VerifiedRuns               int
	RunsLosingWrites           int
}

// loadWindow is what the runs of the window measured of their clients.
type loadWindow struct {
	// underLoad says a run of the window measured a client downtime.
	underLoad   bool
	downtimeMax *time.Duration
	trend       *time.Duration
	// lost sums the lost writes of the verified runs: nil when none was.
	lost         *int64
	verifiedRuns int
	runsLosing   int
}

// summarizeLoad reads the load figures of a scenario's runs of the window,
// oldest first.
func summarizeLoad(runs []store.Measurement) loadWindow {
	var w loadWindow
	var points []point
	var downtimes []time.Duration
	for _, m := range runs {
		if m.Downtime != nil {
			w.underLoad = true
			points = append(points, point{at: m.StartedAt, rto: *m.Downtime})
			downtimes = append(downtimes, *m.Downtime)
		}
		if m.LostWrites != nil {
			if w.lost == nil {
				w.lost = new(int64)
			}
			*w.lost += *m.LostWrites
			w.verifiedRuns++
			if *m.LostWrites > 0 {
				w.runsLosing++
			}
		}
	}
	w.downtimeMax = percentile(downtimes, 1)
	if fit, ok := fitTrend(points); ok {
		w.trend = &fit.PerThirtyDays
	}
	return w
}

// loadReport is the load standing of a scenario; nil when neither its last
// run nor a run of the window had workloads, so that reports leave it out.
func loadReport(last store.Run, window loadWindow) *LoadReport {
	if len(last.Workloads) == 0 && !window.underLoad {
		return nil
	}
	load := &LoadReport{
		ObjectiveDowntime: last.ObjectiveDowntime, ObjectiveLostWrites: last.ObjectiveLostWrites,
		LastDowntime: store.ClientDowntime(last.Workloads), LastLostWrites: store.LostWritesOf(last.Workloads),
		DowntimeMax: window.downtimeMax, DowntimeTrendPerThirtyDays: window.trend,
		VerifiedRuns: window.verifiedRuns, RunsLosingWrites: window.runsLosing,
	}
	if window.lost != nil {
		lost := *window.lost // a copy: the summary is shared
		load.LostWrites = &lost
	}
	return load
}

// underLoad is the scenarios that ran under load, in the report's order.
func underLoad(r Report) []ScenarioReport {
	var loaded []ScenarioReport
	for _, s := range r.Scenarios {
		if s.Load != nil {
			loaded = append(loaded, s)
		}
	}
	return loaded
}

// downtimeCell is the last run's client downtime and its objective:
// "12.3s (10s)".
func (l *LoadReport) downtimeCell() string {
	return fmt.Sprintf("%s (%s)", readable(l.LastDowntime), readable(l.ObjectiveDowntime))
}

// lostCell is the last run's lost writes and their objective: "3 (0)".
func (l *LoadReport) lostCell() string {
	return fmt.Sprintf("%s (%s)", countOrDash(l.LastLostWrites), countOrDash(l.ObjectiveLostWrites))
}

// windowLostCell is the writes lost over the window and by how many of its
// verified runs: "3 (1 of 4 runs)"; "-" when no run was verified.
func (l *LoadReport) windowLostCell() string {
	if l.LostWrites == nil {
		return "-"
	}
	return fmt.Sprintf("%s (%d of %s)", thousands(*l.LostWrites), l.RunsLosingWrites, plural(int64(l.VerifiedRuns), "run"))
}
