package checks

import (
	"net/url"
	"slices"
	"strings"
	"sync"

	"github.com/zclconf/go-cty/cty"

	"github.com/redrill/redrill/internal/secret"
)

// Redacted is what a secret reads as in results, messages and logs.
const Redacted = secret.Hidden

// Redactor hides secrets in everything a check returns: the values of
// sensitive variables, and passwords found in DSNs and URLs.
type Redactor struct {
	mu      sync.RWMutex
	secrets []secretForms // longest first, so a secret inside another is not half-hidden
	// scanned holds texts already searched for credentials: a DSN that a
	// workload sends a thousand times a second is searched once, and a
	// redactor never forgets a secret.
	scanned map[string]bool
}

// secretForms is a secret and its URL-escaped form, in which DSNs and the
// errors that quote them write it.
type secretForms struct{ plain, escaped string }

// Bounds of Redactor.scanned: texts are kept while there are few, and
// small.
const (
	maxScannedTexts = 1024
	maxScannedBytes = 4096
)

// NewRedactor returns a redactor that hides the given secrets.
func NewRedactor(secrets ...string) *Redactor {
	r := &Redactor{scanned: map[string]bool{}}
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
	if slices.ContainsFunc(r.secrets, func(h secretForms) bool { return h.plain == secret }) {
		return
	}
	r.secrets = append(r.secrets, secretForms{plain: secret, escaped: url.QueryEscape(secret)})
	slices.SortFunc(r.secrets, func(a, b secretForms) int { return len(b.plain) - len(a.plain) })
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
		if strings.Contains(text, secret.plain) {
			text = strings.ReplaceAll(text, secret.plain, Redacted)
		}
		if secret.escaped != secret.plain && strings.Contains(text, secret.escaped) {
			text = strings.ReplaceAll(text, secret.escaped, Redacted)
		}
	}
	return secret.HideCredentials(text)
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
	case ty.IsObjectType():
		// Attribute by attribute, copying only when one changes.
		var attrs map[string]cty.Value
		for name := range ty.AttributeTypes() {
			redacted, changed := r.redact(v.GetAttr(name))
			if !changed {
				continue
			}
			if attrs == nil {
				attrs = v.AsValueMap()
			}
			attrs[name] = redacted
		}
		if attrs == nil {
			return v, false
		}
		return cty.ObjectVal(attrs), true
	case ty.IsMapType(), ty.IsListType(), ty.IsTupleType(), ty.IsSetType():
		if v.LengthInt() == 0 || !r.holdsSecret(v) {
			return v, false
		}
		var keys, elements []cty.Value
		for it := v.ElementIterator(); it.Next(); {
			key, element := it.Element()
			redacted, _ := r.redact(element)
			keys, elements = append(keys, key), append(elements, redacted)
		}
		return rebuild(ty, keys, elements), true
	}
	return v, false
}

// holdsSecret tells whether redacting an element of collection v changes
// it, before copying any.
func (r *Redactor) holdsSecret(v cty.Value) bool {
	for it := v.ElementIterator(); it.Next(); {
		_, element := it.Element()
		if _, changed := r.redact(element); changed {
			return true
		}
	}
	return false
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
	if !secret.MayHoldCredentials(text) {
		return
	}
	r.mu.RLock()
	scanned := r.scanned[text]
	r.mu.RUnlock()
	if scanned {
		return
	}
	for _, password := range secret.Credentials(text) {
		r.Add(password)
	}
	if len(text) <= maxScannedBytes {
		r.mu.Lock()
		if r.scanned == nil {
			r.scanned = map[string]bool{}
		}
		if len(r.scanned) < maxScannedTexts {
			r.scanned[text] = true
		}
		r.mu.Unlock()
	}
}

// AddCredentialsIn hides the passwords found in every string of v.
func (r *Redactor) AddCredentialsIn(v cty.Value) {
	var found [16]string // on the stack for most values
	for _, text := range appendStrings(found[:0], v) {
		r.AddCredentials(text)
	}
}

// Result hides the passwords found in a check's result, then returns it
// redacted: AddCredentialsIn then Value, but walking the result once when
// it holds nothing to hide, as nearly every result does.
func (r *Redactor) Result(v cty.Value) cty.Value {
	var found [16]string // on the stack for most results
	texts := appendStrings(found[:0], v)
	for _, text := range texts {
		r.AddCredentials(text)
	}
	r.mu.RLock()
	clean := !slices.ContainsFunc(texts, func(text string) bool { return r.hide(text) != text })
	r.mu.RUnlock()
	if clean {
		return v
	}
	return r.Value(v)
}

// appendStrings appends every string inside v that redaction reads: not
// in unknown, null or marked values.
func appendStrings(texts []string, v cty.Value) []string {
	if !v.IsKnown() || v.IsNull() || v.IsMarked() {
		return texts
	}
	ty := v.Type()
	switch {
	case ty == cty.String:
		texts = append(texts, v.AsString())
	case ty.IsObjectType():
		for name := range ty.AttributeTypes() {
			texts = appendStrings(texts, v.GetAttr(name))
		}
	case ty.IsMapType(), ty.IsListType(), ty.IsTupleType(), ty.IsSetType():
		if v.LengthInt() == 0 {
			return texts
		}
		for it := v.ElementIterator(); it.Next(); {
			_, element := it.Element()
			texts = appendStrings(texts, element)
		}
	}
	return texts
}
