package reports

import (
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"
	"unicode"

	"github.com/redrill/redrill/store"
)

// WriteMarkdown writes the report for a wiki page or a postmortem. Text
// that scenario authors wrote is escaped; postmortem URLs become links
// only when they are http or https.
func WriteMarkdown(w io.Writer, r Report) error {
	fmt.Fprintf(w, "# Recovery-time report\n\n%s, runs since %s.\n\n", r.GeneratedAt.Format("2006-01-02 15:04 MST"), r.Since.Format(time.DateOnly))
	if len(r.Scenarios) == 0 {
		_, err := fmt.Fprintln(w, "No drill has run yet.")
		return err
	}
	writeGameDaysMarkdown(w, r.GameDays)
	fmt.Fprintln(w, "| Scenario | Risk | Last run | RTO (objective) | RPO (objective) | RTO p50 / p95 / max | Trend per 30 days | Breach forecast | Runs |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|---|")
	for _, s := range r.Scenarios {
		fmt.Fprintf(w, "| %s | %s | %s | %s (%s) | %s (%s) | %s / %s / %s | %s | %s | %s |\n",
			markdown(s.Scenario), s.Risk.Label(), lastRun(s),
			readable(s.LastRun.RTO), readable(s.ObjectiveRTO), readable(s.LastRun.RPO), readable(s.ObjectiveRPO),
			readable(s.RTOMedian), readable(s.RTOP95), readable(s.RTOMax), signed(s.TrendPerThirtyDays),
			forecast(s.BreachForecast), runCounts(s))
	}
	fmt.Fprintln(w)
	writeLoadMarkdown(w, r)
	writeMeasuresMarkdown(w, r)
	writePeopleMarkdown(w, r)
	for _, s := range r.Scenarios {
		fmt.Fprintf(w, "## %s\n\n%s.\n", markdown(s.Scenario), markdown(s.RiskReason))
		for _, pm := range s.Postmortems {
			fmt.Fprintf(w, "\n- From %s\n", markdownPostmortem(pm))
		}
		fmt.Fprintln(w)
	}
	return nil
}

// writeLoadMarkdown is a table of the scenarios that ran under load: a
// column of the main table would be empty for every other scenario.
func writeLoadMarkdown(w io.Writer, r Report) {
	loaded := underLoad(r)
	if len(loaded) == 0 {
		return
	}
	fmt.Fprintln(w, "Under load, what the drills' clients saw:")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| Scenario | Client downtime (objective) | Downtime max | Trend per 30 days | Lost writes (objective) | Lost in window |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|")
	for _, s := range loaded {
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s |\n", markdown(s.Scenario), s.Load.downtimeCell(), readable(s.Load.DowntimeMax),
			signed(s.Load.DowntimeTrendPerThirtyDays), s.Load.lostCell(), s.Load.windowLostCell())
	}
	fmt.Fprintln(w)
}

// markdownPostmortem is a postmortem line with its title linked to its
// URL: "PM-1 2026-03-14 [title](url): finding".
func markdownPostmortem(pm store.Postmortem) string {
	var parts []string
	for _, p := range []string{pm.ID, pm.Date} {
		if p != "" {
			parts = append(parts, markdown(p))
		}
	}
	link, linkable := markdownURL(pm.URL)
	switch {
	case linkable:
		text := pm.Title
		if text == "" {
			text = "postmortem"
		}
		parts = append(parts, "["+markdown(text)+"]("+link+")")
	case pm.Title != "":
		parts = append(parts, markdown(pm.Title))
	}
	line := strings.Join(parts, " ")
	if pm.Finding != "" {
		line += ": " + markdown(pm.Finding)
	}
	if pm.URL != "" && !linkable {
		line += " " + markdown("("+pm.URL+")")
	}
	return line
}

// markdownActive are the characters that start markup in GitHub Flavored
// Markdown, or in what GitHub renders on top of it: emphasis and strong
// (* _), strikethrough (~), code (`), links and images ([ ] ( ) !),
// headings (#), lists (+ - . and digits before . or )), quotes and HTML
// (> <), entities (&), table cells (|), braces some wikis use ({ }),
// autolinks (: for scheme://, @ for e-mail and mentions, . for www.),
// math ($) and escapes themselves (\). All are ASCII punctuation, which
// CommonMark lets a backslash make literal.
const markdownActive = "\\`*_~{}[]()#+-.!|<>&:@$"

// markdown escapes text so that it renders as itself, on one line: it
// cannot add markup, links, HTML, or a line that ends a table row.
func markdown(text string) string {
	var b strings.Builder
	for _, r := range strings.TrimSpace(plainText(text)) {
		switch {
		case unicode.IsControl(r) || r == '\u2028' || r == '\u2029':
			// A line ending (\n, \r) would end a paragraph or a table row.
			b.WriteRune(' ')
		case strings.ContainsRune(markdownActive, r):
			b.WriteRune('\\')
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// markdownURL returns an http or https URL as a Markdown link destination
// that nothing in it can end or change: spaces, parentheses, backslashes,
// quotes, brackets of HTML, control and non-ASCII bytes are
// percent-encoded, and & is escaped so that no entity is decoded. Other
// schemes (javascript:, file:, relative paths) are not linkable.
func markdownURL(raw string) (string, bool) {
	raw = strings.TrimSpace(raw)
	parsed, err := url.Parse(raw)
	if err != nil || parsed.Host == "" || (!strings.EqualFold(parsed.Scheme, "http") && !strings.EqualFold(parsed.Scheme, "https")) {
		return "", false
	}
	var b strings.Builder
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch {
		case c <= ' ' || c >= 0x7f || strings.IndexByte("()<>\"'\\`{}|^", c) >= 0:
			fmt.Fprintf(&b, "%%%02X", c)
		case c == '&':
			b.WriteString(`\&`)
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), true
}
