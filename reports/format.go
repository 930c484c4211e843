package reports

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/redrill/redrill/store"
)

// WriteText writes the report as a terminal table, worst first.
func WriteText(w io.Writer, r Report) error {
	fmt.Fprintf(w, "Recovery-time report, %s, runs since %s\n\n", r.GeneratedAt.Format("2006-01-02 15:04 MST"), r.Since.Format(time.DateOnly))
	if len(r.Scenarios) == 0 {
		_, err := fmt.Fprintln(w, "No drill has run yet.")
		return err
	}
	if err := writeGameDaysText(w, r.GameDays); err != nil {
		return err
	}
	// The table keeps to 100 columns (scenario names up to 16
	// characters); how long ago, the percentiles and the run counts go on
	// the scenario's lines under it.
	table := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(table, "SCENARIO\tRISK\tLAST RUN\tRTO (OBJ)\tRPO (OBJ)\tTREND/30D\tFORECAST")
	for _, s := range r.Scenarios {
		last := "never"
		if !s.NeverRan {
			last = s.LastRun.StartedAt.Format(time.DateOnly) + " " + orDash(s.LastRun.Verdict)
		}
		fmt.Fprintf(table, "%s\t%s\t%s\t%s (%s)\t%s (%s)\t%s\t%s\n",
			s.Scenario, s.Risk.Label(), last,
			readable(s.LastRun.RTO), readable(s.ObjectiveRTO), readable(s.LastRun.RPO), readable(s.ObjectiveRPO),
			signed(s.TrendPerThirtyDays), forecast(s.BreachForecast))
	}
	if err := table.Flush(); err != nil {
		return err
	}
	if err := writeLoadText(w, r); err != nil {
		return err
	}
	if err := writeMeasuresText(w, r); err != nil {
		return err
	}
	if err := writePeopleText(w, r); err != nil {
		return err
	}
	fmt.Fprintln(w)
	for _, s := range r.Scenarios {
		fmt.Fprintf(w, "%s: %s\n", s.Scenario, visible(s.RiskReason))
		fmt.Fprintf(w, "  %s\n", scenarioFigures(s))
		for _, pm := range s.Postmortems {
			fmt.Fprintf(w, "  from %s\n", visible(postmortemLine(pm)))
		}
	}
	return nil
}

// writeLoadText is a table of the scenarios that ran under load, after the
// main one: their columns would be empty for every other scenario.
func writeLoadText(w io.Writer, r Report) error {
	loaded := underLoad(r)
	if len(loaded) == 0 {
		return nil
	}
	fmt.Fprintf(w, "\nUnder load, what the drills' clients saw:\n")
	table := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(table, "SCENARIO\tDOWNTIME (OBJ)\tDOWNTIME MAX\tTREND/30D\tLOST WRITES (OBJ)\tLOST IN WINDOW")
	for _, s := range loaded {
		fmt.Fprintf(table, "%s\t%s\t%s\t%s\t%s\t%s\n", s.Scenario, s.Load.downtimeCell(), readable(s.Load.DowntimeMax),
			signed(s.Load.DowntimeTrendPerThirtyDays), s.Load.lostCell(), s.Load.windowLostCell())
	}
	return table.Flush()
}

// jsonScenario is the stable JSON form of a scenario: durations in
// seconds, null when not measured.
type jsonScenario struct {
	ScenarioReport
	ObjectiveRTOSeconds *float64   `json:"objective_rto_seconds"`
	ObjectiveRPOSeconds *float64   `json:"objective_rpo_seconds"`
	LastRunID           *string    `json:"last_run_id"`
	LastRunAt           *time.Time `json:"last_run_at"`
	LastVerdict         *string    `json:"last_verdict"`
	DaysSinceLastRun    *float64   `json:"days_since_last_run"`
	LastRTOSeconds      *float64   `json:"last_rto_seconds"`
	LastRPOSeconds      *float64   `json:"last_rpo_seconds"`
	RTOP50Seconds       *float64   `json:"rto_p50_seconds"`
	RTOP95Seconds       *float64   `json:"rto_p95_seconds"`
	RTOMaxSeconds       *float64   `json:"rto_max_seconds"`
	TrendSecondsPer30D  *float64   `json:"rto_trend_seconds_per_30_days"`
	// The last run's time waiting for people and the rest of it; null
	// for a scenario that never ran, or whose last run still runs.
	LastHumanSeconds   *float64   `json:"last_human_seconds"`
	LastMachineSeconds *float64   `json:"last_machine_seconds"`
	StaleAfterDays     float64    `json:"stale_after_days"`
	BreachForecast     *time.Time `json:"breach_forecast"`
	// The schedule as the last run recorded it; both null without one.
	Schedule         *string  `json:"schedule"`
	ScheduleTimezone *string  `json:"schedule_timezone"`
	Owner            *string  `json:"owner"`
	Tags             []string `json:"tags"`
	LastRollback     *string  `json:"last_rollback"`
	LeftDisrupted    bool     `json:"left_disrupted"`
	// Where the newest run ran: its host and its runner's labels ({} for
	// a run of redrill run without --label, or one never run).
	LastHost         *string           `json:"last_host"`
	LastRunnerLabels map[string]string `json:"last_runner_labels"`
	loadJSON
}

