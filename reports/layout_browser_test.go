package reports

import (
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// layout is what a page looks like in Chromium at one width.
type layout struct {
	ScrollWidth float64 `json:"scrollWidth"`
	InnerWidth  float64 `json:"innerWidth"`
	// ChartTexts are the chart texts shown (SVG text of the visible
	// charts, the run page's timeline labels); MinFontPx the smallest
	// of them as rendered: its font size times the scale of its SVG.
	ChartTexts int     `json:"chartTexts"`
	MinFontPx  float64 `json:"minFontPx"`
	Smallest   string  `json:"smallest"`
}

const measureLayout = `(() => {
  const shown = e => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
  const texts = Array.from(document.querySelectorAll("svg.rto-chart text, .timeline .tick, .timeline .name, .timeline .phase")).filter(shown);
  let min = 0, smallest = "";
  for (const t of texts) {
    let scale = 1;
    const svg = t.ownerSVGElement;
    if (svg) scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
    const px = parseFloat(getComputedStyle(t).fontSize) * scale;
    if (min === 0 || px < min) { min = px; smallest = t.textContent; }
  }
  return {scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth,
    chartTexts: texts.length, minFontPx: min, smallest: smallest};
})()`

// The report, the dashboard's front page and run pages on a phone (390
// px) and a desktop (1400 px) in a real Chromium: nothing scrolls
// sideways, and no chart text renders under 11 px. Screenshots are kept
// in $REDRILL_SCREENSHOTS (else the test's temporary folder).
func TestLayoutOnPhoneAndDesktopInChromium(t *testing.T) {
	dir := t.TempDir()
	ctx := chromium(t, dir)

	report, err := Build(context.Background(), history(t), Options{Now: now})
	mustDo(t, err)
	loaded, err := Build(context.Background(), loadedHistory(t), Options{Now: now})
	mustDo(t, err)
	measured, err := Build(context.Background(), measuredHistory(t), Options{Now: now, CompareBy: "hw"})
	mustDo(t, err)
	reportDir, loadedDir, measuredDir := filepath.Join(dir, "report"), filepath.Join(dir, "loaded"), filepath.Join(dir, "measured")
	for _, d := range []string{reportDir, loadedDir, measuredDir} {
		mustDo(t, os.MkdirAll(d, 0o700))
	}

	server := httptest.NewServer(Handler(runHistory(t), HandlerOptions{
		Scheduled: func() []ScheduledScenario {
			return []ScheduledScenario{{Scenario: "inventory", Schedule: "0 4 * * *", Timezone: "UTC", NextRun: now.Add(16 * time.Hour), Interval: 24 * time.Hour}}
		},
		Window: 365 * 24 * time.Hour,
		Now:    func() time.Time { return now },
	}))
	t.Cleanup(server.Close)
	// A store past the front page's sections: its table, and a
	// scenario's own page.
	large := httptest.NewServer(Handler(manyScenarios(t, dashboardSections+5), HandlerOptions{Now: func() time.Time { return now }}))
	t.Cleanup(large.Close)

	pages := []struct {
		name, url string
		noChart   bool
	}{
		{name: "report", url: "file://" + writePage(t, reportDir, report)},
		{name: "report-loaded", url: "file://" + writePage(t, loadedDir, loaded)},
		{name: "report-measures", url: "file://" + writePage(t, measuredDir, measured)},
		{name: "dashboard", url: server.URL + "/"},
		{name: "run-orders-met", url: server.URL + "/runs/orders-met"},
		{name: "run-payments-loaded", url: server.URL + "/runs/payments-loaded"},
		{name: "run-api-failed", url: server.URL + "/runs/api-failed"},
		{name: "dashboard-compact", url: large.URL + "/", noChart: true},
		{name: "scenario-page", url: large.URL + "/scenarios/restore-29"},
	}
	for _, p := range pages {
		for _, width := range []int64{390, 1400} {
			mustDo(t, chromedp.Do(ctx, chromedp.EmulateViewport(width, 900), chromedp.Navigate(p.url)))
			got, err := chromedp.Run(ctx, chromedp.Evaluate[layout](measureLayout))
			mustDo(t, err)
			if got.ScrollWidth > got.InnerWidth {
				t.Errorf("%s at %d px: the page is %.0f px wide, it scrolls sideways", p.name, width, got.ScrollWidth)
			}
			if p.noChart {
				// The table of a large store: no chart to measure.
			} else if got.ChartTexts == 0 {
				t.Errorf("%s at %d px: no chart text is shown", p.name, width)
			} else if got.MinFontPx < 11 {
				t.Errorf("%s at %d px: chart text %q renders at %.1f px, under 11 px", p.name, width, got.Smallest, got.MinFontPx)
			}
			t.Logf("%s at %d px: %.0f px wide, %d chart texts, smallest %.1f px", p.name, width, got.ScrollWidth, got.ChartTexts, got.MinFontPx)
			keepScreenshot(t, ctx, p.name+"-"+strconv.FormatInt(width, 10)+".png")
		}
	}

	// Printed on A4, the report keeps to the paper's width (the print
	// style sheet scales the wide charts to it); the PDF is kept beside
	// the screenshots.
	mustDo(t, chromedp.Do(ctx, chromedp.EmulateViewport(1400, 900), chromedp.Navigate(pages[0].url)))
	pdf, err := chromedp.Run(ctx, func(ctx context.Context, target *chromedp.Target) ([]byte, error) {
		printed, err := cdp.Call(ctx, target, page.PrintToPDF, page.PrintToPDFParams{PaperWidth: 8.27, PaperHeight: 11.69})
		return printed.Data, err
	})
	mustDo(t, err)
	if len(pdf) < 1000 {
		t.Errorf("the printed report is %d bytes", len(pdf))
	}
	keep(t, "report.pdf", pdf)
}

// The report in print media at the width of A4 less its margins (186 mm,
// 703 px): the wide charts, scaled to the paper, and nothing wider.
func TestReportPrintLayoutInChromium(t *testing.T) {
	dir := t.TempDir()
	ctx := chromium(t, dir)
	report, err := Build(context.Background(), history(t), Options{Now: now})
	mustDo(t, err)
	url := "file://" + writePage(t, dir, report)
	printMedia := func(ctx context.Context, target *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, target, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"})
		return chromedp.Void{}, err
	}
	mustDo(t, chromedp.Do(ctx, chromedp.EmulateViewport(703, 1000), chromedp.Navigate(url), printMedia))
	sizes, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](`[document.documentElement.scrollWidth, window.innerWidth,
		document.querySelectorAll("svg.rto-chart.wide").length,
		Array.from(document.querySelectorAll("svg.rto-chart.wide")).filter(s => s.getBoundingClientRect().width > 0).length,
		Array.from(document.querySelectorAll("svg.rto-chart.narrow")).filter(s => s.getBoundingClientRect().width > 0).length,
		getComputedStyle(document.querySelector("table.overview thead")).display === "none" ? 0 : 1]`))
	mustDo(t, err)
	if sizes[0] > sizes[1] {
		t.Errorf("printed, the report is %.0f px wide on a %.0f px page", sizes[0], sizes[1])
	}
	if sizes[3] != sizes[2] || sizes[4] != 0 {
		t.Errorf("printed, %.0f of %.0f wide charts and %.0f narrow ones show; want every wide one and no narrow one", sizes[3], sizes[2], sizes[4])
	}
	if sizes[5] != 1 {
		t.Error("printed, the overview table is stacked as on a phone; paper has room for its columns")
	}
	keepScreenshot(t, ctx, "report-print.png")
}
