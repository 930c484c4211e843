package draft

import (
	"regexp"
	"strings"
)

// mdLine is one line of a Markdown document, as much as a draft needs to
// know about it: a heading (with its level) or text, inside a fenced code
// block or not.
type mdLine struct {
	text    string
	heading int  // 1 to 6 for a heading, 0 for any other line
	code    bool // inside a fenced code block: never a heading, never prose
}

var (
	atxHeading = regexp.MustCompile(`^ {0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$`)
	// Fences may be indented: a code block inside a list item is.
	fenceOpen      = regexp.MustCompile("^[ \t]*(`{3,}|~{3,})(.*)$")
	setextLine     = regexp.MustCompile(`^ {0,3}(=+|-+)[ \t]*$`)
	listItem       = regexp.MustCompile(`^\s*(?:[-*+]|\d+[.)])\s+(.*)$`)
	headingNumbers = regexp.MustCompile(`(?i)^(?:\d+(?:\.\d+)*[.)]?|[ivx]+[.)])\s+`)
)

// readMarkdown splits a document into lines, recognising ATX headings
// ("## Resolution"), setext headings (a line underlined with === or ---)
// and fenced code blocks (``` or ~~~), whose lines are never headings:
// a "# comment" in a shell snippet must not end the section it is in.
func readMarkdown(lines []string) []mdLine {
	var out []mdLine
	fence := "" // the opening fence while inside a code block
	for _, line := range lines {
		if fence != "" {
			if closesFence(line, fence) {
				fence = ""
				continue
			}
			out = append(out, mdLine{text: line, code: true})
			continue
		}
		if m := fenceOpen.FindStringSubmatch(line); m != nil && !(m[1][0] == '`' && strings.Contains(m[2], "`")) {
			fence = m[1]
			continue
		}
		if m := atxHeading.FindStringSubmatch(line); m != nil && strings.TrimSpace(m[2]) != "" {
			out = append(out, mdLine{text: strings.TrimSpace(m[2]), heading: len(m[1])})
			continue
		}
		if m := setextLine.FindStringSubmatch(line); m != nil {
			// The paragraph just above the underline is the heading's text.
			start := len(out)
			for start > 0 && isParagraph(out[start-1]) {
				start--
			}
			if start < len(out) {
				var text []string
				for _, l := range out[start:] {
					text = append(text, strings.TrimSpace(l.text))
				}
				level := 1
				if m[1][0] == '-' {
					level = 2
				}
				out = append(out[:start], mdLine{text: strings.Join(text, " "), heading: level})
				continue
			}
		}
		out = append(out, mdLine{text: line})
	}
	return out
}

func closesFence(line, fence string) bool {
	trimmed := strings.TrimSpace(line)
	return len(trimmed) >= len(fence) && strings.Trim(trimmed, fence[:1]) == ""
}

// isParagraph: a line of plain text that an underline turns into a
// heading; not a list item, table row, quote or thematic break.
func isParagraph(l mdLine) bool {
	trimmed := strings.TrimSpace(l.text)
	if l.code || l.heading > 0 || trimmed == "" || listItem.MatchString(l.text) || setextLine.MatchString(l.text) {
		return false
	}
	return !strings.HasPrefix(trimmed, "|") && !strings.HasPrefix(trimmed, ">") && !strings.HasPrefix(l.text, "    ")
}

// prose is the text of a section's lines: no headings, no code.
func prose(lines []mdLine) []string {
	var out []string
	for _, l := range lines {
		if l.heading == 0 && !l.code {
			out = append(out, l.text)
		}
	}
	return out
}

// headingName normalises a heading for matching: no emphasis, no
// numbering ("4. Resolution", "4) Resolution", "IV. Resolution"), no
// trailing colon, lower case.
func headingName(title string) string {
	name := strings.TrimSpace(strings.Trim(cleanText(title), "*_: "))
	name = headingNumbers.ReplaceAllString(name, "")
	return strings.ToLower(strings.TrimSpace(strings.Trim(name, "*_: ")))
}
