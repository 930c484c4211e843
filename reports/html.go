package reports

import (
	"context"
	"embed"
	"fmt"
	"html/template"
	"io"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/redrill/redrill/internal/buildinfo"
	"github.com/redrill/redrill/store"
)

//go:embed templates/report.html templates/chart.html templates/dashboard.html
var templates embed.FS

// reportTemplate is parsed once; html/template escapes everything that
// scenario authors wrote.
var reportTemplate = template.Must(template.New("report.html").Funcs(template.FuncMap{
	"duration":      readable,
	"signed":        signed,
	"anchor":        anchor,
	"riskClass":     riskClass,
	"chart":         chart,
	"chartSVG":      chartSVG,
	"runLink":       runLink,
	"runHref":       runHref,
	"scenarioHref":  scenarioHref,
	"overviewTable": overviewTable,
	"compact":       func(d *dashboardPage) bool { return d != nil && d.Compact },
	"scenarioPage":  func(d *dashboardPage) bool { return d != nil && d.Scenario != "" },
	"forecast":      forecast,
	// What checks and authors wrote, without terminal escape sequences
	// or characters a page cannot show.
	"plain":        plainText,
	"runVerdict":   runVerdict,
	"gameDayStart": func(g GameDay, r store.Run) string { return g.startOf(r) },
	"gameDaySummary": func(g GameDay) string {
		return plainText(strings.TrimPrefix(g.summary(), "Game day "+g.Name+", "))
	},
	// Only http and https postmortem URLs become links, as in Markdown.
	"webURL": func(u string) bool { _, ok := markdownURL(u); return ok },
	// What the clients of drills under load saw (load.go).
	"underLoad":      underLoad,
	"downtimeCell":   func(l *LoadReport) string { return l.downtimeCell() },
	"lostCell":       func(l *LoadReport) string { return l.lostCell() },
	"windowLostCell": func(l *LoadReport) string { return l.windowLostCell() },
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
	"generator": func() string { return buildinfo.Read().Footer() },
}).ParseFS(templates, "templates/report.html", "templates/chart.html", "templates/dashboard.html"))

// WriteHTML writes the report as one self-contained page: inline CSS and
// inline SVG charts, nothing fetched from anywhere, printable.
func WriteHTML(w io.Writer, r Report) error {
	return reportTemplate.Execute(w, reportPage{Report: r})
}

// reportPage is what the report's template reads: the report, and on the
// dashboard what only a served page has.
type reportPage struct {
	Report
	Dashboard *dashboardPage
}

// dashboardPage is what the dashboard adds to the report: links to the
// run pages, the recent runs, the schedule, and a reload while a drill
// runs.
type dashboardPage struct {
	// Base leads from the page to the dashboard's root: "" on the front
	// page, "../" on a scenario's page. Links are relative, so that they
	// hold behind a proxy's path prefix.
	Base string
	// Compact leaves the scenarios' sections to their own pages
	// (/scenarios/NAME): the front page of a large store.
	Compact bool
	// Query keeps the page's window on the pages it links ("?since=30d").
	Query template.URL
	// Scenario is the scenario of a scenario's page; "" on the front page.
	Scenario  string
	Runs      []store.Run
	Scheduled []ScheduledScenario
	// Refresh is how many seconds the page waits before it reloads; zero
	// when no drill is running.
	Refresh int
}

// dashboardRuns is how many recent runs the dashboard's front page links.
const dashboardRuns = 50

// dashboardSections is how many scenarios the front page shows with
// their sections (chart, measures, forecast); past it, each is on a page
// of its own, and the front page is their table: a thousand charts on one
// page would take seconds to write and more to read.
const dashboardSections = 25

// dashboardRefresh is how often the front page reloads while a drill runs.
const dashboardRefresh = 10

// writeDashboard writes the report as the dashboard's front page: the
// report, with links to every run page, the newest runs of the window,
// every scheduled scenario with its next run, and a reload while a drill
// runs.
func writeDashboard(ctx context.Context, w io.Writer, history store.Reader, r Report, scheduled func() []ScheduledScenario, query string) error {
	runs, err := history.Runs(ctx, store.RunQuery{Since: r.Since, Limit: dashboardRuns})
	if err != nil {
		return fmt.Errorf("recent runs: %w", err)
	}
	page := dashboardPage{Runs: runs, Compact: len(r.Scenarios) > dashboardSections, Query: template.URL(query)}
	if scheduled != nil {
		page.Scheduled = scheduled()
	}
	page.Refresh = refreshWhileRunning(runs)
	return reportTemplate.Execute(w, reportPage{Report: r, Dashboard: &page})
}

