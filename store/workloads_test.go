package store

import (
	"context"
	"testing"
	"time"
)

func TestClientDowntimeAndLostWrites(t *testing.T) {
	verified := func(lost int64) *LostWrites { return &LostWrites{Acknowledged: 100, Lost: lost} }
	tests := []struct {
		name      string
		workloads []Workload
		downtime  *time.Duration
		lost      *int64
	}{
		{"no workload measures nothing", nil, nil, nil},
		{"a workload that never failed saw no downtime", []Workload{{Name: "reader"}}, duration(0), nil},
		{"the longest outage of any workload is the downtime",
			[]Workload{{Name: "reader", LongestOutage: 2 * time.Second}, {Name: "writer", LongestOutage: 5 * time.Second}}, duration(5 * time.Second), nil},
		{"a verified workload that lost nothing lost 0", []Workload{{Name: "writer", Verified: verified(0)}}, duration(0), lostCount(0)},
		{"lost writes add up over the verified workloads",
			[]Workload{{Name: "a", Verified: verified(3)}, {Name: "b"}, {Name: "c", Verified: verified(4)}}, duration(0), lostCount(7)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ClientDowntime(tt.workloads); !equalPointers(got, tt.downtime) {
				t.Errorf("ClientDowntime = %v, want %v", shown(got), shown(tt.downtime))
			}
			if got := LostWritesOf(tt.workloads); !equalPointers(got, tt.lost) {
				t.Errorf("LostWritesOf = %v, want %v", shown(got), shown(tt.lost))
			}
		})
	}
}

// Measurements carry each run's client downtime and lost writes, and nil
// for a run without workloads, on every backend.
func TestMeasurementsOfWorkloads(t *testing.T) {
	forEachBackend(t, func(t *testing.T, target string) {
		s := open(t, target, base)
		ctx := context.Background()
		mustDo(t, s.StartRun(ctx, newRun("quiet", "orders", base)))
		mustDo(t, s.FinishRun(ctx, "quiet", Finish{EndedAt: base.Add(time.Minute), Verdict: VerdictMet}))
		mustDo(t, s.StartRun(ctx, newRun("loaded", "orders", base.Add(time.Hour))))
		mustDo(t, s.FinishRun(ctx, "loaded", Finish{EndedAt: base.Add(61 * time.Minute), Verdict: VerdictMissed, Workloads: []Workload{
			{Name: "reader", LongestOutage: 1500 * time.Millisecond},
			{Name: "writer", LongestOutage: 4200 * time.Millisecond, Verified: &LostWrites{Acknowledged: 900, Lost: 3}},
		}}))
		measurements, err := s.Measurements(ctx, base.Add(-time.Hour))
		mustDo(t, err)
		if len(measurements) != 2 {
			t.Fatalf("measurements %+v, want 2", measurements)
		}
		if quiet := measurements[0]; quiet.Downtime != nil || quiet.LostWrites != nil {
			t.Errorf("a run without workloads measured downtime %v, lost writes %v", shown(quiet.Downtime), shown(quiet.LostWrites))
		}
		if loaded := measurements[1]; !equalPointers(loaded.Downtime, duration(4200*time.Millisecond)) || !equalPointers(loaded.LostWrites, lostCount(3)) {
			t.Errorf("the loaded run measured downtime %v, lost writes %v; want 4.2s and 3", shown(loaded.Downtime), shown(loaded.LostWrites))
		}
	})
}

func lostCount(n int64) *int64 { return &n }

func equalPointers[T comparable](a, b *T) bool {
	return (a == nil) == (b == nil) && (a == nil || *a == *b)
}

func shown[T any](p *T) any {
	if p == nil {
		return "nil"
	}
	return *p
}
