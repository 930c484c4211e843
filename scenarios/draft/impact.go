package draft

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Impact is how long the incident's impact lasted and the words that say so.
type Impact struct {
	Seconds  int64  `json:"seconds"`
	Evidence string `json:"evidence"`
	Line     int    `json:"line"`
}

// DataLoss is what the document says of lost data.
type DataLoss struct {
	Kind     string `json:"kind"` // none, some or not_stated
	Seconds  int64  `json:"seconds"`
	Evidence string `json:"evidence"`
	Line     int    `json:"line"`
}

const numberWords = `an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|twenty|thirty|forty(?:-five)?|fifty|sixty|ninety|half an?`

var (
	durationPhrase = regexp.MustCompile(`(?i)\b(\d+(?:\.\d+)?|` + numberWords + `)[\s-]*(days?|hours?|hrs?|h|minutes?|mins?|m|seconds?|secs?|s)\b(?:,?\s*(?:and\s+)?(\d+)\s*(minutes?|mins?|m|seconds?|secs?|s)\b)?`)
	// A label that states the impact's duration, strongest evidence.
	impactLabel = regexp.MustCompile(`(?i)\b(?:total )?(?:impact|outage|incident|downtime|disruption) duration\b|\btime to (?:recover|recovery|resolve|resolution|restore|mitigat\w*)\b|\bduration of (?:the )?(?:outage|incident|impact|downtime|disruption)\b|\btotal downtime\b|\bdowntime\s*:`)
	// A sentence that says the impact lasted that long.
	impactWords = regexp.MustCompile(`(?i)\b(?:outage|down|downtime|unavailable|offline|unreachable|disrupt\w*|degrad\w*|fail\w*|errors?|impact\w*|broken|inaccessible|incident|experienced|affected|problem|issue|idle|stall\w*|stuck|hung|unresponsive|slow\w*|could not|couldn't|unable|unusable|issues|lasted|lasting|resolution|disabled|interrupt\w*|stopped|halted|blocked|returning|recover\w*)\b`)
	impactLead  = regexp.MustCompile(`(?i)(?:\bfor\b|\blasted\b|\blasting\b|\bof\b|\bduring\b|\btook\b|\bover\b|~)\s*(?:about|approximately|around|roughly|almost|nearly|just over|just under|over|more than|less than|at least|up to|the next|a total of|an? additional|an estimated|~)?\s*$`)
	notImpact   = regexp.MustCompile(`(?i)\b(?:detect\w*|ago|later|every|each|per|ttl|timeout|interval|delay|cache|before the|after the|within|periodic|intermittent|previously|once)\b`)
	// "recovered itself in 20 minutes": how long until it recovered.
	recoveredIn = regexp.MustCompile(`(?i)\b(?:recover\w*|resolved|restored|fixed|back)\b(?:\s+\w+){0,2}\s+(?:in|after)\s*(?:about|approximately|around|roughly|almost|nearly|just over|just under|over|~)?\s*$`)
	// "1h50m", "2h 5m": written as one word, read as "1h 50m".
	compactDuration = regexp.MustCompile(`(?i)\b(\d+)h\s?(\d+)\s?m(?:ins?)?\b`)
	notImpactAfter  = regexp.MustCompile(`(?i)^\s*(?:delay|latency|lag|ago|later|interval|timeout|ttl|before|after|earlier|of (?:inactivity|data))\b`)
	outageBegins    = regexp.MustCompile(`(?i)\b(?:outage|impact|incident|downtime|disruption)\s+(?:begins|began|starts|started|start)\b|\bstart of (?:the )?(?:outage|impact)\b`)
	outageEnds      = regexp.MustCompile(`(?i)\b(?:outage|impact|incident|downtime|disruption)\s+(?:ends|ended|end|over|resolved|mitigated)\b|\bend of (?:the )?(?:outage|impact)\b`)
	recoveredText   = regexp.MustCompile(`(?i)\b(?:resolved|recovered|restored|back to normal|fully operational|all clear|mitigated|service (?:is )?back|back online|back up|operating normally|healthy again|working again|closed)\b`)
)

// "10-15 minutes": the range's low end is left out, the high end read.
var numberRange = regexp.MustCompile(`\d+\s*(?:-|–|to)\s*$`)

func numberValue(s string) float64 {
	s = strings.ToLower(s)
	words := map[string]float64{"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
		"eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fifteen": 15, "twenty": 20, "thirty": 30,
		"forty": 40, "forty-five": 45, "fifty": 50, "sixty": 60, "ninety": 90, "half a": 0.5, "half an": 0.5}
	if v, ok := words[s]; ok {
		return v
	}
	v, _ := strconv.ParseFloat(s, 64)
	return v
}

func unitValue(unit string) time.Duration {
	switch u := strings.ToLower(unit); {
	case strings.HasPrefix(u, "d"):
		return 24 * time.Hour
	case strings.HasPrefix(u, "h"):
		return time.Hour
	case strings.HasPrefix(u, "m"):
		return time.Minute
	default:
		return time.Second
	}
}

// phraseDuration is the duration of a durationPhrase match.
func phraseDuration(m []string) time.Duration {
	d := time.Duration(numberValue(m[1]) * float64(unitValue(m[2])))
	if m[3] != "" {
		d += time.Duration(numberValue(m[3]) * float64(unitValue(m[4])))
	}
	return d
}

// located is a sentence and the line it starts on.
type located struct {
	text string
	line int
}

