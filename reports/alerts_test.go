package reports

import (
	"os"
	"os/exec"
	"regexp"
	"slices"
	"testing"
)

// The alerting rules shipped in docs/alerts.yml are valid and pass their
// tests (docs/alerts_test.yml): missed then failed keeps firing, met again
// resolves, a scheduled scenario that never ran fires.
func TestAlertRules(t *testing.T) {
	promtool := promtool(t)
	for _, args := range [][]string{
		{"check", "rules", "alerts.yml"},
		{"test", "rules", "alerts_test.yml"},
	} {
		cmd := exec.Command(promtool, args...)
		cmd.Dir = "../docs"
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Errorf("promtool %v: %v\n%s", args, err, out)
		}
	}
}

// Every redrill series the rules read is one /metrics exports: a renamed
// metric would silence its alert.
func TestAlertRulesReadExportedMetrics(t *testing.T) {
	rules, err := os.ReadFile("../docs/alerts.yml")
	if err != nil {
		t.Fatal(err)
	}
	exported := map[string]bool{}
	for _, f := range slices.Concat(collectorFamilies, workloadFamilies, measureFamilies) {
		exported[f.name] = true
	}
	// Its label names depend on the runners: not a fixed descriptor.
	exported[metricRunnerUp] = true
	used := regexp.MustCompile(`\bredrill_[a-z_]+`).FindAllString(string(rules), -1)
	if len(used) == 0 {
		t.Fatal("docs/alerts.yml reads no redrill series")
	}
	for _, name := range used {
		if !exported[name] {
			t.Errorf("docs/alerts.yml reads %s, which /metrics does not export", name)
		}
	}
}
