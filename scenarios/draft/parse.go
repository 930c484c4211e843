// Package draft turns a postmortem — Markdown with YAML or TOML front
// matter, or a saved web page — into the skeleton of a drill scenario:
// the postmortem block filled in, the incident's observed recovery time
// and data loss next to the objectives, one recover step per recovery
// action and a recovered_when check, each a stub that fails loudly until
// the author replaces it. Facts returns what was found, with the source
// words and line of each.
package draft

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/redrill/redrill/store"
)

// Entry is a sentence or list item of the document and its line.
type Entry struct {
	Text string `json:"text"`
	Line int    `json:"line"`
}

// Document is what a draft reads from a postmortem.
type Document struct {
	store.Postmortem
	Actions   []Entry // what was done to recover, during the incident
	FollowUps []Entry // what is to be done after it
	// ActionsFrom says where the actions were found: a section, the
	// timeline, or nowhere (the draft is a skeleton with one stub step).
	ActionsFrom string
	Timeline    []TimelineEntry
	Impact      Impact
	DataLoss    DataLoss
	// RecoveryConfirmed is the sentence that tells how recovery was
	// confirmed ("Verified that checkout served orders again."), if any.
	RecoveryConfirmed string

	blocks   []block
	sections map[string][]block
	meta     map[string]any
}

// ErrNotAPostmortem is returned for a document with no incident in it.
var ErrNotAPostmortem = errors.New("not a postmortem")

// Sections by what a draft uses them for, matched on the heading's words
// in this order (so "Root cause of the outage" is a cause, not an impact).
var sectionRules = []struct {
	kind    string
	pattern *regexp.Regexp
}{
	{"timeline", regexp.MustCompile(`^(?:detailed |incident )?timeline\b|^timeline of|^chronology|^sequence of events|^events$`)},
	{"actions", regexp.MustCompile(`action items?|follow[- ]?ups?|next steps|corrective actions?|preventi(?:ve|on)|what we(?:'re| are| will be)? (?:doing|going to do|changing|will do)|what(?:'s| is) next|future (?:work|improvements|plans)|going forward|remediation items|improvements|moving forward|to do$|todo|planned changes|how we(?:'re| are| will) (?:prevent|improv)`)},
	{"cause", regexp.MustCompile(`root[- ]causes?|^causes?\b|why did (?:this|it) happen|contributing factors?|what went wrong|what caused|technical details|^analysis|trigger`)},
	{"fault", regexp.MustCompile(`^fault\b`)},
	{"recovery", regexp.MustCompile(`^resolution|^recovery|^mitigation|^remediation|^how we (?:recovered|fixed|resolved|mitigated)|^the fix|^fix(?:es)?$|^restoration|^how it was (?:fixed|resolved)|^resolving|^recovering|^steps taken|^immediate actions?`)},
	{"impact", regexp.MustCompile(`impact|^effects?\b|^consequences`)},
	{"summary", regexp.MustCompile(`summary|overview|^what happened|^introduction|^background|^description|^incident$|^the incident`)},
	{"lessons", regexp.MustCompile(`lessons?|what we learned|learnings|takeaways|went well|went badly|where we got lucky`)},
	{"detection", regexp.MustCompile(`^detection|^how we (?:noticed|found out)`)},
	{"response", regexp.MustCompile(`^response|^incident response`)},
	{"stats", regexp.MustCompile(`^stats|^metrics|^details$|^key facts`)},
}

var headingNumbers = regexp.MustCompile(`(?i)^(?:\d+(?:\.\d+)*[.)]?|[ivx]+[.)])\s+`)

// headingName normalises a heading for matching: no numbering ("4.
// Resolution", "IV. Resolution"), no trailing colon, lower case.
func headingName(title string) string {
	name := strings.Trim(clean(title), "*_: ")
	name = headingNumbers.ReplaceAllString(name, "")
	name = strings.ReplaceAll(name, "’", "'")
	return strings.ToLower(strings.Trim(name, "*_:. "))
}

