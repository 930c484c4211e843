package draft

import (
	"strings"
	"unicode"
)

// Words ending in a period that do not end a sentence.
var abbreviations = map[string]bool{
	"e.g.": true, "i.e.": true, "etc.": true, "approx.": true, "vs.": true, "cf.": true, "al.": true,
	"mr.": true, "mrs.": true, "ms.": true, "dr.": true, "inc.": true, "ltd.": true, "co.": true, "corp.": true,
	"no.": true, "nos.": true, "fig.": true, "sec.": true, "min.": true, "mins.": true, "hr.": true, "hrs.": true,
	"est.": true, "jan.": true, "feb.": true, "mar.": true, "apr.": true, "jun.": true, "jul.": true, "aug.": true,
	"sep.": true, "sept.": true, "oct.": true, "nov.": true, "dec.": true, "a.m.": true, "p.m.": true, "u.s.": true,
	"ca.": true, "incl.": true, "resp.": true, "st.": true,
}

// sentences splits text into sentences. A sentence ends at ".", "!" or
// "?" followed by a space and what can start a sentence, but not inside
// a version (1.23.4), a decimal (2.5), a time (10:42), a URL or a host
// name (docs.rs), nor after an abbreviation (e.g., approx.) or an
// initial. A line break that the source made between list-like lines is
// not a sentence end; a blank line is.
func sentences(text string) []string {
	var out []string
	for _, paragraph := range strings.Split(text, "\n\n") {
		words := strings.Fields(paragraph)
		var current []string
		for i, word := range words {
			current = append(current, word)
			if i+1 < len(words) && !endsSentence(word, words[i+1]) {
				continue
			}
			if s := strings.Join(current, " "); strings.TrimSpace(s) != "" {
				out = append(out, s)
			}
			current = nil
		}
	}
	return out
}

func endsSentence(word, next string) bool {
	trimmed := strings.TrimRight(word, `"')]*_”’`)
	if trimmed == "" {
		return false
	}
	last := trimmed[len(trimmed)-1]
	if last != '.' && last != '!' && last != '?' {
		return false
	}
	if abbreviations[strings.ToLower(strings.TrimLeft(trimmed, `"'(`))] {
		return false
	}
	// An initial ("J. Smith") or an enumeration ("1. first").
	core := strings.TrimLeft(trimmed[:len(trimmed)-1], `"'(`)
	if len([]rune(core)) == 1 && unicode.IsUpper([]rune(core)[0]) {
		return false
	}
	r := []rune(next)[0]
	return unicode.IsUpper(r) || unicode.IsDigit(r) || strings.ContainsRune(`"'(“[*_`+"`", r)
}

// clean folds spaces and line breaks; the text a fact quotes.
func clean(text string) string { return strings.Join(strings.Fields(text), " ") }

func firstSentence(text string) string {
	if all := sentences(text); len(all) > 0 {
		return all[0]
	}
	return ""
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
