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
	fmt.Fprintf(&b, "\n  %s\n  run %s", visible(r.Reason), r.ID)
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
