package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// redrill report --gameday NAME: the day's report in every format, the
// game day's people from --scenarios, and clear errors.
func TestDayReportCommand(t *testing.T) {
	dir := t.TempDir()
	path := writeFile(t, dir, "gameday.hcl", `scenario "a" {
  recover {
    step "s" {
      command { run = ["true"] }
    }
  }
}

scenario "c" {
  recover {
    step "s" {
      command { run = ["false"] }
    }
  }
}

gameday "december" {
  start        = "2026-12-05T09:00:00Z"
  scenarios    = ["a", "c"]
  description  = "Before the freeze"
  facilitator  = "Ada"
  participants = ["Grace", "Linus"]
}
`)
	history := filepath.Join(dir, "h.db")
	if code, stdout, stderr := run(t, "run", path, "--gameday", "december", "--store", history); code != 1 {
		t.Fatalf("exit %d, want 1 (c fails)\n%s\n%s", code, stdout, stderr)
	}
	for format, wants := range map[string][]string{
		"text":     {"Game day december, ", "Facilitator: Ada", "Participants: Grace, Linus", "Timeline, ", "  a  |", "Missed: c (failed", "Time: people 0s (0%), automation "},
		"markdown": {"# Game day december", "Facilitator\\: Ada", "## Timeline", "```\na |", "## Verdicts"},
		"html":     {`<svg class="timeline"`, "Facilitator: Ada", "<h2>Notes from operators</h2>"},
		"json":     {`"facilitator": "Ada"`, `"timeline": [`, `"human_time_seconds": 0`},
	} {
		code, stdout, stderr := run(t, "report", "--gameday", "december", "--scenarios", path, "--format", format, "--store", history)
		for _, want := range wants {
			if code != 0 || !strings.Contains(stdout, want) {
				t.Errorf("report --gameday --format %s: exit %d, without %q:\n%s%s", format, code, want, stdout, stderr)
			}
		}
	}
	code, stdout, _ := run(t, "report", "--gameday", "december", "--format", "json", "--store", history)
	var day struct {
		Facilitator string `json:"facilitator"`
		Timeline    []struct {
			Scenario string `json:"scenario"`
			Phases   []struct {
				Phase string `json:"phase"`
			} `json:"phases"`
		} `json:"timeline"`
	}
	if err := json.Unmarshal([]byte(stdout), &day); err != nil || code != 0 || day.Facilitator != "" || len(day.Timeline) != 2 || day.Timeline[0].Phases[0].Phase != "recover" {
		t.Errorf("without --scenarios: exit %d, %v, %+v", code, err, day)
	}
	for _, tt := range []struct {
		name string
		args []string
		want string
	}{
		{"a game day that never ran", []string{"--gameday", "january"}, `game day "january" has no run in`},
		{"a game day the files do not define", []string{"--gameday", "decembre", "--scenarios", path}, `no game day named "decembre". Did you mean "december"?`},
		{"--scenarios alone", []string{"--scenarios", path}, "--scenarios goes with --gameday"},
		{"an unknown format", []string{"--gameday", "december", "--format", "pdf"}, `--format "pdf": use text, markdown, json or html`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := run(t, append([]string{"report", "--store", history}, tt.args...)...)
			if code != 2 || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, stderr %q; want 2 and %q", code, stderr, tt.want)
			}
		})
	}
}
