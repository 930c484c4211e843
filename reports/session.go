package reports

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// A browser cannot send a bearer token when it follows a link, so the
// dashboard also lets people in with a session: they give the token once
// on /login and get a cookie. Sessions live in serve's memory: a restart
// asks people to log in again, which is cheaper than a session table that
// would have to be kept secret in the store.
const (
	sessionCookie   = "redrill_session"
	sessionLifetime = 12 * time.Hour // a game day, with margin
	// maxSessions bounds the memory that logins can take; past it the
	// oldest session is dropped.
	maxSessions = 1000
	// maxOperatorName bounds what the console keeps of a name.
	maxOperatorName = 100
)

// session is one browser's login: its CSRF token and the name of the
// person, which answers from the console record.
type session struct {
	csrf    string
	name    string
	expires time.Time
}

// sessions are the logged-in browsers, by session id.
type sessions struct {
	token string
	// secure marks cookies Secure even on plain HTTP: the dashboard is
	// reached over https behind a proxy.
	secure  bool
	now     func() time.Time
	mu      sync.Mutex
	byID    map[string]*session
	origins []string // hosts a same-origin POST may come from besides Host
}

// newSessions keeps the logins of a dashboard; sessions expire on the
// real clock, whatever clock the reports are drawn on.
func newSessions(token string, secure bool, extraHosts ...string) *sessions {
	return &sessions{token: token, secure: secure, now: time.Now, byID: map[string]*session{}, origins: extraHosts}
}

func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return base64.RawURLEncoding.EncodeToString(b)
}

// current is the session of r's cookie, or nil.
func (s *sessions) current(r *http.Request) (string, *session) {
	cookie, err := r.Cookie(sessionCookie)
	if err != nil {
		return "", nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	found := s.byID[cookie.Value]
	if found == nil {
		return "", nil
	}
	if s.now().After(found.expires) {
		delete(s.byID, cookie.Value)
		return "", nil
	}
	copied := *found
	return cookie.Value, &copied
}

// start opens a session and sets its cookie on w.
func (s *sessions) start(w http.ResponseWriter, r *http.Request) (string, *session) {
	id := randomToken()
	created := &session{csrf: randomToken(), expires: s.now().Add(sessionLifetime)}
	s.mu.Lock()
	if len(s.byID) >= maxSessions {
		s.dropOldestLocked()
	}
	s.byID[id] = created
	s.mu.Unlock()
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: id, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: s.secure || r.TLS != nil,
		MaxAge: int(sessionLifetime.Seconds()), // relative: whatever the browser's clock says
	})
	copied := *created
	return id, &copied
}

func (s *sessions) dropOldestLocked() {
	var oldest string
	for id, sess := range s.byID {
		if oldest == "" || sess.expires.Before(s.byID[oldest].expires) {
			oldest = id
		}
	}
	delete(s.byID, oldest)
}

// logout ends the session of a POST that passed checkPost.
func (s *sessions) logout(w http.ResponseWriter, r *http.Request) {
	if id, _ := s.current(r); id != "" {
		s.end(id)
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteStrictMode})
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// setName records who uses the session.
func (s *sessions) setName(id, name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if found := s.byID[id]; found != nil {
		found.name = name
	}
}

func (s *sessions) end(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.byID, id)
}

// bearer tells whether r carries the token in its Authorization header.
func (s *sessions) bearer(r *http.Request) bool {
	want := []byte("Bearer " + s.token)
	return s.token != "" && subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), want) == 1
}

// guard lets through /healthz and /login always; other paths need the
// bearer token or a session when a token is set. A browser that has
// neither is sent to /login; curl and Prometheus get 401 as before.
func (s *sessions) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Browsers take every answer for the type it says: a run page is
		// text, whatever a check printed into it.
		w.Header().Set("X-Content-Type-Options", "nosniff")
		if r.URL.Path == "/healthz" || r.URL.Path == "/login" || s.token == "" || s.bearer(r) {
			next.ServeHTTP(w, r)
			return
		}
		if _, sess := s.current(r); sess != nil {
			next.ServeHTTP(w, r)
			return
		}
		if r.Method == http.MethodGet && strings.Contains(r.Header.Get("Accept"), "text/html") {
			http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		w.Header().Set("WWW-Authenticate", `Bearer realm="redrill"`)
		http.Error(w, "a bearer token is required (or log in on /login)", http.StatusUnauthorized)
	})
}

