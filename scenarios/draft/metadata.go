package draft

import (
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
)

var (
	// A metadata line: "Date: 2015-10-21", "Incident ID: PM-12", or a
	// two-cell table row "Date | 2015-10-21".
	metadataLine = regexp.MustCompile(`^\s*([A-Za-z][A-Za-z #_-]{0,30}?)\s*(?::|\|)\s*(.+?)\s*$`)
	identifier   = regexp.MustCompile(`^#?[\w][\w.:/#-]*$`)
)

// The metadata a draft reads, by the names documents give it.
var metadataKeys = map[string]string{
	"title": "title", "incident title": "title",
	"id": "id", "incident id": "id", "incident": "id", "incident number": "id", "incident #": "id",
	"postmortem id": "id", "ticket": "id",
	"date": "date", "incident date": "date", "date of incident": "date", "when": "date",
	"url": "url", "link": "url", "postmortem url": "url", "postmortem link": "url", "permalink": "url",
}

// findMetadata reads front matter, then "Key: value" lines before the
// first section and in the summary: a value is taken from the body only
// when it looks like one (a date, an http(s) URL, an identifier).
func (pm *Document) findMetadata() {
	pm.ID = metaString(pm.meta, "incident_id", "id", "postmortem_id")
	pm.URL = metaString(pm.meta, "url", "permalink", "link", "canonical_url")
	if !isWebURL(pm.URL) {
		pm.URL = ""
	}
	for _, kind := range []string{"", "summary", "stats"} {
		for _, b := range pm.sections[kind] {
			if b.kind == blockCode || b.kind == blockHeading {
				continue
			}
			for _, line := range strings.Split(b.text, "\n") {
				m := metadataLine.FindStringSubmatch(strings.Trim(line, "| "))
				if m == nil {
					continue
				}
				field := metadataKeys[strings.Join(strings.Fields(strings.ToLower(strings.NewReplacer("_", " ", "-", " ").Replace(m[1]))), " ")]
				value := strings.Trim(strings.TrimSpace(m[2]), `"'<>|* `)
				switch field {
				case "id":
					if pm.ID == "" && identifier.MatchString(value) {
						pm.ID = value
					}
				case "url":
					if pm.URL == "" && isWebURL(value) {
						pm.URL = value
					}
				case "date":
					if pm.Date == "" {
						if d, ok := findDate(value, 0); ok {
							pm.Date = d.Format(time.DateOnly)
						}
					}
				}
			}
		}
	}
}

func isWebURL(text string) bool {
	u, err := url.Parse(text)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && !strings.ContainsAny(text, " \t")
}

const monthNames = `(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?`

var (
	dateISO       = regexp.MustCompile(`\b(\d{4})[-/](\d{2})[-/](\d{2})\b`)
	dateMonthDay  = regexp.MustCompile(`(?i)\b` + monthNames + `\s+(\d{1,2})(?:st|nd|rd|th)?\b(?:,?\s+(\d{4})\b)?`)
	dateDayMonth  = regexp.MustCompile(`(?i)\b(\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?` + monthNames + `\b(?:,?\s+(\d{4})\b)?`)
	dateYearMonth = regexp.MustCompile(`(?i)\b(\d{4})\s+` + monthNames + `\s+(\d{1,2})\b`)
)

func monthOf(name string) time.Month {
	name = strings.ToLower(name)
	for m := time.January; m <= time.December; m++ {
		if strings.HasPrefix(strings.ToLower(m.String()), name[:3]) {
			return m
		}
	}
	return 0
}