// writeScenarioPage writes a scenario's page of the dashboard: its row,
// its section and its newest runs of the window. False when the report
// has no such scenario.
func writeScenarioPage(ctx context.Context, w io.Writer, history store.Reader, r Report, name, query string) (bool, error) {
	at := slices.IndexFunc(r.Scenarios, func(s ScenarioReport) bool { return s.Scenario == name })
	if at < 0 {
		return false, nil
	}
	runs, err := history.Runs(ctx, store.RunQuery{Scenario: name, Since: r.Since, Limit: dashboardRuns})
	if err != nil {
		return true, fmt.Errorf("recent runs of %s: %w", name, err)
	}
	one := Report{GeneratedAt: r.GeneratedAt, Since: r.Since, Scenarios: r.Scenarios[at : at+1]}
	for _, waited := range r.PeopleTime {
		if waited.Scenario == name {
			one.PeopleTime = append(one.PeopleTime, waited)
		}
	}
	page := dashboardPage{Base: "../", Scenario: name, Runs: runs, Query: template.URL(query)}
	page.Refresh = refreshWhileRunning(runs)
	return true, reportTemplate.Execute(w, reportPage{Report: one, Dashboard: &page})
}

func riskClass(r Risk) string { return strings.ReplaceAll(string(r), "_", "-") }

// overviewTable writes the rows of the overview table, a scenario each.
// It is Go, not template, for the reason chartSVG is: at a thousand
// scenarios the template's fifteen calls and escapes a row were most of
// the front page's time. Every text is escaped by html/template's own
// function.
func overviewTable(page reportPage) template.HTML {
	var b strings.Builder
	b.Grow(len(page.Scenarios) * 900)
	cell := func(class, label, text string) {
		b.WriteString(`<td`)
		if class != "" {
			b.WriteString(` class="` + class + `"`)
		}
		b.WriteString(` data-label="` + label + `">`)
		b.WriteString(text)
		b.WriteString("</td>\n")
	}
	escape := template.HTMLEscapeString
	for i := range page.Scenarios {
		s := &page.Scenarios[i]
		b.WriteString("<tr>\n")
		cell("", "Scenario", `<a href="`+escape(string(scenarioHref(page.Dashboard, s.Scenario)))+`">`+escape(s.Scenario)+`</a>`)
		cell("", "Risk", `<span class="risk risk-`+escape(riskClass(s.Risk))+`">`+escape(s.Risk.Label())+`</span>`)
		last := "never"
		if !s.NeverRan {
			last = `<span><span class="nowrap">` + string(runLink(page, s.LastRun.ID, s.LastRun.StartedAt.Format("2006-01-02"))) + `</span> ` +
				escape(s.LastRun.Verdict) + `<br><span class="meta">` + escape(strings.TrimSuffix(age(*s), ", stale")) + `</span>`
			if s.Stale {
				last += ` <span class="risk risk-stale">stale</span>`
			}
			last += `</span>`
		}
		cell("num", "Last run", last)
		cell("num", "RTO (objective)", escape(readable(s.LastRun.RTO)+" ("+readable(s.ObjectiveRTO)+")"))
		cell("num", "RPO (objective)", escape(readable(s.LastRun.RPO)+" ("+readable(s.ObjectiveRPO)+")"))
		cell("", "RTO p50/p95/max", escape(readable(s.RTOMedian)+" / "+readable(s.RTOP95)+" / "+readable(s.RTOMax)))
		cell("num", "Trend / 30 days", escape(signed(s.TrendPerThirtyDays)))
		cell("num", "Breach forecast", escape(forecast(s.BreachForecast)))
		cell("", "Runs", escape(runCounts(*s)))
		b.WriteString("</tr>\n")
	}
	return template.HTML(b.String())
}

// refreshWhileRunning is how often a page listing runs reloads: every
// dashboardRefresh seconds while one of them runs, else never (0).
func refreshWhileRunning(runs []store.Run) int {
	if slices.ContainsFunc(runs, func(run store.Run) bool { return run.Status == store.StatusRunning }) {
		return dashboardRefresh
	}
	return 0
}

// runHref is the link from a dashboard page to a run's page.
func runHref(d *dashboardPage, id string) template.URL {
	return template.URL(d.Base + "runs/" + url.PathEscape(id))
}

// scenarioHref is the link to a scenario's section: on the page itself,
// or its own page when the front page is compact.
func scenarioHref(d *dashboardPage, name string) template.URL {
	if d != nil && d.Compact {
		return template.URL(d.Base + "scenarios/" + url.PathEscape(name) + string(d.Query))
	}
	return template.URL("#" + anchor(name))
}

// runLink is text linked to a run's page on the dashboard, and the text
// alone in a report written to a file, where no run page exists.
func runLink(page reportPage, id, text string) template.HTML {
	if page.Dashboard == nil || id == "" {
		return template.HTML(template.HTMLEscapeString(text))
	}
	return template.HTML(`<a href="` + template.HTMLEscapeString(string(runHref(page.Dashboard, id))) + `">` + template.HTMLEscapeString(text) + `</a>`)
}

func anchor(name string) string {
	return "scenario-" + strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			return r
		}
		return '-'
	}, name)
}
