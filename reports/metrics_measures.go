package reports

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/redrill/redrill/store"
)

// The series of measures: one gauge per unit, so that the unit is in the
// name as Prometheus names want it (a count has none).
var (
	metricMeasureBytes   = prometheus.NewDesc("redrill_last_measure_bytes", "The newest value in the report window of a measure in bytes (a database's or a dump's size), by scenario and measure.", []string{"scenario", "measure"}, nil)
	metricMeasureRows    = prometheus.NewDesc("redrill_last_measure_rows", "The newest value in the report window of a measure in rows (rows restored), by scenario and measure.", []string{"scenario", "measure"}, nil)
	metricMeasureSeconds = prometheus.NewDesc("redrill_last_measure_seconds", "The newest value in the report window of a measure in seconds, by scenario and measure.", []string{"scenario", "measure"}, nil)
	metricMeasureCount   = prometheus.NewDesc("redrill_last_measure", "The newest value in the report window of a measure counted without a unit, by scenario and measure.", []string{"scenario", "measure"}, nil)
	metricThroughput     = prometheus.NewDesc("redrill_last_restore_throughput_bytes_per_second", "The newest run's restore throughput: its first bytes measure over its RTO.", []string{"scenario", "measure"}, nil)
	metricGrowthCrossing = prometheus.NewDesc("redrill_growth_forecast_crossing_timestamp_seconds", "When the RTO, modelled against the size measure and the size's growth, is forecast to cross the objective; absent when it is not forecast to.", []string{"scenario", "measure"}, nil)

	measureCollectorDescriptions = []*prometheus.Desc{metricMeasureBytes, metricMeasureRows, metricMeasureSeconds, metricMeasureCount, metricThroughput, metricGrowthCrossing}
	measureMetricOf              = map[string]*prometheus.Desc{
		store.UnitBytes: metricMeasureBytes, store.UnitRows: metricMeasureRows, store.UnitSeconds: metricMeasureSeconds, store.UnitCount: metricMeasureCount,
	}
)

// measureMetrics are the series of every scenario's measures, its
// restore throughput and its forecast against size.
func measureMetrics(report Report) []prometheus.Metric {
	var out []prometheus.Metric
	for _, s := range report.Scenarios {
		for _, m := range s.Measures {
			if desc, ok := measureMetricOf[m.Unit]; ok {
				out = append(out, prometheus.MustNewConstMetric(desc, prometheus.GaugeValue, m.Last, s.Scenario, m.Name))
			}
		}
		if t := s.Throughput; t != nil {
			out = append(out, prometheus.MustNewConstMetric(metricThroughput, prometheus.GaugeValue, t.BytesPerSecond, s.Scenario, t.Measure))
		}
		if g := s.Growth; g != nil && g.Crossing != nil {
			out = append(out, prometheus.MustNewConstMetric(metricGrowthCrossing, prometheus.GaugeValue, float64(g.Crossing.UnixMilli())/1000, s.Scenario, g.Measure))
		}
	}
	return out
}
