package reports

import (
	"fmt"
	"html/template"
	"strings"
	"time"
)

// Comparison chart geometry, in SVG units: a row per group.
const (
	compareWidth  = 720
	compareLeft   = 170 // room for a group's label
	compareRight  = 24
	compareTop    = 24
	compareRow    = 30
	compareBottom = 30
)

// ComparisonChart draws the runs compared by where they ran: a row per
// group, a dot per measured run on one RTO axis (red when it did not
// meet its objective), the group's median as a bar, and the objective
// dashed across the rows. Empty without a comparison that measured a run.
func (s ScenarioReport) ComparisonChart() template.HTML {
	c := s.Comparison
	if c == nil {
		return ""
	}
	var highest time.Duration
	for _, g := range c.Groups {
		for _, p := range g.Points {
			highest = max(highest, p.RTO)
		}
	}
	if highest <= 0 {
		return ""
	}
	// The objective is drawn when it is near the runs, as on the RTO
	// chart; far above, it would squash them against the left.
	objective := s.ObjectiveRTO
	if objective != nil && (*objective <= 0 || *objective > 3*highest) {
		objective = nil
	}
	if objective != nil {
		highest = max(highest, *objective)
	}
	top, step := niceDurationAxis(highest, 6)
	height := compareTop + compareRow*len(c.Groups) + compareBottom
	bottom := height - compareBottom
	x := func(d time.Duration) float64 {
		return compareLeft + float64(d)/float64(top)*(compareWidth-compareLeft-compareRight)
	}

	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="rto-chart compare-chart" viewBox="0 0 %d %d" width="%d" height="%d" role="img" aria-label="%s" font-size="11" fill="#5b6473">`,
		compareWidth, height, compareWidth, height, template.HTMLEscapeString("RTO of "+s.Scenario+" by "+c.By))
	for at := time.Duration(0); at <= top; at += step {
		fmt.Fprintf(&b, `<line class="grid" x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#e3e6eb"/>`, x(at), compareTop-6, x(at), bottom)
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle">%s</text>`, x(at), bottom+16, template.HTMLEscapeString(axisDuration(at)))
	}
	fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#8a93a3"/>`, compareLeft, bottom, compareWidth-compareRight, bottom)
	if objective != nil {
		ox := x(*objective)
		fmt.Fprintf(&b, `<line class="objective" x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#c0392b" stroke-dasharray="6 4"/>`, ox, compareTop-6, ox, bottom)
		anchor := "start"
		if ox > compareWidth-compareRight-100 {
			anchor = "end"
		}
		fmt.Fprintf(&b, `<text class="objective-label" x="%.1f" y="%d" text-anchor="%s" fill="#c0392b">objective %s</text>`, ox, compareTop-10, anchor, readable(objective))
	}
	for i, g := range c.Groups {
		y := float64(compareTop + compareRow*i + compareRow/2)
		fmt.Fprintf(&b, `<text x="%d" y="%.1f" text-anchor="end" fill="#1d2430">%s</text>`, compareLeft-10, y+4, template.HTMLEscapeString(compareRowLabel(g)))
		for _, p := range g.Points {
			color := "#2f6fbd"
			if p.Verdict != "met" {
				color = "#c0392b"
			}
			fmt.Fprintf(&b, `<circle class="run" cx="%.1f" cy="%.1f" r="4" fill="%s" fill-opacity=".7"><title>%s: %s, %s</title></circle>`,
				x(p.RTO), y, color, p.At.UTC().Format("2006-01-02 15:04"), readable(&p.RTO), template.HTMLEscapeString(p.Verdict))
		}
		if g.RTOMedian != nil {
			mx := x(*g.RTOMedian)
			fmt.Fprintf(&b, `<line class="median" x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#1d2430" stroke-width="2.5"><title>median %s</title></line>`,
				mx, y-10, mx, y+10, readable(g.RTOMedian))
		}
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// compareRowLabel is a group's label and sample size, cut to fit.
func compareRowLabel(g ComparisonGroup) string {
	label := g.Label
	if runes := []rune(label); len(runes) > 18 {
		label = string(runes[:17]) + "…"
	}
	return fmt.Sprintf("%s (%d)", label, g.Measured)
}
