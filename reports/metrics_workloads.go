package reports

import (
	"context"
	"fmt"

	"github.com/redrill/redrill/store"
)

// The workload series are of each scenario's newest finished run, as
// redrill_last_verdict is: a drill under way has measured nothing final
// yet, and must not hide what the last one found.
var (
	workloadLabels              = []string{"scenario", "workload"}
	metricWorkloadAttempts      = gaugeFamily("redrill_last_workload_attempts", "Attempts of the workload in the scenario's last finished run that ended (succeeded or failed).", workloadLabels...)
	metricWorkloadFailed        = gaugeFamily("redrill_last_workload_failed", "Attempts of the workload in the scenario's last finished run that failed.", workloadLabels...)
	metricWorkloadSkipped       = gaugeFamily("redrill_last_workload_skipped", "Attempts of the workload in the scenario's last finished run not sent because every worker was busy.", workloadLabels...)
	metricWorkloadLongestOutage = gaugeFamily("redrill_last_workload_longest_outage_seconds", "The longest time no attempt of the workload succeeded in the scenario's last finished run: the downtime its clients saw.", workloadLabels...)
	metricWorkloadAcknowledged  = gaugeFamily("redrill_last_workload_acknowledged_writes", "Writes of the workload acknowledged in the scenario's last finished run; only for a verified workload.", workloadLabels...)
	metricWorkloadLostWrites    = gaugeFamily("redrill_last_workload_lost_writes", "Acknowledged writes of the workload not found after recovery in the scenario's last finished run; only for a verified workload.", workloadLabels...)
	metricObjectiveDowntime     = gaugeFamily("redrill_objective_downtime_seconds", "The scenario's objective on the longest outage a workload's clients may see.", "scenario")
	metricObjectiveLostWrites   = gaugeFamily("redrill_objective_lost_writes", "The acknowledged writes a workload of the scenario may lose (0 is an objective).", "scenario")
	workloadFamilies            = []*family{metricWorkloadAttempts, metricWorkloadFailed, metricWorkloadSkipped, metricWorkloadLongestOutage,
		metricWorkloadAcknowledged, metricWorkloadLostWrites, metricObjectiveDowntime, metricObjectiveLostWrites}
)

// runsBeforeFinished bounds the runs read back from a running one to find
// the newest finished run: a scenario has seldom more than one under way.
const runsBeforeFinished = 3

// workloadMetrics are the series of the workloads of each scenario that
// ran under load.
func workloadMetrics(ctx context.Context, history store.Reader, report Report) (samples, error) {
	var out samples
	gauge := out.add
	for _, s := range underLoad(report) {
		if s.Load.ObjectiveDowntime != nil {
			gauge(metricObjectiveDowntime, s.Load.ObjectiveDowntime.Seconds(), s.Scenario)
		}
		if s.Load.ObjectiveLostWrites != nil {
			gauge(metricObjectiveLostWrites, float64(*s.Load.ObjectiveLostWrites), s.Scenario)
		}
		finished, err := newestFinished(ctx, history, s.LastRun)
		if err != nil {
			return nil, err
		}
		for _, w := range finished.Workloads {
			gauge(metricWorkloadAttempts, float64(w.Attempts), s.Scenario, w.Name)
			gauge(metricWorkloadFailed, float64(w.Failed), s.Scenario, w.Name)
			gauge(metricWorkloadSkipped, float64(w.Skipped), s.Scenario, w.Name)
			gauge(metricWorkloadLongestOutage, w.LongestOutage.Seconds(), s.Scenario, w.Name)
			if w.Verified != nil {
				gauge(metricWorkloadAcknowledged, float64(w.Verified.Acknowledged), s.Scenario, w.Name)
				gauge(metricWorkloadLostWrites, float64(w.Verified.Lost), s.Scenario, w.Name)
			}
		}
	}
	return out, nil
}

// newestFinished is last when it finished, else the newest finished run
// before it; an empty run when there is none.
func newestFinished(ctx context.Context, history store.Reader, last store.Run) (store.Run, error) {
	if last.Status != store.StatusRunning {
		return last, nil
	}
	runs, err := history.Runs(ctx, store.RunQuery{Scenario: last.Scenario, Until: last.StartedAt, Limit: runsBeforeFinished})
	if err != nil {
		return store.Run{}, fmt.Errorf("last finished run of %s: %w", last.Scenario, err)
	}
	for _, r := range runs {
		if r.Status != store.StatusRunning {
			return r, nil
		}
	}
	return store.Run{}, nil
}
