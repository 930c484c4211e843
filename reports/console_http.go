package reports

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/redrill/redrill/store"
)

// ConsoleOptions configure the live console of the dashboard.
type ConsoleOptions struct {
	// Console is the live state; nil leaves /console out.
	Console *Console
	// GameDays lists the game days of the loaded set, so that the console
	// shows a game day's scenarios before they start and who runs it.
	GameDays func() []ConsoleGameDay
	// Actions answers manual steps and asks drills to abort, in the
	// store, where the runner of the drill (this serve or another) reads
	// them; nil means the console cannot, and says so.
	Actions store.Operators
	// PublicURL is where people reach the dashboard (serve's --url): a
	// POST from its host is same-origin, and https there makes the
	// session cookie Secure.
	PublicURL string
}

// Limits of what a person types on the console.
const (
	maxNote = 2000
	// waitingEvery is how often the console reads the waiting manual
	// steps while someone watches; the stream sends only what changed.
	waitingEvery = time.Second
	// keepAliveEvery sends a comment on an idle stream, so that proxies
	// do not close it and a dead client is noticed.
	keepAliveEvery = 15 * time.Second
	// sendEvery is the least time between two states a stream sends.
	sendEvery = 200 * time.Millisecond
	// reconnectAfter is the retry the stream asks EventSource to wait.
	reconnectAfter = 2 * time.Second
)

//go:embed templates/console.html
var consoleFiles embed.FS

var consoleTemplate = template.Must(template.ParseFS(consoleFiles, "templates/console.html"))

// consoleHandler serves /console, its event stream, its JSON and its
// POSTs.
type consoleHandler struct {
	opts     ConsoleOptions
	sessions *sessions
	// waiting caches the store's waiting steps for waitingEvery, shared
	// by every watcher.
	waitingMu     sync.Mutex
	waitingAt     time.Time
	waitingCached []store.WaitingStep
}

func (h *consoleHandler) register(mux *http.ServeMux) {
	mux.HandleFunc("GET /console", h.page)
	mux.HandleFunc("GET /console/events", h.events)
	mux.HandleFunc("GET /api/console", h.json)
	mux.HandleFunc("POST /console/name", h.post(h.name))
	mux.HandleFunc("POST /console/answer", h.post(h.answer))
	mux.HandleFunc("POST /console/abort", h.post(h.abort))
	mux.HandleFunc("POST /logout", h.post(func(w http.ResponseWriter, r *http.Request, _ string, _ *session) { h.sessions.logout(w, r) }))
}

func (h *consoleHandler) state(ctx context.Context) consoleState {
	var defined []ConsoleGameDay
	if h.opts.GameDays != nil {
		defined = h.opts.GameDays()
	}
	return h.opts.Console.state(defined, h.waiting(ctx))
}

// waiting reads the waiting manual steps, at most every waitingEvery; a
// store that fails shows none rather than stopping the console.
func (h *consoleHandler) waiting(ctx context.Context) []store.WaitingStep {
	if h.opts.Actions == nil {
		return nil
	}
	h.waitingMu.Lock()
	defer h.waitingMu.Unlock()
	if time.Since(h.waitingAt) < waitingEvery {
		return h.waitingCached
	}
	readCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	steps, err := h.opts.Actions.Waiting(readCtx)
	if err != nil {
		return h.waitingCached
	}
	h.waitingAt, h.waitingCached = time.Now(), steps
	return steps
}

// page serves the console: a page that draws the state it receives from
// /console/events, with its script inline and allowed by a nonce only.
func (h *consoleHandler) page(w http.ResponseWriter, r *http.Request) {
	_, sess := h.sessions.ensure(w, r)
	nonce := randomToken()
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Security-Policy", fmt.Sprintf(
		"default-src 'none'; script-src 'nonce-%s'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'", nonce))
	initial, _ := json.Marshal(h.state(r.Context()))
	_ = consoleTemplate.Execute(w, struct {
		Nonce, CSRF, Name string
		Initial           template.JS
		CanAct            bool
	}{nonce, sess.csrf, sess.name, template.JS(safeJSON(initial)), h.opts.Actions != nil})
}

