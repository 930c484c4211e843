package reports

import (
	"fmt"
	"time"

	"github.com/redrill/redrill/store"
)

// The runner reports the workloads' progress every second. A line per
// workload every second would bury the steps, so a workload's line is
// printed only when there is news: when it starts, when an outage begins
// (no success for outageWorth) or ends, every failingEvery while the
// outage lasts (the operator watches it grow), when new failures came in
// since its last line (at most every failingEvery), and else every
// healthyEvery, so that a long drill still shows its clients get through.
const (
	outageWorth  = time.Second
	failingEvery = 5 * time.Second
	healthyEvery = 30 * time.Second
)

// workloadShown is what the last printed line of a workload said.
type workloadShown struct {
	at      time.Time
	failed  int64
	outage  bool // an outage was announced and has not ended
	started bool
}

// workloads prints the lines of the workloads that have news.
func (t *LiveText) workloads(e store.Event) {
	if t.shown == nil {
		t.shown = map[string]workloadShown{}
	}
	for _, w := range e.Record.Workloads {
		key := e.Record.ID + "\x00" + w.Name
		before := t.shown[key]
		line, news := workloadNews(before, w, e.At)
		if !news {
			continue
		}
		fmt.Fprintln(t.w, line)
		t.shown[key] = workloadShown{at: e.At, failed: w.Failed, outage: w.CurrentOutage >= outageWorth, started: true}
	}
}

// workloadNews is the line of a workload's progress, and whether it is
// news since what was last shown of it.
func workloadNews(before workloadShown, w store.Workload, at time.Time) (string, bool) {
	line := fmt.Sprintf("  workload %s: %s attempts, %s failed", visible(w.Name), thousands(w.Attempts), thousands(w.Failed))
	failing := w.CurrentOutage >= outageWorth
	since := at.Sub(before.at)
	switch {
	case failing:
		line += ", outage " + formatElapsed(w.CurrentOutage) + " so far"
		return line, !before.outage || since >= failingEvery
	case before.outage:
		return line + ", getting through again (longest outage " + readable(&w.LongestOutage) + ")", true
	case !before.started:
		return line, true
	case w.Failed > before.failed:
		return line, since >= failingEvery
	}
	return line, since >= healthyEvery
}

// forgetWorkloads drops what was shown of a run's workloads when it ends.
func (t *LiveText) forgetWorkloads(r store.Record) {
	for _, w := range r.Workloads {
		delete(t.shown, r.ID+"\x00"+w.Name)
	}
}
