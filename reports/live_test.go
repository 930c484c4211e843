package reports

import (
	"testing"
	"time"
)

func TestLiveLines(t *testing.T) {
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"half a second into the clock", clockLine(500*time.Millisecond, durationOf(10*time.Second)), "    … 0.5s elapsed of RTO 10s [#-------------------]   5%"},
		{"past the objective", clockLine(90*time.Second, durationOf(time.Minute)), "    … 1m30s elapsed of RTO 1m [####################] 150%"},
		{"no objective", clockLine(3*time.Second, nil), "    … 3.0s elapsed"},
		{"a long step before the clock", stepLine("dump-is-fresh", 12300*time.Millisecond), "    … dump-is-fresh: 12.3s elapsed"},
		{"an hour-long step", stepLine("restore", time.Hour+2*time.Second+400*time.Millisecond), "    … restore: 1h0m2s elapsed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got  %q\nwant %q", tt.got, tt.want)
			}
		})
	}
}

func durationOf(d time.Duration) *time.Duration { return &d }
