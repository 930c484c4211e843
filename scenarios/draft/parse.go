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

	"github.com/redrill/redrill/store"
)

// Document is what a draft reads from a postmortem document: the
// postmortem as a scenario refers to it, and what the drill is made of.
type Document struct {
	store.Postmortem
	Actions  []string // recovery actions, in order
	Observed time.Duration
	// ObservedFrom and ObservedTo are the timeline's first and last
	// timestamps, as written, when Observed is set.
	ObservedFrom, ObservedTo string
	DataLoss                 string // as the impact text says it, e.g. "6 hours"
	NoDataLoss               bool   // the document says no data was lost
	// RecoveryConfirmed is the sentence that tells how recovery was
	// confirmed ("Verified that checkout served orders again."), if any.
	RecoveryConfirmed string
	sections          map[string][]mdLine
}

// Sections of the common templates (Google SRE, PagerDuty, Atlassian),
// by what a draft uses them for.
var sectionKinds = map[string][]string{
	"summary": {"summary", "overview", "incident summary", "executive summary"},
	"impact":  {"impact", "customer impact", "user impact"},
	"cause":   {"root cause", "root causes", "contributing factors", "cause", "causes", "root cause analysis"},
	// Atlassian's Fault says what broke; its Root cause says why, and
	// is the finding when both are there.
	"fault":     {"fault"},
	"actions":   {"action items", "corrective actions"},
	"lessons":   {"lessons learned", "lessons", "what we learned"},
	"recovery":  {"resolution", "recovery", "mitigation", "remediation", "how we recovered"},
	"detection": {"detection"},
	// Used for actions only when there is no recovery section: in
	// Atlassian's template, Response is who did what, Recovery what fixed it.
	"response": {"response", "incident response"},
	"timeline": {"timeline", "timeline of events", "detailed timeline"},
}

var (
	dataLossText = regexp.MustCompile(`(?i)(\d+(?:\.\d+)?)\s*(minutes?|mins?|hours?|hrs?|days?)\s+of\s+(?:\w+\s+){0,2}(?:data|changes|writes|records|updates|transactions|lost)\b`)
	noDataLoss   = regexp.MustCompile(`(?i)\b(?:no|zero|without(?: any)?)\s+(?:\w+\s+){0,2}?(?:data|writes|records|transactions)\s+(?:was\s+|were\s+)?(?:lost|loss)\b|\b(?:did not|didn't|never) lose (?:any )?(?:\w+ )?data\b|\bno data loss\b`)
	// How a postmortem says recovery was confirmed, strongest first.
	confirmedStrong = regexp.MustCompile(`(?i)\b(?:verif(?:y|ied|ies|ying)|confirm(?:ed|s|ing)?|healthy)\b`)
	confirmedWeak   = regexp.MustCompile(`(?i)\b(?:restored|back (?:up|online|to normal|in service)|(?:came|comes|is|was|were|are|be|being) back|(?:working|serving|served) again)\b`)
)

