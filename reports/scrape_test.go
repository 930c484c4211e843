package reports

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"google.golang.org/protobuf/proto"

	"github.com/redrill/redrill/store"
)

// The exposition written from pieces is, scrape after scrape, the one
// the client library's registry writes of the same series: each family
// once with its help and type, every series, and nothing left of a
// scenario that is gone.
func TestScrapeFromPiecesIsTheRegistrysExposition(t *testing.T) {
	scenario := func(name string, rto float64) samples {
		var out samples
		out.add(metricLastRun, 1_764_000_000, name)
		out.add(metricRTO, rto, name)
		out.add(metricRuns, 3, name, "met")
		out.add(metricRuns, 1, name, "failed")
		out.add(metricRunsTotal, 12, name, "met")
		// Owners that sort unlike the scenarios: the registry orders
		// this family by owner first, the pieces by scenario.
		out.add(metricInfo, 1, name, map[string]string{"orders": "alpha", "billing": "zeta", "auth": "mid", "catalog": "beta"}[name], "0 3 * * *", "UTC")
		return out
	}
	own := func(up float64) samples {
		var out samples
		out.add(metricBuildInfo, 1, "v1.2.3", "abc1234", "2026-12-01T15:00:00Z", "go1.26")
		out.add(metricUp, up)
		return out
	}
	var runners runnerFamilies
	rounds := []struct {
		name   string
		series samples
	}{
		{"first scrape", slices.Concat(own(1), scenario("orders", 60), scenario("billing", 90), scenario("auth", 30))},
		{"the same again", slices.Concat(own(1), scenario("orders", 60), scenario("billing", 90), scenario("auth", 30))},
		{"one scenario changed", slices.Concat(own(1), scenario("orders", 75), scenario("billing", 90), scenario("auth", 30))},
		{"one gone, one new, one series more", func() samples {
			out := slices.Concat(own(1), scenario("orders", 75), scenario("catalog", 45))
			out.add(metricRPO, 5, "orders")
			return out
		}()},
		{"a runner", slices.Concat(own(1), scenario("orders", 75), runners.samples([]RunnerStatus{{Runner: runnerNamed("eu-1", map[string]string{"site": "eu"}), State: store.RunnerUp}}))},
		{"the store down", own(0)},
	}
	text := newScrapeText()
	for _, round := range rounds {
		t.Run(round.name, func(t *testing.T) {
			body, err := text.write(round.series, false)
			if err != nil {
				t.Fatal(err)
			}
			got := parseFamilies(t, body)
			want := registryExposition(t, round.series)
			if !slices.Equal(sortedKeys(got), sortedKeys(want)) {
				t.Fatalf("families %v, the registry writes %v\n%s", sortedKeys(got), sortedKeys(want), body)
			}
			for name, family := range want {
				// The same series, in any order within the family.
				slices.SortFunc(family.Metric, compareLabelPairs)
				slices.SortFunc(got[name].Metric, compareLabelPairs)
				if !proto.Equal(got[name], family) {
					t.Errorf("family %s:\n%v\nthe registry writes\n%v", name, got[name], family)
				}
			}
			compressed, err := text.write(round.series, true)
			if err != nil {
				t.Fatal(err)
			}
			reader, err := gzip.NewReader(bytes.NewReader(compressed))
			if err != nil {
				t.Fatal(err)
			}
			plain, err := io.ReadAll(reader)
			if err != nil || !bytes.Equal(plain, body) {
				t.Errorf("the gzipped scrape reads %d bytes (%v), not the %d of the plain one", len(plain), err, len(body))
			}
		})
	}
}

// Two series that differ only by value are rewritten; a family of the
// same series read again is not (the piece is kept).
func TestScrapeKeepsThePiecesOfScenariosThatDidNotChange(t *testing.T) {
	text := newScrapeText()
	var first samples
	for i := range 3 {
		first.add(metricRTO, float64(i), fmt.Sprintf("s%d", i))
	}
	if _, err := text.write(first, false); err != nil {
		t.Fatal(err)
	}
	kept := text.pieces["s0"]
	second := slices.Clone(first)
	second[2].value = 99
	if _, err := text.write(second, false); err != nil {
		t.Fatal(err)
	}
	if text.pieces["s0"] != kept {
		t.Error("the piece of s0 was written again, though its series read the same")
	}
	if got := string(text.pieces["s2"].lines[metricRTO.name]); got != "redrill_last_rto_seconds{scenario=\"s2\"} 99\n" {
		t.Errorf("s2 reads %q after its value changed", got)
	}
}

