package reports

import (
	"fmt"
	"html/template"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redrill/redrill/store"
)

// A chart of a scenario's runs is drawn at two fixed sizes, each at 1:1
// (the SVG never scales, so its text is 11 px on every screen): wide for
// desktops and print, narrow for phones; the style sheet shows one.
const (
	chartWideWidth   = 720
	chartNarrowWidth = 340
	chartLeft        = 56
	chartRight       = 20
	chartTop         = 22
	chartPlotHeight  = 150
	chartFontSize    = 11
	markRadius       = 4.5
	// objectiveInScale: an objective more than this many times the
	// highest RTO is said above the chart, not drawn: drawn, it would
	// squash every run into a line at zero.
	objectiveInScale = 3
)

// chartFigure is what the report shows of a scenario's runs: the chart at
// both sizes, the legend and what does not fit the axes.
type chartFigure struct {
	Empty  bool
	Wide   chartLayout
	Narrow chartLayout
	Legend []legendItem
	Notes  []string
}

// chartLayout is one chart in SVG units, ready for templates/chart.html,
// which escapes every text.
type chartLayout struct {
	Class, Label             string
	Width, Height            int
	Left, Right, Top, Bottom float64
	FontSize                 int
	XTicks, YTicks           []tick
	XLabelY, XSubY           float64
	Strip                    *tick // the row of runs that measured no RTO
	Objective                *chartLine
	ObjectiveAbove           string
	Trend, Forecast          *chartLine
	RTOPath                  string
	Marks                    []chartMark
}

// chartLine is a segment with a label placed where it covers no run.
type chartLine struct {
	X1, Y1, X2, Y2 float64
	Label          string
	LabelX, LabelY float64
	Anchor         string
}

// chartMark is one run: its shape D, centred on 0,0, is moved to X, Y.
type chartMark struct {
	Class, D, Fill, Stroke string
	StrokeWidth            float64
	Title                  string
	X, Y                   float64
}

// legendItem is one kind of mark or line, with a 14×14 swatch.
type legendItem struct {
	Class, D, Fill, Stroke, Dash string
	StrokeWidth                  float64
	Label                        string
}

// markStyle is how a verdict is drawn: a shape besides a colour, so that
// it reads in grey print and for colour-blind readers.
type markStyle struct {
	shape, fill, stroke string
	width               float64
	label               string
}

var markStyles = map[string]markStyle{
	store.VerdictMet:         {"circle", "#2f6fbd", "#2f6fbd", 1, "met"},
	store.VerdictMissed:      {"square", "#c0392b", "#c0392b", 1, "missed"},
	store.VerdictFailed:      {"cross", "none", "#c0392b", 2, "failed"},
	store.VerdictAborted:     {"triangle", "#ffffff", "#b9770e", 1.5, "aborted"},
	store.VerdictInterrupted: {"diamond", "#ffffff", "#6c3fb5", 1.5, "interrupted"},
	store.VerdictNotRun:      {"circle", "#ffffff", "#5b6473", 1.5, "not run (no runner)"},
	store.StatusRunning:      {"circle", "#dbe7f6", "#2f6fbd", 1.5, "running"},
}

// chartRun is a run on the chart, measured or not, with the title both
// sizes of the chart give its mark.
type chartRun struct {
	at      time.Time
	rto     *time.Duration
	verdict string
	title   string
}

