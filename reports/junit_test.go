package reports

import (
	"bytes"
	"encoding/xml"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redrill/redrill/internal/junittest"
	"github.com/redrill/redrill/scenarios/phase"
	"github.com/redrill/redrill/store"
)

// drillRecord is a finished run of scenario "orders": the plan says what
// it would run, steps what it recorded, in order from its start.
func drillRecord(verdict, reason, rollback string, plan []store.PlanStep, steps ...store.Step) store.Record {
	started := time.Date(2026, 11, 25, 9, 30, 0, 0, time.FixedZone("CET", 3600))
	rto, objective := 34*time.Millisecond, time.Minute
	at := started
	for i := range steps {
		steps[i].RunID, steps[i].Seq = "run-1", i+1
		if steps[i].Kind == "" {
			steps[i].Kind = "command"
		}
		if steps[i].Attempts == 0 {
			steps[i].Attempts = 1
		}
		if steps[i].Duration == 0 {
			steps[i].Duration = 3 * time.Millisecond
		}
		steps[i].StartedAt = at
		at = at.Add(10 * time.Millisecond)
	}
	return store.Record{
		Run: store.Run{
			ID: "run-1", Scenario: "orders", Host: "ci-runner-7", Status: "finished",
			Verdict: verdict, Reason: reason, Rollback: rollback,
			StartedAt: started, EndedAt: at,
			RTO: &rto, ObjectiveRTO: &objective, Plan: plan,
		},
		Steps: steps,
	}
}

func planOf(steps ...string) []store.PlanStep {
	var plan []store.PlanStep
	for _, s := range steps {
		p, name, _ := strings.Cut(s, " ")
		plan = append(plan, store.PlanStep{Phase: phase.Phase(p), Name: name, Kind: "command"})
	}
	return plan
}

func step(p phase.Phase, name string, round int, passed bool, message string) store.Step {
	return store.Step{Phase: p, Name: name, Round: round, Passed: passed, Message: message}
}

// The plan of the drills below, with and without a rollback.
var (
	ordersPlan         = planOf("steady_state orders-before", "recover restore", "recovered_when orders-back", "rollback clean")
	ordersPlanNoUndo   = planOf("steady_state orders-before", "recover restore", "recovered_when orders-back")
	metAfterFourRounds = drillRecord(store.VerdictMet, "recovered within the objectives", store.RollbackPassed, ordersPlan,
		step(phase.SteadyState, "orders-before", 0, true, ""),
		step(phase.Recover, "restore", 0, true, ""),
		step(phase.RecoveredWhen, "orders-back", 1, false, "exit code 1: \x1b[33mnot yet\x1b[0m"),
		step(phase.RecoveredWhen, "orders-back", 2, false, "exit code 1: \x1b[33mnot yet\x1b[0m"),
		step(phase.RecoveredWhen, "orders-back", 3, false, "exit code 1: 999 of 1000 orders"),
		step(phase.RecoveredWhen, "orders-back", 4, true, ""),
		step(phase.Rollback, "clean", 0, true, ""),
	)
)

// junitCounts is what a CI server counts in a JUnit document.
type junitCounts struct {
	tests, failures, errors, skipped int
	failedCases, skippedCases        []string
}