func compareLabelPairs(a, b *dto.Metric) int {
	return slices.CompareFunc(a.Label, b.Label, func(x, y *dto.LabelPair) int {
		return strings.Compare(x.GetName()+"\x00"+x.GetValue(), y.GetName()+"\x00"+y.GetValue())
	})
}

// A series collected twice is refused, as the registry refused it, and a
// scrape that failed leaves no body for the next one to serve: it writes
// the exposition again.
func TestScrapeRefusesDuplicatesAndWritesAgainAfterAFailure(t *testing.T) {
	text := newScrapeText()
	var twice samples
	twice.add(metricRTO, 1, "orders")
	twice.add(metricRTO, 2, "orders")
	if _, err := text.write(twice, false); err == nil || !strings.Contains(err.Error(), "redrill_last_rto_seconds collected twice") {
		t.Errorf("a series collected twice: error %v", err)
	}
	var good samples
	good.add(metricRTO, 1, "a")
	good.add(metricRTO, 1, "b")
	if _, err := text.write(good, false); err != nil {
		t.Fatal(err)
	}
	var bad samples
	bad.add(metricRTO, 2, "a")
	bad.add(metricRTO, 1, "b")
	bad.add(metricRTO, 3, "b")
	if _, err := text.write(bad, false); err == nil {
		t.Fatal("a scrape with a series collected twice did not fail")
	}
	var fixed samples
	fixed.add(metricRTO, 2, "a")
	fixed.add(metricRTO, 1, "b")
	body, err := text.write(fixed, false)
	if err != nil {
		t.Fatal(err)
	}
	if got := parseExpositionText(t, body); got[`redrill_last_rto_seconds{scenario="a"}`] != 2 {
		t.Errorf("after a failed scrape, a reads %v, want 2:\n%s", got[`redrill_last_rto_seconds{scenario="a"}`], body)
	}
}

func parseExpositionText(t *testing.T, body []byte) exposition {
	t.Helper()
	return parseExposition(t, string(body))
}

func TestAcceptsGzip(t *testing.T) {
	for header, want := range map[string]bool{
		"": false, "gzip": true, "deflate, gzip;q=0.5": true, "gzip;q=0": false, "identity": false, "GZIP": true, "br, gzip ; q=0.8": true,
	} {
		if got := acceptsGzip(header); got != want {
			t.Errorf("Accept-Encoding %q: gzip %v, want %v", header, got, want)
		}
	}
}

func runnerNamed(name string, labels map[string]string) store.Runner {
	return store.Runner{Name: name, Labels: labels, Version: "v1.2.3"}
}

// registryExposition is what client_golang's registry writes of series.
func registryExposition(t *testing.T, series samples) map[string]*dto.MetricFamily {
	t.Helper()
	registry := prometheus.NewPedanticRegistry()
	registry.MustRegister(collectorOf(series))
	families, err := registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var text bytes.Buffer
	for _, family := range families {
		if _, err := expfmt.MetricFamilyToText(&text, family); err != nil {
			t.Fatal(err)
		}
	}
	return parseFamilies(t, text.Bytes())
}

// collectorOf collects series as const metrics, unchecked.
type collectorOf samples

func (collectorOf) Describe(chan<- *prometheus.Desc) {}
func (c collectorOf) Collect(ch chan<- prometheus.Metric) {
	for _, s := range c {
		ch <- prometheus.MustNewConstMetric(s.family.desc, s.family.kind, s.value, s.labels...)
	}
}

func parseFamilies(t *testing.T, text []byte) map[string]*dto.MetricFamily {
	t.Helper()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(bytes.NewReader(text))
	if err != nil {
		t.Fatalf("the exposition does not parse: %v\n%s", err, text)
	}
	return families
}

