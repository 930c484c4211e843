package reports

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

func newJar(t *testing.T) http.CookieJar {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return jar
}

// consoleClient is a browser: it keeps cookies and sends Origin.
type consoleClient struct {
	t      *testing.T
	server *httptest.Server
	client *http.Client
}

func newConsoleClient(t *testing.T, server *httptest.Server) *consoleClient {
	client := &http.Client{Transport: server.Client().Transport, Jar: newJar(t),
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return &consoleClient{t: t, server: server, client: client}
}

func (c *consoleClient) do(method, path string, form url.Values, headers map[string]string) (int, http.Header, string) {
	c.t.Helper()
	req, _ := http.NewRequest(method, c.server.URL+path, strings.NewReader(form.Encode()))
	if method == "POST" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := c.client.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(body)
}

var csrfInPage = regexp.MustCompile(`const csrf = "([^"]+)";`)

// csrf opens the console page and returns the CSRF token it holds.
func (c *consoleClient) csrf() string {
	c.t.Helper()
	code, _, page := c.do("GET", "/console", nil, map[string]string{"Accept": "text/html"})
	match := csrfInPage.FindStringSubmatch(page)
	if code != 200 || match == nil {
		c.t.Fatalf("/console: %d, no CSRF token in the page", code)
	}
	return match[1]
}

func TestConsolePostsNeedTheSessionsCSRFTokenFromThisOrigin(t *testing.T) {
	server, _ := consoleServer(t, "", ConsoleOptions{})
	browser := newConsoleClient(t, server)
	token := browser.csrf()
	same := map[string]string{"Origin": server.URL, "Sec-Fetch-Site": "same-origin"}
	tests := []struct {
		name     string
		form     url.Values
		headers  map[string]string
		fresh    bool // from a browser without the session's cookie
		wantCode int
		wantBody string
	}{
		{"same origin with the token is accepted", url.Values{"name": {"Ada"}, "csrf": {token}}, same, false, 200, "Ada"},
		{"the token may come in a header", url.Values{"name": {"Grace"}}, map[string]string{"Origin": server.URL, "X-CSRF-Token": token}, false, 200, "Grace"},
		{"without the CSRF token is refused", url.Values{"name": {"Mallory"}}, same, false, 403, "missing or wrong CSRF token"},
		{"with another token is refused", url.Values{"name": {"Mallory"}, "csrf": {"guessed"}}, same, false, 403, "missing or wrong CSRF token"},
		{"from another site's form is refused", url.Values{"name": {"Mallory"}, "csrf": {token}}, map[string]string{"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}, false, 403, "cross-site request refused"},
		{"a same-site subdomain is refused too", url.Values{"name": {"Mallory"}, "csrf": {token}}, map[string]string{"Sec-Fetch-Site": "same-site"}, false, 403, "cross-site request refused"},
		{"without a session is refused", url.Values{"name": {"Mallory"}, "csrf": {token}}, same, true, 403, "no session"},
		{"an empty name is refused", url.Values{"name": {"  "}, "csrf": {token}}, same, false, 400, "say who you are"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			client := browser
			if tt.fresh {
				client = newConsoleClient(t, server)
			}
			code, _, body := client.do("POST", "/console/name", tt.form, tt.headers)
			if code != tt.wantCode || !strings.Contains(body, tt.wantBody) {
				t.Errorf("%d %q, want %d %q", code, body, tt.wantCode, tt.wantBody)
			}
		})
	}
	// The name is the session's: the page shows it back.
	if _, _, page := browser.do("GET", "/console", nil, nil); !strings.Contains(page, `value="Grace"`) {
		t.Error("the console does not show the name saved last")
	}
	// Without actions (a serve that cannot answer), an answer passes the
	// checks and says why it cannot be recorded.
	code, _, body := browser.do("POST", "/console/answer", url.Values{"csrf": {token}, "run_id": {"r"}, "step": {"s"}, "outcome": {"done"}}, same)
	if code != 501 || !strings.Contains(body, "cannot record answers") {
		t.Errorf("answer without actions: %d %q", code, body)
	}
}

func TestConsoleLoginForBrowsersBearerForTools(t *testing.T) {
	server, _ := consoleServer(t, "s3cret", ConsoleOptions{PublicURL: "https://redrill.example.com"})
	browser := newConsoleClient(t, server)

	code, headers, _ := browser.do("GET", "/console", nil, map[string]string{"Accept": "text/html"})
	if code != 303 || headers.Get("Location") != "/login?next=%2Fconsole" {
		t.Fatalf("a browser without a session: %d to %q, want 303 to the login", code, headers.Get("Location"))
	}
	if code, _, _ := browser.do("GET", "/api/console", nil, nil); code != 401 {
		t.Errorf("a tool without the token: %d, want 401", code)
	}
	if code, _, page := browser.do("GET", "/login", nil, nil); code != 200 || !strings.Contains(page, `name="token"`) {
		t.Fatalf("/login: %d", code)
	}
	login := url.Values{"token": {"s3cret"}, "name": {"Ada"}, "next": {"/console"}}
	if code, _, _ := browser.do("POST", "/login", login, map[string]string{"Origin": "https://evil.example"}); code != 403 {
		t.Errorf("a login posted from another site: %d, want 403", code)
	}
	if code, _, page := browser.do("POST", "/login", url.Values{"token": {"wrong"}}, nil); code != 401 || !strings.Contains(page, "not the dashboard&#39;s token") {
		t.Errorf("a wrong token: %d", code)
	}
	code, headers, _ = browser.do("POST", "/login", login, map[string]string{"Origin": server.URL})
	if code != 303 || headers.Get("Location") != "/console" {
		t.Fatalf("login: %d to %q", code, headers.Get("Location"))
	}
	cookie := headers.Get("Set-Cookie")
	for _, want := range []string{"redrill_session=", "HttpOnly", "SameSite=Strict", "Secure"} {
		if !strings.Contains(cookie, want) {
			t.Errorf("session cookie %q lacks %s (the public URL is https)", cookie, want)
		}
	}
	// The jar keeps a Secure cookie off plain HTTP, as browsers do; the
	// proxy in front of a real dashboard speaks https.
	session := strings.SplitN(cookie, ";", 2)[0]
	if code, _, page := browser.do("GET", "/console", nil, map[string]string{"Cookie": session}); code != 200 || !strings.Contains(page, `value="Ada"`) {
		t.Errorf("console after login: %d, name not kept", code)
	}
	for _, next := range []string{"//evil.example/", "https://evil.example/", "/\\evil.example"} {
		_, headers, _ := newConsoleClient(t, server).do("POST", "/login", url.Values{"token": {"s3cret"}, "next": {next}}, nil)
		if headers.Get("Location") != "/console" {
			t.Errorf("login with next=%q redirects to %q, want /console", next, headers.Get("Location"))
		}
	}

	// Logging out ends the session on the server, not only the cookie.
	logout := newConsoleClient(t, server)
	_, headers, _ = logout.do("POST", "/login", login, nil)
	session = strings.SplitN(headers.Get("Set-Cookie"), ";", 2)[0]
	withSession := map[string]string{"Cookie": session, "Accept": "text/html"}
	_, _, page := logout.do("GET", "/console", nil, withSession)
	csrf := csrfInPage.FindStringSubmatch(page)
	if csrf == nil {
		t.Fatal("no CSRF token on the console after login")
	}
	if code, _, _ := logout.do("POST", "/logout", url.Values{"csrf": {csrf[1]}}, withSession); code != 303 {
		t.Errorf("logout: %d", code)
	}
	if code, _, _ := logout.do("GET", "/console", nil, withSession); code != 303 {
		t.Errorf("the old cookie after logout: %d, want 303 to the login", code)
	}

	// curl and Prometheus keep the bearer token; a bearer POST needs no
	// CSRF token (no browser sends the header by itself) but says who.
	tool := newConsoleClient(t, server)
	bearer := map[string]string{"Authorization": "Bearer s3cret"}
	if code, _, _ := tool.do("GET", "/api/console", nil, bearer); code != 200 {
		t.Errorf("bearer GET: %d", code)
	}
	if code, _, body := tool.do("POST", "/console/abort", url.Values{"run_id": {"r"}}, bearer); code != 501 {
		t.Errorf("bearer abort without actions: %d %q, want 501", code, body)
	}
	if code, _, _ := tool.do("POST", "/console/abort", url.Values{"run_id": {"r"}}, map[string]string{"Authorization": "Bearer wrong"}); code != 401 {
		t.Errorf("a wrong bearer POST: %d, want 401", code)
	}
}
