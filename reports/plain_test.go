package reports

import (
	"bytes"
	"encoding/xml"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestPlainText(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain text is kept", "restore took 3s: ok <&> \"q\"", "restore took 3s: ok <&> \"q\""},
		{"tabs, line breaks and carriage returns are kept", "a\tb\nc\r\nd", "a\tb\nc\r\nd"},
		{"non-ASCII text is kept", "données ✓ 復元 😀", "données ✓ 復元 😀"},
		{"colours are dropped", "\x1b[31merror\x1b[0m: \x1b[1;33mdisk full\x1b[m", "error: disk full"},
		{"256-colour and true-colour codes are dropped", "\x1b[38;5;196mred\x1b[48;2;0;0;0m.", "red."},
		{"cursor moves and line erases are dropped", "10%\x1b[2K\x1b[1G50%\x1b[?25l", "10%50%"},
		{"a window title ended by BEL is dropped", "\x1b]0;pg_restore\x07restoring", "restoring"},
		{"a hyperlink ended by ESC backslash is dropped", "see \x1b]8;;https://x.test/\x1b\\docs\x1b]8;;\x1b\\ now", "see docs now"},
		{"a device control string is dropped", "\x1bPq#0;2;0;0;0\x1b\\done", "done"},
		{"an open title ends at the line break", "\x1b]0;cut short\nnext line", "\nnext line"},
		{"an open title ends at the next escape", "\x1b]0;title\x1b[31mred", "red"},
		{"a charset designation is dropped", "\x1b(Bplain\x1b)0", "plain"},
		{"two-byte escapes are dropped", "\x1b7saved\x1b8\x1bM\x1bc", "saved"},
		{"a CSI cut short keeps the text after it", "\x1b[31\x01x", "\uFFFDx"},
		{"an escape at the end is dropped", "tail\x1b", "tail"},
		{"an escape before a non-ASCII letter keeps the letter", "\x1bé", "é"},
		{"a form feed is replaced", "page 1\fpage 2", "page 1\uFFFDpage 2"},
		{"NUL, BEL, backspace and unit separator are replaced", "a\x00b\x07c\x08d\x1fe", "a\uFFFDb\uFFFDc\uFFFDd\uFFFDe"},
		{"U+FFFE and U+FFFF are replaced", "x\uFFFEy\uFFFFz", "x\uFFFDy\uFFFDz"},
		{"bytes that are not UTF-8 are replaced", "ok\xff\xfe!\xc3", "ok\uFFFD\uFFFD!\uFFFD"},
		{"an encoded surrogate is replaced", "a\xed\xa0\x80b", "a\uFFFD\uFFFD\uFFFDb"},
		{"DEL and C1 controls, which XML allows, are kept", "a\x7fb\u0085c", "a\x7fb\u0085c"},
		{"empty stays empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := plainText(tt.in); got != tt.want {
				t.Errorf("plainText(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// FuzzPlainText checks that whatever a command prints, the text is valid
// UTF-8 of characters XML 1.0 allows, without an ESC, the same when cleaned
// twice, kept as it is when it was already plain, and read back unchanged
// from an XML document encoding/xml wrote. The seed corpus is in
// testdata/fuzz/FuzzPlainText.
func FuzzPlainText(f *testing.F) {
	f.Fuzz(func(t *testing.T, in string) {
		out := plainText(in)
		if !utf8.ValidString(out) {
			t.Fatalf("plainText(%q) = %q: not UTF-8", in, out)
		}
		for _, r := range out {
			if !xmlChar(r) || r == escape {
				t.Fatalf("plainText(%q) = %q holds %U", in, out, r)
			}
		}
		if again := plainText(out); again != out {
			t.Fatalf("plainText is not idempotent: %q, then %q", out, again)
		}
		if isPlain(in) && out != in {
			t.Fatalf("plainText(%q) = %q changed plain text", in, out)
		}

		var doc bytes.Buffer
		if err := xml.NewEncoder(&doc).Encode(struct {
			XMLName xml.Name `xml:"t"`
			Attr    string   `xml:"a,attr"`
			Text    string   `xml:",chardata"`
		}{Attr: out, Text: out}); err != nil {
			t.Fatalf("encode %q: %v", out, err)
		}
		var back struct {
			Attr string `xml:"a,attr"`
			Text string `xml:",chardata"`
		}
		if err := xml.Unmarshal(doc.Bytes(), &back); err != nil {
			t.Fatalf("read back %s: %v", doc.Bytes(), err)
		}
		if back.Attr != out || back.Text != out {
			t.Fatalf("%q read back as attribute %q, text %q", out, back.Attr, back.Text)
		}
	})
}

// isPlain tells whether s is UTF-8 of XML characters without an ESC.
func isPlain(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsRune(s, escape) && strings.IndexFunc(s, func(r rune) bool { return !xmlChar(r) }) < 0
}
