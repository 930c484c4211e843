package reports

import (
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/redrill/redrill/internal/buildinfo"
	"github.com/redrill/redrill/scenarios/phase"
	"github.com/redrill/redrill/store"
)

//go:embed templates/gameday.html
var dayFiles embed.FS

var dayTemplate = template.Must(template.New("gameday.html").Funcs(template.FuncMap{
	"plain":      plainText,
	"duration":   readable,
	"runVerdict": runVerdict,
	"noteLine":   noteLine,
	"generator":  func() string { return buildinfo.Read().Short() },
	"ptr":        func(d time.Duration) *time.Duration { return &d },
}).ParseFS(dayFiles, "templates/gameday.html"))

// The SVG timeline's geometry, in its own units (it scales to the page).
const (
	svgLabelWidth = 180
	svgAxisWidth  = 720
	svgRowHeight  = 28
	svgBarHeight  = 16
	svgTop        = 24 // room for the time axis
	svgTicks      = 6
)

// phaseColours are the timeline's colours, one per phase, told apart
// without colour too: each bar has its phase's name as a title.
var phaseColours = map[phase.Phase]string{
	phase.SteadyState: "#8da0cb", phase.Setup: "#b3b3b3", phase.Disrupt: "#e78ac3", phase.Recover: "#fc8d62",
	phase.RecoveredWhen: "#66c2a5", phase.Guard: "#a6d854", phase.DataLoss: "#ffd92f", phase.Rollback: "#e5c494",
}

type svgBar struct {
	X, Y, Width, Height float64
	Colour, Title       string
}

type svgRow struct {
	Label, Verdict string
	Y, TextY       float64
	Bars           []svgBar
	// Clock marks the recovery clock's start and stop (0 when absent).
	ClockX, ClockStopX float64
}

type svgTick struct {
	X     float64
	Label string
}

type dayView struct {
	DayReport
	Summary       string
	About         []string
	Rows          []svgRow
	Ticks         []svgTick
	Width, Height float64
	AxisEnd       float64
	Legend        []svgBar
	TimeShare     string
	// Links makes run ids links to the dashboard's run pages.
	Links bool
}

func (d DayReport) view(links bool) dayView {
	start, end := d.span()
	total := float64(end.Sub(start))
	x := func(t time.Time) float64 {
		return svgLabelWidth + svgAxisWidth*max(0, min(1, float64(t.Sub(start))/total))
	}
	v := dayView{DayReport: d, Links: links, Summary: plainText(strings.TrimPrefix(d.summary(), "Game day "+d.Name+", ")), About: d.aboutLines(), TimeShare: d.timeShare(),
		Width: svgLabelWidth + svgAxisWidth + 90, Height: float64(svgTop + svgRowHeight*len(d.Drills) + 8), AxisEnd: svgLabelWidth + svgAxisWidth}
	// A short day's ticks are less than a second apart: tenths tell them
	// apart.
	layout := time.TimeOnly
	if end.Sub(start) < svgTicks*2*time.Second {
		layout = "15:04:05.0"
	}
	for i := 0; i <= svgTicks; i++ {
		at := start.Add(time.Duration(float64(i) / svgTicks * total))
		v.Ticks = append(v.Ticks, svgTick{X: x(at), Label: at.UTC().Format(layout)})
	}
	for i, drill := range d.Drills {
		y := float64(svgTop + i*svgRowHeight)
		row := svgRow{Label: plainText(drill.Run.Scenario), Verdict: runVerdict(drill.Run), Y: y, TextY: y + svgBarHeight - 3}
		for _, p := range drill.Phases {
			took := p.End.Sub(p.Start)
			bar := svgBar{X: x(p.Start), Y: y, Height: svgBarHeight, Colour: phaseColours[p.Phase],
				Title: fmt.Sprintf("%s: %s, %s from %s", drill.Run.Scenario, p.Phase, readable(&took), p.Start.UTC().Format(time.TimeOnly))}
			bar.Width = max(2, x(p.End)-bar.X) // a short phase still shows
			row.Bars = append(row.Bars, bar)
		}
		if !drill.Run.ClockStart.IsZero() {
			row.ClockX = x(drill.Run.ClockStart)
		}
		if !drill.Run.ClockStop.IsZero() {
			row.ClockStopX = x(drill.Run.ClockStop)
		}
		v.Rows = append(v.Rows, row)
	}
	for _, p := range phase.All() {
		v.Legend = append(v.Legend, svgBar{Colour: phaseColours[p], Title: string(p)})
	}
	return v
}

// WriteDayHTML writes the day's report as one self-contained page, its
// timeline an inline SVG.
func WriteDayHTML(w io.Writer, d DayReport) error {
	return dayTemplate.Execute(w, d.view(false))
}

// writeDayPage is the day's report on the dashboard, whose run ids link
// to its run pages.
func writeDayPage(w io.Writer, d DayReport) error {
	return dayTemplate.Execute(w, d.view(true))
}

// dayPage serves /gamedays/{name}: the day's report, HTML, or JSON with
// Accept: application/json.
func dayPage(history store.Reader, opts HandlerOptions) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		name := r.PathValue("name")
		if !storable(name) {
			http.NotFound(w, r)
			return
		}
		var about ConsoleGameDay
		if opts.Console.GameDays != nil {
			for _, gd := range opts.Console.GameDays() {
				if gd.Name == name {
					about = gd
				}
			}
		}
		day, err := BuildDayReport(r.Context(), history, name, about)
		if errors.Is(err, ErrNoGameDayRuns) {
			http.Error(w, err.Error(), http.StatusNotFound)
			return
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		if strings.Contains(r.Header.Get("Accept"), "application/json") {
			w.Header().Set("Content-Type", "application/json")
			_ = WriteDayJSON(w, day)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'")
		_ = writeDayPage(w, day)
	}
}
