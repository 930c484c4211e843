package duration

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
		{name: "zero", text: "0", want: 0},
		{name: "the longest duration", text: "106751d23h47m16s", want: 106751*24*time.Hour + 23*time.Hour + 47*time.Minute + 16*time.Second},
		{name: "days too many to hold are refused, not wrapped", text: "300000d", wantErr: `invalid duration "300000d": too long, the longest is 106751d (about 292 years)`},
		{name: "days in exponent form are refused", text: "1e9d", wantErr: `invalid duration "1e9d": use a number with a unit`},
		{name: "infinite days are refused", text: "Infd", wantErr: `invalid duration "Infd": use a number with a unit`},
		{name: "not-a-number days are refused", text: "NaNd", wantErr: `invalid duration "NaNd": use a number with a unit`},
		{name: "days plus hours past the limit", text: "106751d24h", wantErr: "too long"},
		{name: "hours too many to hold", text: "3000000h", wantErr: `invalid duration "3000000h": too long`},
		{name: "negative days", text: "-5d", wantErr: `invalid duration "-5d": a duration cannot be negative`},
		{name: "negative after days", text: "1d-5m", wantErr: `invalid duration "1d-5m": use a number with a unit`},
		{name: "a sign is not a unit", text: "+5m", wantErr: `invalid duration "+5m"`},
		{name: "hexadecimal days", text: "0x10d", wantErr: `invalid duration "0x10d"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.text)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Parse(%q) error = %v, want one containing %q", tt.text, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.text, err)
			}
			if got != tt.want {
				t.Fatalf("Parse(%q) = %v, want %v", tt.text, got, tt.want)
			}
		})
	}
}