// loadJSON is what the clients of a scenario's drills saw; every field
// null for a scenario that never ran under load.
type loadJSON struct {
	UnderLoad                bool     `json:"under_load"`
	ObjectiveDowntimeSeconds *float64 `json:"objective_downtime_seconds"`
	ObjectiveLostWrites      *int64   `json:"objective_lost_writes"`
	LastDowntimeSeconds      *float64 `json:"last_client_downtime_seconds"`
	LastLostWrites           *int64   `json:"last_lost_writes"`
	DowntimeMaxSeconds       *float64 `json:"client_downtime_max_seconds"`
	DowntimeTrendPer30D      *float64 `json:"client_downtime_trend_seconds_per_30_days"`
	LostWritesInWindow       *int64   `json:"lost_writes_in_window"`
	VerifiedRuns             *int     `json:"verified_runs"`
	RunsLosingWrites         *int     `json:"runs_losing_writes"`
}

func newLoadJSON(l *LoadReport) loadJSON {
	if l == nil {
		return loadJSON{}
	}
	return loadJSON{
		UnderLoad:                true,
		ObjectiveDowntimeSeconds: seconds(l.ObjectiveDowntime), ObjectiveLostWrites: l.ObjectiveLostWrites,
		LastDowntimeSeconds: seconds(l.LastDowntime), LastLostWrites: l.LastLostWrites,
		DowntimeMaxSeconds: seconds(l.DowntimeMax), DowntimeTrendPer30D: seconds(l.DowntimeTrendPerThirtyDays),
		LostWritesInWindow: l.LostWrites, VerifiedRuns: &l.VerifiedRuns, RunsLosingWrites: &l.RunsLosingWrites,
	}
}

// WriteJSON writes the report with stable field names (docs/reports.md).
func WriteJSON(w io.Writer, r Report) error {
	return writeReportJSON(w, r, writeJSON)
}

// writeReportJSON writes the report's JSON with encode: indented for
// people (redrill report), compact for programs (/api/report, where the
// indentation would double the time of a report of many scenarios).
func writeReportJSON(w io.Writer, r Report, encode func(io.Writer, any) error) error {
	scenarios := make([]jsonScenario, 0, len(r.Scenarios))
	for _, s := range r.Scenarios {
		scenarios = append(scenarios, jsonScenario{
			ScenarioReport:      s,
			ObjectiveRTOSeconds: seconds(s.ObjectiveRTO), ObjectiveRPOSeconds: seconds(s.ObjectiveRPO),
			LastRunID: orNull(s.LastRun.ID), LastRunAt: timeOrNil(s.LastRun.StartedAt), LastVerdict: orNull(s.LastRun.Verdict),
			DaysSinceLastRun: daysSince(s),
			LastRTOSeconds:   seconds(s.LastRun.RTO), LastRPOSeconds: seconds(s.LastRun.RPO),
			RTOP50Seconds: seconds(s.RTOMedian), RTOP95Seconds: seconds(s.RTOP95), RTOMaxSeconds: seconds(s.RTOMax),
			TrendSecondsPer30D: seconds(s.TrendPerThirtyDays), StaleAfterDays: s.StaleAfter.Hours() / 24,
			BreachForecast: s.BreachForecast,
			Schedule:       orNull(s.LastRun.Schedule), ScheduleTimezone: scheduleTimezone(s.LastRun),
			Owner: orNull(s.LastRun.Owner), Tags: orEmpty(s.LastRun.Tags),
			LastRollback: orNull(s.LastRun.Rollback), LeftDisrupted: s.LastRun.LeftDisrupted(),
			LastHost: orNull(s.LastRun.Host), LastRunnerLabels: orEmptyMap(s.LastRun.RunnerLabels),
			loadJSON:         newLoadJSON(s.Load),
			LastHumanSeconds: lastHuman(s), LastMachineSeconds: lastMachine(s),
		})
	}
	gameDays := make([]gameDayJSON, 0, len(r.GameDays))
	for _, g := range r.GameDays {
		gameDays = append(gameDays, newGameDayJSON(g))
	}
	return encode(w, struct {
		GeneratedAt time.Time        `json:"generated_at"`
		Since       time.Time        `json:"since"`
		GameDays    []gameDayJSON    `json:"gamedays"`
		Scenarios   []jsonScenario   `json:"scenarios"`
		PeopleTime  []peopleTimeJSON `json:"people_time"`
	}{r.GeneratedAt, r.Since, gameDays, scenarios, peopleTimesJSON(r.PeopleTime)})
}