func TestJUnitCountsWhatCIShows(t *testing.T) {
	tests := []struct {
		name   string
		record store.Record
		want   junitCounts
	}{
		{
			name:   "a drill met after four recovered_when rounds has no failure",
			record: metAfterFourRounds,
			want:   junitCounts{tests: 6},
		},
		{
			name: "a step that never ran is skipped",
			record: drillRecord(store.VerdictFailed, `step "restore": exit code 1: restore failed`, store.RollbackNone, ordersPlanNoUndo,
				step(phase.SteadyState, "orders-before", 0, true, ""),
				step(phase.Recover, "restore", 0, false, "exit code 1: restore failed"),
			),
			want: junitCounts{tests: 4, failures: 2, skipped: 1, failedCases: []string{"restore", "verdict"}, skippedCases: []string{"orders-back"}},
		},
		{
			name: "a failed rollback fails its step and the rollback, not the verdict",
			record: drillRecord(store.VerdictMet, "recovered within the objectives", store.RollbackFailed, ordersPlan,
				step(phase.SteadyState, "orders-before", 0, true, ""),
				step(phase.Recover, "restore", 0, true, ""),
				step(phase.RecoveredWhen, "orders-back", 1, true, ""),
				step(phase.Rollback, "clean", 0, false, "exit code 1: permission denied"),
			),
			want: junitCounts{tests: 6, failures: 2, failedCases: []string{"clean", "rollback"}},
		},
		{
			name: "a skipped rollback fails exactly the rollback testcase",
			record: drillRecord(store.VerdictMet, "recovered within the objectives", store.RollbackSkipped, ordersPlan,
				step(phase.SteadyState, "orders-before", 0, true, ""),
				step(phase.Recover, "restore", 0, true, ""),
				step(phase.RecoveredWhen, "orders-back", 1, true, ""),
			),
			want: junitCounts{tests: 6, failures: 1, skipped: 1, failedCases: []string{"rollback"}, skippedCases: []string{"clean"}},
		},
		{
			name: "a drill redrill could not run is an error",
			record: drillRecord(store.VerdictFailed, "redrill failed: panic: output broke", store.RollbackNone, ordersPlanNoUndo,
				step(phase.SteadyState, "orders-before", 0, true, ""),
			),
			want: junitCounts{tests: 4, errors: 1, skipped: 2, failedCases: []string{"verdict"}, skippedCases: []string{"restore", "orders-back"}},
		},
		{
			name: "a drill whose every step passed but missed its RTO fails its verdict",
			record: drillRecord(store.VerdictMissed, "RTO 2m exceeds the objective 1m", store.RollbackNone, ordersPlanNoUndo,
				step(phase.SteadyState, "orders-before", 0, true, ""),
				step(phase.Recover, "restore", 0, true, ""),
				step(phase.RecoveredWhen, "orders-back", 1, true, ""),
			),
			want: junitCounts{tests: 4, failures: 1, failedCases: []string{"verdict"}},
		},
		{
			name: "terminal colours and form feeds in a step's output leave a document CI reads",
			record: drillRecord(store.VerdictFailed, "step \"restore\": exit code 1: \x1b[31mdisk full\x1b[0m\f", store.RollbackNone, ordersPlanNoUndo,
				step(phase.SteadyState, "orders-before", 0, true, "\x1b]0;psql\x07ok"),
				step(phase.Recover, "restore", 0, false, "exit code 1: \x1b[31mdisk full\x1b[0m\f\x00"),
			),
			want: junitCounts{tests: 4, failures: 2, skipped: 1, failedCases: []string{"restore", "verdict"}, skippedCases: []string{"orders-back"}},
		},
		{
			name:   "a drill under load that missed its downtime objective fails its verdict and skips its cancelled background step",
			record: loadedRecord(),
			want:   junitCounts{tests: 7, failures: 1, skipped: 1, failedCases: []string{"verdict"}, skippedCases: []string{"bulk-load"}},
		},
		{
			name: "a background step that failed fails its testcase",
			record: drillRecord(store.VerdictFailed, `step "reindex": exit code 1`, store.RollbackNone, planOf("recover restore", "recover reindex"),
				step(phase.Recover, "restore", 0, true, ""),
				store.Step{Phase: phase.Recover, Name: "reindex", Background: true, Message: "exit code 1"},
			),
			want: junitCounts{tests: 3, failures: 2, failedCases: []string{"reindex", "verdict"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeJUnitFile(t, []store.Record{tt.record})
			suite := readJUnit(t, path).Suites[0]
			got := junitCounts{tests: suite.Tests, failures: suite.Failures, errors: suite.Errors, skipped: suite.Skipped}
			for _, c := range suite.Testcases {
				if c.Failure != nil || c.Error != nil {
					got.failedCases = append(got.failedCases, c.Name)
				}
				if c.Skipped != nil {
					got.skippedCases = append(got.skippedCases, c.Name)
				}
			}
			if len(suite.Testcases) != suite.Tests {
				t.Errorf("tests=%d but %d testcases", suite.Tests, len(suite.Testcases))
			}
			if !equalCounts(got, tt.want) {
				t.Errorf("the document counts %+v, want %+v", got, tt.want)
			}

			junittest.WellFormed(t, path)
			dashboard := junittest.Consumer(t)(path)
			want := junittest.Counts{
				Total: tt.want.tests - tt.want.skipped, Failed: tt.want.failures, Errors: tt.want.errors, Skipped: tt.want.skipped,
				Passed: tt.want.tests - tt.want.skipped - tt.want.failures - tt.want.errors, Suites: 1,
				FailedCases: tt.want.failedCases, SkippedCases: tt.want.skippedCases,
			}
			if want.Status = "PASS"; tt.want.failures+tt.want.errors > 0 {
				want.Status = "FAIL"
			}
			if !equalDashboard(dashboard, want) {
				t.Errorf("test-results-parser counts %+v, want %+v", dashboard, want)
			}
		})
	}
}

func TestJUnitPolledCheckIsOneTestcase(t *testing.T) {
	path := writeJUnitFile(t, []store.Record{metAfterFourRounds})
	doc := readJUnit(t, path)
	suite := doc.Suites[0]
	var names []string
	for _, c := range suite.Testcases {
		names = append(names, c.Classname+" "+c.Name)
	}
	want := []string{"orders.steady_state orders-before", "orders.recover restore", "orders.recovered_when orders-back", "orders.rollback clean", "orders rollback", "orders verdict"}
	if !slices.Equal(names, want) {
		t.Errorf("testcases %q, want %q", names, want)
	}
	properties := map[string]string{}
	for _, p := range suite.Properties.Property {
		properties[p.Name] = p.Value
	}
	if properties["recovered_when.orders-back.rounds"] != "4" ||
		properties["recovered_when.orders-back.last_failure"] != "recovered_when orders-back round 3: failed in 0.003s: exit code 1: 999 of 1000 orders" {
		t.Errorf("the rounds of orders-back are not in the properties: %v", properties)
	}
	if suite.Timestamp != "2026-11-25T08:30:00" || suite.Package != "redrill" || suite.Hostname != "ci-runner-7" {
		t.Errorf("suite timestamp %q, package %q, hostname %q", suite.Timestamp, suite.Package, suite.Hostname)
	}
	if orders := suite.Testcases[2]; orders.Time != "0.033" {
		t.Errorf("orders-back took %s, want its rounds' span 0.033", orders.Time)
	}
}

func TestJUnitFailedPolledCheckSaysItsRounds(t *testing.T) {
	record := drillRecord(store.VerdictFailed, "recovered_when timed out", store.RollbackNone, ordersPlanNoUndo,
		step(phase.SteadyState, "orders-before", 0, true, ""),
		step(phase.Recover, "restore", 0, true, ""),
		step(phase.RecoveredWhen, "orders-back", 1, false, "exit code 1: \x1b[33mnot yet\x1b[0m"),
		store.Step{Phase: phase.RecoveredWhen, Name: "orders-back", Round: 2, Attempts: 3, Message: "exit code 1: 999 of 1000 orders"},
	)
	failure := readJUnit(t, writeJUnitFile(t, []store.Record{record})).Suites[0].Testcases[2].Failure
	if failure == nil || failure.Message != "round 2 of 2: exit code 1: 999 of 1000 orders (3 attempts)" || failure.Type != "command" {
		t.Fatalf("failure of orders-back = %+v", failure)
	}
	wantText := "recovered_when orders-back round 1: failed in 0.003s: exit code 1: not yet\n" +
		"recovered_when orders-back round 2: failed in 0.003s after 3 attempts: exit code 1: 999 of 1000 orders\n"
	if failure.Text != wantText {
		t.Errorf("failure text %q, want %q", failure.Text, wantText)
	}
}

func TestJUnitStripsTerminalEscapes(t *testing.T) {
	record := drillRecord(store.VerdictFailed, "step \"restore\": exit code 1: \x1b[31mdisk full\x1b[0m", store.RollbackNone, planOf("recover restore"),
		step(phase.Recover, "restore", 0, false, "exit code 1: \x1b[31mdisk full\x1b[0m\f\x00"),
	)
	content, err := os.ReadFile(writeJUnitFile(t, []store.Record{record}))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.ContainsAny(content, "\x1b\f\x00") {
		t.Errorf("the document holds control characters:\n%q", content)
	}
	failure := readJUnit(t, writeJUnitFile(t, []store.Record{record})).Suites[0].Testcases[0].Failure
	if failure == nil || failure.Message != "exit code 1: disk full\uFFFD\uFFFD" {
		t.Errorf("failure = %+v", failure)
	}
}

func TestJUnitDocument(t *testing.T) {
	interrupted := drillRecord(store.VerdictFailed, "redrill failed: panic: output broke", store.RollbackSkipped, ordersPlan,
		step(phase.SteadyState, "orders-before", 0, true, ""),
	)
	interrupted.ID, interrupted.Scenario, interrupted.Host = "run-2", "api-failover", ""
	var out bytes.Buffer
	if err := WriteJUnit(&out, []store.Record{metAfterFourRounds, interrupted}); err != nil {
		t.Fatal(err)
	}
	golden(t, "junit.xml", out.Bytes())
}

func TestJUnitOfNoRuns(t *testing.T) {
	path := writeJUnitFile(t, nil)
	junittest.WellFormed(t, path)
	if doc := readJUnit(t, path); len(doc.Suites) != 0 {
		t.Errorf("suites %+v", doc.Suites)
	}
}

func writeJUnitFile(t *testing.T, records []store.Record) string {
	t.Helper()
	var out bytes.Buffer
	if err := WriteJUnit(&out, records); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "junit.xml")
	if err := os.WriteFile(path, out.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// readJUnit reads the document back as a CI server's parser would.
func readJUnit(t *testing.T, path string) junitSuites {
	t.Helper()
	content, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc junitSuites
	if err := xml.Unmarshal(content, &doc); err != nil {
		t.Fatalf("not XML: %v\n%s", err, content)
	}
	return doc
}

func equalCounts(a, b junitCounts) bool {
	return a.tests == b.tests && a.failures == b.failures && a.errors == b.errors && a.skipped == b.skipped &&
		slices.Equal(a.failedCases, b.failedCases) && slices.Equal(a.skippedCases, b.skippedCases)
}

func equalDashboard(a, b junittest.Counts) bool {
	return a.Total == b.Total && a.Passed == b.Passed && a.Failed == b.Failed && a.Errors == b.Errors &&
		a.Skipped == b.Skipped && a.Status == b.Status && a.Suites == b.Suites &&
		slices.Equal(a.FailedCases, b.FailedCases) && slices.Equal(a.SkippedCases, b.SkippedCases)
}

// What a drill's workloads measured are properties of its suite, beside
// the RTO; a cancelled step is skipped with why, and the document reads
// as its golden file.
func TestJUnitOfADrillUnderLoad(t *testing.T) {
	path := writeJUnitFile(t, []store.Record{loadedRecord()})
	suite := readJUnit(t, path).Suites[0]
	properties := map[string]string{}
	for _, p := range suite.Properties.Property {
		properties[p.Name] = p.Value
	}
	for name, want := range map[string]string{
		"objective_downtime_seconds":             "10.000",
		"objective_lost_writes":                  "0",
		"client_downtime_seconds":                "12.300",
		"lost_writes":                            "3",
		"workload.writer.attempts":               "1204",
		"workload.writer.failed":                 "37",
		"workload.writer.longest_outage_seconds": "12.300",
		"workload.writer.latency_p99_seconds":    "0.041",
		"workload.writer.acknowledged_writes":    "1167",
		"workload.writer.lost_writes":            "3",
		"workload.writer.lost_before_clock":      "2",
		"workload.writer.lost_after_clock":       "1",
		"workload.writer.last_error":             "dial tcp 10.0.0.5:5432: connect: connection refused",
		"workload.reader.skipped":                "2",
		"workload.reader.longest_outage_seconds": "2.100",
	} {
		if got, ok := properties[name]; !ok || got != want {
			t.Errorf("property %s = %q (present %v), want %q", name, got, ok, want)
		}
	}
	if _, ok := properties["workload.reader.lost_writes"]; ok {
		t.Errorf("the reader was not verified, yet has lost_writes %q", properties["workload.reader.lost_writes"])
	}
	bulk := suite.Testcases[1]
	if bulk.Name != "bulk-load" || bulk.Skipped == nil || bulk.Skipped.Message != "cancelled: still running when the drill ended" || bulk.Failure != nil {
		t.Errorf("the cancelled bulk-load is %+v, want skipped as cancelled", bulk)
	}
	content, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "junit-loaded.xml", content)
}
