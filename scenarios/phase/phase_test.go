package phase

import (
	"testing"
	"time"
)

func TestWhatEachPhaseIs(t *testing.T) {
	tests := []struct {
		phase                                          Phase
		polled, observes, clocked, mustEnd, background bool
		every                                          time.Duration
		word                                           string
	}{
		{SteadyState, false, true, false, false, false, 0, "check"},
		{Setup, false, false, false, false, true, 0, "step"},
		{Disrupt, false, false, true, false, true, 0, "step"},
		{Recover, false, false, true, false, true, 0, "step"},
		{RecoveredWhen, true, true, true, true, false, time.Second, "check"},
		{Guard, true, true, true, false, false, 5 * time.Second, "check"},
		{DataLoss, false, false, false, false, false, 0, "step"},
		{Rollback, false, false, false, false, false, 0, "step"},
	}
	if len(tests) != len(All()) {
		t.Fatalf("the table covers %d phases, All has %d", len(tests), len(All()))
	}
	for i, tt := range tests {
		t.Run(string(tt.phase), func(t *testing.T) {
			if All()[i] != tt.phase {
				t.Errorf("All()[%d] = %s, want %s (the order they run)", i, All()[i], tt.phase)
			}
			if got := tt.phase.Polled(); got != tt.polled {
				t.Errorf("Polled() = %v", got)
			}
			if got := tt.phase.Observes(); got != tt.observes {
				t.Errorf("Observes() = %v", got)
			}
			if got := tt.phase.Clocked(); got != tt.clocked {
				t.Errorf("Clocked() = %v", got)
			}
			if got := tt.phase.MustEnd(); got != tt.mustEnd {
				t.Errorf("MustEnd() = %v", got)
			}
			if got := tt.phase.Background(); got != tt.background {
				t.Errorf("Background() = %v", got)
			}
			if got := tt.phase.DefaultEvery(); got != tt.every {
				t.Errorf("DefaultEvery() = %s", got)
			}
			if got := tt.phase.StepWord(); got != tt.word {
				t.Errorf("StepWord() = %q", got)
			}
		})
	}
}
