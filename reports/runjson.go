package reports

import (
	"encoding/json"
	"io"
	"time"

	"github.com/redrill/redrill/store"
)

// RunJSON is the one JSON shape of a run and its steps: `redrill run
// --format json`, `redrill show --format json`, /runs/{id} and the
// webhooks all write it (docs/reports.md). Durations are seconds, times
// RFC 3339 in UTC to the microsecond, as the history keeps them.
type RunJSON struct {
	runJSON
	Steps []StepJSON `json:"steps"`
}

// StepJSON is one step or check round of a run.
type StepJSON struct {
	Seq             int       `json:"seq"`
	Phase           string    `json:"phase"`
	Name            string    `json:"name"`
	Kind            string    `json:"kind"`
	Round           int       `json:"round"`
	StartedAt       time.Time `json:"started_at"`
	DurationSeconds float64   `json:"duration_seconds"`
	Attempts        int       `json:"attempts"`
	Passed          bool      `json:"passed"`
	// Running is set for a step whose runner stopped during it: it never
	// ended, and its outcome is unknown.
	Running bool            `json:"running"`
	Message string          `json:"message"`
	Result  json.RawMessage `json:"result"`
	// Background is set for a step the drill went on during; Cancelled
	// for one that was still running when the drill ended, and was
	// stopped: it did not fail, it never finished.
	Background bool `json:"background"`
	Cancelled  bool `json:"cancelled"`
	// Manual is what a manual step asked and how it was answered; null
	// for the other kinds.
	Manual *ManualJSON `json:"manual"`
}

// ManualJSON is a manual step's instructions, timeout and answer (null
// while nobody answered, and when nobody did).
type ManualJSON struct {
	Instructions   string      `json:"instructions"`
	TimeoutSeconds float64     `json:"timeout_seconds"`
	Answer         *AnswerJSON `json:"answer"`
}

// AnswerJSON is who answered a manual step, when, and how.
type AnswerJSON struct {
	Outcome   string    `json:"outcome"`
	By        string    `json:"by"`
	Note      string    `json:"note"`
	At        time.Time `json:"at"`
	Automatic bool      `json:"automatic"`
}

func manualJSON(m *store.Manual) *ManualJSON {
	if m == nil {
		return nil
	}
	out := &ManualJSON{Instructions: m.Instructions, TimeoutSeconds: m.Timeout.Seconds()}
	if a := m.Answer; a != nil {
		out.Answer = &AnswerJSON{Outcome: a.Outcome, By: a.By, Note: a.Note, At: stored(a.At), Automatic: a.Automatic}
	}
	return out
}

// NewRunJSON is the JSON form of a run and its steps.
func NewRunJSON(r store.Record) RunJSON {
	out := RunJSON{runJSON: toRunJSON(r.Run), Steps: []StepJSON{}}
	for _, s := range r.Steps {
		result := json.RawMessage("null")
		if json.Valid([]byte(s.Result)) {
			result = json.RawMessage(s.Result)
		}
		out.Steps = append(out.Steps, StepJSON{
			Seq: s.Seq, Phase: string(s.Phase), Name: s.Name, Kind: s.Kind, Round: s.Round, StartedAt: stored(s.StartedAt),
			DurationSeconds: s.Duration.Seconds(), Attempts: s.Attempts, Passed: s.Passed, Running: s.Running, Message: s.Message, Result: result,
			Background: s.Background, Cancelled: s.Cancelled, Manual: manualJSON(s.Manual),
		})
	}
	return out
}

// WriteRunJSON writes one run and its steps.
func WriteRunJSON(w io.Writer, r store.Record) error {
	return writeJSON(w, NewRunJSON(r))
}

// WriteRunsJSON writes runs with their steps as {"runs": [...]}.
func WriteRunsJSON(w io.Writer, records []store.Record) error {
	runs := make([]RunJSON, 0, len(records))
	for _, r := range records {
		runs = append(runs, NewRunJSON(r))
	}
	return writeJSON(w, struct {
		Runs []RunJSON `json:"runs"`
	}{runs})
}

// WriteHistoryJSON writes runs, without their steps, as {"runs": [...]}.
func WriteHistoryJSON(w io.Writer, runs []store.Run) error {
	out := make([]runJSON, 0, len(runs))
	for _, r := range runs {
		out = append(out, toRunJSON(r))
	}
	return writeJSON(w, struct {
		Runs []runJSON `json:"runs"`
	}{out})
}

func writeJSON(w io.Writer, v any) error {
	encoder := json.NewEncoder(w)
	encoder.SetIndent("", "  ")
	return encoder.Encode(v)
}

// writeCompactJSON writes v as one line of JSON.
func writeCompactJSON(w io.Writer, v any) error {
	return json.NewEncoder(w).Encode(v)
}

