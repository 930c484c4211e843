package checks

import (
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/zclconf/go-cty/cty"
)

// Redacted is what a secret reads as in results, messages and logs.
const Redacted = "(sensitive)"

// Redactor hides secrets in everything a check returns: the values of
// sensitive variables, and passwords found in DSNs and URLs.
type Redactor struct {
	mu      sync.RWMutex
	secrets []string // longest first, so a secret inside another is not half-hidden
}

// NewRedactor returns a redactor that hides the given secrets.
func NewRedactor(secrets ...string) *Redactor {
	r := &Redactor{}
	for _, s := range secrets {
		r.Add(s)
	}
	return r
}

// Add hides secret from now on. Empty secrets are ignored.
func (r *Redactor) Add(secret string) {
	if secret == "" || secret == Redacted {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if slices.Contains(r.secrets, secret) {
		return
	}
	r.secrets = append(r.secrets, secret)
	slices.SortFunc(r.secrets, func(a, b string) int { return len(b) - len(a) })
}

// String returns text with every secret replaced by Redacted.
func (r *Redactor) String(text string) string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.hide(text)
}

// hide replaces every secret in text, then the password of any DSN or URL
// written in it: a body or an output can hold credentials redrill was
// never given. The caller holds r.mu.
func (r *Redactor) hide(text string) string {
	for _, secret := range r.secrets {
		if strings.Contains(text, secret) {
			text = strings.ReplaceAll(text, secret, Redacted)
		}
		// URL-escaped forms appear in DSNs and in errors that quote them.
		if escaped := url.QueryEscape(secret); escaped != secret && strings.Contains(text, escaped) {
			text = strings.ReplaceAll(text, escaped, Redacted)
		}
	}
	return RedactCredentials(text)
}

// Value returns v with every string inside it redacted. Values without a
// secret are returned as they are, without copying: results are built on
// every poll.
func (r *Redactor) Value(v cty.Value) cty.Value {
	r.mu.RLock()
	defer r.mu.RUnlock()
	redacted, _ := r.redact(v)
	return redacted
}

// RedactCredentials returns text with the password of every URL
// (postgres://user:password@host/db) and key=value DSN (password=secret)
// in it replaced by Redacted; the rest of the text is kept, so a reader
// still sees which host and user were meant.
func RedactCredentials(text string) string {
	if strings.Contains(text, "://") && strings.Contains(text, "@") {
		text = replaceSubmatch(urlCredentials, text, func(string) string { return Redacted })
	}
	if strings.Contains(text, "=") {
		text = replaceSubmatch(keywordPassword, text, func(password string) string {
			if len(password) >= 2 && strings.HasPrefix(password, "'") && strings.HasSuffix(password, "'") {
				return "'" + Redacted + "'"
			}
			return Redacted
		})
	}
	return text
}

// replaceSubmatch replaces the first group of every match of re in text.
func replaceSubmatch(re *regexp.Regexp, text string, replace func(group string) string) string {
	matches := re.FindAllStringSubmatchIndex(text, -1)
	if len(matches) == 0 {
		return text
	}
	var b strings.Builder
	b.Grow(len(text))
	last := 0
	for _, m := range matches {
		start, end := m[2], m[3]
		b.WriteString(text[last:start])
		b.WriteString(replace(text[start:end]))
		last = end
	}
	b.WriteString(text[last:])
	return b.String()
}

// redact returns v with secrets hidden and whether anything changed.
func (r *Redactor) redact(v cty.Value) (cty.Value, bool) {
	if !v.IsKnown() || v.IsNull() || v.IsMarked() {
		return v, false
	}
	ty := v.Type()
	switch {
	case ty == cty.String:
		text := v.AsString()
		if hidden := r.hide(text); hidden != text {
			return cty.StringVal(hidden), true
		}
		return v, false
	case ty.IsObjectType(), ty.IsMapType(), ty.IsListType(), ty.IsTupleType(), ty.IsSetType():
		if v.LengthInt() == 0 {
			return v, false
		}
		changed := false
		var keys, elements []cty.Value
		for it := v.ElementIterator(); it.Next(); {
			key, element := it.Element()
			hidden, elementChanged := r.redact(element)
			changed = changed || elementChanged
			keys, elements = append(keys, key), append(elements, hidden)
		}
		if !changed {
			return v, false
		}
		return rebuild(ty, keys, elements), true
	}
	return v, false
}

// rebuild makes a collection of the same kind from its keys and elements.
func rebuild(ty cty.Type, keys, elements []cty.Value) cty.Value {
	switch {
	case ty.IsObjectType() || ty.IsMapType():
		attrs := make(map[string]cty.Value, len(keys))
		for i, key := range keys {
			attrs[key.AsString()] = elements[i]
		}
		if ty.IsMapType() {
			return cty.MapVal(attrs)
		}
		return cty.ObjectVal(attrs)
	case ty.IsListType():
		return cty.ListVal(elements)
	case ty.IsSetType():
		return cty.SetVal(elements)
	}
	return cty.TupleVal(elements)
}

// AddCredentials hides the passwords found in text: the password of a URL
// (postgres://user:password@host/db) and of a key=value DSN
// (password=secret).
func (r *Redactor) AddCredentials(text string) {
	if !strings.Contains(text, "@") && !containsPasswordWord(text) {
		return
	}
	for _, match := range urlCredentials.FindAllStringSubmatch(text, -1) {
		password := match[1]
		if unescaped, err := url.PathUnescape(password); err == nil {
			r.Add(unescaped)
		}
		r.Add(password)
	}
	for _, match := range keywordPassword.FindAllStringSubmatch(text, -1) {
		password := match[1]
		if strings.HasPrefix(password, "'") {
			password = strings.Trim(password, "'")
		}
		r.Add(password)
	}
}

// containsPasswordWord reports whether text holds "password" in any case,
// without copying text: results are scanned on every poll.
func containsPasswordWord(text string) bool {
	for i := 0; i < len(text); {
		j := strings.IndexAny(text[i:], "pP")
		if j < 0 {
			return false
		}
		i += j
		if len(text)-i >= len("password") && strings.EqualFold(text[i:i+len("password")], "password") {
			return true
		}
		i++
	}
	return false
}

// AddCredentialsIn hides the passwords found in every string of v.
func (r *Redactor) AddCredentialsIn(v cty.Value) {
	if !v.IsKnown() || v.IsNull() || v.IsMarked() {
		return
	}
	ty := v.Type()
	switch {
	case ty == cty.String:
		r.AddCredentials(v.AsString())
	case ty.IsObjectType(), ty.IsMapType(), ty.IsListType(), ty.IsTupleType(), ty.IsSetType():
		for it := v.ElementIterator(); it.Next(); {
			_, element := it.Element()
			r.AddCredentialsIn(element)
		}
	}
}

var (
	// scheme://user:password@host
	urlCredentials = regexp.MustCompile(`[a-zA-Z][a-zA-Z0-9+.-]*://[^/\s:@]*:([^@\s/]+)@`)
	// password=secret or password='se cret' in a key=value DSN
	keywordPassword = regexp.MustCompile(`(?i)\bpassword\s*=\s*('[^']*'|[^\s;&]+)`)
)