func kindOf(title string) string {
	name := headingName(title)
	if isDateOnly(name) || entryClock.MatchString(name) {
		// "## May 12", "### 12:42 PM": a day or a moment of the timeline.
		return "timeline"
	}
	if name == "" || len(name) > 80 {
		return ""
	}
	for _, rule := range sectionRules {
		if rule.pattern.MatchString(name) {
			return rule.kind
		}
	}
	return ""
}

// Parse reads a Markdown postmortem (CommonMark, GFM tables, YAML or TOML
// front matter). It fails only for a document with no incident in it.
func Parse(doc string) (*Document, error) { return parse(doc, false) }

// ParseHTML reads a postmortem saved as a web page.
func ParseHTML(doc string) (*Document, error) { return parse(doc, true) }

// ParseFile reads a document by its name: .html and .htm are web pages,
// anything else Markdown.
func ParseFile(name string, content []byte) (*Document, error) {
	lower := strings.ToLower(name)
	return parse(string(content), strings.HasSuffix(lower, ".html") || strings.HasSuffix(lower, ".htm"))
}

func parse(doc string, isHTML bool) (*Document, error) {
	doc = strings.ReplaceAll(doc, "\r\n", "\n")
	pm := &Document{sections: map[string][]block{}}
	if isHTML {
		pm.blocks = readHTML([]byte(doc))
	} else {
		meta, body, bodyLine, err := splitFrontMatter(doc)
		if err != nil {
			return nil, err
		}
		pm.meta = meta
		pm.blocks = readMarkdown([]byte(body), bodyLine)
	}
	pm.readSections()
	if text := metaString(pm.meta, "summary", "description", "abstract"); text != "" {
		// The front matter's summary is read first, as the document's own.
		pm.sections["summary"] = append([]block{{kind: blockParagraph, text: text, line: 1}}, pm.sections["summary"]...)
	}
	pm.findTitle()
	pm.findMetadata()
	if reason := pm.notAnIncident(); reason != "" {
		return nil, fmt.Errorf("%w: %s", ErrNotAPostmortem, reason)
	}
	pm.findDate()
	pm.findCause()
	pm.findActions()
	pm.Impact = pm.findImpact()
	pm.DataLoss = pm.findDataLoss()
	pm.RecoveryConfirmed = pm.confirmation()
	return pm, nil
}

// readSections files each block under the section it is in: a heading
// that names a kind opens a section; a sub-heading stays in it; a heading
// as high that names none ends it. A paragraph that starts with a bold
// label naming a kind ("**Resolution:** ...") opens one too.
func (pm *Document) readSections() {
	current, currentLevel := "", 0
	for i := range pm.blocks {
		b := &pm.blocks[i]
		if b.kind == blockHeading {
			kind := kindOf(b.text)
			// "What went wrong" under "Lessons learnt", "Technical
			// improvements" under "Action items": a lesson and a follow-up,
			// whatever the sub-heading's own words say.
			ownsSubsections := current == "lessons" || current == "actions"
			if (kind == "" || ownsSubsections) && current != "" && b.level > currentLevel {
				pm.sections[current] = append(pm.sections[current], *b)
				continue
			}
			current, currentLevel = kind, b.level
			if kind == "timeline" {
				// "Timeline (all times in BST)": the heading sets the zone.
				pm.sections[kind] = append(pm.sections[kind], *b)
			}
			continue
		}
		if b.kind == blockParagraph && b.lead != "" {
			if kind := kindOf(strings.TrimSuffix(strings.TrimSpace(b.lead), ":")); kind != "" {
				current, currentLevel = kind, 7
				rest := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(b.text), strings.TrimSpace(b.lead)))
				rest = strings.TrimSpace(strings.TrimPrefix(rest, ":"))
				if rest != "" {
					pm.sections[kind] = append(pm.sections[kind], block{kind: blockParagraph, text: rest, line: b.line})
				}
				continue
			}
		}
		if current != "" {
			pm.sections[current] = append(pm.sections[current], *b)
		} else {
			pm.sections[""] = append(pm.sections[""], *b)
		}
	}
}