// safeJSON makes JSON safe inside a script element: no "</script>".
func safeJSON(b []byte) string {
	return strings.NewReplacer("<", `\u003c`, ">", `\u003e`, "&", `\u0026`, "\u2028", `\u2028`, "\u2029", `\u2029`).Replace(string(b))
}

func (h *consoleHandler) json(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_ = writeJSON(w, h.state(r.Context()))
}

// events streams the console's state as server-sent events: the whole
// state at once, then again at each change. A client that reconnects
// gets the whole state again, so it misses nothing.
func (h *consoleHandler) events(w http.ResponseWriter, r *http.Request) {
	controller := http.NewResponseController(w)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no") // nginx: do not buffer the stream
	if _, err := fmt.Fprintf(w, "retry: %d\n\n", reconnectAfter.Milliseconds()); err != nil {
		return
	}
	var sent []byte
	ticker := time.NewTicker(waitingEvery)
	defer ticker.Stop()
	lastWrite := time.Now()
	for {
		_, changed := h.opts.Console.watch()
		state := h.state(r.Context())
		// The state without its clock says whether anything changed.
		now := state.Now
		state.Now, state.Version = time.Time{}, 0
		compared, _ := json.Marshal(state)
		if !bytes.Equal(compared, sent) {
			state.Now, state.Version = now, h.opts.Console.currentVersion()
			data, _ := json.Marshal(state)
			if _, err := fmt.Fprintf(w, "event: state\ndata: %s\n\n", data); err != nil {
				return
			}
			sent, lastWrite = compared, time.Now()
		} else if time.Since(lastWrite) >= keepAliveEvery {
			if _, err := fmt.Fprint(w, ": keep-alive\n\n"); err != nil {
				return
			}
			lastWrite = time.Now()
		}
		if err := controller.Flush(); err != nil {
			return
		}
		select {
		case <-r.Context().Done():
			return
		case <-h.opts.Console.closed:
			return
		case <-changed:
		case <-ticker.C:
		}
		// Changes that come closer than sendEvery are sent together: the
		// page ticks the clocks itself, and a large game day changes
		// dozens of times a second (workloads' progress).
		if wait := sendEvery - time.Since(lastWrite); wait > 0 {
			timer := time.NewTimer(wait)
			select {
			case <-r.Context().Done():
				timer.Stop()
				return
			case <-h.opts.Console.closed:
				timer.Stop()
				return
			case <-timer.C:
			}
		}
	}
}

// post wraps a console POST: the session and CSRF rules, then the form.
func (h *consoleHandler) post(handle func(w http.ResponseWriter, r *http.Request, id string, sess *session)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
		if err := r.ParseForm(); err != nil {
			http.Error(w, "form: "+err.Error(), http.StatusBadRequest)
			return
		}
		id, sess, ok := h.sessions.checkPost(w, r)
		if !ok {
			return
		}
		handle(w, r, id, sess)
	}
}

// name keeps who uses this browser, for the answers it sends.
func (h *consoleHandler) name(w http.ResponseWriter, r *http.Request, id string, sess *session) {
	name := operatorName(r.PostFormValue("name"))
	if name == "" {
		http.Error(w, "name: say who you are, such as \"Ada (DBA)\"", http.StatusBadRequest)
		return
	}
	if sess == nil {
		http.Error(w, "a bearer-token client has no session: send by= with each answer instead", http.StatusBadRequest)
		return
	}
	h.sessions.setName(id, name)
	fmt.Fprintln(w, name)
}

// operator is who sends a POST: the session's name, else the form's by
// (a bearer-token client).
func operator(r *http.Request, sess *session) string {
	if sess != nil && sess.name != "" {
		return sess.name
	}
	return operatorName(r.PostFormValue("by"))
}

