package reports

import (
	"bytes"
	"context"
	"testing"

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
