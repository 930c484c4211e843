package checks

import (
	"testing"
	"unicode/utf8"
)

func TestTruncate(t *testing.T) {
	tests := []struct {
		name  string
		text  string
		limit int
		want  string
	}{
		{name: "short text is kept", text: "exit 1", limit: 10, want: "exit 1"},
		{name: "text of exactly the limit is kept", text: "0123456789", limit: 10, want: "0123456789"},
		{name: "long text is cut and marked", text: "0123456789", limit: 4, want: "0123…"},
		{name: "a cut inside a two-byte rune backs off to its start", text: "café au lait", limit: 4, want: "caf…"},
		{name: "a cut after a whole rune keeps it", text: "café au lait", limit: 5, want: "café…"},
		{name: "a cut inside a four-byte rune backs off to its start", text: "ok 🦀 done", limit: 6, want: "ok …"},
		{name: "a cut inside the first rune keeps only the mark", text: "été", limit: 1, want: "…"},
		{name: "a zero limit keeps only the mark", text: "anything", limit: 0, want: "…"},
		{name: "a negative limit keeps only the mark", text: "anything", limit: -3, want: "…"},
		{name: "bytes that are not UTF-8 are cut at the limit", text: "\x80\x80\x80\x80\x80\x80", limit: 5, want: "\x80\x80\x80\x80\x80…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Truncate(tt.text, tt.limit)
			if got != tt.want {
				t.Errorf("Truncate(%q, %d) = %q, want %q", tt.text, tt.limit, got, tt.want)
			}
			if utf8.ValidString(tt.text) && !utf8.ValidString(got) {
				t.Errorf("Truncate(%q, %d) = %q split a rune", tt.text, tt.limit, got)
			}
		})
	}
}
