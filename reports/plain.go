package reports

import (
	"strings"
	"unicode/utf8"
)

// plainText makes what a command or a check printed safe to put in an XML
// 1.0 document, and readable there: it drops terminal escape sequences
// (colours, cursor moves, window titles, hyperlinks), which mean nothing
// outside a terminal, and replaces every other character XML 1.0 forbids
// (control characters but tab, line feed and carriage return; U+FFFE,
// U+FFFF; bytes that are not UTF-8) with U+FFFD, which libxml2 and every
// other parser would reject as they are. Escaping '<' or '&' is left to
// encoding/xml.
//
// Sequences dropped: CSI (ESC '[' parameters, intermediates, a final byte),
// the string sequences OSC, DCS, SOS, PM and APC (ESC ']', 'P', 'X', '^',
// '_' up to BEL or ESC '\'), and the other escapes (ESC, intermediates, a
// final byte: ESC '(' 'B', ESC '7'). A string sequence left open also ends
// at a line break, so that output cut short does not swallow what follows.
func plainText(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		if s[i] == escape {
			i = skipEscape(s, i+1)
			continue
		}
		r, width := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && width == 1) || !xmlChar(r) {
			r = utf8.RuneError
		}
		b.WriteRune(r)
		i += width
	}
	return b.String()
}

const (
	escape = 0x1b
	bell   = 0x07
)

// skipEscape returns the index after the escape sequence whose ESC is just
// before s[i]. A sequence broken off by a byte that cannot be part of it
// ends before that byte, which is then read as text.
func skipEscape(s string, i int) int {
	if i >= len(s) {
		return i
	}
	switch s[i] {
	case '[':
		return skipCSI(s, i+1)
	case ']', 'P', 'X', '^', '_':
		return skipString(s, i+1)
	}
	// nF escapes: intermediates 0x20-0x2F, then a final byte 0x30-0x7E;
	// with no intermediate this is the two-byte ESC x.
	for i < len(s) && s[i] >= 0x20 && s[i] <= 0x2f {
		i++
	}
	if i < len(s) && s[i] >= 0x30 && s[i] <= 0x7e {
		i++
	}
	return i
}

// skipCSI skips a control sequence's parameter bytes (0x30-0x3F),
// intermediate bytes (0x20-0x2F) and final byte (0x40-0x7E).
func skipCSI(s string, i int) int {
	for i < len(s) && s[i] >= 0x30 && s[i] <= 0x3f {
		i++
	}
	for i < len(s) && s[i] >= 0x20 && s[i] <= 0x2f {
		i++
	}
	if i < len(s) && s[i] >= 0x40 && s[i] <= 0x7e {
		i++
	}
	return i
}

// skipString skips the body of a string sequence up to and including its
// terminator, BEL or ESC '\'; a line break, another escape or the end of
// s also ends it.
func skipString(s string, i int) int {
	for i < len(s) {
		switch {
		case s[i] == bell:
			return i + 1
		case s[i] == escape && i+1 < len(s) && s[i+1] == '\\':
			return i + 2
		case s[i] == escape:
			// Another sequence starts: this one ends before it.
			return i
		case s[i] == '\n' || s[i] == '\r':
			return i
		}
		i++
	}
	return i
}

// xmlChar tells whether XML 1.0 allows r in a document (its Char
// production).
func xmlChar(r rune) bool {
	switch {
	case r == '\t' || r == '\n' || r == '\r':
		return true
	case r < 0x20:
		return false
	case r <= 0xd7ff:
		return true
	case r >= 0xe000 && r <= 0xfffd:
		return true
	case r >= 0x10000 && r <= 0x10ffff:
		return true
	}
	return false
}
