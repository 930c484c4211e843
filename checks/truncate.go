package checks

import "unicode/utf8"

// Truncate cuts text to at most limit bytes, marked with "…" where it was
// cut, for messages that quote an output or a value. It cuts at a rune
// boundary, so a message never ends in half a character.
func Truncate(text string, limit int) string {
	if len(text) <= limit {
		return text
	}
	cut := max(limit, 0)
	// A rune is at most utf8.UTFMax bytes, so the start of the one the limit
	// falls in is no further back; text that is not UTF-8 there has no such
	// start and is cut at the limit.
	for start := cut; start >= 0 && start > cut-utf8.UTFMax; start-- {
		if utf8.RuneStart(text[start]) {
			cut = start
			break
		}
	}
	return text[:cut] + "…"
}
