package reports

import (
	"fmt"
	"math"
	"time"

	"github.com/redrill/redrill/store"
)

// GrowthForecast models a scenario's RTO against a measured size, and the
// size against time, to say when the RTO will cross its objective at the
// current growth (docs/reports.md, "Forecast against size").
type GrowthForecast struct {
	// Measure is the size measure modelled, and Unit its unit.
	Measure string `json:"measure"`
	Unit    string `json:"unit"`
	// Runs had both the size and an RTO: the RTO model's data. SizeRuns
	// had the size: the growth model's.
	Runs     int `json:"runs"`
	SizeRuns int `json:"size_runs"`
	// LastSize and LastRTO are the newest run that measured both.
	LastSize       float64       `json:"last_size"`
	LastRTO        time.Duration `json:"-"`
	LastRTOSeconds float64       `json:"last_rto_seconds"`
	// The RTO model: RTO = RTOAtZeroSeconds + SecondsPerUnit × size, and
	// ResidualSeconds the standard deviation of runs around it.
	SecondsPerUnit   float64 `json:"rto_seconds_per_unit"`
	RTOAtZeroSeconds float64 `json:"rto_seconds_at_zero"`
	ResidualSeconds  float64 `json:"rto_residual_seconds"`
	// Growth is "linear" or "exponential", whichever fits the sizes
	// better; GrowthPerMonth is the growth over 30 days as a fraction of
	// the size now (0.04 is 4 % a month), PerMonth in the unit.
	Growth         string  `json:"growth"`
	GrowthPerMonth float64 `json:"growth_per_month"`
	PerMonth       float64 `json:"growth_per_month_in_unit"`
	// Size is the fitted size now.
	Size float64 `json:"size"`
	// ObjectiveSize is the size at which the modelled RTO reaches the
	// objective; nil without an objective, or when the RTO does not grow
	// with the size.
	ObjectiveSize *float64 `json:"objective_size"`
	// Crossed says the modelled RTO at the size now is already at or past
	// the objective.
	Crossed bool `json:"crossed"`
	// Crossing is when the fitted size reaches ObjectiveSize; nil when it
	// never does (no objective, no growth, crossed already, or more than a
	// century away). Earliest and Latest bound it: the RTO line two
	// standard errors above or below the fit, the growth two standard
	// errors faster or slower, under every plausible growth model. Latest
	// is nil when the slower side never reaches it.
	Crossing         *time.Time `json:"crossing"`
	CrossingEarliest *time.Time `json:"crossing_earliest"`
	CrossingLatest   *time.Time `json:"crossing_latest"`
	// Points are the modelled size and RTO, monthly from now, for charts.
	Points []ForecastPoint `json:"points"`
	// Summary is the forecast in one sentence.
	Summary string `json:"summary"`
}

// ForecastPoint is the modelled size and RTO at a time.
type ForecastPoint struct {
	At         time.Time `json:"at"`
	Size       float64   `json:"size"`
	RTOSeconds float64   `json:"rto_seconds"`
}

// Below these, a model of RTO against size says more about noise than
// about the system: a few runs, over a week at least, at sizes that differ.
const (
	minGrowthRuns = 4
	minGrowthSpan = 7 * 24 * time.Hour
	// forecastHorizon is how far ahead a crossing is still a date.
	forecastHorizon = 100 * 365 * 24 * time.Hour
	month           = 30 * 24 * time.Hour
)

// sizeGrowth is the fitted size against time, in seconds since origin.
type sizeGrowth struct {
	kind   string
	fit    line // of the size, or of its logarithm
	origin time.Time
}

func (g sizeGrowth) x(t time.Time) float64 { return t.Sub(g.origin).Seconds() }

// sizeAt is the fitted size at t.
func (g sizeGrowth) sizeAt(t time.Time) float64 {
	if g.kind == "exponential" {
		return math.Exp(g.fit.at(g.x(t)))
	}
	return g.fit.at(g.x(t))
}

// reaches is when the size reaches target at a slope of the fit; false
// when it never does at that slope.
func (g sizeGrowth) reaches(target, slope float64) (time.Time, bool) {
	if slope <= 0 || target <= 0 && g.kind == "exponential" {
		return time.Time{}, false
	}
	y := target
	if g.kind == "exponential" {
		y = math.Log(target)
	}
	seconds := g.fit.solve(y, slope)
	if math.IsNaN(seconds) || math.IsInf(seconds, 0) || seconds > g.x(g.origin.Add(forecastHorizon)) {
		return time.Time{}, false
	}
	return g.origin.Add(time.Duration(seconds * float64(time.Second))), true
}

