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
	for _, password := range secret.Credentials(text) {
		r.Add(password)
	}
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
