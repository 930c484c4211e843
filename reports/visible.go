package reports

import (
	"fmt"
	"strings"
	"unicode"
)

// visible shows text on a terminal as it is, with every control
// character written as an escape (\x1b, \f, \u202e): a step that prints
// ESC[2J must not clear the operator's screen, an OSC sequence retitle
// the terminal, nor a bidirectional override reorder what the operator
// reads. Line breaks and tabs stay as they are.
func visible(text string) string {
	if !strings.ContainsFunc(text, needsEscape) {
		return text
	}
	var b strings.Builder
	for _, r := range text {
		switch {
		case !needsEscape(r):
			b.WriteRune(r)
		case r == '\f':
			b.WriteString(`\f`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x100:
			fmt.Fprintf(&b, `\x%02x`, r)
		default:
			fmt.Fprintf(&b, `\u%04x`, r)
		}
	}
	return b.String()
}

// needsEscape tells the characters a terminal would act on rather than
// show: control characters but line breaks and tabs, the Unicode line
// and paragraph separators, and the marks that change the direction of
// text.
func needsEscape(r rune) bool {
	switch {
	case r == '\n' || r == '\t':
		return false
	case unicode.IsControl(r), r == '\u2028', r == '\u2029':
		return true
	}
	return unicode.Is(unicode.Bidi_Control, r)
}