type runJSON struct {
	ID           string  `json:"run_id"`
	Scenario     string  `json:"scenario"`
	ScenarioHash string  `json:"scenario_hash"`
	Trigger      string  `json:"trigger"`
	GameDay      *string `json:"gameday"`
	Host         string  `json:"host"`
	// RunnerLabels are the labels of the runner that ran it, {} for none.
	RunnerLabels        map[string]string `json:"runner_labels"`
	Status              string            `json:"status"`
	Verdict             string            `json:"verdict"`
	Reason              string            `json:"reason"`
	StartedAt           time.Time         `json:"started_at"`
	EndedAt             *time.Time        `json:"ended_at"`
	ClockStart          *time.Time        `json:"clock_start"`
	ClockStop           *time.Time        `json:"clock_stop"`
	RTOSeconds          *float64          `json:"rto_seconds"`
	RPOSeconds          *float64          `json:"rpo_seconds"`
	ObjectiveRTOSeconds *float64          `json:"objective_rto_seconds"`
	ObjectiveRPOSeconds *float64          `json:"objective_rpo_seconds"`
	// Rollback is how the rollback went (store.Rollback values); null
	// while running and for runs recorded before it was kept.
	Rollback *string `json:"rollback"`
	// LeftDisrupted is set when the rollback failed or did not run: the
	// system may still be disrupted, whatever the verdict.
	LeftDisrupted bool `json:"left_disrupted"`
	// What the scenario said of itself when the run started.
	ScheduledAt      *time.Time         `json:"scheduled_at"`
	Schedule         *string            `json:"schedule"`
	ScheduleTimezone *string            `json:"schedule_timezone"`
	Owner            *string            `json:"owner"`
	Tags             []string           `json:"tags"`
	Postmortems      []store.Postmortem `json:"postmortems"`
	// What the run's clients saw: the longest outage of any workload and
	// the acknowledged writes lost, null without workloads (or without a
	// verified one); the objectives on them, null when not set.
	ClientDowntimeSeconds    *float64       `json:"client_downtime_seconds"`
	LostWrites               *int64         `json:"lost_writes"`
	ObjectiveDowntimeSeconds *float64       `json:"objective_downtime_seconds"`
	ObjectiveLostWrites      *int64         `json:"objective_lost_writes"`
	Workloads                []WorkloadJSON `json:"workloads"`
	// Measures are what the run's measure blocks recorded, [] for none;
	// RestoreThroughput its first bytes measure over its RTO, null
	// without either.
	Measures          []store.Measure `json:"measures"`
	RestoreThroughput *Throughput     `json:"restore_throughput"`
	// HumanSeconds is the time the manual steps waited for people;
	// MachineSeconds the rest of the run, null while it runs.
	HumanSeconds   float64    `json:"human_seconds"`
	MachineSeconds *float64   `json:"machine_seconds"`
	Abort          *AbortJSON `json:"abort"`
}

// AbortJSON is a request to abort a run: who, when, why.
type AbortJSON struct {
	By   string    `json:"by"`
	Note string    `json:"note"`
	At   time.Time `json:"at"`
}

func toRunJSON(r store.Run) runJSON {
	out := runJSON{
		ID: r.ID, Scenario: r.Scenario, ScenarioHash: r.ScenarioHash, Trigger: r.Trigger, GameDay: orNull(r.GameDay), Host: r.Host,
		RunnerLabels: labelsOrEmpty(r.RunnerLabels),
		Status:       r.Status, Verdict: r.Verdict, Reason: r.Reason, StartedAt: stored(r.StartedAt),
		EndedAt: timeOrNil(r.EndedAt), ClockStart: timeOrNil(r.ClockStart), ClockStop: timeOrNil(r.ClockStop),
		RTOSeconds: seconds(r.RTO), RPOSeconds: seconds(r.RPO),
		ObjectiveRTOSeconds: seconds(r.ObjectiveRTO), ObjectiveRPOSeconds: seconds(r.ObjectiveRPO),
		Rollback: orNull(r.Rollback), LeftDisrupted: r.LeftDisrupted(),
		ScheduledAt: timeOrNil(r.ScheduledAt), Schedule: orNull(r.Schedule), ScheduleTimezone: scheduleTimezone(r),
		Owner: orNull(r.Owner), Tags: orEmpty(r.Tags), Postmortems: r.Postmortems,
		ClientDowntimeSeconds: seconds(store.ClientDowntime(r.Workloads)), LostWrites: store.LostWritesOf(r.Workloads),
		ObjectiveDowntimeSeconds: seconds(r.ObjectiveDowntime), ObjectiveLostWrites: r.ObjectiveLostWrites,
		Workloads: workloadsJSON(r.Workloads),
		Measures:  measuresOrEmpty(r.Measures), RestoreThroughput: RunThroughput(r),
	}
	if out.Postmortems == nil {
		out.Postmortems = []store.Postmortem{}
	}
	out.HumanSeconds = r.HumanTime.Seconds()
	if machine, ended := r.MachineTime(); ended {
		out.MachineSeconds = seconds(&machine)
	}
	if r.Abort != nil {
		out.Abort = &AbortJSON{By: r.Abort.By, Note: r.Abort.Note, At: stored(r.Abort.At)}
	}
	return out
}

