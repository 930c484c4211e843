package reports

import (
	"fmt"
	"html/template"
	"math"
	"strings"
	"time"
)

// Scatter geometry, in SVG units.
const (
	scatterWidth  = 720
	scatterHeight = 240
	scatterLeft   = 60
	scatterRight  = 20
	scatterTop    = 16
	scatterBottom = 40
)

// Scatter draws the scenario's RTO against its size measure: one dot a
// run, red when it did not meet its objective, the RTO model as a line
// up to the size at which it reaches the objective, and the objective
// dashed. Empty without two runs that measured both.
func (s ScenarioReport) Scatter() template.HTML {
	size, timed, ok := sizeMeasure(s.Measures)
	if !ok || len(timed) < 2 {
		return ""
	}
	maxX, maxY := 0.0, 0.0
	for _, p := range timed {
		maxX, maxY = math.Max(maxX, p.Value), math.Max(maxY, p.RTO.Seconds())
	}
	g := s.Growth
	if g != nil && g.ObjectiveSize != nil && *g.ObjectiveSize > maxX && *g.ObjectiveSize < 4*maxX {
		maxX = *g.ObjectiveSize
	}
	if s.ObjectiveRTO != nil {
		maxY = math.Max(maxY, s.ObjectiveRTO.Seconds())
	}
	maxX, maxY = maxX*1.05, maxY*1.1
	if maxX <= 0 || maxY <= 0 {
		return ""
	}
	x := func(v float64) float64 { return scatterLeft + v/maxX*(scatterWidth-scatterLeft-scatterRight) }
	y := func(v float64) float64 { return scatterTop + (1-v/maxY)*(scatterHeight-scatterTop-scatterBottom) }
	bottom := scatterHeight - scatterBottom

	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="rto-size" viewBox="0 0 %d %d" width="%d" height="%d" role="img" aria-label="%s">`,
		scatterWidth, scatterHeight, scatterWidth, scatterHeight, template.HTMLEscapeString("RTO of "+s.Scenario+" against "+size.Name))
	fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#8a93a3"/>`, scatterLeft, bottom, scatterWidth-scatterRight, bottom)
	fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#8a93a3"/>`, scatterLeft, scatterTop, scatterLeft, bottom)
	top := time.Duration(maxY * float64(time.Second))
	fmt.Fprintf(&b, `<text x="%d" y="%.1f" font-size="11" text-anchor="end" fill="#5b6473">%s</text>`, scatterLeft-6, y(maxY)+4, readable(&top))
	fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="11" text-anchor="end" fill="#5b6473">0</text>`, scatterLeft-6, bottom+4)
	fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="11" fill="#5b6473">0</text>`, scatterLeft, scatterHeight-22)
	fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="11" text-anchor="end" fill="#5b6473">%s</text>`, scatterWidth-scatterRight, scatterHeight-22, template.HTMLEscapeString(formatMeasure(maxX, size.Unit)))
	fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="11" fill="#5b6473">%s</text>`, scatterLeft, scatterHeight-8, template.HTMLEscapeString(size.Name+" →"))
	if s.ObjectiveRTO != nil {
		oy := y(s.ObjectiveRTO.Seconds())
		fmt.Fprintf(&b, `<line class="objective" x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#c0392b" stroke-dasharray="6 4"/>`, scatterLeft, oy, scatterWidth-scatterRight, oy)
		fmt.Fprintf(&b, `<text x="%d" y="%.1f" font-size="11" fill="#c0392b">objective %s</text>`, scatterLeft+6, oy-4, readable(s.ObjectiveRTO))
	}
	if g != nil && g.Measure == size.Name && g.SecondsPerUnit > 0 {
		from, to := 0.0, maxX
		at := func(v float64) float64 { return math.Min(maxY, math.Max(0, g.RTOAtZeroSeconds+g.SecondsPerUnit*v)) }
		fmt.Fprintf(&b, `<line class="model" x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#2f6fbd" stroke-width="1.5" stroke-opacity="0.6"/>`, x(from), y(at(from)), x(to), y(at(to)))
	}
	for _, p := range timed {
		color, class := "#2f6fbd", "run"
		if p.Verdict != "met" {
			color, class = "#c0392b", "run missed"
		}
		fmt.Fprintf(&b, `<circle class="%s" cx="%.1f" cy="%.1f" r="4" fill="%s"><title>%s: %s at %s</title></circle>`, class, x(p.Value), y(p.RTO.Seconds()), color,
			p.At.UTC().Format("2006-01-02 15:04"), readable(p.RTO), template.HTMLEscapeString(formatMeasure(p.Value, size.Unit)))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}