// chart lays out the runs of a scenario's window: measured RTOs over time,
// the runs that measured none in a row of their own, the objective, the
// RTO trend and where it reaches the objective.
func chart(s ScenarioReport) chartFigure {
	runs := chartRuns(s)
	if len(runs) == 0 {
		return chartFigure{Empty: true}
	}
	figure := chartFigure{
		Wide:   layoutChart(s, runs, chartWideWidth, "wide"),
		Narrow: layoutChart(s, runs, chartNarrowWidth, "narrow"),
	}
	seen := map[string]bool{}
	for _, r := range runs {
		seen[r.verdict] = true
	}
	for _, verdict := range verdictOrder {
		if seen[verdict] {
			style := markStyles[verdict]
			figure.Legend = append(figure.Legend, legendItem{Class: "mark " + verdict, D: shapePath(style.shape, 7, 7),
				Fill: style.fill, Stroke: style.stroke, StrokeWidth: style.width, Label: style.label})
		}
	}
	if figure.Wide.Objective != nil {
		figure.Legend = append(figure.Legend, legendItem{Class: "objective", D: "M1 7 H13", Stroke: "#c0392b", Dash: "4 2", StrokeWidth: 1.5,
			Label: "objective " + readable(s.ObjectiveRTO)})
	}
	if figure.Wide.Trend != nil {
		figure.Legend = append(figure.Legend, legendItem{Class: "trend", D: "M1 11 L13 3", Stroke: "#7a8494", Dash: "2 2", StrokeWidth: 1.5,
			Label: "trend " + signed(s.TrendPerThirtyDays) + " / 30 days"})
	}
	if figure.Wide.Forecast != nil {
		figure.Legend = append(figure.Legend, legendItem{Class: "forecast", D: "M7 1 V13", Stroke: "#8a4b00", Dash: "2 2", StrokeWidth: 1.5,
			Label: "trend reaches the objective " + s.BreachForecast.UTC().Format(time.DateOnly)})
	} else if s.BreachForecast != nil {
		figure.Notes = append(figure.Notes, "The RTO trend reaches the objective around "+s.BreachForecast.UTC().Format(time.DateOnly)+", beyond the chart.")
	}
	if figure.Wide.ObjectiveAbove != "" {
		figure.Notes = append(figure.Notes, fmt.Sprintf("The objective (%s) is far above every run and not drawn to scale.", readable(s.ObjectiveRTO)))
	}
	return figure
}

// chartRuns are the window's runs, oldest first.
func chartRuns(s ScenarioReport) []chartRun {
	runs := make([]chartRun, 0, len(s.Points)+len(s.Unmeasured))
	for _, p := range s.Points {
		rto := p.RTO
		runs = append(runs, chartRun{at: p.At, rto: &rto, verdict: orDefault(p.Verdict, store.StatusRunning)})
	}
	for _, p := range s.Unmeasured {
		runs = append(runs, chartRun{at: p.At, verdict: orDefault(p.Verdict, store.StatusRunning)})
	}
	slices.SortStableFunc(runs, func(a, b chartRun) int { return a.at.Compare(b.at) })
	for i, r := range runs {
		measured := ", no RTO measured"
		if r.rto != nil {
			measured = ", RTO " + readable(r.rto)
		}
		runs[i].title = r.at.UTC().Format("2006-01-02 15:04") + " UTC: " + r.verdict + measured
	}
	return runs
}

