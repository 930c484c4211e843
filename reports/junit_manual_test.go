package reports

import (
	"os"
	"testing"
	"time"

	"github.com/redrill/redrill/internal/junittest"
	"github.com/redrill/redrill/scenarios/phase"
	"github.com/redrill/redrill/store"
)

// A drill's time waiting for people and its manual steps' answers are
// properties of its suite; a skipped manual step is a skipped testcase.
func TestJUnitOfManualSteps(t *testing.T) {
	answeredAt := time.Date(2026, 11, 25, 8, 40, 0, 0, time.UTC)
	promote := step(phase.Recover, "promote", 0, true, "")
	promote.Kind, promote.Duration = store.KindManual, 4*time.Minute
	promote.Manual = &store.Manual{Instructions: "Promote the replica", Timeout: 30 * time.Minute,
		Answer: &store.Answer{Outcome: store.AnswerDone, By: "ana@laptop", Note: "lag 0", At: answeredAt}}
	dns := step(phase.Recover, "switch-dns", 0, true, "")
	dns.Kind = store.KindManual
	dns.Manual = &store.Manual{Instructions: "Switch DNS", Timeout: 30 * time.Minute,
		Answer: &store.Answer{Outcome: store.AnswerSkipped, By: "ci@runner", Note: "answered by run --yes", At: answeredAt, Automatic: true}}
	record := drillRecord(store.VerdictMet, "recovered within the objectives", store.RollbackNone,
		append(planOf("steady_state orders-before"), store.PlanStep{Phase: phase.Recover, Name: "promote", Kind: store.KindManual},
			store.PlanStep{Phase: phase.Recover, Name: "switch-dns", Kind: store.KindManual}),
		step(phase.SteadyState, "orders-before", 0, true, ""), promote, dns)
	record.EndedAt = record.StartedAt.Add(5 * time.Minute)
	record.HumanTime = store.HumanTimeOf(record.Steps)

	path := writeJUnitFile(t, []store.Record{record})
	junittest.WellFormed(t, path)
	suite := readJUnit(t, path).Suites[0]
	properties := map[string]string{}
	for _, p := range suite.Properties.Property {
		properties[p.Name] = p.Value
	}
	for name, want := range map[string]string{
		"human_seconds":                "240.003",
		"machine_seconds":              "59.997",
		"recover.promote.answer":       "done",
		"recover.promote.answered_by":  "ana@laptop",
		"recover.promote.answered_at":  "2026-11-25T08:40:00Z",
		"recover.promote.note":         "lag 0",
		"recover.switch-dns.answer":    "skipped",
		"recover.switch-dns.automatic": "true",
	} {
		if got, ok := properties[name]; !ok || got != want {
			t.Errorf("property %s = %q (present %v), want %q", name, got, ok, want)
		}
	}
	if _, ok := properties["recover.promote.automatic"]; ok {
		t.Error("a person's answer is marked automatic")
	}
	skipped := suite.Testcases[2]
	if skipped.Name != "switch-dns" || skipped.Skipped == nil || skipped.Skipped.Message != "skipped by ci@runner: answered by run --yes" {
		t.Errorf("the skipped manual step is %+v", skipped)
	}
	content, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "junit-manual.xml", content)
}
