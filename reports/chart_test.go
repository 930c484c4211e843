package reports

import (
	"strings"
	"testing"
	"time"

	"github.com/redrill/redrill/store"
)

func durationPtr(d time.Duration) *time.Duration { return &d }

func TestTimeTicksFollowTheSpan(t *testing.T) {
	start := time.Date(2026, 11, 25, 9, 2, 0, 0, time.UTC)
	x := func(time.Time) float64 { return 0 }
	tests := []struct {
		name        string
		span        time.Duration
		first, last string // labels of the first and last tick
		firstSub    string
	}{
		{"runs minutes apart show the time of day", 12 * time.Minute, "09:02", "09:14", "Nov 25"},
		{"runs hours apart show hours", 20 * time.Hour, "12:00", "03:00", "Nov 25"},
		{"runs weeks apart show days", 60 * 24 * time.Hour, "Dec 7", "Jan 18", "2026"},
		{"runs a year apart show months", 400 * 24 * time.Hour, "Jan", "Oct", "2027"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ticks := timeTicks(start, start.Add(tt.span), 8, x)
			if len(ticks) < 2 || len(ticks) > 8 {
				t.Fatalf("%d ticks, want 2 to 8: %+v", len(ticks), ticks)
			}
			if ticks[0].Label != tt.first || ticks[len(ticks)-1].Label != tt.last || ticks[0].Sub != tt.firstSub {
				t.Errorf("ticks %q (%q) … %q, want %q (%q) … %q", ticks[0].Label, ticks[0].Sub, ticks[len(ticks)-1].Label, tt.first, tt.firstSub, tt.last)
			}
		})
	}
}

func TestDurationAxisIsRound(t *testing.T) {
	tests := []struct {
		highest, top, step time.Duration
	}{
		{3 * time.Second, 3 * time.Second, time.Second},
		{1400 * time.Millisecond, 1500 * time.Millisecond, 500 * time.Millisecond},
		{19 * time.Minute, 20 * time.Minute, 5 * time.Minute},
		{41 * time.Minute, 45 * time.Minute, 15 * time.Minute},
		{2 * time.Hour, 2 * time.Hour, 30 * time.Minute},
	}
	for _, tt := range tests {
		top, step := niceDurationAxis(tt.highest, 4)
		if top != tt.top || step != tt.step {
			t.Errorf("%s: top %s step %s, want %s and %s", tt.highest, top, step, tt.top, tt.step)
		}
	}
}

// chartOf is a scenario with runs at the given offsets from now.
func chartOf(objective time.Duration, runs ...Point) ScenarioReport {
	s := ScenarioReport{Scenario: "orders", ObjectiveRTO: &objective}
	for _, r := range runs {
		r.At = now.Add(r.At.Sub(time.Time{}))
		if r.RTO > 0 {
			s.Points = append(s.Points, r)
		} else {
			s.Unmeasured = append(s.Unmeasured, r)
		}
	}
	return s
}

func run(ago time.Duration, rto time.Duration, verdict string) Point {
	return Point{At: time.Time{}.Add(-ago), RTO: rto, Verdict: verdict}
}