// layoutChart places the runs on a chart width units wide.
func layoutChart(s ScenarioReport, runs []chartRun, width int, class string) chartLayout {
	c := chartLayout{Class: class, Width: width, FontSize: chartFontSize,
		Label: "Runs of " + s.Scenario + " over time: measured RTO, objective and trend",
		Left:  chartLeft, Right: float64(width - chartRight), Top: chartTop, Bottom: chartTop + chartPlotHeight}

	// The time axis spans the runs, and the forecast when it is no
	// further out than the runs span: further, it would squash them.
	first, last := runs[0].at, runs[len(runs)-1].at
	if !last.After(first) {
		first, last = first.Add(-30*time.Minute), last.Add(30*time.Minute)
	}
	var points []point
	var highest time.Duration
	for _, r := range runs {
		if r.rto != nil {
			points = append(points, point{at: r.at, rto: *r.rto})
			highest = max(highest, *r.rto)
		}
	}
	fit, hasTrend := fitTrend(points)
	objectiveShown := s.ObjectiveRTO != nil && (len(points) == 0 || *s.ObjectiveRTO <= objectiveInScale*highest)
	forecastShown := hasTrend && objectiveShown && s.BreachForecast != nil && s.BreachForecast.Sub(last) <= last.Sub(first)
	end := last
	if forecastShown {
		end = *s.BreachForecast
	}
	pad := end.Sub(first) / 25
	start, end := first.Add(-pad), end.Add(pad)
	x := func(t time.Time) float64 {
		return c.Left + float64(t.Sub(start))/float64(end.Sub(start))*(c.Right-c.Left)
	}

	if hasTrend {
		until := points[len(points)-1].at
		if forecastShown {
			until = *s.BreachForecast
		}
		highest = max(highest, fit.at(points[0].at), fit.at(until))
	}
	if objectiveShown {
		highest = max(highest, *s.ObjectiveRTO)
	}
	top, step := niceDurationAxis(highest, 4)
	y := func(d time.Duration) float64 {
		d = min(max(d, 0), top)
		return c.Bottom - float64(d)/float64(top)*(c.Bottom-c.Top)
	}
	for at := time.Duration(0); at <= top; at += step {
		c.YTicks = append(c.YTicks, tick{At: y(at), Label: axisDuration(at)})
	}

	// Runs that measured no RTO sit in a row under the axis.
	below := c.Bottom
	for _, r := range runs {
		if r.rto == nil {
			below += 24
			c.Strip = &tick{At: c.Bottom + 14, Label: "no RTO"}
			break
		}
	}
	c.XTicks = timeTicks(start, end, max(2, width/90), x)
	c.XLabelY, c.XSubY = below+16, below+29
	c.Height = int(below) + 38

	path := make(pathData, 0, len(runs)*14)
	c.Marks = make([]chartMark, 0, len(runs))
	shapes := map[string]string{}
	for _, r := range runs {
		style := markStyles[r.verdict]
		if shapes[style.shape] == "" {
			shapes[style.shape] = shapePath(style.shape, 0, 0)
		}
		mark := chartMark{Class: "mark " + r.verdict, D: shapes[style.shape], X: x(r.at), Title: r.title,
			Fill: style.fill, Stroke: style.stroke, StrokeWidth: style.width}
		if r.rto != nil {
			mark.Y = y(*r.rto)
			if len(path) == 0 {
				path.cmd('M', mark.X, mark.Y)
			} else {
				path.cmd('L', mark.X, mark.Y)
			}
		} else {
			mark.Y = c.Strip.At
		}
		c.Marks = append(c.Marks, mark)
	}
	c.RTOPath = string(path)

	switch {
	case objectiveShown:
		oy := y(*s.ObjectiveRTO)
		c.Objective = &chartLine{X1: c.Left, Y1: oy, X2: c.Right, Y2: oy}
		c.Objective.place(c, "objective "+readable(s.ObjectiveRTO))
	case s.ObjectiveRTO != nil:
		c.ObjectiveAbove = "↑ objective " + readable(s.ObjectiveRTO) + " above"
	}
	if hasTrend {
		from, until := points[0].at, points[len(points)-1].at
		if forecastShown {
			until = *s.BreachForecast
		}
		c.Trend = &chartLine{X1: x(from), Y1: y(fit.at(from)), X2: x(until), Y2: y(fit.at(until))}
	}
	if forecastShown {
		fx := x(*s.BreachForecast)
		c.Forecast = &chartLine{X1: fx, Y1: c.Top, X2: fx, Y2: c.Bottom}
		c.Forecast.place(c, "breach "+s.BreachForecast.UTC().Format("Jan 2"))
	}
	return c
}

// place puts a line's label at the first of its ends, above or below it,
// where it covers no run and stays inside the plot.
func (l *chartLine) place(c chartLayout, label string) {
	l.Label = label
	textWidth := float64(len([]rune(label))) * chartFontSize * 0.6
	type spot struct {
		x, y   float64
		anchor string
	}
	spots := []spot{
		{max(l.X1, l.X2) - 4, min(l.Y1, l.Y2) - 5, "end"}, {min(l.X1, l.X2) + 4, min(l.Y1, l.Y2) - 5, "start"},
		{max(l.X1, l.X2) - 4, max(l.Y1, l.Y2) + 14, "end"}, {min(l.X1, l.X2) + 4, max(l.Y1, l.Y2) + 14, "start"},
	}
	if l.X1 == l.X2 { // a vertical line: its label beside its top
		spots = []spot{{l.X1 - 4, c.Bottom - 6, "end"}, {l.X1 + 4, c.Bottom - 6, "start"}, {l.X1 - 4, c.Top + 24, "end"}}
	}
	for i, s := range spots {
		left := s.x
		if s.anchor == "end" {
			left -= textWidth
		}
		inside := left >= c.Left && left+textWidth <= c.Right && s.y-chartFontSize >= 0 && s.y <= c.Bottom
		free := !slices.ContainsFunc(c.Marks, func(m chartMark) bool {
			return m.X+markRadius+1 >= left && m.X-markRadius-1 <= left+textWidth && m.Y+markRadius+1 >= s.y-chartFontSize && m.Y-markRadius-1 <= s.y+2
		})
		if inside && free || i == len(spots)-1 {
			l.LabelX, l.LabelY, l.Anchor = s.x, s.y, s.anchor
			return
		}
	}
}