// fitGrowth fits the sizes against time with a line and with an
// exponential (a line through the logarithms), best first: whichever
// leaves the smaller squared error in the sizes themselves. The other is
// returned too when its error is within plausibleFit of the best's: over
// a few months, the two are hard to tell apart, and the forecast's bounds
// take both.
func fitGrowth(points []MeasurePoint) ([]sizeGrowth, bool) {
	origin := points[0].At
	xs, sizes, logs := make([]float64, len(points)), make([]float64, len(points)), make([]float64, len(points))
	positive := true
	for i, p := range points {
		xs[i], sizes[i] = p.At.Sub(origin).Seconds(), p.Value
		if p.Value <= 0 {
			positive = false
			continue
		}
		logs[i] = math.Log(p.Value)
	}
	linear, ok := fitLine(xs, sizes)
	if !ok {
		return nil, false
	}
	fits := []sizeGrowth{{kind: "linear", fit: linear, origin: origin}}
	if !positive {
		return fits, true
	}
	exponential, ok := fitLine(xs, logs)
	if !ok {
		return fits, true
	}
	var sse float64
	for i := range xs {
		r := sizes[i] - math.Exp(exponential.at(xs[i]))
		sse += r * r
	}
	curved := sizeGrowth{kind: "exponential", fit: exponential, origin: origin}
	switch {
	case sse < linear.sse:
		fits = []sizeGrowth{curved}
		if linear.sse <= plausibleFit*sse {
			fits = append(fits, fits[0])
			fits[1] = sizeGrowth{kind: "linear", fit: linear, origin: origin}
		}
	case sse <= plausibleFit*linear.sse:
		fits = append(fits, curved)
	}
	return fits, true
}

// plausibleFit is how much larger a growth model's squared error may be
// than the best's for the forecast's bounds to take it too.
const plausibleFit = 1.5

// sizeMeasure picks the measure the forecast models: the bytes measure
// (else rows) recorded with an RTO by the most runs.
func sizeMeasure(series []MeasureSeries) (MeasureSeries, []MeasurePoint, bool) {
	var best MeasureSeries
	var bestTimed []MeasurePoint
	for _, unit := range []string{store.UnitBytes, store.UnitRows} {
		for _, s := range series {
			if s.Unit != unit {
				continue
			}
			var timed []MeasurePoint
			for _, p := range s.Points {
				if p.RTO != nil {
					timed = append(timed, p)
				}
			}
			if len(timed) > len(bestTimed) {
				best, bestTimed = s, timed
			}
		}
		if len(bestTimed) > 0 {
			return best, bestTimed, true
		}
	}
	return MeasureSeries{}, nil, false
}

// growthForecast models RTO against size and size against time; nil when
// the window has too little for it (minGrowthRuns runs with a size and
// an RTO over minGrowthSpan, at sizes that differ), so that the time
// trend stands.
func growthForecast(scenario string, series []MeasureSeries, objective *time.Duration, now time.Time) *GrowthForecast {
	size, timed, ok := sizeMeasure(series)
	if !ok || len(timed) < minGrowthRuns || timed[len(timed)-1].At.Sub(timed[0].At) < minGrowthSpan {
		return nil
	}
	xs, ys := make([]float64, len(timed)), make([]float64, len(timed))
	for i, p := range timed {
		xs[i], ys[i] = p.Value, p.RTO.Seconds()
	}
	rto, ok := fitLine(xs, ys)
	if !ok {
		return nil
	}
	fits, ok := fitGrowth(size.Points)
	if !ok {
		return nil
	}
	growth := fits[0]
	last := timed[len(timed)-1]
	f := &GrowthForecast{
		Measure: size.Name, Unit: size.Unit, Runs: len(timed), SizeRuns: len(size.Points),
		LastSize: last.Value, LastRTO: *last.RTO, LastRTOSeconds: last.RTO.Seconds(),
		SecondsPerUnit: rto.slope, RTOAtZeroSeconds: rto.intercept, ResidualSeconds: rto.residual,
		Growth: growth.kind, Size: growth.sizeAt(now), Points: []ForecastPoint{},
	}
	f.PerMonth = growth.sizeAt(now.Add(month)) - f.Size
	if f.Size != 0 {
		f.GrowthPerMonth = f.PerMonth / f.Size
	}
	if objective != nil && rto.slope > 0 {
		target := (objective.Seconds() - rto.intercept) / rto.slope
		f.ObjectiveSize = &target
		f.Crossed = f.Size >= target
		if !f.Crossed {
			f.crossings(fits, rto, objective.Seconds(), now)
		}
	}
	f.points(growth, rto, now)
	f.Summary = f.summary(scenario, objective)
	return f
}

