package draft

import (
	"net/url"
	"regexp"
	"strings"
	"time"
)

var (
	frontMatter = regexp.MustCompile(`^([\w -]+?)\s*:\s*(.*)$`)
	// A metadata line in the body: "Date: 2015-10-21", "**Date:** 2015-10-21",
	// "**Incident ID**: PM-12", "- Link: https://...", or a two-column
	// table row "| Date | 2015-10-21 |".
	metadataLine = regexp.MustCompile(`^\s*(?:[-*+]\s+)?(?:\*\*|__)?([A-Za-z][A-Za-z #_-]{0,30}?)\s*(?::\s*(?:\*\*|__)|(?:\*\*|__)\s*:|:)\s*(.+?)\s*$`)
	metadataRow  = regexp.MustCompile(`^\s*\|\s*(?:\*\*|__)?([A-Za-z][A-Za-z #_-]{0,30}?)(?:\*\*|__)?\s*:?\s*\|\s*(.+?)\s*\|\s*$`)
	markdownLink = regexp.MustCompile(`^\[[^\]]*\]\(([^)\s]+)\)$`)
	isoDay       = regexp.MustCompile(`\b\d{4}-\d{2}-\d{2}\b`)
	identifier   = regexp.MustCompile(`^#?[\w][\w.:/#-]*$`)
)

// The metadata a draft reads, by the names documents give it.
var metadataKeys = map[string]string{
	"title": "title", "incident title": "title",
	"id": "id", "incident id": "id", "incident": "id", "incident number": "id", "incident #": "id",
	"postmortem id": "id", "ticket": "id",
	"date": "date", "incident date": "date", "date of incident": "date",
	"url": "url", "link": "url", "postmortem url": "url", "postmortem link": "url", "permalink": "url",
}

// readFrontMatter reads flat "key: value" YAML front matter.
func (pm *Document) readFrontMatter(lines []string) []string {
	if len(lines) == 0 || strings.TrimSpace(lines[0]) != "---" {
		return lines
	}
	for i := 1; i < len(lines); i++ {
		if strings.TrimSpace(lines[i]) == "---" {
			return lines[i+1:]
		}
		if m := frontMatter.FindStringSubmatch(strings.TrimSpace(lines[i])); m != nil {
			pm.setMetadata(m[1], strings.Trim(strings.TrimSpace(m[2]), `"'`), false)
		}
	}
	return lines
}

// readMetadataLine reads a "Key: value" line of the body when the key is
// one a draft uses and the value looks like one (a date that parses, an
// http(s) URL, an identifier without spaces). It reports whether the line
// was metadata, so it is not read as the summary's first sentence too.
func (pm *Document) readMetadataLine(line string) bool {
	m := metadataRow.FindStringSubmatch(line)
	if m == nil {
		m = metadataLine.FindStringSubmatch(line)
	}
	if m == nil {
		return false
	}
	value := strings.TrimSpace(strings.Trim(cleanMarkdownValue(m[2]), `"'`))
	return pm.setMetadata(m[1], value, true)
}

// setMetadata sets a field that is still empty: front matter comes first,
// then the first body line that names it. From the body, a value is taken
// only when it looks like one.
func (pm *Document) setMetadata(key, value string, fromBody bool) bool {
	field := metadataKeys[strings.Join(strings.Fields(strings.ToLower(strings.NewReplacer("_", " ", "-", " ").Replace(key))), " ")]
	if field == "" || value == "" {
		return false
	}
	switch field {
	case "title":
		if pm.Title == "" {
			pm.Title = cleanText(value)
		}
	case "id":
		if fromBody && !identifier.MatchString(value) {
			return false
		}
		if pm.ID == "" {
			pm.ID = value
		}
	case "date":
		if fromBody {
			if value = isoDate(value); value == "" {
				return false
			}
		}
		if pm.Date == "" {
			pm.Date = value
		}
	case "url":
		if fromBody && !isWebURL(value) {
			return false
		}
		if pm.URL == "" {
			pm.URL = value
		}
	}
	return true
}

// cleanMarkdownValue turns "<https://x>" and "[text](https://x)" into the
// URL, and drops emphasis around a value.
func cleanMarkdownValue(value string) string {
	value = strings.TrimSpace(value)
	if m := markdownLink.FindStringSubmatch(value); m != nil {
		return m[1]
	}
	value = strings.TrimSuffix(strings.TrimPrefix(value, "<"), ">")
	return strings.Trim(strings.NewReplacer("**", "", "__", "", "`", "").Replace(value), " *_")
}

func isWebURL(text string) bool {
	u, err := url.Parse(text)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && !strings.ContainsAny(text, " \t")
}

// isoDate reads a date written in a common way, also at the start of a
// longer text ("2015-10-21 (all times UTC)"); "" when there is none.
func isoDate(text string) string {
	text = strings.TrimSpace(text)
	for _, layout := range []string{time.DateOnly, time.RFC3339, "January 2, 2006", "Jan 2, 2006", "2 January 2006", "2006/01/02"} {
		if t, err := time.Parse(layout, text); err == nil {
			return t.Format(time.DateOnly)
		}
	}
	if loc := isoDay.FindStringIndex(text); loc != nil && loc[0] == 0 {
		if t, err := time.Parse(time.DateOnly, text[:loc[1]]); err == nil {
			return t.Format(time.DateOnly)
		}
	}
	return ""
}
