// Package draft turns a postmortem written in Markdown into the skeleton
// of a drill scenario: the postmortem block filled in, the incident's
// observed recovery time and data loss next to the objectives, one recover
// step per recovery action and a recovered_when check, each a stub that
// fails loudly until the author replaces it.
package draft

import (
	"bufio"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// Postmortem is what a draft reads from a document.
type Postmortem struct {
	Title    string
	ID       string
	Date     string
	URL      string
	Finding  string
	Actions  []string // recovery actions, in order
	Observed time.Duration
	DataLoss string // as the impact text says it, e.g. "6 hours"
	sections map[string][]string
}

// Sections of the common templates (Google SRE, PagerDuty, Atlassian),
// by what a draft uses them for.
var sectionKinds = map[string][]string{
	"summary":  {"summary", "overview", "incident summary", "executive summary"},
	"impact":   {"impact", "customer impact", "user impact"},
	"cause":    {"root cause", "root causes", "contributing factors", "fault", "cause", "causes"},
	"actions":  {"action items", "corrective actions"},
	"lessons":  {"lessons learned", "lessons", "what we learned"},
	"recovery": {"resolution", "recovery", "mitigation", "remediation", "how we recovered"},
	// Used for actions only when there is no recovery section: in
	// Atlassian's template, Response is who did what, Recovery what fixed it.
	"response": {"response", "incident response"},
	"timeline": {"timeline", "timeline of events", "detailed timeline"},
}

var (
	heading      = regexp.MustCompile(`^(#{1,6})\s+(.*?)\s*#*\s*$`)
	listItem     = regexp.MustCompile(`^\s*(?:[-*+]|\d+[.)])\s+(.*)$`)
	dataLossText = regexp.MustCompile(`(?i)(\d+(?:\.\d+)?)\s*(minutes?|mins?|hours?|hrs?|days?)\s+of\s+(?:\w+\s+){0,2}(?:data|changes|writes|records|updates|transactions)`)
	frontMatter  = regexp.MustCompile(`^(\w+)\s*:\s*(.*)$`)
)

// Parse reads a Markdown postmortem. It fails, naming what is missing,
// when the document has no title or no recovery actions.
func Parse(doc string) (*Postmortem, error) {
	pm := &Postmortem{sections: map[string][]string{}}
	lines := strings.Split(strings.ReplaceAll(doc, "\r\n", "\n"), "\n")
	lines = pm.readFrontMatter(lines)

	current := ""
	for _, line := range lines {
		if m := heading.FindStringSubmatch(line); m != nil {
			if m[1] == "#" && pm.Title == "" && kindOf(m[2]) == "" {
				pm.Title = m[2]
				current = ""
				continue
			}
			current = kindOf(m[2])
			continue
		}
		if current != "" {
			pm.sections[current] = append(pm.sections[current], line)
		}
	}

	recovery := pm.sections["recovery"]
	if len(strings.TrimSpace(strings.Join(recovery, ""))) == 0 {
		recovery = pm.sections["response"]
	}
	for _, line := range recovery {
		if m := listItem.FindStringSubmatch(line); m != nil && strings.TrimSpace(m[1]) != "" {
			pm.Actions = append(pm.Actions, cleanText(m[1]))
		}
	}
	if len(pm.Actions) == 0 {
		// A recovery section written as prose: one action per sentence.
		for _, sentence := range sentences(strings.Join(recovery, " ")) {
			pm.Actions = append(pm.Actions, sentence)
		}
	}
	if pm.Title == "" {
		// Templates whose first heading is "Incident summary": the
		// summary's first sentence names the incident.
		pm.Title = strings.TrimSuffix(truncate(firstSentence(pm.sections["summary"]), 100), ".")
	}
	pm.Finding = firstSentence(pm.sections["cause"])
	if lessons := firstSentence(pm.sections["lessons"]); pm.Finding == "" {
		pm.Finding = lessons
	}
	pm.Observed = observedRecovery(pm.sections["timeline"])
	if m := dataLossText.FindStringSubmatch(strings.Join(pm.sections["impact"], " ")); m != nil {
		pm.DataLoss = m[1] + " " + m[2]
	}

	var missing []string
	if pm.Title == "" {
		missing = append(missing, `title ("# Title" heading or "title:" in front matter)`)
	}
	if len(pm.Actions) == 0 {
		missing = append(missing, `recovery actions (a section named Resolution, Recovery or Response, with a list of what was done)`)
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("cannot draft a drill from this document: it has no %s", strings.Join(missing, ", and no "))
	}
	return pm, nil
}

// readFrontMatter reads flat "key: value" YAML front matter.
func (pm *Postmortem) readFrontMatter(lines []string) []string {
	if len(lines) == 0 || strings.TrimSpace(lines[0]) != "---" {
		return lines
	}
	for i := 1; i < len(lines); i++ {
		if strings.TrimSpace(lines[i]) == "---" {
			return lines[i+1:]
		}
		m := frontMatter.FindStringSubmatch(strings.TrimSpace(lines[i]))
		if m == nil {
			continue
		}
		value := strings.Trim(strings.TrimSpace(m[2]), `"'`)
		switch strings.ToLower(m[1]) {
		case "title":
			pm.Title = value
		case "id":
			pm.ID = value
		case "date":
			pm.Date = value
		case "url", "link":
			pm.URL = value
		}
	}
	return lines
}

func kindOf(title string) string {
	normalized := strings.ToLower(strings.TrimSpace(strings.Trim(title, "*_:")))
	for kind, names := range sectionKinds {
		for _, name := range names {
			if normalized == name {
				return kind
			}
		}
	}
	return ""
}

// Timestamps a timeline may use, most specific first.
var timelineLayouts = []string{
	time.RFC3339, "2006-01-02 15:04:05 MST", "2006-01-02 15:04 MST", "2006-01-02 15:04:05", "2006-01-02 15:04",
	"2006-01-02T15:04",
}

var timelineStamp = regexp.MustCompile(`\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(?::\d{2})?(?:Z|[+-]\d{2}:\d{2}| [A-Z]{3})?`)

// observedRecovery is the time from the first to the last timestamp of
// the timeline; zero without two timestamps.
func observedRecovery(lines []string) time.Duration {
	var first, last time.Time
	for _, line := range lines {
		stamp := timelineStamp.FindString(line)
		if stamp == "" {
			continue
		}
		for _, layout := range timelineLayouts {
			if t, err := time.Parse(layout, stamp); err == nil {
				if first.IsZero() {
					first = t
				}
				last = t
				break
			}
		}
	}
	if first.IsZero() || !last.After(first) {
		return 0
	}
	return last.Sub(first)
}

func firstSentence(lines []string) string {
	var text []string
	for _, line := range lines {
		if m := listItem.FindStringSubmatch(line); m != nil {
			line = m[1]
		}
		text = append(text, line)
	}
	all := sentences(strings.Join(text, " "))
	if len(all) == 0 {
		return ""
	}
	return all[0]
}

func sentences(text string) []string {
	var out []string
	scanner := bufio.NewScanner(strings.NewReader(cleanText(text)))
	scanner.Split(bufio.ScanRunes)
	var current strings.Builder
	for scanner.Scan() {
		r := scanner.Text()
		current.WriteString(r)
		if r == "." || r == "!" || r == "?" {
			if s := strings.TrimSpace(current.String()); len(s) > 1 {
				out = append(out, s)
			}
			current.Reset()
		}
	}
	if s := strings.TrimSpace(current.String()); s != "" {
		out = append(out, s)
	}
	return out
}

// cleanText drops Markdown emphasis and links' targets, and folds spaces.
func cleanText(text string) string {
	text = regexp.MustCompile(`\[([^\]]*)\]\([^)]*\)`).ReplaceAllString(text, "$1")
	text = strings.NewReplacer("**", "", "__", "", "`", "").Replace(text)
	return strings.Join(strings.Fields(text), " ")
}

func truncate(text string, limit int) string {
	if len(text) <= limit {
		return text
	}
	cut := strings.LastIndex(text[:limit], " ")
	if cut <= 0 {
		cut = limit
	}
	return text[:cut] + "…"
}
