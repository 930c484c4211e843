package reports

import (
	"testing"
	"time"
)

func TestTrendAndBreachForecast(t *testing.T) {
	day := 24 * time.Hour
	start := time.Date(2026, 9, 1, 3, 0, 0, 0, time.UTC)
	// RTO grows by one minute every 10 days: 10m, 11m, 12m, 13m.
	var points []point
	for i := range 4 {
		points = append(points, point{at: start.Add(time.Duration(i) * 10 * day), rto: time.Duration(10+i) * time.Minute})
	}
	fit, ok := fitTrend(points)
	if !ok {
		t.Fatal("no trend")
	}
	if fit.PerThirtyDays != 3*time.Minute {
		t.Errorf("trend %s per 30 days, want 3m", fit.PerThirtyDays)
	}
	now := start.Add(30 * day) // fitted RTO 13m
	when, ok := fit.breach(20*time.Minute, now)
	// 20m is reached 70 days after the 10m point.
	if !ok || !when.Equal(start.Add(100*day)) {
		t.Errorf("breach %v %v, want %v", when, ok, start.Add(100*day))
	}
	if _, ok := fit.breach(12*time.Minute, now); ok {
		t.Error("a trend already past the objective has no forecast: it is a breach now")
	}
	flat, _ := fitTrend([]point{{start, time.Minute}, {start.Add(day), time.Minute}, {start.Add(2 * day), time.Minute}})
	if _, ok := flat.breach(2*time.Minute, now); ok {
		t.Error("a flat trend never breaches")
	}
	if _, ok := fitTrend(points[:2]); ok {
		t.Error("two runs have no trend")
	}
	close := []point{{start, time.Minute}, {start.Add(time.Minute), time.Hour}, {start.Add(2 * time.Minute), 2 * time.Hour}}
	if _, ok := fitTrend(close); ok {
		t.Error("runs minutes apart have no trend")
	}
}