func sortedKeys[V any](m map[string]V) []string {
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Scrape after scrape of one dashboard, each sees the runs written
// before it: the pieces kept never hide a drill that finished, and the
// totals are read again once a run was written.
func TestScrapesSeeEveryRunWrittenBeforeThem(t *testing.T) {
	dir := t.TempDir()
	history, err := store.Open(context.Background(), filepath.Join(dir, "history.db"), store.Options{SpoolDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { history.Close() })
	server := httptest.NewServer(Handler(history, HandlerOptions{}))
	defer server.Close()
	now := time.Now().Truncate(time.Second)
	for round := 1; round <= 4; round++ {
		id := fmt.Sprintf("orders-%d", round)
		started := now.Add(time.Duration(round-5) * time.Hour)
		if err := history.StartRun(context.Background(), store.Run{ID: id, Scenario: "orders", ScenarioHash: "h", Trigger: store.TriggerSchedule, StartedAt: started, HeartbeatAt: started}); err != nil {
			t.Fatal(err)
		}
		running := parseExposition(t, scrapeBody(t, server.URL))
		if got := running[`redrill_runs{scenario="orders",verdict="running"}`]; got != 1 {
			t.Errorf("round %d, the drill under way: redrill_runs running %v, want 1", round, got)
		}
		rto := time.Duration(round) * time.Minute
		if err := history.FinishRun(context.Background(), id, store.Finish{EndedAt: started.Add(rto), ClockStart: started, ClockStop: started.Add(rto), RTO: &rto, Verdict: store.VerdictMet, Rollback: store.RollbackPassed}); err != nil {
			t.Fatal(err)
		}
		finished := parseExposition(t, scrapeBody(t, server.URL))
		for series, want := range map[string]float64{
			`redrill_runs_total{scenario="orders",verdict="met"}`: float64(round),
			`redrill_last_rto_seconds{scenario="orders"}`:         rto.Seconds(),
			`redrill_runs{scenario="orders",verdict="running"}`:   0,
		} {
			if got, ok := finished[series]; !ok || got != want {
				t.Errorf("round %d, after the drill finished: %s = %v (exported %v), want %v", round, series, got, ok, want)
			}
		}
	}
}

func scrapeBody(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: %d %v", resp.StatusCode, err)
	}
	if got := resp.Header.Get("Content-Type"); !strings.HasPrefix(got, "text/plain; version=0.0.4") {
		t.Errorf("Content-Type %q: Prometheus reads text/plain; version=0.0.4", got)
	}
	return string(body)
}

// The collector writes each scenario's series in one order, so that a
// scrape of an unchanged store writes no piece again, and a scrape after
// one drill finished writes that drill's scenario only.
func TestScrapeOfAnUnchangedStoreWritesNothingAgain(t *testing.T) {
	history := manyScenarios(t, 30)
	clock := now
	opts := HandlerOptions{Now: func() time.Time { return clock }, Scheduled: func() []ScheduledScenario {
		return []ScheduledScenario{
			{Scenario: "restore-03", Owner: "team-a", Schedule: "0 3 * * *", Timezone: "UTC", NextRun: now.Add(time.Hour), Interval: 24 * time.Hour},
			{Scenario: "never-ran", Owner: "team-b", Schedule: "0 4 * * *", Timezone: "UTC", NextRun: now.Add(2 * time.Hour), Interval: 24 * time.Hour},
		}
	}}
	collector := newCollector(history, NewSummaries(history, DefaultWindow), opts)
	text := newScrapeText()
	scrape := func() int {
		t.Helper()
		before := text.rewritten
		if _, err := text.write(collector.collect(context.Background()), true); err != nil {
			t.Fatal(err)
		}
		return text.rewritten - before
	}
	if got := scrape(); got != 32 {
		t.Fatalf("the first scrape wrote %d pieces, want 32 (30 scenarios, one never run, redrill's own)", got)
	}
	for range 3 {
		if got := scrape(); got != 0 {
			t.Errorf("a scrape of the same store wrote %d pieces again, want 0", got)
		}
	}
	rto := 12 * time.Minute
	started := now.Add(-30 * time.Minute)
	if err := history.StartRun(context.Background(), store.Run{ID: "restore-07-new", Scenario: "restore-07", ScenarioHash: "h", Trigger: store.TriggerSchedule, StartedAt: started, HeartbeatAt: started}); err != nil {
		t.Fatal(err)
	}
	if err := history.FinishRun(context.Background(), "restore-07-new", store.Finish{EndedAt: started.Add(rto), ClockStart: started, ClockStop: started.Add(rto), RTO: &rto, Verdict: store.VerdictMet, Rollback: store.RollbackPassed}); err != nil {
		t.Fatal(err)
	}
	if got := scrape(); got != 1 {
		t.Errorf("a scrape after one drill finished wrote %d pieces, want 1 (its scenario)", got)
	}
}
