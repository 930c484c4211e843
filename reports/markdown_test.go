package reports

import (
	"bytes"
	"context"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/redrill/redrill/store"
)

func TestMarkdownURL(t *testing.T) {
	for _, tc := range []struct {
		name, url, want string
		linkable        bool
	}{
		{"a plain https url is kept", "https://wiki.example.com/pm/2041", "https://wiki.example.com/pm/2041", true},
		{"spaces and parentheses are percent-encoded", "https://wiki.example.com/Post mortem (2041)", "https://wiki.example.com/Post%20mortem%20%282041%29", true},
		{"a parenthesis cannot close the link early", "https://a.example/x)[evil](https://evil.example", "https://a.example/x%29[evil]%28https://evil.example", true},
		{"an entity is not decoded", "http://a.example/?q=1&lt;2&b=3", `http://a.example/?q=1\&lt;2\&b=3`, true},
		{"quotes, angle brackets and backslashes are encoded", `https://a.example/"><script>\`, "https://a.example/%22%3E%3Cscript%3E%5C", true},
		{"a url with a line break is not a link", "https://a.example/a\nb", "", false},
		{"non-ASCII is percent-encoded as UTF-8", "HTTPS://a.example/wiki/Zürich", "HTTPS://a.example/wiki/Z%C3%BCrich", true},
		{"javascript is not a link", "javascript:alert(1)", "", false},
		{"file is not a link", "file:///etc/passwd", "", false},
		{"a relative path is not a link", "/pm/2041", "", false},
		{"a url without a host is not a link", "https:pm/2041", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, linkable := markdownURL(tc.url)
			if got != tc.want || linkable != tc.linkable {
				t.Errorf("markdownURL(%q) = %q, %v; want %q, %v", tc.url, got, linkable, tc.want, tc.linkable)
			}
		})
	}
}

func TestMarkdownPostmortemLine(t *testing.T) {
	for _, tc := range []struct {
		name string
		pm   store.Postmortem
		want string
	}{
		{"the title links to the url", store.Postmortem{ID: "PM-1", Date: "2026-03-14", Title: "Disk full", URL: "https://wiki.example.com/pm/1", Finding: "No alert."},
			`PM\-1 2026\-03\-14 [Disk full](https://wiki.example.com/pm/1): No alert\.`},
		{"without a title the link says postmortem", store.Postmortem{ID: "PM-1", URL: "https://wiki.example.com/pm/1"},
			`PM\-1 [postmortem](https://wiki.example.com/pm/1)`},
		{"a url that is not http stays escaped text", store.Postmortem{Title: "Disk full", URL: "javascript:alert(1)"},
			`Disk full \(javascript\:alert\(1\)\)`},
		{"no url, no link", store.Postmortem{Title: "Disk full", Finding: "No alert"}, `Disk full: No alert`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := markdownPostmortem(tc.pm); got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

// Hostile author text: every kind of GFM markup, raw HTML, entities,
// autolinks, table pipes and line breaks.
var hostileTexts = []string{
	"~~struck~~ *bold* **strong** _em_ __em__ `code` ```fence```",
	"[link](https://evil.example) ![image](https://evil.example/x.png) [ref][1] [^note]",
	"<script>alert(1)</script> <b>bold</b> <!-- comment --> &amp; &lt; &#42;",
	"| a | b | \\| c |",
	"# heading\n## second\r> quote\n- item\n+ item\n1. item\n2) item\n    indented code",
	"https://evil.example www.evil.example ops@evil.example @here :fire: $x^2$ \\*",
	"{braces} =equals= back\\slash end\\",
}

// gfmMarkup is every character that can start markup in GitHub Flavored
// Markdown or on GitHub, kept apart from markdownActive so that a
// character dropped there fails here.
const gfmMarkup = "\\`*_~[]()#+-.!|<>&:@$"

// unescaped returns the characters of gfmMarkup in text that no backslash
// makes literal.
func unescaped(text string) string {
	return unescapedExcept(text, "")
}

// unescapedExcept is unescaped less the characters of allowed.
func unescapedExcept(text, allowed string) string {
	var found []rune
	escaped := false
	for _, r := range text {
		switch {
		case escaped:
			escaped = false
		case r == '\\':
			escaped = true
		case strings.ContainsRune(gfmMarkup, r) && !strings.ContainsRune(allowed, r):
			found = append(found, r)
		}
	}
	return string(found)
}

// unescape is what CommonMark shows for escaped text.
func unescape(text string) string {
	return regexp.MustCompile(`\\([[:punct:]])`).ReplaceAllString(text, "$1")
}

func TestMarkdownEscapesHostileText(t *testing.T) {
	for _, text := range hostileTexts {
		got := markdown(text)
		if active := unescaped(got); active != "" {
			t.Errorf("markdown(%q) = %q leaves %q active", text, got, active)
		}
		if strings.ContainsAny(got, "\n\r") {
			t.Errorf("markdown(%q) = %q breaks the line", text, got)
		}
		want := strings.TrimSpace(strings.NewReplacer("\n", " ", "\r", " ").Replace(text))
		if shown := unescape(got); shown != want {
			t.Errorf("markdown(%q) shows %q, want the text itself %q", text, shown, want)
		}
	}
}

// A whole report about a scenario whose author wrote hostile text: the
// golden shows what a reader sees, and no markup gets through.
func TestMarkdownReportOfHostileScenario(t *testing.T) {
	report, err := Build(context.Background(), hostileHistory(t), Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := WriteMarkdown(&out, report); err != nil {
		t.Fatal(err)
	}
	golden(t, "hostile.md", out.Bytes())

	text := out.String()
	// The one link is the postmortem's, to its http URL made safe.
	links := regexp.MustCompile(`\]\(([^)]*)\)`).FindAllStringSubmatch(text, -1)
	if len(links) != 1 || links[0][1] != "https://wiki.example.com/Post%20mortem%20%281%29" {
		t.Fatalf("links %q, want only the postmortem's", links)
	}
	withoutLink := strings.Replace(text, "[Title", "Title", 1)
	withoutLink = strings.Replace(withoutLink, "]("+links[0][1]+")", "", 1)
	// The report's own markup: table pipes, headings, list items, dates,
	// "not met: reason." and "3m (2m)".
	if active := unescapedExcept(withoutLink, "|#-.:()"); active != "" {
		t.Errorf("markup %q gets through:\n%s", active, text)
	}
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, `| \~`) {
			if cells := strings.Count(line, "|") - strings.Count(line, `\|`); cells != 10 {
				t.Errorf("the scenario's table row has %d unescaped pipes, want 10: %s", cells, line)
			}
		}
	}
	for _, field := range []string{hostileName, "Title [click](https://evil.example) **now** | pipe", hostileReason} {
		if !strings.Contains(text, markdown(field)) {
			t.Errorf("the report lacks %q escaped as %q", field, markdown(field))
		}
	}
}

const (
	hostileName   = "~~db~~ | *restore* <b>"
	hostileReason = "step `restore` failed:\n| x | y |\n~~oops~~ <b>"
)

// hostileHistory holds one failed run of a scenario whose author wrote
// markup everywhere.
func hostileHistory(t *testing.T) store.Store {
	t.Helper()
	dir := t.TempDir()
	history, err := store.Open(context.Background(), filepath.Join(dir, "h.db"), store.Options{SpoolDir: dir, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { history.Close() })
	source := `scenario "x" {
  postmortem {
    id      = "PM-1 ~~x~~"
    title   = "Title [click](https://evil.example) **now** | pipe"
    date    = "2026-01-02 <i>"
    url     = "https://wiki.example.com/Post mortem (1)"
    finding = "Finding\n# not a heading\n| not | a row |\n<img src=x onerror=alert(1)> &copy; _x_ @team :fire:"
  }
  postmortem {
    title = "Second ![img](x.png)"
    url   = "javascript:alert(1)"
  }
}`
	objective := 5 * time.Minute
	started := now.Add(-3 * 24 * time.Hour)
	// What the runner records of that source.
	postmortems := []store.Postmortem{{
		ID: "PM-1 ~~x~~", Title: "Title [click](https://evil.example) **now** | pipe", Date: "2026-01-02 <i>",
		URL:     "https://wiki.example.com/Post mortem (1)",
		Finding: "Finding\n# not a heading\n| not | a row |\n<img src=x onerror=alert(1)> &copy; _x_ @team :fire:",
	}, {Title: "Second ![img](x.png)", URL: "javascript:alert(1)"}}
	if err := history.StartRun(context.Background(), store.Run{ID: "hostile-1", Scenario: hostileName, ScenarioHash: "h", ScenarioSource: source,
		Trigger: store.TriggerOnDemand, Host: "runner-1", PID: 1, StartedAt: started, ObjectiveRTO: &objective, Postmortems: postmortems}); err != nil {
		t.Fatal(err)
	}
	if err := history.FinishRun(context.Background(), "hostile-1", store.Finish{EndedAt: started.Add(time.Minute),
		Verdict: store.VerdictFailed, Reason: hostileReason}); err != nil {
		t.Fatal(err)
	}
	return history
}

// The same scenario in HTML: author text is text, and only the http
// postmortem URL is a link.
func TestHTMLReportOfHostileScenario(t *testing.T) {
	report, err := Build(context.Background(), hostileHistory(t), Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := WriteHTML(&out, report); err != nil {
		t.Fatal(err)
	}
	golden(t, "hostile.html", out.Bytes())
	page := out.String()
	for _, raw := range []string{"<b>", "<i>", "<img", `href="javascript`, "&copy;"} {
		if strings.Contains(page, raw) {
			t.Errorf("the page contains %q unescaped", raw)
		}
	}
	if hrefs := regexp.MustCompile(`href="http[^"]*"`).FindAllString(page, -1); len(hrefs) != 1 {
		t.Errorf("links %q, want only the postmortem's", hrefs)
	}
}
