package reports

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/dustin/go-humanize"

	"github.com/redrill/redrill/store"
)

// MeasureSeries is one measure of a scenario over the report's window,
// oldest first, for tables and charts.
type MeasureSeries struct {
	Name string `json:"name"`
	Unit string `json:"unit"`
	// Last is the value of the newest run that recorded it.
	Last   float64        `json:"last"`
	LastAt time.Time      `json:"last_at"`
	Points []MeasurePoint `json:"points"`
}

// MeasurePoint is what one run measured, with the RTO of the same run
// (nil when it measured none): the data of an RTO-against-size chart.
type MeasurePoint struct {
	At         time.Time      `json:"at"`
	Value      float64        `json:"value"`
	RTO        *time.Duration `json:"-"`
	RTOSeconds *float64       `json:"rto_seconds"`
	Verdict    string         `json:"verdict"`
}

// Throughput is the restore throughput of a run: a bytes measure divided
// by the RTO.
type Throughput struct {
	// Measure names the bytes measure divided.
	Measure        string  `json:"measure"`
	BytesPerSecond float64 `json:"bytes_per_second"`
}

// String is the throughput as people read it: "118 MB/s".
func (t Throughput) String() string {
	return humanize.Bytes(uint64(max(t.BytesPerSecond, 0))) + "/s"
}

// throughputOf is the restore throughput of a run: its first bytes
// measure over its RTO. Nil without either, or with an RTO of zero.
func throughputOf(measures []store.Measure, rto *time.Duration) *Throughput {
	if rto == nil || *rto <= 0 {
		return nil
	}
	for _, m := range measures {
		if m.Unit == store.UnitBytes {
			return &Throughput{Measure: m.Name, BytesPerSecond: m.Value / rto.Seconds()}
		}
	}
	return nil
}

// RunThroughput is the restore throughput of a run, nil without a bytes
// measure or an RTO.
func RunThroughput(r store.Run) *Throughput { return throughputOf(r.Measures, r.RTO) }

// measureSeries gathers the measures of a scenario's runs by name, in
// the order the newest run recorded them, then any others by first sight.
func measureSeries(runs []store.Measurement) []MeasureSeries {
	series := []MeasureSeries{}
	at := map[string]int{}
	for _, run := range runs {
		for _, m := range run.Measures {
			i, seen := at[m.Name]
			if !seen {
				i = len(series)
				at[m.Name] = i
				series = append(series, MeasureSeries{Name: m.Name, Unit: m.Unit, Points: []MeasurePoint{}})
			}
			s := &series[i]
			s.Unit, s.Last, s.LastAt = m.Unit, m.Value, run.StartedAt
			s.Points = append(s.Points, MeasurePoint{At: run.StartedAt, Value: m.Value, RTO: run.RTO, RTOSeconds: seconds(run.RTO), Verdict: run.Verdict})
		}
	}
	return series
}

// addMeasures adds to a scenario's report what its measures say: their
// series, the restore throughput of the last run, and the forecast
// against size, which replaces the time trend's when there is enough data
// for it.
func (r *ScenarioReport) addMeasures(last store.Run, series []MeasureSeries, now time.Time) {
	r.Measures = series
	r.Throughput = RunThroughput(last)
	r.Growth = growthForecast(r.Scenario, r.Measures, r.ObjectiveRTO, now)
	if r.Growth != nil {
		r.BreachForecast = r.Growth.Crossing
	}
}

// formatMeasure is a measured value as people read it: bytes in SI units
// ("310 GB"), rows and counts with thousands separators, seconds as a
// duration.
func formatMeasure(value float64, unit string) string {
	switch unit {
	case store.UnitBytes:
		if value < 0 {
			return "-" + humanize.Bytes(uint64(-value))
		}
		return humanize.Bytes(uint64(value))
	case store.UnitSeconds:
		d := time.Duration(value * float64(time.Second))
		return readable(&d)
	case store.UnitRows:
		return number(value) + " rows"
	}
	return number(value)
}

// number is a count with thousands separators, decimals only when it has
// them: "1,204,000", "2.5".
func number(value float64) string {
	if value == math.Trunc(value) && math.Abs(value) < 1e15 {
		return humanize.Comma(int64(value))
	}
	return humanize.CommafWithDigits(value, 2)
}

// measuresLine lists what a run measured: "dump_size 310 GB, rows 1,204".
func measuresLine(measures []store.Measure) string {
	parts := make([]string, 0, len(measures))
	for _, m := range measures {
		parts = append(parts, fmt.Sprintf("%s %s", m.Name, formatMeasure(m.Value, m.Unit)))
	}
	return strings.Join(parts, ", ")
}

// measureCell is a series' last value and how many runs recorded it.
func (s MeasureSeries) measureCell() string {
	runs := strconv.Itoa(len(s.Points)) + " runs"
	if len(s.Points) == 1 {
		runs = "1 run"
	}
	return fmt.Sprintf("%s (%s)", formatMeasure(s.Last, s.Unit), runs)
}

// measured lists the scenarios that recorded a measure in the window.
func measured(r Report) []ScenarioReport {
	var out []ScenarioReport
	for _, s := range r.Scenarios {
		if len(s.Measures) > 0 {
			out = append(out, s)
		}
	}
	return out
}

// throughputCell is the last run's restore throughput, or "-".
func throughputCell(t *Throughput) string {
	if t == nil {
		return "-"
	}
	return fmt.Sprintf("%s (%s / RTO)", t, t.Measure)
}

// Cell is the series' last value and how many runs recorded it, as the
// report shows it: "310 GB (12 runs)".
func (s MeasureSeries) Cell() string { return s.measureCell() }

// GrowthLine is the forecast against size, or why there is none.
func (s ScenarioReport) GrowthLine() string { return growthLine(s) }

// measureLines are what a run measured, for show: each measure with its
// phase, then the restore throughput.
func measureLines(r store.Run) []string {
	if len(r.Measures) == 0 {
		return nil
	}
	parts := make([]string, 0, len(r.Measures))
	for _, m := range r.Measures {
		parts = append(parts, fmt.Sprintf("%s %s (%s)", m.Name, formatMeasure(m.Value, m.Unit), m.Phase))
	}
	lines := []string{"measured  " + strings.Join(parts, ", ")}
	if t := RunThroughput(r); t != nil {
		lines = append(lines, "restore   "+throughputCell(t))
	}
	return lines
}

// measuresOrEmpty is a run's measures, [] rather than null when none.
func measuresOrEmpty(measures []store.Measure) []store.Measure {
	if measures == nil {
		return []store.Measure{}
	}
	return measures
}
