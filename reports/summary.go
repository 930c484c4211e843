package reports

import (
	"fmt"
	"strings"
	"time"

	"github.com/redrill/redrill/store"
)

// Summary is the one-paragraph verdict of a run, as the live output ends
// with it and chat webhooks post it.
func Summary(r store.Record) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s", r.Scenario, strings.ToUpper(r.Verdict))
	measured := func(name string, value, objective *time.Duration) {
		if value == nil {
			return
		}
		fmt.Fprintf(&b, "   %s %s", name, readable(value))
		if objective != nil && *objective > 0 {
			fmt.Fprintf(&b, " (objective %s, %s)", readable(objective), margin(*value, *objective))
		}
	}
	measured("RTO", r.RTO, r.ObjectiveRTO)
	measured("RPO", r.RPO, r.ObjectiveRPO)
	fmt.Fprintf(&b, "\n  %s", visible(r.Reason))
	for _, w := range r.Workloads {
		b.WriteString("\n  " + workloadSummary(w, r.Run))
	}
	fmt.Fprintf(&b, "\n  run %s", r.ID)
	if r.LeftDisrupted() {
		b.WriteString("\n  WARNING: rollback did not complete; the system may still be disrupted")
	}
	if r.Verdict != store.VerdictMet && r.RTO == nil && r.ObjectiveRTO != nil {
		fmt.Fprintf(&b, " (not recovered: no RTO measured)")
	}
	return b.String()
}

func margin(measured, objective time.Duration) string {
	if measured <= objective {
		spare := objective - measured
		return readable(&spare) + " to spare"
	}
	over := measured - objective
	return readable(&over) + " over"
}

// workloadSummary is what a workload's clients saw, against the
// objectives: "workload writer: longest outage 12.3s (objective 10s, 2.3s
// over), 3 of 1,167 acknowledged writes lost (objective 0)".
func workloadSummary(w store.Workload, r store.Run) string {
	line := fmt.Sprintf("workload %s: longest outage %s", visible(w.Name), readable(&w.LongestOutage))
	if w.LongestOutage == 0 {
		line = fmt.Sprintf("workload %s: no outage", visible(w.Name))
	}
	if objective := r.ObjectiveDowntime; objective != nil && *objective > 0 {
		line += fmt.Sprintf(" (objective %s, %s)", readable(objective), margin(w.LongestOutage, *objective))
	}
	if v := w.Verified; v != nil {
		line += fmt.Sprintf(", %s of %s acknowledged writes lost", thousands(v.Lost), thousands(v.Acknowledged))
		if r.ObjectiveLostWrites != nil {
			line += fmt.Sprintf(" (objective %s)", thousands(*r.ObjectiveLostWrites))
		}
	}
	return line
}
