package runner

import (
	"fmt"
	"time"
)

// Report is the machine-readable form of runs (`redrill run --format
// json`). Field names are stable; durations are seconds, times RFC 3339.
type Report struct {
	Runs []RunReport `json:"runs"`
}

// RunReport is one run.
type RunReport struct {
	RunID               string       `json:"run_id"`
	Scenario            string       `json:"scenario"`
	Verdict             string       `json:"verdict"`
	Reason              string       `json:"reason"`
	StartedAt           time.Time    `json:"started_at"`
	EndedAt             time.Time    `json:"ended_at"`
	ClockStart          *time.Time   `json:"clock_start"`
	ClockStop           *time.Time   `json:"clock_stop"`
	RTOSeconds          *float64     `json:"rto_seconds"`
	RPOSeconds          *float64     `json:"rpo_seconds"`
	ObjectiveRTOSeconds *float64     `json:"objective_rto_seconds"`
	ObjectiveRPOSeconds *float64     `json:"objective_rpo_seconds"`
	Steps               []StepReport `json:"steps"`
}

// StepReport is one step or check round.
type StepReport struct {
	Phase           string    `json:"phase"`
	Name            string    `json:"name"`
	Kind            string    `json:"kind"`
	Round           int       `json:"round,omitempty"`
	StartedAt       time.Time `json:"started_at"`
	DurationSeconds float64   `json:"duration_seconds"`
	Attempts        int       `json:"attempts"`
	Passed          bool      `json:"passed"`
	Message         string    `json:"message,omitempty"`
}

// NewReport converts results to their JSON form.
func NewReport(results []Result) Report {
	report := Report{Runs: []RunReport{}}
	for _, r := range results {
		run := RunReport{
			RunID: r.RunID, Scenario: r.Scenario, Verdict: r.Verdict, Reason: r.Reason,
			StartedAt: r.StartedAt.UTC(), EndedAt: r.EndedAt.UTC(),
			ClockStart: timeOrNil(r.ClockStart), ClockStop: timeOrNil(r.ClockStop),
			RTOSeconds: secondsOrNil(r.RTO), RPOSeconds: secondsOrNil(r.RPO),
			ObjectiveRTOSeconds: secondsOrNil(optional(r.ObjectiveRTO)), ObjectiveRPOSeconds: secondsOrNil(optional(r.ObjectiveRPO)),
			Steps: []StepReport{},
		}
		for _, s := range r.Steps {
			run.Steps = append(run.Steps, StepReport{
				Phase: string(s.Phase), Name: s.Name, Kind: s.Kind, Round: s.Round, StartedAt: s.StartedAt.UTC(),
				DurationSeconds: s.Duration.Seconds(), Attempts: s.Attempts, Passed: s.Passed, Message: s.Message,
			})
		}
		report.Runs = append(report.Runs, run)
	}
	return report
}

func timeOrNil(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	utc := t.UTC()
	return &utc
}

func secondsOrNil(d *time.Duration) *float64 {
	if d == nil {
		return nil
	}
	s := d.Seconds()
	return &s
}

// seconds writes a duration as JUnit does: seconds with milliseconds.
func seconds(d time.Duration) string {
	return fmt.Sprintf("%.3f", d.Seconds())
}
