package reports

import (
	"github.com/redrill/redrill/store"
)

// The series of measures: one gauge per unit, so that the unit is in the
// name as Prometheus names want it (a count has none).
var (
	metricMeasureBytes   = gaugeFamily("redrill_last_measure_bytes", "The newest value in the report window of a measure in bytes (a database's or a dump's size), by scenario and measure.", "scenario", "measure")
	metricMeasureRows    = gaugeFamily("redrill_last_measure_rows", "The newest value in the report window of a measure in rows (rows restored), by scenario and measure.", "scenario", "measure")
	metricMeasureSeconds = gaugeFamily("redrill_last_measure_seconds", "The newest value in the report window of a measure in seconds, by scenario and measure.", "scenario", "measure")
	metricMeasureCount   = gaugeFamily("redrill_last_measure", "The newest value in the report window of a measure counted without a unit, by scenario and measure.", "scenario", "measure")
	metricThroughput     = gaugeFamily("redrill_last_restore_throughput_bytes_per_second", "The newest run's restore throughput: its first bytes measure over its RTO.", "scenario", "measure")
	metricGrowthCrossing = gaugeFamily("redrill_growth_forecast_crossing_timestamp_seconds", "When the RTO, modelled against the size measure and the size's growth, is forecast to cross the objective; absent when it is not forecast to.", "scenario", "measure")

	measureFamilies = []*family{metricMeasureBytes, metricMeasureRows, metricMeasureSeconds, metricMeasureCount, metricThroughput, metricGrowthCrossing}
	measureMetricOf = map[string]*family{
		store.UnitBytes: metricMeasureBytes, store.UnitRows: metricMeasureRows, store.UnitSeconds: metricMeasureSeconds, store.UnitCount: metricMeasureCount,
	}
)

// measureMetrics are the series of every scenario's measures, its
// restore throughput and its forecast against size.
func measureMetrics(report Report) samples {
	var out samples
	for _, s := range report.Scenarios {
		for _, m := range s.Measures {
			if family, ok := measureMetricOf[m.Unit]; ok {
				out.add(family, m.Last, s.Scenario, m.Name)
			}
		}
		if t := s.Throughput; t != nil {
			out.add(metricThroughput, t.BytesPerSecond, s.Scenario, t.Measure)
		}
		if g := s.Growth; g != nil && g.Crossing != nil {
			out.add(metricGrowthCrossing, unixSeconds(*g.Crossing), s.Scenario, g.Measure)
		}
	}
	return out
}
