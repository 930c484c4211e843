package reports

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/redrill/redrill/scenarios/duration"
	"github.com/redrill/redrill/store"
)

// HandlerOptions configure the dashboard.
type HandlerOptions struct {
	// Token, when set, is required as a bearer token on every path but
	// /healthz.
	Token string
	// Scheduled lists the scenarios serve runs on a schedule, with their
	// owner, schedule and next run, for /metrics: a scheduled scenario is
	// exported before it ever ran.
	Scheduled func() []ScheduledScenario
	// SkippedTicks counts the scheduled ticks serve did not run, by
	// scenario and reason, for /metrics (redrill_ticks_skipped_total).
	SkippedTicks func() []SkippedTicks
	// Runners, when set, lists the runners registered in the store, for
	// the dashboard and redrill_runner_up.
	Runners RunnerLister
	// Window is the report's window; zero means DefaultWindow.
	Window time.Duration
	// Now is the dashboard's clock; nil means time.Now.
	Now func() time.Time
	// Console is the live game-day console (/console); its zero value
	// leaves it out.
	Console ConsoleOptions
}

// Handler serves the dashboard from the store, live: / (the HTML report),
// /runs/{id}, /api/report, /api/runs, /metrics and /healthz.
func Handler(history store.Reader, opts HandlerOptions) http.Handler {
	if opts.Window == 0 {
		opts.Window = DefaultWindow
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	reads := newReadLimit(readsInFlight, readWaitLimit)
	// One set of summaries for the pages and the scrapes: each reads only
	// the runs written since the last one.
	summaries := NewSummaries(history, opts.Window)
	// serveReport answers with the report of the window (?since=30d, else
	// the handler's), written by write.
	serveReport := func(contentType string, write func(*http.Request, io.Writer, Report) error) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			window := opts.Window
			if since := r.URL.Query().Get("since"); since != "" {
				var err error
				if window, err = duration.Parse(since); err != nil {
					http.Error(w, "since: "+err.Error(), http.StatusBadRequest)
					return
				}
			}
			now := opts.Now()
			build := Options{Now: now, Since: now.Add(-window)}
			if opts.Scheduled != nil {
				build.Scheduled = opts.Scheduled()
			}
			report, err := summaries.Report(r.Context(), build)
			if err != nil {
				http.Error(w, "report: "+err.Error(), http.StatusInternalServerError)
				return
			}
			report.Runners = runnerStatuses(r.Context(), opts.Runners, now)
			w.Header().Set("Content-Type", contentType)
			// An error before the first byte (the dashboard's query of
			// the recent runs) is an error page; later (a client gone),
			// the page is only cut.
			page := &startedWriter{Writer: w}
			if err := write(r, page, report); err != nil && !page.started {
				if errors.Is(err, errNoSuchScenario) {
					http.Error(w, err.Error(), http.StatusNotFound)
					return
				}
				http.Error(w, "report: "+err.Error(), http.StatusInternalServerError)
			}
		}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "ok")
	})
	// Clients asking for a report at once share its writing (shared.go).
	mux.Handle("GET /{$}", shareAnswers(reads.handle(serveReport("text/html; charset=utf-8", func(r *http.Request, w io.Writer, report Report) error {
		return writeDashboard(r.Context(), w, history, report, opts.Scheduled, windowQuery(r))
	}))))
	mux.Handle("GET /scenarios/{name}", shareAnswers(reads.handle(serveReport("text/html; charset=utf-8", func(r *http.Request, w io.Writer, report Report) error {
		name := r.PathValue("name")
		found, err := writeScenarioPage(r.Context(), w, history, report, name, windowQuery(r))
		if !found {
			return fmt.Errorf("%w: no scenario %q has run in this store, and none of that name is scheduled", errNoSuchScenario, name)
		}
		return err
	}))))
	mux.Handle("GET /api/report", shareAnswers(reads.handle(serveReport("application/json", func(_ *http.Request, w io.Writer, report Report) error {
		return writeReportJSON(w, report, writeCompactJSON)
	}))))
	mux.HandleFunc("GET /api/runs", reads.handle(func(w http.ResponseWriter, r *http.Request) {
		query, err := runsQuery(r.URL.Query())
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		runs, err := history.Runs(r.Context(), query)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = WriteHistoryJSON(w, runs)
	}))
	mux.HandleFunc("GET /runs/{id}", reads.handle(func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		if !storable(id) {
			http.NotFound(w, r) // no run has such an id
			return
		}
		run, steps, err := history.Run(r.Context(), id)
		if errors.Is(err, store.ErrNotFound) {
			http.NotFound(w, r)
			return
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		// Browsers get the page, curl (*/*) and text/plain the text of
		// redrill show, application/json the run's JSON.
		w.Header().Set("Vary", "Accept")
		record := store.Record{Run: run, Steps: steps}
		switch runPageType(r.Header.Get("Accept")) {
		case "application/json":
			w.Header().Set("Content-Type", "application/json")
			_ = WriteRunJSON(w, record)
		case "text/html":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			_ = WriteRunHTML(w, record, opts.Now())
		default:
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			_ = WriteRun(w, record)
		}
	}))
	mux.HandleFunc("GET /gamedays/{name}", reads.handle(dayPage(history, opts)))
	scrapes := scrapeHandler{collector: newCollector(history, summaries, opts), text: newScrapeText()}
	mux.Handle("GET /metrics", shareAnswers(newReadLimit(scrapesInFlight, readWaitLimit).handle(scrapes.ServeHTTP)))
	host, secure := publicHost(opts.Console.PublicURL)
	logins := newSessions(opts.Token, secure, host)
	registerConsole(mux, opts, logins)
	return logins.guard(mux)
}

// windowQuery is the query that keeps a page's window on the pages it
// links: "?since=30d", or "" for the default window.
func windowQuery(r *http.Request) string {
	if since := r.URL.Query().Get("since"); since != "" {
		return "?since=" + url.QueryEscape(since)
	}
	return ""
}

// errNoSuchScenario answers 404 for a scenario's page.
var errNoSuchScenario = errors.New("not found")

// startedWriter tells whether anything was written through it.
type startedWriter struct {
	io.Writer
	started bool
}

func (w *startedWriter) Write(b []byte) (int, error) {
	w.started = w.started || len(b) > 0
	return w.Writer.Write(b)
}

// storable tells whether text can be a name or id in the history: valid
// UTF-8 without NUL bytes, which PostgreSQL refuses to even compare.
func storable(text string) bool {
	return utf8.ValidString(text) && !strings.ContainsRune(text, 0)
}

// Limits of /api/runs?limit=.
const (
	defaultRunsLimit = 100
	maxRunsLimit     = 1000
)

// runsQuery reads /api/runs?scenario=&gameday=&limit=.
func runsQuery(values url.Values) (store.RunQuery, error) {
	query := store.RunQuery{Scenario: values.Get("scenario"), GameDay: values.Get("gameday"), Limit: defaultRunsLimit}
	for name, value := range map[string]string{"scenario": query.Scenario, "gameday": query.GameDay} {
		if !storable(value) {
			return store.RunQuery{}, fmt.Errorf("%s %q: not a name redrill can have recorded (invalid UTF-8 or a NUL byte)", name, value)
		}
	}
	if text := values.Get("limit"); text != "" {
		limit, err := strconv.Atoi(text)
		if err != nil || limit < 1 || limit > maxRunsLimit {
			return store.RunQuery{}, fmt.Errorf("limit %q: give a whole number from 1 to %d", text, maxRunsLimit)
		}
		query.Limit = limit
	}
	return query, nil
}
