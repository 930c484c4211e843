package checks

import (
	"strings"
	"testing"
	"time"
)

func TestParseDuration(t *testing.T) {
	tests := []struct {
		name    string
		text    string
		want    time.Duration
		wantErr string
	}{
		{name: "minutes", text: "90m", want: 90 * time.Minute},
		{name: "go syntax with several units", text: "1h30m15s", want: time.Hour + 30*time.Minute + 15*time.Second},
		{name: "milliseconds", text: "50ms", want: 50 * time.Millisecond},
		{name: "days", text: "2d", want: 48 * time.Hour},
		{name: "days and hours", text: "1d12h", want: 36 * time.Hour},
		{name: "fractional days", text: "1.5d", want: 36 * time.Hour},
		{name: "surrounding spaces are ignored", text: " 30s ", want: 30 * time.Second},
		{name: "words are refused", text: "90 minutes", wantErr: `invalid duration "90 minutes"`},
		{name: "a bare number has no unit", text: "90", wantErr: `invalid duration "90"`},
		{name: "empty", text: "", wantErr: "empty duration"},
		{name: "negative", text: "-5m", wantErr: "cannot be negative"},
		{name: "day unit twice", text: "1d2d", wantErr: `invalid duration "1d2d"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseDuration(tt.text)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseDuration(%q) error = %v, want one containing %q", tt.text, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseDuration(%q): %v", tt.text, err)
			}
			if got != tt.want {
				t.Fatalf("ParseDuration(%q) = %v, want %v", tt.text, got, tt.want)
			}
		})
	}
}