// shapePath is the outline of a mark centred on x, y.
func shapePath(shape string, x, y float64) string {
	r := markRadius
	d := make(pathData, 0, 64)
	switch shape {
	case "square":
		d.cmd('M', x-r, y-r).cmd('h', 2*r).cmd('v', 2*r).cmd('h', -2*r).close()
	case "cross":
		d.cmd('M', x-r, y-r).cmd('L', x+r, y+r).cmd('M', x-r, y+r).cmd('L', x+r, y-r)
	case "triangle":
		d.cmd('M', x, y-r-0.5).cmd('L', x+r+0.5, y+r).cmd('L', x-r-0.5, y+r).close()
	case "diamond":
		d.cmd('M', x, y-r-0.5).cmd('L', x+r+0.5, y).cmd('L', x, y+r+0.5).cmd('L', x-r-0.5, y).close()
	default:
		d.cmd('M', x-r, y).halfCircle(r, 2*r).halfCircle(r, -2*r).close()
	}
	return string(d)
}

// pathData builds an SVG path with numbers to a tenth: a chart has
// thousands of marks, and fmt would be most of the report's time.
type pathData []byte

func (d *pathData) cmd(letter byte, numbers ...float64) *pathData {
	*d = append(*d, letter)
	for i, n := range numbers {
		if i > 0 {
			*d = append(*d, ' ')
		}
		*d = strconv.AppendFloat(*d, n, 'f', 1, 64)
	}
	return d
}

// halfCircle is an arc of radius r to dx further along; its flags are
// the digits SVG requires ("1.0" is no flag).
func (d *pathData) halfCircle(r, dx float64) *pathData {
	d.cmd('a', r, r)
	*d = append(*d, " 0 1 0 "...)
	*d = strconv.AppendFloat(*d, dx, 'f', 1, 64)
	*d = append(*d, " 0"...)
	return d
}

func (d *pathData) close() { *d = append(*d, 'Z') }

// marksSVG writes the marks of a chart. It is Go, not template, for the
// same reason as pathData: a template call per attribute of thousands of
// marks took ten times as long as the rest of the report. Every text is
// still escaped by html/template's own function.
func marksSVG(marks []chartMark) template.HTML {
	var b strings.Builder
	b.Grow(len(marks) * 200)
	for _, m := range marks {
		b.WriteString(`<path class="`)
		b.WriteString(template.HTMLEscapeString(m.Class))
		b.WriteString(`" d="`)
		b.WriteString(template.HTMLEscapeString(m.D))
		b.WriteString(`" transform="translate(`)
		b.WriteString(strconv.FormatFloat(m.X, 'f', 1, 64))
		b.WriteByte(' ')
		b.WriteString(strconv.FormatFloat(m.Y, 'f', 1, 64))
		b.WriteString(`)" fill="`)
		b.WriteString(template.HTMLEscapeString(m.Fill))
		b.WriteString(`" stroke="`)
		b.WriteString(template.HTMLEscapeString(m.Stroke))
		b.WriteString(`" stroke-width="`)
		b.WriteString(strconv.FormatFloat(m.StrokeWidth, 'f', -1, 64))
		b.WriteString(`"><title>`)
		b.WriteString(template.HTMLEscapeString(m.Title))
		b.WriteString("</title></path>\n")
	}
	return template.HTML(b.String())
}