func TestChart(t *testing.T) {
	t.Run("seconds under an objective of hours: the runs fill the axis, the objective is said above", func(t *testing.T) {
		s := chartOf(2*time.Hour, run(30*time.Minute, 2*time.Second, "met"), run(20*time.Minute, 3*time.Second, "met"), run(10*time.Minute, 4*time.Second, "met"))
		c := chart(s).Wide
		if c.Objective != nil || !strings.Contains(c.ObjectiveAbove, "objective 2h above") {
			t.Errorf("objective line %+v, note %q; want no line and the note", c.Objective, c.ObjectiveAbove)
		}
		if top := c.YTicks[len(c.YTicks)-1].Label; top != "4s" {
			t.Errorf("the y-axis ends at %s, want 4s", top)
		}
		if spread := c.Marks[0].Y - c.Marks[2].Y; spread < 50 {
			t.Errorf("2 s and 4 s are %.0f units apart, want the plot's height between them", spread)
		}
		if c.XTicks[0].Label[2] != ':' {
			t.Errorf("runs minutes apart are labelled %q, want the time of day", c.XTicks[0].Label)
		}
	})
	t.Run("every run is drawn, with a mark per verdict and a legend", func(t *testing.T) {
		s := chartOf(10*time.Minute, run(5*24*time.Hour, 4*time.Minute, store.VerdictMet), run(4*24*time.Hour, 12*time.Minute, store.VerdictMissed),
			run(3*24*time.Hour, 0, store.VerdictFailed), run(2*24*time.Hour, 0, store.VerdictAborted), run(24*time.Hour, 0, store.VerdictNotRun),
			run(time.Hour, 0, store.VerdictInterrupted))
		figure := chart(s)
		if len(figure.Wide.Marks) != 6 || len(figure.Narrow.Marks) != 6 {
			t.Fatalf("%d and %d marks, want the 6 runs", len(figure.Wide.Marks), len(figure.Narrow.Marks))
		}
		var legend []string
		for _, item := range figure.Legend {
			legend = append(legend, item.Label)
		}
		if got := strings.Join(legend, ", "); got != "met, missed, failed, aborted, interrupted, not run (no runner), objective 10m" {
			t.Errorf("legend %q", got)
		}
		shapes := map[string]bool{}
		for _, m := range figure.Wide.Marks {
			shapes[m.D[strings.IndexAny(m.D, "aLh"):][:1]+m.Fill+m.Stroke] = true
		}
		if len(shapes) != 6 {
			t.Errorf("%d distinct marks for 6 verdicts", len(shapes))
		}
		if figure.Wide.Strip == nil || figure.Wide.Marks[2].Y != figure.Wide.Strip.At {
			t.Error("the failed run is not in the row of runs without an RTO")
		}
	})
	t.Run("the objective's label covers no run", func(t *testing.T) {
		// A run just over the objective at the right end, where the
		// label would go first.
		s := chartOf(10*time.Minute, run(3*time.Hour, 5*time.Minute, "met"), run(2*time.Hour, 6*time.Minute, "met"), run(0, 10*time.Minute+30*time.Second, "missed"))
		for _, c := range []chartLayout{chart(s).Wide, chart(s).Narrow} {
			o := c.Objective
			width := float64(len(o.Label)) * chartFontSize * 0.6
			left := o.LabelX
			if o.Anchor == "end" {
				left -= width
			}
			for _, m := range c.Marks {
				if m.X+markRadius >= left && m.X-markRadius <= left+width && m.Y+markRadius >= o.LabelY-chartFontSize && m.Y-markRadius <= o.LabelY+2 {
					t.Errorf("%s chart: the label %q at %.0f,%.0f covers the run at %.0f,%.0f", c.Class, o.Label, o.LabelX, o.LabelY, m.X, m.Y)
				}
			}
		}
	})
	t.Run("a trend that reaches the objective soon is drawn to the breach", func(t *testing.T) {
		s := chartOf(10*time.Minute, run(28*24*time.Hour, 5*time.Minute, "met"), run(21*24*time.Hour, 6*time.Minute, "met"),
			run(14*24*time.Hour, 7*time.Minute, "met"), run(7*24*time.Hour, 8*time.Minute, "met"))
		fit, _ := fitTrend([]point{{now.Add(-28 * 24 * time.Hour), 5 * time.Minute}, {now.Add(-21 * 24 * time.Hour), 6 * time.Minute},
			{now.Add(-14 * 24 * time.Hour), 7 * time.Minute}, {now.Add(-7 * 24 * time.Hour), 8 * time.Minute}})
		breach, _ := fit.breach(10*time.Minute, now)
		s.BreachForecast, s.TrendPerThirtyDays = &breach, durationPtr(fit.PerThirtyDays)
		figure := chart(s)
		c := figure.Wide
		if c.Trend == nil || c.Forecast == nil {
			t.Fatalf("trend %+v forecast %+v, want both", c.Trend, c.Forecast)
		}
		if c.Trend.X2 != c.Forecast.X1 || c.Trend.Y2 != c.Objective.Y1 {
			t.Errorf("the trend ends at %.1f,%.1f, want the breach at %.1f on the objective %.1f", c.Trend.X2, c.Trend.Y2, c.Forecast.X1, c.Objective.Y1)
		}
		if last := figure.Legend[len(figure.Legend)-1].Label; last != "trend reaches the objective "+breach.Format(time.DateOnly) {
			t.Errorf("legend ends with %q", last)
		}
	})
	t.Run("a breach far beyond the runs is said, not drawn", func(t *testing.T) {
		s := chartOf(30*time.Minute, run(3*24*time.Hour, 10*time.Minute, "met"), run(2*24*time.Hour, 10*time.Minute+time.Second, "met"), run(24*time.Hour, 10*time.Minute+2*time.Second, "met"))
		breach := now.Add(400 * 24 * time.Hour)
		s.BreachForecast = &breach
		figure := chart(s)
		if figure.Wide.Forecast != nil || len(figure.Notes) != 1 || !strings.Contains(figure.Notes[0], breach.Format(time.DateOnly)) {
			t.Errorf("forecast %+v, notes %q; want the date in a note", figure.Wide.Forecast, figure.Notes)
		}
	})
	t.Run("no run in the window", func(t *testing.T) {
		if !chart(ScenarioReport{Scenario: "new"}).Empty {
			t.Error("a chart without runs")
		}
	})
}