// sameOrigin tells whether a browser sent r from a page of this
// dashboard: Sec-Fetch-Site, when the browser sends it, must be
// same-origin, and Origin, when sent, must name this host. A request with
// neither is not from a modern browser's cross-site form or script.
func (s *sessions) sameOrigin(r *http.Request) bool {
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" && site != "none" {
		return false
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	parsed, err := url.Parse(origin)
	if err != nil || parsed.Host == "" {
		return false
	}
	if strings.EqualFold(parsed.Host, r.Host) {
		return true
	}
	for _, host := range s.origins {
		if strings.EqualFold(parsed.Host, host) {
			return true
		}
	}
	return false
}

// checkPost is the rule of every POST but /login: from this dashboard's
// own pages (sameOrigin), and either with the bearer token (no browser
// sends it on its own) or with the CSRF token of the request's session.
// It returns the session's id and session (nil for a bearer POST), or
// writes the refusal.
func (s *sessions) checkPost(w http.ResponseWriter, r *http.Request) (string, *session, bool) {
	if !s.sameOrigin(r) {
		http.Error(w, "cross-site request refused: post from the dashboard's own page", http.StatusForbidden)
		return "", nil, false
	}
	if s.bearer(r) {
		return "", nil, true
	}
	id, sess := s.current(r)
	if sess == nil {
		http.Error(w, "no session: open the console (and log in) first", http.StatusForbidden)
		return "", nil, false
	}
	sent := r.Header.Get("X-CSRF-Token")
	if sent == "" {
		sent = r.PostFormValue("csrf")
	}
	if subtle.ConstantTimeCompare([]byte(sent), []byte(sess.csrf)) != 1 {
		http.Error(w, "missing or wrong CSRF token: reload the console and try again", http.StatusForbidden)
		return "", nil, false
	}
	return id, sess, true
}

// ensure returns the request's session, opening one when there is none:
// without a token (loopback) the console needs no login, but its POSTs
// still need a session's CSRF token.
func (s *sessions) ensure(w http.ResponseWriter, r *http.Request) (string, *session) {
	if id, sess := s.current(r); sess != nil {
		return id, sess
	}
	return s.start(w, r)
}

var loginTemplate = template.Must(template.New("login").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>redrill — log in</title><link rel="icon" href="data:,">
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font:16px system-ui,sans-serif;max-width:28rem;margin:4rem auto;padding:0 1rem}
label{display:block;margin:1rem 0 .3rem}input{width:100%;padding:.4rem;font:inherit;box-sizing:border-box}
button{margin-top:1rem;padding:.5rem 1.2rem;font:inherit}.error{color:#b00020}</style></head>
<body><h1>redrill dashboard</h1>
{{if .Error}}<p class="error">{{.Error}}</p>{{end}}
<form method="post" action="/login">
<input type="hidden" name="next" value="{{.Next}}">
{{if .NeedToken}}<label for="token">Dashboard token (serve's --token)</label>
<input id="token" name="token" type="password" autocomplete="current-password" required autofocus>{{end}}
<label for="name">Your name (recorded with your answers on the console)</label>
<input id="name" name="name" autocomplete="name" maxlength="100">
<button type="submit">Log in</button>
</form></body></html>
`))

// login serves the login form and takes its token.
func (s *sessions) login(w http.ResponseWriter, r *http.Request) {
	next := r.FormValue("next")
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		next = "/console" // only a path of this dashboard: no open redirect
	}
	show := func(status int, message string) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; frame-ancestors 'none'")
		w.WriteHeader(status)
		_ = loginTemplate.Execute(w, struct {
			Next, Error string
			NeedToken   bool
		}{next, message, s.token != ""})
	}
	if r.Method != http.MethodPost {
		show(http.StatusOK, "")
		return
	}
	// A login from another site would log the victim in as the attacker.
	if !s.sameOrigin(r) {
		http.Error(w, "cross-site request refused: log in from this dashboard's own page", http.StatusForbidden)
		return
	}
	if s.token != "" && subtle.ConstantTimeCompare([]byte(r.PostFormValue("token")), []byte(s.token)) != 1 {
		show(http.StatusUnauthorized, "That is not the dashboard's token.")
		return
	}
	if id, _ := s.current(r); id != "" {
		s.end(id) // a fresh id at login: no session fixation
	}
	id, _ := s.start(w, r)
	s.setName(id, operatorName(r.PostFormValue("name")))
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// operatorName is a name as the console keeps it: trimmed, on one line,
// bounded.
func operatorName(text string) string {
	text = strings.Join(strings.Fields(plainText(text)), " ")
	if len(text) > maxOperatorName {
		text = strings.ToValidUTF8(text[:maxOperatorName], "")
	}
	return text
}