// Parse reads a Markdown postmortem. It fails, naming what is missing,
// when the document has no title or no recovery actions.
func Parse(doc string) (*Document, error) {
	pm := &Document{sections: map[string][]mdLine{}}
	lines := strings.Split(strings.ReplaceAll(doc, "\r\n", "\n"), "\n")
	lines = pm.readFrontMatter(lines)

	current, currentLevel := "", 0
	for _, line := range readMarkdown(lines) {
		if line.heading > 0 {
			kind := kindOf(line.text)
			if line.heading == 1 && pm.Title == "" && kind == "" {
				pm.Title = cleanText(line.text)
				current = ""
				continue
			}
			if kind == "" && current != "" && line.heading > currentLevel {
				// A sub-heading stays in its section: a date under
				// Timeline, a part of the Resolution.
				pm.sections[current] = append(pm.sections[current], line)
				continue
			}
			current, currentLevel = kind, line.heading
			continue
		}
		if kind, rest, ok := labelledSection(line); ok {
			// "**Resolution:** Restored from backup." opens a section as a
			// heading would; any heading ends it.
			current, currentLevel = kind, 7
			if rest != "" {
				pm.sections[current] = append(pm.sections[current], mdLine{text: rest})
			}
			continue
		}
		if !line.code && (current == "" || current == "summary") && pm.readMetadataLine(line.text) {
			continue
		}
		if current != "" {
			pm.sections[current] = append(pm.sections[current], line)
		}
	}

	recovery := prose(pm.sections["recovery"])
	if len(strings.TrimSpace(strings.Join(recovery, ""))) == 0 {
		recovery = prose(pm.sections["response"])
	}
	for _, line := range recovery {
		if m := listItem.FindStringSubmatch(line); m != nil && strings.TrimSpace(m[1]) != "" {
			// "Restarted the API:" introduces a snippet; the action is the same without the colon.
			pm.Actions = append(pm.Actions, strings.TrimSuffix(cleanText(m[1]), ":"))
		}
	}
	if len(pm.Actions) == 0 {
		// A recovery section written as prose: one action per sentence.
		pm.Actions = append(pm.Actions, sentences(strings.Join(recovery, " "))...)
	}
	if pm.Title == "" {
		// Templates whose first heading is "Incident summary": the
		// summary's first sentence names the incident.
		pm.Title = strings.TrimSuffix(truncate(firstSentence(pm.sections["summary"]), 100), ".")
	}
	for _, kind := range []string{"cause", "fault", "lessons"} {
		if pm.Finding == "" {
			pm.Finding = firstSentence(pm.sections[kind])
		}
	}
	seen := observedRecovery(pm.sections["timeline"])
	pm.Observed, pm.ObservedFrom, pm.ObservedTo = seen.duration, seen.from, seen.to
	if m := dataLossText.FindStringSubmatch(pm.text("impact")); m != nil {
		pm.DataLoss = m[1] + " " + m[2]
	} else {
		pm.NoDataLoss = noDataLoss.MatchString(pm.text("impact", "summary", "recovery", "response"))
	}
	pm.RecoveryConfirmed = pm.confirmation()

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

// text is the prose of sections, joined.
func (pm *Document) text(kinds ...string) string {
	var all []string
	for _, kind := range kinds {
		all = append(all, prose(pm.sections[kind])...)
	}
	return strings.Join(all, " ")
}

// confirmation is the first sentence of the recovery, detection or
// response sections that says recovery was verified, confirmed or healthy,
// else the first that says something was restored or back.
func (pm *Document) confirmation() string {
	var all []string
	for _, kind := range []string{"recovery", "detection", "response"} {
		for _, line := range prose(pm.sections[kind]) {
			if m := listItem.FindStringSubmatch(line); m != nil {
				line = m[1]
			}
			// Each list item or line ends a sentence.
			all = append(all, sentences(line)...)
		}
	}
	for _, pattern := range []*regexp.Regexp{confirmedStrong, confirmedWeak} {
		for _, sentence := range all {
			if pattern.MatchString(sentence) {
				return sentence
			}
		}
	}
	return ""
}

// sectionLabel is a paragraph that starts with a bold label naming a
// section: "**Resolution:** text" or "**Root cause**: text".
var sectionLabel = regexp.MustCompile(`^\s*(?:\*\*|__)([^*_:]{3,40}?)(?::\s*(?:\*\*|__)|(?:\*\*|__)\s*:)\s*(.*)$`)

// labelledSection reads a line that opens a section with a bold label, and
// returns the section's kind and the text after the label.
func labelledSection(line mdLine) (kind, rest string, ok bool) {
	if line.code || line.heading > 0 {
		return "", "", false
	}
	m := sectionLabel.FindStringSubmatch(line.text)
	if m == nil {
		return "", "", false
	}
	if kind = kindOf(m[1]); kind == "" {
		return "", "", false
	}
	return kind, strings.TrimSpace(m[2]), true
}

func kindOf(title string) string {
	normalized := headingName(title)
	for kind, names := range sectionKinds {
		for _, name := range names {
			if normalized == name {
				return kind
			}
		}
	}
	return ""
}

func firstSentence(lines []mdLine) string {
	var text []string
	for _, line := range prose(lines) {
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

var linkTarget = regexp.MustCompile(`\[([^\]]*)\]\([^)]*\)`)

// cleanText drops Markdown emphasis and links' targets, and folds spaces.
func cleanText(text string) string {
	text = linkTarget.ReplaceAllString(text, "$1")
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
