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
	for _, secret := range r.secrets {
		if strings.Contains(text, secret) {
			text = strings.ReplaceAll(text, secret, Redacted)
		}
		// URL-escaped forms appear in DSNs and in errors that quote them.
		if escaped := url.QueryEscape(secret); escaped != secret && strings.Contains(text, escaped) {
			text = strings.ReplaceAll(text, escaped, Redacted)
		}
	}
	return text
}

// Value returns v with every string inside it redacted.
func (r *Redactor) Value(v cty.Value) cty.Value {
	r.mu.RLock()
	none := len(r.secrets) == 0
	r.mu.RUnlock()
	if none {
		return v
	}
	redacted, _ := cty.Transform(v, func(_ cty.Path, v cty.Value) (cty.Value, error) {
		if v.Type() == cty.String && v.IsKnown() && !v.IsNull() && !v.IsMarked() {
			return cty.StringVal(r.String(v.AsString())), nil
		}
		return v, nil
	})
	return redacted
}

// AddCredentials hides the passwords found in text: the password of a URL
// (postgres://user:password@host/db) and of a key=value DSN
// (password=secret).
func (r *Redactor) AddCredentials(text string) {
	if !strings.Contains(text, "@") && !strings.Contains(strings.ToLower(text), "password") {
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

// AddCredentialsIn hides the passwords found in every string of v.
func (r *Redactor) AddCredentialsIn(v cty.Value) {
	_ = cty.Walk(v, func(_ cty.Path, v cty.Value) (bool, error) {
		if v.Type() == cty.String && v.IsKnown() && !v.IsNull() && !v.IsMarked() {
			r.AddCredentials(v.AsString())
		}
		return true, nil
	})
}

var (
	// scheme://user:password@host
	urlCredentials = regexp.MustCompile(`[a-zA-Z][a-zA-Z0-9+.-]*://[^/\s:@]*:([^@\s/]+)@`)
	// password=secret or password='se cret' in a key=value DSN
	keywordPassword = regexp.MustCompile(`(?i)\bpassword\s*=\s*('[^']*'|[^\s;&]+)`)
)
