package reports

import (
	"fmt"
	"io"
	"time"

	"github.com/jstemmer/go-junit-report/v2/junit"

	"github.com/redrill/redrill/store"
)

// WriteJUnit writes runs as JUnit XML for CI systems: one testsuite per
// run, one testcase per step or check round, and a last testcase, the
// verdict, which fails unless the drill met its objectives — a drill whose
// every step passed can still have missed its RTO.
func WriteJUnit(w io.Writer, records []store.Record) error {
	suites := junit.Testsuites{Name: "redrill"}
	for i, r := range records {
		suite := junit.Testsuite{
			Name: r.Scenario, ID: i, Hostname: r.Host,
			Time: junitSeconds(r.EndedAt.Sub(r.StartedAt)),
		}
		suite.SetTimestamp(r.StartedAt)
		suite.AddProperty("run_id", r.ID)
		suite.AddProperty("verdict", r.Verdict)
		if r.RTO != nil {
			suite.AddProperty("rto_seconds", fmt.Sprintf("%.3f", r.RTO.Seconds()))
		}
		if r.RPO != nil {
			suite.AddProperty("rpo_seconds", fmt.Sprintf("%.3f", r.RPO.Seconds()))
		}
		for _, s := range r.Steps {
			name := s.Name
			if s.Round > 0 {
				name = fmt.Sprintf("%s (round %d)", s.Name, s.Round)
			}
			testcase := junit.Testcase{Name: name, Classname: r.Scenario + "." + string(s.Phase), Time: junitSeconds(s.Duration)}
			if !s.Passed {
				testcase.Failure = &junit.Result{Message: s.Message, Type: s.Kind, Data: s.Message}
			}
			suite.AddTestcase(testcase)
		}
		verdict := junit.Testcase{Name: "verdict", Classname: r.Scenario, Time: junitSeconds(0)}
		if r.Verdict != store.VerdictMet {
			verdict.Failure = &junit.Result{Message: r.Verdict + ": " + r.Reason, Type: r.Verdict, Data: Summary(r)}
		}
		suite.AddTestcase(verdict)
		suites.AddSuite(suite)
	}
	return suites.WriteXML(w)
}

// junitSeconds writes a duration as JUnit does: seconds with milliseconds.
func junitSeconds(d time.Duration) string {
	return fmt.Sprintf("%.3f", d.Seconds())
}
