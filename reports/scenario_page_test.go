package reports

import (
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/redrill/redrill/store"
)

// manyScenarios is a store of n scenarios with three met runs each, the
// newest of every scenario an hour before now.
func manyScenarios(t *testing.T, n int) store.Store {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	history, err := store.Open(ctx, filepath.Join(dir, "h.db"), store.Options{SpoolDir: dir, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { history.Close() })
	objective := 30 * time.Minute
	for i := range n {
		scenario := fmt.Sprintf("restore-%02d", i)
		for day := range 3 {
			id := fmt.Sprintf("%s-run-%d", scenario, day)
			started := now.Add(-time.Hour - time.Duration(2-day)*24*time.Hour)
			rto := time.Duration(8+i%15+day) * time.Minute
			if err := history.StartRun(ctx, store.Run{ID: id, Scenario: scenario, ScenarioHash: "h", Trigger: store.TriggerSchedule, StartedAt: started, HeartbeatAt: started, ObjectiveRTO: &objective}); err != nil {
				t.Fatal(err)
			}
			finish := store.Finish{EndedAt: started.Add(rto), ClockStart: started, ClockStop: started.Add(rto), RTO: &rto, Verdict: store.VerdictMet, Rollback: store.RollbackPassed}
			if err := history.FinishRun(ctx, id, finish); err != nil {
				t.Fatal(err)
			}
		}
	}
	return history
}

// Past 25 scenarios the front page is their table, each name linking to
// the scenario's own page, which has its chart and its runs, each linking
// to the run's page; the links are relative and lead where they say.
func TestFrontPageOfManyScenariosLinksTheirOwnPages(t *testing.T) {
	for _, tc := range []struct {
		scenarios int
		sections  bool
	}{{dashboardSections, true}, {dashboardSections + 1, false}} {
		t.Run(fmt.Sprintf("%d scenarios", tc.scenarios), func(t *testing.T) {
			server := httptest.NewServer(Handler(manyScenarios(t, tc.scenarios), HandlerOptions{Now: func() time.Time { return now }}))
			defer server.Close()
			front := getPage(t, server.URL+"/")
			if got := strings.Count(front, `<section class="scenario"`); tc.sections && got != tc.scenarios || !tc.sections && got != 0 {
				t.Fatalf("the front page has %d scenario sections with %d scenarios", got, tc.scenarios)
			}
			if tc.sections {
				return
			}
			if !strings.Contains(front, "26 scenarios: each one's chart") {
				t.Error("the front page does not say where the scenarios' charts are")
			}
			link := regexp.MustCompile(`<a href="(scenarios/restore-07)">restore-07</a>`).FindStringSubmatch(front)
			if link == nil {
				t.Fatal("the front page does not link restore-07's page")
			}
			pageURL := resolve(t, server.URL+"/", link[1])
			page := getPage(t, pageURL)
			for _, want := range []string{"<h1>restore-07: Recovery-time report</h1>", `<section class="scenario" id="scenario-restore-07">`, `class="rto-chart wide"`, `<a href="../">← All scenarios</a>`} {
				if !strings.Contains(page, want) {
					t.Errorf("restore-07's page lacks %s", want)
				}
			}
			if strings.Contains(page, "restore-08") {
				t.Error("restore-07's page shows another scenario")
			}
			runs := regexp.MustCompile(`<a href="(\.\./runs/restore-07-run-\d)">`).FindAllStringSubmatch(page, -1)
			if len(runs) == 0 {
				t.Fatal("restore-07's page links none of its runs")
			}
			for _, run := range runs {
				if got := getPage(t, resolve(t, pageURL, run[1])); !strings.Contains(got, "restore-07") {
					t.Errorf("%s does not lead to restore-07's run", run[1])
				}
			}
			// A page's window holds on the pages it links.
			narrowed := getPage(t, server.URL+"/?since=30d")
			if !strings.Contains(narrowed, `<a href="scenarios/restore-07?since=30d">restore-07</a>`) {
				t.Error("the front page of ?since=30d does not keep its window in the scenario's link")
			}
			if page := getPage(t, server.URL+"/scenarios/restore-07?since=30d"); !strings.Contains(page, `<a href="../?since=30d">← All scenarios</a>`) {
				t.Error("a scenario's page of ?since=30d does not keep its window in the link back")
			}
			resp, err := http.Get(server.URL + "/scenarios/no-such-drill")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusNotFound {
				t.Errorf("the page of a scenario that never ran answers %d, want 404", resp.StatusCode)
			}
		})
	}
}

// A page asked with gzip comes gzipped, and reads as the page asked
// without it.
func TestPagesComeGzippedToClientsThatTakeIt(t *testing.T) {
	server := httptest.NewServer(Handler(manyScenarios(t, 3), HandlerOptions{Now: func() time.Time { return now }}))
	defer server.Close()
	for _, path := range []string{"/", "/scenarios/restore-01", "/api/report", "/metrics"} {
		plain := getPage(t, server.URL+path)
		request, err := http.NewRequest(http.MethodGet, server.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		request.Header.Set("Accept-Encoding", "gzip")
		resp, err := (&http.Transport{DisableCompression: true}).RoundTrip(request)
		if err != nil {
			t.Fatal(err)
		}
		if got := resp.Header.Get("Content-Encoding"); got != "gzip" {
			t.Errorf("%s with Accept-Encoding gzip: Content-Encoding %q", path, got)
			resp.Body.Close()
			continue
		}
		reader, err := gzip.NewReader(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		unzipped, err := io.ReadAll(reader)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if path != "/metrics" && string(unzipped) != plain {
			t.Errorf("%s gzipped reads %d bytes, not the %d of the page without gzip", path, len(unzipped), len(plain))
		}
	}
}

func resolve(t *testing.T, base, ref string) string {
	t.Helper()
	from, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	to, err := url.Parse(ref)
	if err != nil {
		t.Fatal(err)
	}
	return from.ResolveReference(to).String()
}

func getPage(t *testing.T, url string) string {
	t.Helper()
	request, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	request.Header.Set("Accept", "text/html")
	resp, err := http.DefaultClient.Do(request)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %v\n%s", url, resp.StatusCode, err, body)
	}
	return string(body)
}
