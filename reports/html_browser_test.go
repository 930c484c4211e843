package reports

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/redrill/redrill/store"
)

// The HTML report opened in a real headless Chromium: the charts render
// with a size, and the page requests nothing beyond itself.
func TestHTMLReportInChromium(t *testing.T) {
	report, err := Build(context.Background(), history(t), Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	page := writePage(t, dir, report)

	ctx := chromium(t, dir)

	var mu sync.Mutex
	var requests []string
	if err := chromedp.Listen(ctx, func(event any) {
		if e, ok := event.(*network.EventRequestWillBeSent); ok {
			mu.Lock()
			requests = append(requests, e.Request.URL)
			mu.Unlock()
		}
	}); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate("file://"+page), chromedp.WaitVisible(chromedp.CSS("svg.rto-chart"))); err != nil {
		t.Fatal(err)
	}
	chartAreas, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](`Array.from(document.querySelectorAll("svg.rto-chart.wide")).map(svg => { const r = svg.getBoundingClientRect(); return r.width * r.height; })`))
	if err != nil {
		t.Fatal(err)
	}
	screenshot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	if len(chartAreas) != len(report.Scenarios) {
		t.Errorf("%d charts rendered, want one per scenario (%d)", len(chartAreas), len(report.Scenarios))
	}
	for i, area := range chartAreas {
		if area <= 0 {
			t.Errorf("chart %d has no size", i)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	for _, url := range requests {
		if !strings.HasPrefix(url, "file://") && !strings.HasPrefix(url, "data:") {
			t.Errorf("the report requested %s", url)
		}
	}
	shot := filepath.Join(dir, "report.png")
	if err := os.WriteFile(shot, screenshot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", shot)
}

// chromium starts a headless Chromium for the test, with a profile in
// dir; without Chromium the test is skipped, except under CI=true.
func chromium(t *testing.T, dir string) context.Context {
	t.Helper()
	browser := ""
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if path, err := exec.LookPath(name); err == nil {
			browser = path
			break
		}
	}
	if browser == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("Chromium is not installed and CI=true (.ci/run installs the chromium package)")
		}
		t.Skip("Chromium is not installed (apt-get install chromium); skipping the browser test")
	}

	options := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(browser),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.UserDataDir(filepath.Join(dir, "profile")),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
	)
	allocator, cancelAllocator := chromedp.NewExecAllocator(context.Background(), options...)
	t.Cleanup(cancelAllocator)
	// No timeout on this context: chromedp stops the browser with it. The
	// test's own -timeout bounds a browser that hangs.
	ctx, cancel := chromedp.NewContext(allocator)
	t.Cleanup(cancel)

	return ctx
}