func (pm *Document) sentencesOf(kinds ...string) []located {
	var out []located
	for _, kind := range kinds {
		for _, b := range pm.sections[kind] {
			if b.kind == blockCode {
				continue
			}
			for _, s := range sentences(b.text) {
				out = append(out, located{s, b.line})
			}
		}
	}
	return out
}

var everySection = []string{"", "summary", "impact", "stats", "recovery", "response", "detection", "cause", "fault", "timeline", "lessons", "actions"}

// findImpact: the front matter's start and end times, then a stated
// duration (a label such as "Total impact duration: 5 hours 26 minutes",
// then a sentence of the summary or impact that says how long it lasted), then the timeline's impact markers
// (OUTAGE BEGINS / ENDS), then the timeline from its first entry to its
// last that says the service recovered.
func (pm *Document) findImpact() Impact {
	if started, ok := metaTime(pm.meta, incidentStartKeys...); ok {
		if ended, ok := metaTime(pm.meta, incidentEndKeys...); ok && ended.After(started) {
			return Impact{int64(ended.Sub(started).Seconds()),
				fmt.Sprintf("front matter: from %s to %s", started.Format(time.RFC3339), ended.Format(time.RFC3339)), 1}
		}
	}
	all := pm.sentencesOf(everySection...)
	for _, s := range all {
		if loc := impactLabel.FindStringIndex(s.text); loc != nil {
			if m := durationPhrase.FindStringSubmatch(s.text[loc[1]:]); m != nil && phraseDuration(m) > 0 {
				return Impact{int64(phraseDuration(m).Seconds()), s.text, s.line}
			}
		}
	}
	for _, kinds := range [][]string{{"", "summary", "impact"}, {"stats", "recovery", "response", "detection", "timeline", "cause", "fault"}} {
		for _, s := range pm.sentencesOf(kinds...) {
			if d, ok := statedDuration(s.text); ok {
				return Impact{int64(d.Seconds()), s.text, s.line}
			}
		}
	}
	var begin, end *TimelineEntry
	for i := range pm.Timeline {
		e := &pm.Timeline[i]
		if begin == nil && outageBegins.MatchString(e.Text) {
			begin = e
		}
		if begin != nil && outageEnds.MatchString(e.Text) {
			end = e
		}
	}
	if begin == nil && len(pm.Timeline) > 0 {
		begin = &pm.Timeline[0]
	}
	timeline := pm.Timeline
	if begin != nil && end == nil {
		// Entries days after the one before them are a later event (a
		// recurrence, the follow-up work), not the incident's impact.
		for i := 1; i < len(timeline); i++ {
			if !timeline[i].at.Before(begin.at) && timeline[i].at.Sub(timeline[i-1].at) > laterEvent && timeline[i-1].at.After(begin.at) {
				timeline = timeline[:i]
				break
			}
		}
	}
	if begin != nil && end == nil {
		for i := range timeline {
			if e := &timeline[i]; recoveredText.MatchString(e.Text) && e.at.After(begin.at) {
				end = e
			}
		}
		if end == nil {
			end = &timeline[len(timeline)-1]
		}
	}
	if begin != nil && end != nil && end.at.After(begin.at) {
		return Impact{int64(end.at.Sub(begin.at).Seconds()),
			fmt.Sprintf("timeline %s (%q) to %s (%q)", begin.At(), truncate(begin.Text, 60), end.At(), truncate(end.Text, 60)), begin.Line}
	}
	return Impact{}
}

// laterEvent is the gap in a timeline after which entries are taken for
// another event.
const laterEvent = 96 * time.Hour

// statedDuration is the duration a sentence says the impact lasted:
// "for about 13 minutes", "a 45-minute outage", "lasted 2 hours".
func statedDuration(sentence string) (time.Duration, bool) {
	if !impactWords.MatchString(sentence) {
		return 0, false
	}
	sentence = compactDuration.ReplaceAllString(sentence, "${1}h ${2}m")
	var longest time.Duration
	for _, loc := range durationPhrase.FindAllStringSubmatchIndex(sentence, -1) {
		before := numberRange.ReplaceAllString(sentence[:loc[0]], "")
		after := sentence[loc[1]:]
		window := before
		if len(window) > 40 {
			window = window[len(window)-40:]
		}
		lasted := lastedLead.MatchString(before) // "lasted nine hours before it was restored"
		if notImpact.MatchString(window) || (!lasted && notImpactAfter.MatchString(after)) {
			continue
		}
		m := make([]string, 5)
		for i := 1; i <= 4; i++ {
			if loc[2*i] >= 0 {
				m[i] = sentence[loc[2*i]:loc[2*i+1]]
			}
		}
		if len(m[2]) == 1 && !strings.ContainsAny(m[1], "0123456789") {
			continue // "a m" is not a duration
		}
		if impactLead.MatchString(before) || recoveredIn.MatchString(before) || outageNoun.MatchString(after) {
			// "unnoticed for 3 hours, and without action for at least 9
			// hours": the longest the sentence states.
			longest = max(longest, phraseDuration(m))
		}
	}
	return longest, longest > 0
}

var lastedLead = regexp.MustCompile(`(?i)\blast(?:ed|ing)\s+(?:for\s+)?(?:about|approximately|around|roughly|almost|nearly|over|more than|at least|~)?\s*$`)

// "a 45-minute outage", "40min of total outage".
var outageNoun = regexp.MustCompile(`(?i)^[\s-]*(?:long\s+)?(?:outage|downtime|disruption|incident|window|period)|^\s+of\s+(?:total\s+|complete\s+|full\s+|partial\s+)?(?:outage|downtime|disruption|unavailability)`)