// crossings sets the crossing, from the best growth model, and its
// bounds: the earliest and latest of every plausible growth model, each
// with the RTO line two standard errors above or below the fit (how far
// the line may be off at that size) and the growth two standard errors
// faster or slower.
func (f *GrowthForecast) crossings(fits []sizeGrowth, rto line, objective float64, now time.Time) {
	if when, ok := fits[0].reaches(*f.ObjectiveSize, fits[0].fit.slope); ok {
		f.Crossing = &when
	}
	if f.Crossing == nil {
		return
	}
	earlySize, earlyOK := rto.reachesAbove(objective, f.Size, +1)
	lateSize, lateOK := rto.reachesAbove(objective, f.Size, -1)
	latestBounded := lateOK
	for _, g := range fits {
		slope, slopeErr := g.fit.slope, g.fit.slopeErr
		switch {
		case !earlyOK:
		case earlySize <= g.sizeAt(now):
			f.CrossingEarliest = earliest(f.CrossingEarliest, now)
		default:
			if when, ok := g.reaches(earlySize, slope+2*slopeErr); ok {
				f.CrossingEarliest = earliest(f.CrossingEarliest, when)
			}
		}
		when, ok := g.reaches(lateSize, slope-2*slopeErr)
		if !lateOK || !ok {
			latestBounded = false
			continue
		}
		if f.CrossingLatest == nil || when.After(*f.CrossingLatest) {
			f.CrossingLatest = &when
		}
	}
	if f.CrossingEarliest == nil || f.CrossingEarliest.After(*f.Crossing) {
		f.CrossingEarliest = f.Crossing
	}
	if !latestBounded {
		f.CrossingLatest = nil
	}
}

func earliest(current *time.Time, candidate time.Time) *time.Time {
	if current == nil || candidate.Before(*current) {
		return &candidate
	}
	return current
}

// points are the modelled months ahead: a year, or past the crossing.
func (f *GrowthForecast) points(growth sizeGrowth, rto line, now time.Time) {
	until := now.Add(12 * month)
	if f.Crossing != nil && f.Crossing.After(until) {
		until = f.Crossing.Add(month)
	}
	for at := now; !at.After(until) && len(f.Points) < 120; at = at.Add(month) {
		size := growth.sizeAt(at)
		f.Points = append(f.Points, ForecastPoint{At: at.UTC(), Size: size, RTOSeconds: rto.at(size)})
	}
}

// summary is the forecast as one sentence: "restore of orders: 42m at
// 310 GB, growing 4.0% a month; crosses the 1h objective around 2027-05,
// at 435 GB (between 2027-02-10 and 2027-09-01; 12 runs)".
func (f *GrowthForecast) summary(scenario string, objective *time.Duration) string {
	text := fmt.Sprintf("restore of %s: %s at %s, growing %s a month", scenario, readable(&f.LastRTO), formatMeasure(f.LastSize, f.Unit), f.growthText())
	runs := fmt.Sprintf("%d runs", f.Runs)
	switch {
	case objective == nil:
		return text + "; no RTO objective to cross (" + runs + ")"
	case f.ObjectiveSize == nil:
		return text + "; the RTO does not grow with the size in these runs, so no crossing is forecast (" + runs + ")"
	case f.Crossed:
		return fmt.Sprintf("%s; at this size the modelled RTO is past the %s objective already (%s)", text, readable(objective), runs)
	case f.Crossing == nil:
		return fmt.Sprintf("%s; does not reach the %s objective, of %s, within a century at this growth (%s)", text, readable(objective), formatMeasure(*f.ObjectiveSize, f.Unit), runs)
	}
	latest := "no later bound (the slowest growth or RTO the data allows never crosses)"
	if f.CrossingLatest != nil {
		latest = f.CrossingLatest.Format(time.DateOnly)
	}
	return fmt.Sprintf("%s; crosses the %s objective around %s, at %s (between %s and %s; %s)", text, readable(objective),
		f.Crossing.Format("2006-01"), formatMeasure(*f.ObjectiveSize, f.Unit), f.CrossingEarliest.Format(time.DateOnly), latest, runs)
}

// growthText is the growth per month: a percentage for exponential
// growth, an amount for linear.
func (f *GrowthForecast) growthText() string {
	if f.Growth == "exponential" {
		return fmt.Sprintf("%.1f%%", 100*f.GrowthPerMonth)
	}
	return fmt.Sprintf("%s (%.1f%%)", formatMeasure(f.PerMonth, f.Unit), 100*f.GrowthPerMonth)
}