// Terminal escape sequences and control characters that a check printed
// reach no page as boxes or stray "[31m": the page Chromium renders, and
// the Markdown, hold the text without them.
func TestControlCharactersInPagesAndMarkdown(t *testing.T) {
	dir := t.TempDir()
	history, err := store.Open(context.Background(), filepath.Join(dir, "h.db"), store.Options{SpoolDir: dir, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { history.Close() })
	started := now.Add(-time.Hour)
	noisy := "restore failed: \x1b[31mERROR\x1b[0m disk\ffull \x1b]0;owned\x07done"
	if err := history.StartRun(context.Background(), store.Run{ID: "noisy-1", Scenario: "noisy", ScenarioHash: "h", Trigger: store.TriggerOnDemand,
		Host: "runner-1", PID: 1, StartedAt: started, Postmortems: []store.Postmortem{{Title: "Disk \x1b[1mfull\x1b[0m", Finding: "no\falert"}}}); err != nil {
		t.Fatal(err)
	}
	if err := history.FinishRun(context.Background(), "noisy-1", store.Finish{EndedAt: started.Add(time.Minute), Verdict: store.VerdictFailed, Reason: noisy}); err != nil {
		t.Fatal(err)
	}
	report, err := Build(context.Background(), history, Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	var md bytes.Buffer
	if err := WriteMarkdown(&md, report); err != nil {
		t.Fatal(err)
	}
	page := writePage(t, dir, report)
	ctx := chromium(t, dir)
	if err := chromedp.Do(ctx, chromedp.Navigate("file://"+page)); err != nil {
		t.Fatal(err)
	}
	shown, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText`))
	if err != nil {
		t.Fatal(err)
	}
	for name, text := range map[string]string{"page": shown, "markdown": md.String()} {
		// A lone control character reads as U+FFFD; a sequence is gone.
		if strings.ContainsAny(text, "\x1b\x07\f") || strings.Contains(text, "[31m") || strings.Contains(text, "owned") {
			t.Errorf("the %s shows control characters or escape sequences:\n%q", name, text)
		}
		if !strings.Contains(text, "ERROR") || !strings.Contains(text, "full") {
			t.Errorf("the %s lost the text around the escapes:\n%q", name, text)
		}
	}
}

// writePage writes the report's HTML to dir and returns its path.
func writePage(t *testing.T, dir string, report Report) string {
	t.Helper()
	var page bytes.Buffer
	if err := WriteHTML(&page, report); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "report.html")
	if err := os.WriteFile(path, page.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

var screenshots = flag.String("screenshots", "", "keep the browser tests' screenshots in this folder")

// The HTML report of drills under load in Chromium at a phone's width
// (390 px): the load tables fit the screen, and they make the page no
// wider than it is without them. Screenshots at 390 px and 1280 px.
func TestHTMLReportUnderLoadInChromium(t *testing.T) {
	dir := t.TempDir()
	ctx := chromium(t, dir)
	report, err := Build(context.Background(), loadedHistory(t), Options{Now: now})
	mustDo(t, err)
	// The same report with no scenario under load: the main table, which
	// a phone scrolls already, is then as wide as with workloads.
	unloaded := report
	unloaded.Scenarios = slices.Clone(report.Scenarios)
	for i := range unloaded.Scenarios {
		unloaded.Scenarios[i].Load = nil
	}
	measure := func(name string, report Report, width int64) []float64 {
		t.Helper()
		pageDir := filepath.Join(dir, name)
		mustDo(t, os.MkdirAll(pageDir, 0o700))
		page := writePage(t, pageDir, report)
		mustDo(t, chromedp.Do(ctx, chromedp.EmulateViewport(width, 844), chromedp.Navigate("file://"+page)))
		// The page's width, where the body's content ends, then where each
		// load table ends.
		sizes, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](`[document.documentElement.scrollWidth,
			document.body.getBoundingClientRect().right - parseFloat(getComputedStyle(document.body).paddingRight),
			...Array.from(document.querySelectorAll("table.load, table.load-detail")).map(t => t.getBoundingClientRect().right)]`))
		mustDo(t, err)
		keepScreenshot(t, ctx, fmt.Sprintf("report-%s-%d.png", name, width))
		return sizes
	}
	without := measure("without-load", unloaded, 390)
	loaded := measure("under-load", report, 390)
	if len(loaded) != 4 {
		t.Fatalf("%d load tables, want the overview's and checkout's", len(loaded)-2)
	}
	if loaded[0] > without[0] {
		t.Errorf("at 390 px the page is %.0f px wide under load, %.0f px without", loaded[0], without[0])
	}
	for i, right := range loaded[2:] {
		if right > loaded[1] {
			t.Errorf("at 390 px load table %d ends at %.0f px, past the body's content (%.0f px)", i, right, loaded[1])
		}
	}
	measure("under-load", report, 1280)
}

// keepScreenshot takes a full screenshot and keeps it (keep).
func keepScreenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	mustDo(t, err)
	keep(t, name, shot)
}

// keep writes what a browser test made, for a person to look at, in
// $REDRILL_SCREENSHOTS, or -screenshots, else in the test's temporary
// folder.
func keep(t *testing.T, name string, data []byte) {
	t.Helper()
	dir := os.Getenv("REDRILL_SCREENSHOTS")
	if dir == "" {
		dir = *screenshots
	}
	if dir == "" {
		dir = t.TempDir()
	}
	mustDo(t, os.MkdirAll(dir, 0o755))
	mustDo(t, os.WriteFile(filepath.Join(dir, name), data, 0o644))
	t.Logf("kept %s", filepath.Join(dir, name))
}

// The people's time reads in Chromium as ranked, longest first, and its
// table fits a phone's width.
func TestHTMLPeopleTimeInChromium(t *testing.T) {
	dir := t.TempDir()
	ctx := chromium(t, dir)
	report, err := Build(context.Background(), history(t), Options{Now: now})
	mustDo(t, err)
	page := writePage(t, dir, report)
	mustDo(t, chromedp.Do(ctx, chromedp.EmulateViewport(390, 844), chromedp.Navigate("file://"+page)))
	rows, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("table.people tbody tr")).map(tr => tr.innerText.replace(/\s+/g, " ").trim())`))
	mustDo(t, err)
	// A phone shows the scenario, the step and the total of its waits.
	want := []string{"search recover.promote-replica 6m", "search recover.switch-dns 2m", "api recover.switch-dns 1s"}
	if !slices.Equal(rows, want) {
		t.Errorf("people rows %q, want %q", rows, want)
	}
	split, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("ul.people-split li")).map(li => li.innerText)`))
	mustDo(t, err)
	if !slices.Equal(split, []string{"Last run of api: 1s waiting for people, 2m59s machine", "Last run of search: 8m waiting for people, 1m machine"}) {
		t.Errorf("the split reads %q", split)
	}
	sizes, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](`[document.body.getBoundingClientRect().right - parseFloat(getComputedStyle(document.body).paddingRight),
		document.querySelector("table.people").getBoundingClientRect().right]`))
	mustDo(t, err)
	if sizes[1] > sizes[0] {
		t.Errorf("at 390 px the people table ends at %.0f px, past the body's content (%.0f px)", sizes[1], sizes[0])
	}
	keepScreenshot(t, ctx, "report-people-390.png")
	// A wider screen shows the longest wait and the share too.
	mustDo(t, chromedp.Do(ctx, chromedp.EmulateViewport(1280, 844), chromedp.Navigate("file://"+page)))
	rows, err = chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("table.people tbody tr")).map(tr => tr.innerText.replace(/\s+/g, " ").trim())`))
	mustDo(t, err)
	if want := "search recover.promote-replica 1 6m 6m 75%"; len(rows) == 0 || rows[0] != want {
		t.Errorf("at 1280 px the first row reads %q, want %q", rows, want)
	}
	keepScreenshot(t, ctx, "report-people-1280.png")
}
