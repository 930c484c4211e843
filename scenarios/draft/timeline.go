package draft

import (
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/redrill/redrill/scenarios/duration"
)

// TimelineEntry is one timed entry of the timeline.
type TimelineEntry struct {
	at    time.Time
	dated bool      // the entry's day is known, not assumed
	day   time.Time // the day as written, in the timeline's zone
	Text  string
	Line  int
}

// At is the entry's time as the JSON facts give it: RFC 3339 when its
// day is known, else the time of day.
func (e TimelineEntry) At() string {
	if e.dated {
		return e.at.Format(time.RFC3339)
	}
	return e.at.Format("15:04")
}

var zoneOffsets = map[string]int{
	"UTC": 0, "GMT": 0, "Z": 0, "WET": 0, "BST": 60, "CET": 60, "CEST": 120, "EET": 120, "EEST": 180, "IST": 5*60 + 30,
	"PST": -8 * 60, "PDT": -7 * 60, "PT": -8 * 60, "MST": -7 * 60, "MDT": -6 * 60, "CST": -6 * 60, "CDT": -5 * 60,
	"EST": -5 * 60, "EDT": -4 * 60, "ET": -5 * 60, "JST": 9 * 60, "AEST": 10 * 60, "AEDT": 11 * 60,
}

var (
	// What may precede an entry's time: markers, brackets, "At", "~".
	entryLead = regexp.MustCompile(`(?i)^[\s>*_\[(~\x60|-]*(?:(?:at|around|approx\.?|approximately|about|by|on|circa)\s+)?`)
	// An entry's date, before its time: 2019-10-21, 10-21 (in brackets),
	// Jan 14, October 21 2018, 2018 October 21, Tuesday.
	entryDate  = regexp.MustCompile(`(?i)^(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*,?\s+)?(?:(\d{4})-(\d{2})-(\d{2})|(\d{2})[-/](\d{2})|(\d{4})\s+` + monthNames + `\s+(\d{1,2})|` + monthNames + `\s+(\d{1,2})(?:st|nd|rd|th)?(?:,?\s+(\d{4}))?|(\d{1,2})(?:st|nd|rd|th)?\s+` + monthNames + `(?:\s+(\d{4}))?)[,\sT]*(?:at\s+)?`)
	entryClock = regexp.MustCompile(`(?i)^(\d{1,2})(?::|\.|h)(\d{2})(?::(\d{2}))?(?:\.\d+)?\s*([ap]\.?m\.?)?(?:\s*\(?\b(UTC|GMT|Z|[A-Z]{2,4}T|BST|CET|IST|PT|ET)\b\)?)?(?:\s*([+-]\d{2}):?(\d{2}))?`)
	dayNote    = regexp.MustCompile(`(?i)\b(?:all|the) (?:events|times|entries)\b[^.]{0,40}\b(?:on|happened)\b`)
	zoneNote   = regexp.MustCompile(`(?i)\b(?:times?|timestamps?|hours?)\b[^.\n]{0,30}?\b((?:UTC|GMT)\s?[+-]\s?\d{1,2}(?::?\d{2})?|UTC|GMT|[A-Z]{2,3}T|BST|CET|IST|PT|ET)\b|\bin\s+((?:UTC|GMT)\s?[+-]\s?\d{1,2}(?::?\d{2})?|UTC|GMT|[A-Z]{2,3}T|BST|CET)\b`)
	zoneOffset = regexp.MustCompile(`^(?:UTC|GMT)\s?([+-])\s?(\d{1,2})(?::?(\d{2}))?$`)
)