// stored is a time as the history keeps it: UTC, to the microsecond, so
// that a run reads the same live and from the store.
func stored(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

func timeOrNil(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	utc := stored(t)
	return &utc
}

// WorkloadJSON is what one workload of a run measured, as its clients saw
// it: store.Workload with durations in seconds, times in RFC 3339 and
// null where nothing was measured.
type WorkloadJSON struct {
	Name        string  `json:"name"`
	Kind        string  `json:"kind"`
	Rate        float64 `json:"rate"`
	Concurrency int     `json:"concurrency"`
	Attempts    int64   `json:"attempts"`
	Succeeded   int64   `json:"succeeded"`
	Failed      int64   `json:"failed"`
	Skipped     int64   `json:"skipped"`
	// The latency quantiles are null while no attempt has ended.
	LatencyP50Seconds    *float64   `json:"latency_p50_seconds"`
	LatencyP99Seconds    *float64   `json:"latency_p99_seconds"`
	LongestOutageSeconds float64    `json:"longest_outage_seconds"`
	OutageStart          *time.Time `json:"outage_start"`
	OutageEnd            *time.Time `json:"outage_end"`
	CurrentOutageSeconds float64    `json:"current_outage_seconds"`
	LastError            *string    `json:"last_error"`
	// Verified is null until the acknowledged writes were compared with
	// the survivors, and for a workload that keeps none.
	Verified *LostWritesJSON `json:"verified"`
}

// LostWritesJSON is store.LostWrites; a write is null when there is none.
type LostWritesJSON struct {
	Acknowledged    int64           `json:"acknowledged"`
	Lost            int64           `json:"lost"`
	LostBeforeClock int64           `json:"lost_before_clock"`
	LostAfterClock  int64           `json:"lost_after_clock"`
	FirstLost       *AckedWriteJSON `json:"first_lost"`
	LastLost        *AckedWriteJSON `json:"last_lost"`
	NewestSurvivor  *AckedWriteJSON `json:"newest_survivor"`
}

// AckedWriteJSON is one acknowledged write: its sequence number and when it
// was acknowledged.
type AckedWriteJSON struct {
	Seq     int64     `json:"seq"`
	AckedAt time.Time `json:"acked_at"`
}

func workloadsJSON(workloads []store.Workload) []WorkloadJSON {
	out := make([]WorkloadJSON, 0, len(workloads))
	for _, w := range workloads {
		latency := func(d time.Duration) *float64 {
			if w.Succeeded+w.Failed == 0 {
				return nil
			}
			return seconds(&d)
		}
		out = append(out, WorkloadJSON{
			Name: w.Name, Kind: w.Kind, Rate: w.Rate, Concurrency: w.Concurrency,
			Attempts: w.Attempts, Succeeded: w.Succeeded, Failed: w.Failed, Skipped: w.Skipped,
			LatencyP50Seconds: latency(w.LatencyP50), LatencyP99Seconds: latency(w.LatencyP99),
			LongestOutageSeconds: w.LongestOutage.Seconds(), OutageStart: timeOrNil(w.OutageStart), OutageEnd: timeOrNil(w.OutageEnd),
			CurrentOutageSeconds: w.CurrentOutage.Seconds(), LastError: orNull(w.LastError), Verified: lostWritesJSON(w.Verified),
		})
	}
	return out
}

func lostWritesJSON(v *store.LostWrites) *LostWritesJSON {
	if v == nil {
		return nil
	}
	return &LostWritesJSON{
		Acknowledged: v.Acknowledged, Lost: v.Lost, LostBeforeClock: v.LostBeforeClock, LostAfterClock: v.LostAfterClock,
		FirstLost: ackedWriteJSON(v.FirstLost), LastLost: ackedWriteJSON(v.LastLost), NewestSurvivor: ackedWriteJSON(v.NewestSurvivor),
	}
}

func ackedWriteJSON(w *store.Write) *AckedWriteJSON {
	if w == nil {
		return nil
	}
	return &AckedWriteJSON{Seq: w.Seq, AckedAt: stored(w.AckedAt)}
}

// labelsOrEmpty is labels, {} rather than null when there are none.
func labelsOrEmpty(labels map[string]string) map[string]string {
	if labels == nil {
		return map[string]string{}
	}
	return labels
}
