package reports

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// The HTML report opened in a real headless Chromium: the charts render
// with a size, and the page requests nothing beyond itself.
func TestHTMLReportInChromium(t *testing.T) {
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

	report, err := Build(context.Background(), history(t), Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	page := filepath.Join(dir, "report.html")
	file, err := os.Create(page)
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteHTML(file, report); err != nil {
		t.Fatal(err)
	}
	file.Close()

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
	defer cancelAllocator()
	// No timeout on this context: chromedp stops the browser with it. The
	// test's own -timeout bounds a browser that hangs.
	ctx, cancel := chromedp.NewContext(allocator)
	defer cancel()

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
	chartAreas, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](`Array.from(document.querySelectorAll("svg.rto-chart")).map(svg => { const r = svg.getBoundingClientRect(); return r.width * r.height; })`))
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
