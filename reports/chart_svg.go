package reports

import (
	"html/template"
	"strconv"
	"strings"
)

// chartSVG writes one size of a scenario's chart. It is Go, not a
// template, for the reason marksSVG is: a report of a thousand scenarios
// draws two thousand charts, and the template's calls for each tick and
// line were most of the report's time. Every text is escaped by
// html/template's own function.
func chartSVG(l chartLayout) template.HTML {
	var b svgWriter
	b.Grow(4096 + len(l.Marks)*200)
	b.WriteString(`<svg class="rto-chart `)
	b.text(l.Class)
	b.WriteString(`" viewBox="0 0 `)
	b.int(l.Width)
	b.WriteByte(' ')
	b.int(l.Height)
	b.WriteString(`" width="`)
	b.int(l.Width)
	b.WriteString(`" height="`)
	b.int(l.Height)
	b.WriteString(`" role="img" aria-label="`)
	b.text(l.Label)
	b.WriteString(`" font-size="`)
	b.int(l.FontSize)
	b.WriteString("\" fill=\"#5b6473\">\n")
	for _, t := range l.YTicks {
		b.WriteString(`<line class="grid" x1="`)
		b.plain(l.Left)
		b.WriteString(`" y1="`)
		b.tenth(t.At)
		b.WriteString(`" x2="`)
		b.plain(l.Right)
		b.WriteString(`" y2="`)
		b.tenth(t.At)
		b.WriteString(`" stroke="#e3e6eb"/><text x="`)
		b.tenth(l.Left - 6)
		b.WriteString(`" y="`)
		b.tenth(t.At + 4)
		b.WriteString(`" text-anchor="end">`)
		b.text(t.Label)
		b.WriteString("</text>\n")
	}
	b.WriteString(`<line x1="`)
	b.plain(l.Left)
	b.WriteString(`" y1="`)
	b.plain(l.Bottom)
	b.WriteString(`" x2="`)
	b.plain(l.Right)
	b.WriteString(`" y2="`)
	b.plain(l.Bottom)
	b.WriteString(`" stroke="#8a93a3"/><line x1="`)
	b.plain(l.Left)
	b.WriteString(`" y1="`)
	b.plain(l.Top)
	b.WriteString(`" x2="`)
	b.plain(l.Left)
	b.WriteString(`" y2="`)
	b.plain(l.Bottom)
	b.WriteString("\" stroke=\"#8a93a3\"/>\n")
	for _, t := range l.XTicks {
		b.WriteString(`<line x1="`)
		b.tenth(t.At)
		b.WriteString(`" y1="`)
		b.plain(l.Bottom)
		b.WriteString(`" x2="`)
		b.tenth(t.At)
		b.WriteString(`" y2="`)
		b.tenth(l.Bottom + 4)
		b.WriteString(`" stroke="#8a93a3"/><text x="`)
		b.tenth(t.At)
		b.WriteString(`" y="`)
		b.plain(l.XLabelY)
		b.WriteString(`" text-anchor="middle">`)
		b.text(t.Label)
		b.WriteString(`</text>`)
		if t.Sub != "" {
			b.WriteString(`<text x="`)
			b.tenth(t.At)
			b.WriteString(`" y="`)
			b.plain(l.XSubY)
			b.WriteString(`" text-anchor="middle">`)
			b.text(t.Sub)
			b.WriteString(`</text>`)
		}
		b.WriteByte('\n')
	}
	if s := l.Strip; s != nil {
		b.WriteString(`<text class="strip" x="`)
		b.tenth(l.Left - 6)
		b.WriteString(`" y="`)
		b.tenth(s.At + 4)
		b.WriteString(`" text-anchor="end">`)
		b.text(s.Label)
		b.WriteString("</text>\n")
	}
	if l.ObjectiveAbove != "" {
		b.WriteString(`<text class="objective-above" x="`)
		b.tenth(l.Left + 4)
		b.WriteString(`" y="13" fill="#c0392b">`)
		b.text(l.ObjectiveAbove)
		b.WriteString("</text>\n")
	}
	if o := l.Objective; o != nil {
		b.line("objective", o, `stroke="#c0392b" stroke-dasharray="6 4"`)
		b.label("objective-label", o, "#c0392b")
	}
	if f := l.Forecast; f != nil {
		b.line("forecast", f, `stroke="#8a4b00" stroke-dasharray="2 3"`)
		b.label("forecast-label", f, "#8a4b00")
	}
	if t := l.Trend; t != nil {
		b.line("trend", t, `stroke="#7a8494" stroke-width="1.5" stroke-dasharray="3 3"`)
		b.WriteByte('\n')
	}
	if l.RTOPath != "" {
		b.WriteString(`<path class="rto" d="`)
		b.text(l.RTOPath)
		b.WriteString("\" fill=\"none\" stroke=\"#2f6fbd\" stroke-width=\"1.5\" stroke-opacity=\".6\"/>\n")
	}
	b.WriteString(string(marksSVG(l.Marks)))
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// svgWriter writes SVG as chart.html's template wrote it: numbers as
// fmt prints them or to a tenth, texts escaped.
type svgWriter struct{ strings.Builder }

func (b *svgWriter) text(s string)     { b.WriteString(template.HTMLEscapeString(s)) }
func (b *svgWriter) int(n int)         { b.WriteString(strconv.Itoa(n)) }
func (b *svgWriter) plain(f float64)   { b.WriteString(strconv.FormatFloat(f, 'g', -1, 64)) }
func (b *svgWriter) tenth(f float64)   { b.WriteString(strconv.FormatFloat(f, 'f', 1, 64)) }
func (b *svgWriter) attr(name string)  { b.WriteString(` ` + name + `="`) }
func (b *svgWriter) end()              { b.WriteByte('"') }
func (b *svgWriter) number(f float64)  { b.tenth(f); b.end() }
func (b *svgWriter) class(name string) { b.WriteString(` class="` + name + `"`) }

// line writes a chart line of class name with its style.
func (b *svgWriter) line(name string, l *chartLine, style string) {
	b.WriteString(`<line`)
	b.class(name)
	b.attr("x1")
	b.number(l.X1)
	b.attr("y1")
	b.number(l.Y1)
	b.attr("x2")
	b.number(l.X2)
	b.attr("y2")
	b.number(l.Y2)
	b.WriteString(" " + style + "/>")
}

// label writes a line's label, in colour.
func (b *svgWriter) label(name string, l *chartLine, colour string) {
	b.WriteString(`<text`)
	b.class(name)
	b.attr("x")
	b.number(l.LabelX)
	b.attr("y")
	b.number(l.LabelY)
	b.attr("text-anchor")
	b.text(l.Anchor)
	b.end()
	b.WriteString(` fill="` + colour + `">`)
	b.text(l.Label)
	b.WriteString("</text>\n")
}
