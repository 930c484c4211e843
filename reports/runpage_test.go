package reports

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/redrill/redrill/store"
)

// The run pages of the recorded runs, one golden file each: a met run
// with polling rounds, a missed one, a failed one with a long message,
// one still running and one under load.
func TestRunPageGoldens(t *testing.T) {
	history := runHistory(t)
	for _, id := range []string{"orders-met", "orders-missed", "api-failed", "api-running", "payments-loaded"} {
		t.Run(id, func(t *testing.T) {
			run, steps, err := history.Run(context.Background(), id)
			if err != nil {
				t.Fatal(err)
			}
			var page bytes.Buffer
			if err := WriteRunHTML(&page, store.Record{Run: run, Steps: steps}, now); err != nil {
				t.Fatal(err)
			}
			golden(t, "run-"+id+".html", page.Bytes())
		})
	}
}

func TestRunPageType(t *testing.T) {
	tests := []struct{ accept, want string }{
		{"", "text/plain"},
		{"*/*", "text/plain"},
		{"text/plain", "text/plain"},
		{"application/json", "application/json"},
		{"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "text/html"},
		{"application/json;q=0.5, text/html;q=0.9", "text/html"},
		{"text/plain, application/json;q=0.1", "text/plain"},
		{"TEXT/HTML", "text/html"},
		{"image/png", "text/plain"},
	}
	for _, tt := range tests {
		if got := runPageType(tt.accept); got != tt.want {
			t.Errorf("Accept %q: %s, want %s", tt.accept, got, tt.want)
		}
	}
}

// What a check printed reaches the run page as text: no markup of its
// own, no terminal escapes.
func TestRunPageEscapesWhatChecksPrinted(t *testing.T) {
	started := now.Add(-time.Hour)
	record := store.Record{
		Run: store.Run{ID: "x-1", Scenario: `<img src=x onerror=alert(1)>`, Host: "runner-1", Trigger: store.TriggerOnDemand, Status: store.StatusFinished,
			StartedAt: started, EndedAt: started.Add(time.Minute), Verdict: store.VerdictFailed, Reason: "restore \x1b[31mFAILED\x1b[0m </dd><script>x()</script>"},
		Steps: []store.Step{{Seq: 1, Phase: "recover", Name: `"><script>alert(2)</script>`, Kind: "command", StartedAt: started, Duration: time.Second,
			Attempts: 1, Message: "exit 1\n\x1b]0;owned\x07<b>bold</b>", Result: `{"stdout":"</pre><script>alert(3)</script>"}`}},
	}
	var page bytes.Buffer
	if err := WriteRunHTML(&page, record, now); err != nil {
		t.Fatal(err)
	}
	html := page.String()
	for _, bad := range []string{"<script>", "<img", "<b>", "\x1b", "owned"} {
		if strings.Contains(html, bad) {
			t.Errorf("the run page holds %q", bad)
		}
	}
	for _, want := range []string{"restore FAILED &lt;/dd&gt;", "&lt;b&gt;bold&lt;/b&gt;", "&lt;/pre&gt;&lt;script&gt;alert(3)"} {
		if !strings.Contains(html, want) {
			t.Errorf("the run page lacks %q", want)
		}
	}
}
