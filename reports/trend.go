package reports

import (
	"math"
	"time"
)

// point is one measured RTO at the time its run started.
type point struct {
	at  time.Time
	rto time.Duration
}

// trend is a least-squares line through measured RTOs over time.
type trend struct {
	// PerThirtyDays is the change of RTO per 30 days.
	PerThirtyDays time.Duration
	slope         float64 // seconds of RTO per second of time
	intercept     float64 // seconds of RTO at origin
	origin        time.Time
}

// Below these, a slope says more about noise than about the system.
const (
	minTrendRuns = 3
	minTrendSpan = 24 * time.Hour
)

// fitTrend fits RTO = a + b·t over points ordered oldest first; it needs
// at least three runs spread over a day.
func fitTrend(points []point) (trend, bool) {
	if len(points) < minTrendRuns || points[len(points)-1].at.Sub(points[0].at) < minTrendSpan {
		return trend{}, false
	}
	origin := points[0].at
	var sumX, sumY, sumXX, sumXY float64
	for _, p := range points {
		x := p.at.Sub(origin).Seconds()
		y := p.rto.Seconds()
		sumX, sumY, sumXX, sumXY = sumX+x, sumY+y, sumXX+x*x, sumXY+x*y
	}
	n := float64(len(points))
	denominator := n*sumXX - sumX*sumX
	if denominator == 0 {
		return trend{}, false
	}
	slope := (n*sumXY - sumX*sumY) / denominator
	intercept := (sumY - slope*sumX) / n
	perThirtyDays := time.Duration(slope * (30 * 24 * time.Hour).Seconds() * float64(time.Second))
	return trend{PerThirtyDays: perThirtyDays, slope: slope, intercept: intercept, origin: origin}, true
}

// at is the fitted RTO at a time.
func (t trend) at(when time.Time) time.Duration {
	seconds := t.intercept + t.slope*when.Sub(t.origin).Seconds()
	return time.Duration(seconds * float64(time.Second))
}

// breach returns when a rising trend reaches the objective, if it has not
// yet at now.
func (t trend) breach(objective time.Duration, now time.Time) (time.Time, bool) {
	if t.slope <= 0 || objective <= 0 || t.at(now) >= objective {
		return time.Time{}, false
	}
	seconds := (objective.Seconds() - t.intercept) / t.slope
	if math.IsInf(seconds, 0) || math.IsNaN(seconds) || seconds > (100*365*24*time.Hour).Seconds() {
		return time.Time{}, false
	}
	return t.origin.Add(time.Duration(seconds * float64(time.Second))), true
}