// orEmptyMap is m, or {} rather than null.
func orEmptyMap(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

// scenarioFigures is what the text table has no room for: how long ago
// the last run started, the runs of the window and the RTO percentiles.
func scenarioFigures(s ScenarioReport) string {
	last := "never ran"
	if !s.NeverRan {
		last = "last run " + age(s)
	}
	return fmt.Sprintf("%s; %s; RTO p50/p95/max %s/%s/%s", last, runCounts(s), readable(s.RTOMedian), readable(s.RTOP95), readable(s.RTOMax))
}

// lastRun is the last run's date, verdict and age, flagged when stale.
func lastRun(s ScenarioReport) string {
	if s.NeverRan {
		return "never"
	}
	return fmt.Sprintf("%s %s, %s", s.LastRun.StartedAt.Format(time.DateOnly), orDash(s.LastRun.Verdict), age(s))
}

// age is how long ago the last run started: "3 d ago", with ", stale"
// when that is longer than the scenario may go without a run.
func age(s ScenarioReport) string {
	var text string
	switch days := s.DaysSinceLastRun; {
	case days < 1.0/24:
		text = "<1 h ago"
	case days < 1:
		text = fmt.Sprintf("%d h ago", int(days*24))
	default:
		text = fmt.Sprintf("%d d ago", int(days))
	}
	if s.Stale {
		text += ", stale"
	}
	return text
}

// forecast is the date a rising RTO trend reaches the objective, or "-".
func forecast(when *time.Time) string {
	if when == nil {
		return "-"
	}
	return when.Format(time.DateOnly)
}

// verdictOrder is the order verdict counts are shown in.
var verdictOrder = []string{
	store.VerdictMet, store.VerdictMissed, store.VerdictFailed,
	store.VerdictAborted, store.VerdictInterrupted, store.VerdictNotRun, store.StatusRunning,
}

// runCounts is the number of runs in the window with the count of each
// verdict that occurred: "12 runs: 9 met, 2 missed, 1 failed".
func runCounts(s ScenarioReport) string {
	text := fmt.Sprintf("%d runs", s.Runs)
	if s.Runs == 1 {
		text = "1 run"
	}
	if counts := verdictCounts(s.Verdicts); counts != "" {
		text += ": " + counts
	}
	return text
}

// verdictCounts is the count of each verdict that occurred, in order:
// "9 met, 2 missed, 1 failed".
func verdictCounts(verdicts map[string]int) string {
	var counts []string
	for _, verdict := range verdictOrder {
		if n := verdicts[verdict]; n > 0 {
			counts = append(counts, fmt.Sprintf("%d %s", n, verdict))
		}
	}
	return strings.Join(counts, ", ")
}

func postmortemLine(pm store.Postmortem) string {
	parts := []string{}
	for _, p := range []string{pm.ID, pm.Date, pm.Title} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	line := strings.Join(parts, " ")
	if pm.Finding != "" {
		line += ": " + pm.Finding
	}
	if pm.URL != "" {
		line += " (" + pm.URL + ")"
	}
	return line
}

// readable is a duration rounded for reading: "1m30s", "4h", "<1ms"; "-"
// when not measured.
func readable(d *time.Duration) string {
	if d == nil {
		return "-"
	}
	if *d > 0 && *d < time.Millisecond {
		return "<1ms"
	}
	return strings.Replace(strings.Replace(roundForReading(*d).String(), "m0s", "m", 1), "h0m", "h", 1)
}

func roundForReading(d time.Duration) time.Duration {
	switch {
	case d >= time.Hour:
		return d.Round(time.Minute)
	case d >= time.Minute:
		return d.Round(time.Second)
	case d >= time.Second:
		return d.Round(10 * time.Millisecond)
	}
	return d.Round(time.Millisecond)
}

func signed(d *time.Duration) string {
	if d == nil {
		return "-"
	}
	if *d >= 0 {
		return "+" + readable(d)
	}
	positive := -*d
	return "-" + readable(&positive)
}

func seconds(d *time.Duration) *float64 {
	if d == nil {
		return nil
	}
	s := d.Seconds()
	return &s
}

// daysSince is how many days ago the last run started; null when none did.
func daysSince(s ScenarioReport) *float64 {
	if s.NeverRan {
		return nil
	}
	return &s.DaysSinceLastRun
}

// orNull is text for JSON: null when empty.
func orNull(text string) *string {
	if text == "" {
		return nil
	}
	return &text
}

// orEmpty is a list for JSON: [] rather than null.
func orEmpty(list []string) []string {
	if list == nil {
		return []string{}
	}
	return list
}

// scheduleTimezone is the time zone of a run's schedule for JSON: UTC
// when it gave none, null without a schedule.
func scheduleTimezone(r store.Run) *string {
	if r.Schedule == "" {
		return nil
	}
	if r.ScheduleTimezone == "" {
		return orNull("UTC")
	}
	return orNull(r.ScheduleTimezone)
}

func orDash(text string) string {
	if text == "" {
		return "-"
	}
	return text
}