var titleSuffix = regexp.MustCompile(`\s+[|–—·-]\s+[^|–—·-]{2,60}$`)

func (pm *Document) findTitle() {
	if t := metaString(pm.meta, "title"); t != "" {
		pm.Title = clean(stripMarkers(t))
		return
	}
	var firstHeading, htmlTitle string
	for _, b := range pm.blocks {
		if b.kind != blockHeading {
			continue
		}
		if b.title {
			htmlTitle = titleSuffix.ReplaceAllString(clean(b.text), "")
			continue
		}
		if b.level == 1 && kindOf(b.text) == "" {
			pm.Title = clean(b.text)
			return
		}
		if firstHeading == "" && kindOf(b.text) == "" && !isDateOnly(b.text) {
			firstHeading = clean(b.text)
		}
	}
	switch {
	case htmlTitle != "":
		pm.Title = htmlTitle
	case firstHeading != "":
		pm.Title = firstHeading
	default:
		// Templates whose first heading is "Incident summary": the
		// summary's first sentence names the incident.
		pm.Title = strings.TrimSuffix(truncate(firstSentence(pm.prose("summary")), 100), ".")
	}
}

// prose is the text of the blocks of sections, code left out, each block
// ending a sentence.
func (pm *Document) prose(kinds ...string) string {
	var all []string
	for _, kind := range kinds {
		for _, b := range pm.sections[kind] {
			if b.kind != blockCode && b.kind != blockHeading {
				all = append(all, b.text)
			}
		}
	}
	return strings.Join(all, "\n\n")
}

// findCause: a cause section's first sentence (the root cause comes
// before the contributing factors), then a sentence anywhere that names
// the root cause, then the summary's first that says what caused what,
// then the summary's first sentence, which says what happened. Lessons are
// not causes: "What went wrong" there lists what went badly in the
// response.
func (pm *Document) findCause() {
	for _, kind := range []string{"cause", "fault"} {
		if pm.Finding = firstSentence(pm.prose(kind)); pm.Finding != "" {
			return
		}
	}
	// "The primary cause of these issues is ...", wherever it is written.
	for _, s := range sentences(pm.prose(everySection...)) {
		if namedCause.MatchString(s) {
			pm.Finding = s
			return
		}
	}
	summary := sentences(pm.prose("summary", ""))
	if s := firstCausal(summary); s != "" {
		pm.Finding = s
		return
	}
	if len(summary) > 0 {
		pm.Finding = summary[0]
	}
}

func firstCausal(all []string) string {
	for _, s := range all {
		if causal.MatchString(s) && !detection.MatchString(s) {
			return s
		}
	}
	return ""
}

var causal = regexp.MustCompile(`(?i)\b(?:caused by|due to|because|root cause|triggered by|as a result of|the cause|determined that|found that|turned out|resulted in|led to|meant|broke|r[au]n out of)\b`)

var namedCause = regexp.MustCompile(`(?i)\b(?:primary|root|main|underlying) cause (?:of [^.]{1,60} )?(?:is|was)\b`)

// "This was noticed because Tim looked at the graphs": how it was found, not why it happened.
var detection = regexp.MustCompile(`(?i)\b(?:noticed|detected|spotted|alerted|realized|realised)\b`)

// confirmation is the first sentence of the recovery, detection or
// response sections that says recovery was verified, confirmed or healthy,
// else the first that says something was restored or back.
func (pm *Document) confirmation() string {
	all := sentences(pm.prose("recovery", "detection", "response"))
	for _, pattern := range []*regexp.Regexp{confirmedStrong, confirmedWeak} {
		for _, sentence := range all {
			if pattern.MatchString(sentence) {
				return sentence
			}
		}
	}
	return ""
}

var (
	confirmedStrong = regexp.MustCompile(`(?i)\b(?:verif(?:y|ied|ies|ying)|confirm(?:ed|s|ing)?|healthy)\b`)
	confirmedWeak   = regexp.MustCompile(`(?i)\b(?:restored|back (?:up|online|to normal|in service)|(?:came|comes|is|was|were|are|be|being) back|(?:working|serving|served) again)\b`)
)