// findDate is the first date written in text. A date without a year
// ("October 21") takes defaultYear, and is not found when that is 0.
func findDate(text string, defaultYear int) (time.Time, bool) {
	type found struct {
		at  int
		day time.Time
	}
	var best *found
	consider := func(at, year int, month time.Month, day int) {
		if year == 0 {
			year = defaultYear
		}
		if year < 1990 || year > 2100 || month < 1 || day < 1 || day > 31 {
			return
		}
		t := time.Date(year, month, day, 0, 0, 0, 0, time.UTC)
		if t.Day() != day || (best != nil && best.at <= at) {
			return
		}
		best = &found{at, t}
	}
	atoi := func(s string) int { n, _ := strconv.Atoi(s); return n }
	if m := dateISO.FindStringSubmatchIndex(text); m != nil {
		consider(m[0], atoi(text[m[2]:m[3]]), time.Month(atoi(text[m[4]:m[5]])), atoi(text[m[6]:m[7]]))
	}
	if m := dateYearMonth.FindStringSubmatchIndex(text); m != nil {
		consider(m[0], atoi(text[m[2]:m[3]]), monthOf(text[m[4]:m[5]]), atoi(text[m[6]:m[7]]))
	}
	for _, m := range dateMonthDay.FindAllStringSubmatchIndex(text, -1) {
		year := 0
		if m[6] >= 0 {
			year = atoi(text[m[6]:m[7]])
		}
		consider(m[0], year, monthOf(text[m[2]:m[3]]), atoi(text[m[4]:m[5]]))
	}
	for _, m := range dateDayMonth.FindAllStringSubmatchIndex(text, -1) {
		year := 0
		if m[6] >= 0 {
			year = atoi(text[m[6]:m[7]])
		}
		consider(m[0], year, monthOf(text[m[4]:m[5]]), atoi(text[m[2]:m[3]]))
	}
	if best == nil {
		return time.Time{}, false
	}
	return best.day, true
}

// isDateOnly: a heading that is a date ("May 12", "2019-10-21"), a day
// of a timeline rather than a title.
func isDateOnly(text string) bool {
	if _, ok := findDate(text, 2000); !ok {
		return false
	}
	// "2018 October 21 22:52 UTC", "Tuesday, May 12": a date, maybe a
	// time; "2018-01-17, Hub 403" is a title.
	for _, w := range strings.FieldsFunc(text, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		if !dateWord.MatchString(w) {
			return false
		}
	}
	return true
}

// dateWord is a word of a date or a time: a month or weekday, a day or
// hour (two digits at most), a year, a zone.
var dateWord = regexp.MustCompile(`(?i)^(?:\d{1,2}|(?:19|20)\d{2}|\d{1,2}(?:st|nd|rd|th|am|pm|h)|` + monthNames + `|(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*|st|nd|rd|th|at|on|of|am|pm|utc|gmt|z|[a-z]{1,3}t|t)$`)

// The front matter's names for when the incident began and ended.
var (
	incidentStartKeys = []string{"incident_date", "date_of_incident", "incident_day", "start_time", "started_at", "incident_start", "impact_start"}
	incidentEndKeys   = []string{"end_time", "ended_at", "resolved_at", "incident_end", "impact_end"}
)

