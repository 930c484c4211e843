package reports

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/redrill/redrill/store"
)

// What workloads measured, as text: the lines of show, the summary and
// the live output share these words.

// clientLines are the run's client downtime and lost writes against their
// objectives, for the head of show; none for a run without workloads or
// objectives on them.
func clientLines(r store.Run) []string {
	var lines []string
	if len(r.Workloads) > 0 || r.ObjectiveDowntime != nil {
		lines = append(lines, fmt.Sprintf("downtime  %s (objective %s)", readable(store.ClientDowntime(r.Workloads)), readable(r.ObjectiveDowntime)))
	}
	lost := store.LostWritesOf(r.Workloads)
	if lost != nil || r.ObjectiveLostWrites != nil {
		lines = append(lines, fmt.Sprintf("lost      %s acknowledged writes (objective %s)", countOrDash(lost), countOrDash(r.ObjectiveLostWrites)))
	}
	return lines
}

// writeWorkloads is a block per workload: what its clients saw, and the
// writes it lost.
func writeWorkloads(w io.Writer, r store.Run) error {
	for _, wl := range r.Workloads {
		fmt.Fprintf(w, "\nworkload %s (%s, %s/s, %s)\n", visible(wl.Name), visible(wl.Kind), strconv.FormatFloat(wl.Rate, 'f', -1, 64), plural(int64(wl.Concurrency), "worker"))
		field := func(name, format string, args ...any) {
			fmt.Fprintf(w, "  %-16s %s\n", name, fmt.Sprintf(format, args...))
		}
		field("attempts", "%s: %s succeeded, %s failed, %s", thousands(wl.Attempts), thousands(wl.Succeeded), thousands(wl.Failed), skipped(wl.Skipped))
		field("latency", "%s", latencies(wl))
		field("longest outage", "%s", outage(wl))
		if wl.CurrentOutage > 0 {
			field("failing now", "for %s", readable(&wl.CurrentOutage))
		}
		if wl.LastError != "" {
			field("last error", "%s", visible(firstLine(wl.LastError)))
		}
		for _, line := range verifiedLines(wl.Verified) {
			field(line[0], "%s", line[1])
		}
	}
	return nil
}

// verifiedLines are the name and text of what a workload's verify found.
func verifiedLines(v *store.LostWrites) [][2]string {
	if v == nil {
		return [][2]string{{"writes", "not verified"}}
	}
	lines := [][2]string{{"writes", fmt.Sprintf("%s acknowledged, %s lost", thousands(v.Acknowledged), thousands(v.Lost))}}
	if v.Lost > 0 {
		lines[0][1] += fmt.Sprintf(": %s before the clock started, %s after", thousands(v.LostBeforeClock), thousands(v.LostAfterClock))
	}
	if v.FirstLost != nil && v.LastLost != nil {
		lines = append(lines, [2]string{"lost writes", "first " + ackedWrite(v.FirstLost) + ", last " + ackedWrite(v.LastLost)})
	}
	if v.NewestSurvivor != nil {
		lines = append(lines, [2]string{"newest survivor", ackedWrite(v.NewestSurvivor)})
	}
	return lines
}

func ackedWrite(w *store.Write) string {
	return fmt.Sprintf("#%d (acknowledged %s)", w.Seq, formatStored(w.AckedAt))
}

// formatStored is a workload's time as the JSON of the run has it: to the
// microsecond, as the history keeps every other time (a workload's are
// kept as measured, to the nanosecond).
func formatStored(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return formatTime(stored(t))
}

func latencies(w store.Workload) string {
	if w.Succeeded+w.Failed == 0 {
		return "- (no attempt ended)"
	}
	return fmt.Sprintf("p50 %s, p99 %s", readable(&w.LatencyP50), readable(&w.LatencyP99))
}

func outage(w store.Workload) string {
	if w.LongestOutage == 0 {
		return "none"
	}
	return fmt.Sprintf("%s, %s → %s", readable(&w.LongestOutage), formatStored(w.OutageStart), orDash(formatStored(w.OutageEnd)))
}

// skipped counts the slots not sent, and says why when there are some.
func skipped(n int64) string {
	if n == 0 {
		return "0 skipped"
	}
	return thousands(n) + " skipped (every worker busy)"
}

// thousands writes a count with thousands separators: 1,204.
func thousands(n int64) string {
	digits := strconv.FormatInt(n, 10)
	sign := ""
	if n < 0 {
		sign, digits = "-", digits[1:]
	}
	var b strings.Builder
	for i, d := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(d)
	}
	return sign + b.String()
}

func plural(n int64, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return thousands(n) + " " + word + "s"
}

func countOrDash(n *int64) string {
	if n == nil {
		return "-"
	}
	return thousands(*n)
}