// readTimeline reads the timed entries of the timeline sections, in the
// shapes they come in: "14:51 text", "[08:47] text", "[03-26 23:04] text",
// "2:51 PM PST", full timestamps, table rows, date headings and a line
// that sets the date for what follows. A time earlier than the one before
// it, on no new date, is on the next day (a timeline past midnight).
// Times are converted to UTC when a zone is given or the timeline says
// which one it is written in.
func (pm *Document) readTimeline(incidentDate string, defaultYear int) []TimelineEntry {
	var day time.Time
	dayKnown := false
	if d, err := time.Parse(time.DateOnly, incidentDate); err == nil {
		day, dayKnown = d, true
		defaultYear = d.Year()
	}
	zone := 0
	if m := zoneNote.FindStringSubmatch(pm.prose("", "summary")); m != nil {
		zone = noteZone(m[1] + m[2])
	}
	var out []TimelineEntry
	var last time.Time
	newDay := false
	headingEntry := -1 // the entry a time heading opened, waiting for its text
	baseNote := false  // the day was set by a note that all events are on it
	for _, b := range pm.sections["timeline"] {
		if b.kind == blockCode {
			continue
		}
		for i, line := range strings.Split(b.text, "\n") {
			line = strings.TrimSpace(line)
			if line == "" {
				continue
			}
			if m := zoneNote.FindStringSubmatch(line); m != nil && !entryClock.MatchString(strings.TrimPrefix(line, entryLead.FindString(line))) {
				zone = noteZone(m[1] + m[2])
			}
			rest := line[len(entryLead.FindString(line)):]
			entryOwnDay := time.Time{}
			if m := entryDate.FindStringSubmatch(rest); m != nil && m[0] != "" {
				if d, ok := entryDay(m, defaultYear); ok && baseNote && entryClock.MatchString(rest[len(m[0]):]) {
					// "Unless otherwise noted all events happened on ...":
					// an entry with its own date is the exception, not a new day.
					entryOwnDay = d
				} else if ok {
					day, dayKnown, newDay = d, true, true
					if defaultYear == 0 {
						defaultYear = d.Year()
					}
				}
				rest = rest[len(m[0]):]
			}
			m := entryClock.FindStringSubmatch(rest)
			if m == nil && headingEntry >= 0 && b.kind != blockHeading {
				// "### 12:42 PM" then a paragraph: the paragraph is the entry's text.
				out[headingEntry].Text = clean(b.text)
				headingEntry = -1
				break
			}
			if m == nil {
				// "All events happened on 2019-10-21": a line that sets the day.
				if d, ok := findDate(line, defaultYear); ok && (!dayKnown || dayNote.MatchString(line)) {
					day, dayKnown, newDay = d, true, true
					baseNote = dayNote.MatchString(line)
				}
				continue
			}
			entryDayOrBase := day
			if !entryOwnDay.IsZero() {
				entryDayOrBase = entryOwnDay
			}
			at, ok := clockOn(entryDayOrBase, m, zone)
			if !ok {
				continue
			}
			if offset, named := zoneOffsets[strings.ToUpper(m[5])]; named {
				// "16:22 PST", then "17:07": the zone holds for what follows.
				zone = offset
			}
			if !entryOwnDay.IsZero() {
				out = append(out, TimelineEntry{at: at, dated: true, day: entryOwnDay, Text: clean(strings.Trim(rest[len(m[0]):], " |:-–—*_])\x60")), Line: b.line + i})
				continue
			}
			if !last.IsZero() && at.Before(last) && !newDay && last.Sub(at) > time.Hour {
				at = at.AddDate(0, 0, 1)
				day = day.AddDate(0, 0, 1)
			}
			newDay = false
			last = at
			text := strings.Trim(rest[len(m[0]):], " |:-–—*_])\x60")
			headingEntry = -1
			if text == "" && b.kind == blockHeading {
				headingEntry = len(out)
			}
			out = append(out, TimelineEntry{at: at, dated: dayKnown, day: day, Text: clean(text), Line: b.line + i})
		}
	}
	// A time heading ("### 12:42 PM") has its words in the block after it.
	return out
}

func entryDay(m []string, defaultYear int) (time.Time, bool) {
	atoi := func(s string) int { n, _ := strconv.Atoi(s); return n }
	var year, day int
	var month time.Month
	switch {
	case m[1] != "":
		year, month, day = atoi(m[1]), time.Month(atoi(m[2])), atoi(m[3])
	case m[4] != "":
		year, month, day = defaultYear, time.Month(atoi(m[4])), atoi(m[5])
	case m[6] != "":
		year, month, day = atoi(m[6]), monthOf(m[7]), atoi(m[8])
	case m[9] != "":
		year, month, day = atoi(m[11]), monthOf(m[9]), atoi(m[10])
	case m[12] != "":
		year, month, day = atoi(m[14]), monthOf(m[13]), atoi(m[12])
	}
	if year == 0 {
		year = defaultYear
	}
	if year == 0 || month < 1 || month > 12 || day < 1 || day > 31 {
		return time.Time{}, false
	}
	return time.Date(year, month, day, 0, 0, 0, 0, time.UTC), true
}

// noteZone is the offset in minutes of a zone a note names: "CEST",
// "GMT+2", "UTC-07:00".
func noteZone(name string) int {
	name = strings.ToUpper(strings.ReplaceAll(name, " ", ""))
	if m := zoneOffset.FindStringSubmatch(name); m != nil {
		hours, _ := strconv.Atoi(m[2])
		minutes, _ := strconv.Atoi(m[3])
		offset := hours*60 + minutes
		if m[1] == "-" {
			offset = -offset
		}
		return offset
	}
	return zoneOffsets[name]
}

// clockOn is the time of day m (from entryClock) on day, in UTC.
func clockOn(day time.Time, m []string, zone int) (time.Time, bool) {
	hour, _ := strconv.Atoi(m[1])
	minute, _ := strconv.Atoi(m[2])
	second, _ := strconv.Atoi(m[3])
	switch strings.ToLower(strings.ReplaceAll(m[4], ".", "")) {
	case "pm":
		if hour < 12 {
			hour += 12
		}
	case "am":
		if hour == 12 {
			hour = 0
		}
	}
	if hour > 23 || minute > 59 || second > 59 {
		return time.Time{}, false
	}
	if m[5] != "" {
		if offset, ok := zoneOffsets[strings.ToUpper(m[5])]; ok {
			zone = offset
		}
	}
	if m[6] != "" {
		h, _ := strconv.Atoi(m[6])
		mm, _ := strconv.Atoi(m[7])
		zone = h * 60
		if h < 0 {
			zone -= mm
		} else {
			zone += mm
		}
	}
	local := time.Date(day.Year(), day.Month(), day.Day(), hour, minute, second, 0, time.UTC)
	return local.Add(-time.Duration(zone) * time.Minute), true
}

// shortDuration writes 9h12m0s as 9h12m and 3h0m0s as 3h, to the second.
func shortDuration(d time.Duration) string { return duration.Format(d.Round(time.Second)) }