func (h *consoleHandler) answer(w http.ResponseWriter, r *http.Request, _ string, sess *session) {
	if h.opts.Actions == nil {
		http.Error(w, "this serve cannot record answers to manual steps", http.StatusNotImplemented)
		return
	}
	by := operator(r, sess)
	if by == "" {
		http.Error(w, "say who you are first: fill in your name at the top of the console", http.StatusBadRequest)
		return
	}
	runID, step, outcome := r.PostFormValue("run_id"), r.PostFormValue("step"), r.PostFormValue("outcome")
	note := strings.TrimSpace(r.PostFormValue("note"))
	switch {
	case runID == "" || step == "" || !storable(runID) || !storable(step):
		http.Error(w, "run_id and step: name the run and the step to answer", http.StatusBadRequest)
		return
	case outcome != "done" && outcome != "failed":
		http.Error(w, fmt.Sprintf("outcome %q: use done or failed", outcome), http.StatusBadRequest)
		return
	case len(note) > maxNote:
		http.Error(w, fmt.Sprintf("note: at most %d bytes", maxNote), http.StatusBadRequest)
		return
	case outcome == "failed" && note == "":
		http.Error(w, "note: say why the step failed", http.StatusBadRequest)
		return
	}
	err := h.opts.Actions.Answer(r.Context(), runID, step, store.Answer{Outcome: outcome, By: by, Note: note})
	if h.refused(w, err) {
		return
	}
	h.forgetWaiting()
	fmt.Fprintf(w, "%s answered %s: %s\n", by, step, outcome)
}

func (h *consoleHandler) abort(w http.ResponseWriter, r *http.Request, _ string, sess *session) {
	if h.opts.Actions == nil {
		http.Error(w, "this serve cannot abort drills from the console", http.StatusNotImplemented)
		return
	}
	by := operator(r, sess)
	if by == "" {
		http.Error(w, "say who you are first: fill in your name at the top of the console", http.StatusBadRequest)
		return
	}
	runID, note := r.PostFormValue("run_id"), strings.TrimSpace(r.PostFormValue("note"))
	if runID == "" || !storable(runID) || len(note) > maxNote {
		http.Error(w, fmt.Sprintf("run_id: name the run to abort (and a note of at most %d bytes)", maxNote), http.StatusBadRequest)
		return
	}
	if h.refused(w, h.opts.Actions.RequestAbort(r.Context(), runID, by, note)) {
		return
	}
	h.opts.Console.markAbortRequested(runID)
	fmt.Fprintf(w, "%s asked run %s to abort; its rollback runs\n", by, runID)
}

// refused writes the error of an action, if any.
func (h *consoleHandler) refused(w http.ResponseWriter, err error) bool {
	var answered *store.AlreadyAnsweredError
	var requested *store.AbortRequestedError
	switch {
	case err == nil:
		return false
	case errors.As(err, &answered), errors.As(err, &requested), errors.Is(err, store.ErrNotWaiting), errors.Is(err, store.ErrNotRunning):
		// Someone else was first, or the drill moved on: say so.
		http.Error(w, err.Error(), http.StatusConflict)
	case errors.Is(err, store.ErrNotFound):
		http.Error(w, err.Error(), http.StatusNotFound)
	default:
		http.Error(w, "store: "+err.Error(), http.StatusInternalServerError)
	}
	return true
}

func (h *consoleHandler) forgetWaiting() {
	h.waitingMu.Lock()
	h.waitingAt = time.Time{}
	h.waitingMu.Unlock()
	h.opts.Console.touch()
}

// publicHost is the host of serve's --url, which a same-origin POST may
// name besides the request's Host (a proxy that rewrites it).
func publicHost(publicURL string) (host string, secure bool) {
	parsed, err := url.Parse(publicURL)
	if err != nil || parsed.Host == "" {
		return "", false
	}
	return parsed.Host, parsed.Scheme == "https"
}

// registerConsole adds the login and, when serve keeps a console, the
// console's paths.
func registerConsole(mux *http.ServeMux, opts HandlerOptions, logins *sessions) {
	h := &consoleHandler{opts: opts.Console, sessions: logins}
	mux.HandleFunc("GET /login", logins.login)
	mux.HandleFunc("POST /login", logins.login)
	if opts.Console.Console != nil {
		h.register(mux)
	}
}
