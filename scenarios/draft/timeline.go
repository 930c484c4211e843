package draft

import (
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/redrill/redrill/scenarios/duration"
)

// Timestamps a timeline may use, most specific first.
var timelineLayouts = []string{
	time.RFC3339, "2006-01-02 15:04:05 MST", "2006-01-02 15:04 MST", "2006-01-02 15:04:05", "2006-01-02 15:04",
	"2006-01-02T15:04",
}

var (
	timelineStamp = regexp.MustCompile(`\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(?::\d{2})?(?:Z|[+-]\d{2}:\d{2}| [A-Z]{3})?`)
	// A time-only entry, "14:51 ..." or "2:51 PM ...", under the last
	// date line ("2015-10-21 (all times UTC)", "### 2015-10-21").
	timeOfDay = regexp.MustCompile(`^(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\s*([AaPp])\.?[Mm]\.?)?(?:\D|$)`)
	// What may precede an entry's time or date: list markers, table
	// pipes, quotes and emphasis.
	entryMarkers = regexp.MustCompile(`^(?:\s*(?:[-*+>|]|\d+[.)]\s)\s*|\*\*|__|\x60)*`)
)

// observed is the incident's recovery as its timeline tells it.
type observed struct {
	duration time.Duration
	from, to string // the first and last timestamps, as written
}

// observedRecovery is the time from the first to the last timestamp of
// the timeline; zero without two timestamps. Entries are full timestamps
// ("2015-10-21 14:51 UTC") or times under the last date line; a morning
// time after an afternoon or evening one, with no new date line between,
// is on the next day (a timeline that runs past midnight).
func observedRecovery(lines []mdLine) observed {
	var first, last time.Time
	var result observed
	var day time.Time // the date time-only entries are on; zero before any date line
	var dayChanged bool
	record := func(t time.Time, written string) {
		if first.IsZero() {
			first, result.from = t, written
		}
		last, result.to = t, written
	}
	for _, line := range lines {
		entry := entryMarkers.ReplaceAllString(line.text, "")
		if m := timeOfDay.FindStringSubmatch(entry); m != nil {
			at, ok := clockTime(day, m)
			if !ok {
				continue
			}
			if !last.IsZero() && at.Before(last) && !dayChanged && last.Hour() >= 12 && at.Hour() < 12 {
				// Past midnight: the entries are on the next day now.
				day = day.AddDate(0, 0, 1)
				at = at.AddDate(0, 0, 1)
			}
			dayChanged = false
			record(at, clockText(m))
			continue
		}
		if stamp := timelineStamp.FindString(entry); stamp != "" {
			for _, layout := range timelineLayouts {
				if t, err := time.Parse(layout, stamp); err == nil {
					record(t, stamp)
					day = time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
					break
				}
			}
			continue
		}
		if date := isoDate(strings.Fields(entry + " x")[0]); date != "" {
			t, _ := time.Parse(time.DateOnly, date)
			day, dayChanged = t, true
		}
	}
	if first.IsZero() || !last.After(first) {
		return observed{}
	}
	result.duration = last.Sub(first)
	return result
}

// clockTime is the time of day m (from timeOfDay) on day.
func clockTime(day time.Time, m []string) (time.Time, bool) {
	hour, _ := strconv.Atoi(m[1])
	minute, _ := strconv.Atoi(m[2])
	second, _ := strconv.Atoi(m[3]) // "" reads as 0
	switch strings.ToLower(m[4]) {
	case "p":
		if hour < 12 {
			hour += 12
		}
	case "a":
		if hour == 12 {
			hour = 0
		}
	}
	if hour > 23 || minute > 59 || second > 59 {
		return time.Time{}, false
	}
	return time.Date(day.Year(), day.Month(), day.Day(), hour, minute, second, 0, time.UTC), true
}

// clockText is a time of day as the timeline wrote it, without what
// follows it.
func clockText(m []string) string {
	text := m[1] + ":" + m[2]
	if m[3] != "" {
		text += ":" + m[3]
	}
	if m[4] != "" {
		text += " " + strings.ToUpper(m[4]) + "M"
	}
	return text
}

// shortDuration writes 9h12m0s as 9h12m and 3h0m0s as 3h, to the second.
func shortDuration(d time.Duration) string { return duration.Format(d.Round(time.Second)) }
