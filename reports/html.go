package reports

import (
	"embed"
	"fmt"
	"html/template"
	"io"
	"strings"
	"time"

	"github.com/redrill/redrill/internal/buildinfo"
	"github.com/redrill/redrill/store"
)

//go:embed templates/report.html
var templates embed.FS

// reportTemplate is parsed once; html/template escapes everything that
// scenario authors wrote.
var reportTemplate = template.Must(template.New("report.html").Funcs(template.FuncMap{
	"duration":  readable,
	"signed":    signed,
	"anchor":    anchor,
	"riskClass": func(r Risk) string { return strings.ReplaceAll(string(r), "_", "-") },
	"chart":     chart,
	"forecast":  forecast,
	"runCounts": runCounts,
	// What checks and authors wrote, without terminal escape sequences
	// or characters a page cannot show.
	"plain":        plainText,
	"runVerdict":   runVerdict,
	"gameDayStart": func(g GameDay, r store.Run) string { return g.startOf(r) },
	"gameDaySummary": func(g GameDay) string {
		return plainText(strings.TrimPrefix(g.summary(), "Game day "+g.Name+", "))
	},
	"ago": func(s ScenarioReport) string { return strings.TrimSuffix(age(s), ", stale") },
	// Only http and https postmortem URLs become links, as in Markdown.
	"webURL": func(u string) bool { _, ok := markdownURL(u); return ok },
	// What the clients of drills under load saw (load.go).
	"underLoad":      underLoad,
	"downtimeCell":   func(l *LoadReport) string { return l.downtimeCell() },
	"lostCell":       func(l *LoadReport) string { return l.lostCell() },
	"windowLostCell": func(l *LoadReport) string { return l.windowLostCell() },
	"count":          countOrDash,
	// Where the people's time went (people.go).
	"withPeople": withPeople,
	"timeSplit":  timeSplit,
	"waitsCell":  waitsCell,
	"span":       func(d time.Duration) string { return readable(&d) },
	"percent":    func(share float64) string { return fmt.Sprintf("%.0f%%", share*100) },
	// A runner's state in the colours of the risks: up healthy, gone not met.
	"runnerClass": func(state string) string {
		switch state {
		case store.RunnerUp:
			return "healthy"
		case store.RunnerGone:
			return "not-met"
		}
		return "stale"
	},
	// Which redrill wrote the page, for a reader who reports a problem.
	"generator": func() string { return buildinfo.Read().Short() },
}).ParseFS(templates, "templates/report.html"))

// WriteHTML writes the report as one self-contained page: inline CSS and
// inline SVG charts, nothing fetched from anywhere, printable.
func WriteHTML(w io.Writer, r Report) error {
	return reportTemplate.Execute(w, r)
}

func anchor(name string) string {
	return "scenario-" + strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			return r
		}
		return '-'
	}, name)
}

// Chart geometry, in SVG units.
const (
	chartWidth  = 720
	chartHeight = 220
	chartLeft   = 60
	chartRight  = 20
	chartTop    = 16
	chartBottom = 36
)

// chart draws measured RTO over time, the objective as a dashed line and
// runs that did not meet it in red.
func chart(s ScenarioReport) template.HTML {
	if len(s.Points) == 0 {
		return template.HTML(`<p class="meta">No measured recovery in this window.</p>`)
	}
	first, last := s.Points[0].At, s.Points[len(s.Points)-1].At
	if !last.After(first) {
		first, last = first.Add(-12*time.Hour), last.Add(12*time.Hour)
	}
	top := time.Duration(0)
	for _, p := range s.Points {
		top = max(top, p.RTO)
	}
	if s.ObjectiveRTO != nil {
		top = max(top, *s.ObjectiveRTO)
	}
	top = top * 11 / 10
	if top == 0 {
		top = time.Second
	}
	x := func(t time.Time) float64 {
		return chartLeft + float64(t.Sub(first))/float64(last.Sub(first))*(chartWidth-chartLeft-chartRight)
	}
	y := func(d time.Duration) float64 {
		return chartTop + (1-float64(d)/float64(top))*(chartHeight-chartTop-chartBottom)
	}

	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="rto-chart" viewBox="0 0 %d %d" width="%d" height="%d" role="img" aria-label="%s">`,
		chartWidth, chartHeight, chartWidth, chartHeight, template.HTMLEscapeString("Measured RTO of "+s.Scenario+" over time"))
	bottom := chartHeight - chartBottom
	fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#8a93a3"/>`, chartLeft, bottom, chartWidth-chartRight, bottom)
	fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#8a93a3"/>`, chartLeft, chartTop, chartLeft, bottom)
	fmt.Fprintf(&b, `<text x="%d" y="%.1f" font-size="11" text-anchor="end" fill="#5b6473">%s</text>`, chartLeft-6, y(top)+4, readable(&top))
	fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="11" text-anchor="end" fill="#5b6473">0</text>`, chartLeft-6, bottom+4)
	fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="11" fill="#5b6473">%s</text>`, chartLeft, chartHeight-12, first.Format("2006-01-02"))
	fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="11" text-anchor="end" fill="#5b6473">%s</text>`, chartWidth-chartRight, chartHeight-12, last.Format("2006-01-02"))
	if s.ObjectiveRTO != nil {
		oy := y(*s.ObjectiveRTO)
		fmt.Fprintf(&b, `<line class="objective" x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#c0392b" stroke-dasharray="6 4"/>`, chartLeft, oy, chartWidth-chartRight, oy)
		fmt.Fprintf(&b, `<text x="%d" y="%.1f" font-size="11" text-anchor="end" fill="#c0392b">objective %s</text>`, chartWidth-chartRight, oy-4, readable(s.ObjectiveRTO))
	}
	var path strings.Builder
	for i, p := range s.Points {
		if i == 0 {
			fmt.Fprintf(&path, "M%.1f %.1f", x(p.At), y(p.RTO))
		} else {
			fmt.Fprintf(&path, " L%.1f %.1f", x(p.At), y(p.RTO))
		}
	}
	fmt.Fprintf(&b, `<path class="rto" d="%s" fill="none" stroke="#2f6fbd" stroke-width="2"/>`, path.String())
	for _, p := range s.Points {
		color, class := "#2f6fbd", "run"
		if p.Verdict != "met" {
			color, class = "#c0392b", "run missed"
		}
		rto := p.RTO
		fmt.Fprintf(&b, `<circle class="%s" cx="%.1f" cy="%.1f" r="4" fill="%s"><title>%s: %s, %s</title></circle>`,
			class, x(p.At), y(p.RTO), color, p.At.Format("2006-01-02 15:04"), readable(&rto), template.HTMLEscapeString(p.Verdict))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}
