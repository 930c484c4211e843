package reports

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

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
	// Window is the report's window; zero means DefaultWindow.
	Window time.Duration
}

// Handler serves the dashboard from the store, live: / (the HTML report),
// /runs/{id}, /api/report, /api/runs, /metrics and /healthz.
func Handler(history store.Reader, opts HandlerOptions) http.Handler {
	if opts.Window == 0 {
		opts.Window = DefaultWindow
	}
	// serveReport answers with the report of the window, written by write.
	serveReport := func(contentType string, write func(io.Writer, Report) error) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			now := time.Now()
			report, err := Build(r.Context(), history, Options{Now: now, Since: now.Add(-opts.Window)})
			if err != nil {
				http.Error(w, "report: "+err.Error(), http.StatusInternalServerError)
				return
			}
			w.Header().Set("Content-Type", contentType)
			_ = write(w, report)
		}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /{$}", serveReport("text/html; charset=utf-8", WriteHTML))
	mux.HandleFunc("GET /api/report", serveReport("application/json", WriteJSON))
	mux.HandleFunc("GET /api/runs", func(w http.ResponseWriter, r *http.Request) {
		runs, err := history.Runs(r.Context(), store.RunQuery{Scenario: r.URL.Query().Get("scenario"), Limit: 100})
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = WriteHistoryJSON(w, runs)
	})
	mux.HandleFunc("GET /runs/{id}", func(w http.ResponseWriter, r *http.Request) {
		run, steps, err := history.Run(r.Context(), r.PathValue("id"))
		if errors.Is(err, store.ErrNotFound) {
			http.NotFound(w, r)
			return
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		if strings.Contains(r.Header.Get("Accept"), "application/json") {
			w.Header().Set("Content-Type", "application/json")
			_ = WriteRunJSON(w, store.Record{Run: run, Steps: steps})
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_ = WriteRun(w, store.Record{Run: run, Steps: steps})
	})
	registry := prometheus.NewRegistry()
	registry.MustRegister(newCollector(history, opts))
	mux.Handle("GET /metrics", promhttp.HandlerFor(registry, promhttp.HandlerOpts{MaxRequestsInFlight: scrapesInFlight}))
	return requireToken(opts.Token, mux)
}

func requireToken(token string, next http.Handler) http.Handler {
	if token == "" {
		return next
	}
	want := []byte("Bearer " + token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/healthz" && subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), want) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="redrill"`)
			http.Error(w, "a bearer token is required", http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
}