// findDate sets the incident's date from, in order: an incident date in
// the front matter, a date line in the body, the title, the first
// paragraph, the timeline's first date; the front matter's date last,
// since a blog's is the day it was published, often after the incident.
func (pm *Document) findDate() {
	published := metaString(pm.meta, "date", "published", "pubdate")
	year := 0
	if d, ok := findDate(published, 0); ok {
		year = d.Year()
	}
	if started, ok := metaTime(pm.meta, incidentStartKeys...); ok {
		// A timestamp is a date whatever its year: ARPANET's 1980 outage.
		pm.Date = started.Format(time.DateOnly)
	} else if incident := metaString(pm.meta, incidentStartKeys...); incident != "" {
		if d, ok := findDate(incident, year); ok {
			pm.Date = d.Format(time.DateOnly)
		}
	}
	if pm.Date != "" {
		if d, err := time.Parse(time.DateOnly, pm.Date); err == nil {
			year = d.Year()
		}
	}
	for _, where := range []string{pm.Title, metaString(pm.meta, "path", "slug", "permalink")} {
		// A blog's path ("inside-rust/2023/09/01/...") dates the post when no date is set.
		if y := yearOnly.FindString(where); year == 0 && y != "" {
			year, _ = strconv.Atoi(y)
		}
	}
	if pm.Date == "" {
		if d, ok := findDate(pm.Title, year); ok {
			pm.Date = d.Format(time.DateOnly)
		}
	}
	if pm.Date == "" {
		for _, kind := range []string{"", "summary", "impact"} {
			if d, ok := findDate(byline.ReplaceAllString(firstParagraph(pm.sections[kind]), ""), year); ok {
				pm.Date = d.Format(time.DateOnly)
				break
			}
		}
	}
	pm.Timeline = pm.readTimeline(pm.Date, year)
	if pm.Date == "" {
		for _, e := range pm.Timeline {
			if e.dated {
				// The day the document says, not the UTC one: 16:20 PST on
				// the 3rd is the 3rd.
				pm.Date = e.day.Format(time.DateOnly)
				break
			}
		}
	}
	if pm.Date == "" {
		if d, ok := findDate(published, 0); ok {
			pm.Date = d.Format(time.DateOnly)
		}
	}
	if pm.Date == "" && year != 0 {
		if d, ok := findDate(pm.prose("summary", "impact"), year); ok {
			pm.Date = d.Format(time.DateOnly)
		}
	}
}

var bylineOnly = regexp.MustCompile(`(?i)^\s*(?:posted|published|by)\b[^\n]{0,80}$`)

var (
	yearOnly = regexp.MustCompile(`\b(?:19|20)\d{2}\b`)
	// A blog's byline dates the post, not the incident.
	byline = regexp.MustCompile(`(?i)\b(?:posted|published|updated|written|last modified)\b[^.\n]{0,40}`)
)

// firstParagraph is the first paragraph or item with words other than a
// byline's.
func firstParagraph(blocks []block) string {
	for _, b := range blocks {
		if (b.kind == blockParagraph || b.kind == blockItem) && strings.TrimSpace(byline.ReplaceAllString(b.text, "")) != "" && !bylineOnly.MatchString(b.text) {
			return b.text
		}
	}
	return ""
}

// Placeholders an unfilled template is made of.
var placeholder = regexp.MustCompile(`(?i)\[(?:[a-z][^\]]{1,60})\]|<[a-z][^>]{1,60}>|\{\{[^}]*\}\}|\b(?:yyyy|hh:mm|xx:xx|tbd|lorem ipsum)\b|\bnnn\b|\.\.\.$`)

// notAnIncident says why a document holds no incident: nothing in it, or
// an unfilled template. "" when it is a postmortem.
func (pm *Document) notAnIncident() string {
	var words, placeholders, withText int
	for _, b := range pm.blocks {
		if b.kind == blockCode || b.title {
			continue
		}
		text := clean(b.text)
		if text == "" {
			continue
		}
		withText++
		words += len(strings.Fields(text))
		placeholders += len(placeholder.FindAllString(text, -1))
	}
	switch {
	case withText == 0:
		return "it has no text"
	case placeholders >= 3 && placeholders*12 >= words/2 || placeholderTitle.MatchString(pm.Title) && placeholders >= 1:
		return "it is an unfilled template (placeholders such as " + strings.Join(uniqueMatches(pm), ", ") + " are still in it)"
	case pm.Title == "" && words < 20:
		return "it has no title and too little text to be a postmortem"
	}
	return ""
}

var placeholderTitle = regexp.MustCompile(`(?i)\btemplate\b|\byyyy\b|\bnnn\b|\[[^\]]+\]|<[^>]+>|\{\{`)

func uniqueMatches(pm *Document) []string {
	seen := map[string]bool{}
	var out []string
	for _, b := range pm.blocks {
		for _, m := range placeholder.FindAllString(clean(b.text), -1) {
			if !seen[m] && len(out) < 3 {
				seen[m] = true
				out = append(out, strconv.Quote(m))
			}
		}
	}
	return out
}
