package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// consoleE2E is reports/testdata/console-e2e: the Playwright script and
// its pinned playwright-core, installed by `npm ci` (.ci/run).
var consoleE2E = filepath.Join("..", "..", "reports", "testdata", "console-e2e")

// consoleSeen is what the script saw in the browser.
type consoleSeen struct {
	LoginURL     string   `json:"login_url"`
	About        string   `json:"about"`
	Pending      string   `json:"pending"`
	ClockTicking []string `json:"clock_ticking"`
	ClockStopped string   `json:"clock_stopped"`
	Phase        string   `json:"phase"`
	Connection   string   `json:"connection"`
	Verdict      string   `json:"verdict"`
	Instructions string   `json:"instructions"`
	Message      string   `json:"message"`
	Aborted      string   `json:"aborted"`
	AbortedRow   string   `json:"aborted_row"`
	DayBars      int      `json:"day_bars"`
	DayNotes     string   `json:"day_notes"`
	Requests     []string `json:"requests"`
	Errors       []string `json:"errors"`
}

// requireBrowserTools skips without node, Chromium or playwright-core,
// except under CI=true, where .ci/run installs them.
func requireBrowserTools(t *testing.T) (node, chromium string) {
	t.Helper()
	skip := func(what string) {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s and CI=true: .ci/run installs it", what)
		}
		t.Skipf("%s; skipping the console in a browser", what)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		skip("node is not installed (apt-get install nodejs npm)")
	}
	chromium = "/usr/bin/chromium"
	if _, err := os.Stat(chromium); err != nil {
		skip("/usr/bin/chromium is missing (apt-get install chromium)")
	}
	if _, err := os.Stat(filepath.Join(consoleE2E, "node_modules", "playwright-core")); err != nil {
		skip("playwright-core is not installed (npm ci --prefix " + consoleE2E + ")")
	}
	return node, chromium
}

// The console in headless Chromium against a real serve: a facilitator
// logs in, watches a game day's drill with its clock ticking, confirms
// its manual step with a note, sees the clock stop and the verdicts, and
// finds the note in the day's report.
func TestConsoleInChromium(t *testing.T) {
	node, chromium := requireBrowserTools(t)
	binary := redrillBinary(t)
	dir := t.TempDir()
	// The game day starts a few seconds after serve, which runs only game
	// days still to come.
	start := time.Now().UTC().Add(4 * time.Second).Format(time.RFC3339)
	path := writeFile(t, dir, "day.hcl", `scenario "orders-restore" {
  objective {
    rto = "2m"
  }
  disrupt {
    step "lose-file" {
      command { run = ["true"] }
    }
  }
  recover {
    step "restore" {
      command { run = ["true"] }
    }
    step "confirm-restore" {
      manual {
        instructions = "Count the orders by hand and compare with the dump."
      }
    }
  }
}

scenario "web-failover" {
  recover {
    step "promote-standby" {
      manual {
        instructions = "Promote the standby in the load balancer."
      }
    }
  }
  rollback {
    step "restore-primary" {
      command { run = ["true"] }
    }
  }
}

gameday "december" {
  start        = "`+start+`"
  scenarios    = ["orders-restore", "web-failover"]
  description  = "Restore before the freeze"
  facilitator  = "Ada"
  participants = ["Grace", "Linus"]
}
`)
	serve := exec.Command(binary, "serve", path, "--store", filepath.Join(dir, "history.db"), "--listen", "127.0.0.1:0", "--token", "e2e-token")
	serve.Env = append(os.Environ(), "XDG_STATE_HOME="+dir)
	logs := &lockedBuffer{}
	serve.Stderr = logs
	if err := serve.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = serve.Process.Kill(); _ = serve.Wait() })
	serving := regexp.MustCompile(`msg=serving dashboard=(http://\S+)/`)
	var base string
	waitFor(t, func() bool {
		m := serving.FindStringSubmatch(logs.String())
		if m != nil {
			base = m[1]
		}
		return m != nil
	})

	// REDRILL_TEST_SHOTS keeps the screenshots past the test, to look at.
	shots := os.Getenv("REDRILL_TEST_SHOTS")
	if shots == "" {
		shots = filepath.Join(dir, "shots")
	}
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	script := exec.CommandContext(ctx, node, filepath.Join(consoleE2E, "console.js"))
	script.Env = append(os.Environ(), "CONSOLE_URL="+base, "CONSOLE_TOKEN=e2e-token", "SHOTS="+shots, "CHROMIUM="+chromium)
	var stdout, stderr bytes.Buffer
	script.Stdout, script.Stderr = &stdout, &stderr
	if err := script.Run(); err != nil {
		t.Fatalf("console.js: %v\n%s\nserve:\n%s", err, stderr.String(), logs.String())
	}
	var seen consoleSeen
	if err := json.Unmarshal(stdout.Bytes(), &seen); err != nil {
		t.Fatalf("console.js printed %q: %v", stdout.String(), err)
	}
	t.Logf("screenshots in %s", shots)

	if seen.LoginURL != "/login?next=%2Fconsole" {
		t.Errorf("a browser without a session landed on %q, want the login form", seen.LoginURL)
	}
	for _, want := range []string{"Restore before the freeze", "facilitator: Ada", "participants: Grace, Linus", "one after another"} {
		if !strings.Contains(seen.About, want) {
			t.Errorf("the game day reads %q, without %q", seen.About, want)
		}
	}
	if seen.Pending != "pending" {
		t.Errorf("the second scenario, not started, shows %q", seen.Pending)
	}
	if len(seen.ClockTicking) != 2 || seen.ClockTicking[0] == seen.ClockTicking[1] || !strings.HasSuffix(seen.ClockTicking[1], "of RTO 2m") {
		t.Errorf("the clock did not tick against the objective: %q", seen.ClockTicking)
	}
	if seen.Phase != "recover — step confirm-restore (manual)" || seen.Connection != "live" {
		t.Errorf("during the restore: phase %q, connection %q", seen.Phase, seen.Connection)
	}
	if !regexp.MustCompile(`^recovered in \d+\.\ds of RTO 2m$`).MatchString(seen.ClockStopped) || seen.Verdict != "met" {
		t.Errorf("after recovery: clock %q, verdict %q", seen.ClockStopped, seen.Verdict)
	}
	if seen.Instructions != "Count the orders by hand and compare with the dump." || seen.Message != "Ada (facilitator) answered confirm-restore: done" {
		t.Errorf("the manual step: instructions %q, after Confirm %q", seen.Instructions, seen.Message)
	}
	if want := "by Ada (facilitator): rows counted by hand: 1,204"; seen.DayBars < 3 || !strings.Contains(seen.DayNotes, want) {
		t.Errorf("the day's report: %d phase bars, notes %q, want at least 3 bars and %q", seen.DayBars, seen.DayNotes, want)
	}
	if seen.Aborted != "interrupted" || !strings.Contains(seen.AbortedRow, "rollback passed") {
		t.Errorf("the aborted drill: verdict %q, %q; want interrupted, rollback passed", seen.Aborted, seen.AbortedRow)
	}
	for _, request := range seen.Requests {
		if !strings.HasPrefix(request, base+"/") {
			t.Errorf("the console requested %s, outside serve", request)
		}
	}
	if len(seen.Errors) > 0 {
		t.Errorf("errors in the page: %q", seen.Errors)
	}
}
