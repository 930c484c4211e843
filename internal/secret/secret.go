// Package secret says how redrill hides a secret and finds the passwords
// written in DSNs and URLs. It has no dependency, so the store, the check
// kinds, the plan and the webhooks hide secrets the one same way.
package secret

import (
	"net/url"
	"regexp"
	"strings"
)

// Hidden is what a secret reads as in results, messages, logs and files.
const Hidden = "(sensitive)"

var (
	// scheme://user:password@host
	urlCredentials = regexp.MustCompile(`[a-zA-Z][a-zA-Z0-9+.-]*://[^/\s:@]*:([^@\s/]+)@`)
	// user:password@tcp(host:3306)/db, the DSN of go-sql-driver/mysql:
	// no scheme, an address in parentheses after a protocol (tcp, unix, a
	// registered dialer) or none (user:password@/db). The password runs to
	// the last @ before the address, as the driver reads it.
	mysqlCredentials = regexp.MustCompile(`[^\s:@/()'"=]*:([^\s]*?)@(?:[a-zA-Z][a-zA-Z0-9]*\(|/)`)
	// password=secret or password='se cret' in a key=value DSN
	keywordPassword = regexp.MustCompile(`(?i)\bpassword\s*=\s*('[^']*'|[^\s;&]+)`)
)

// HideCredentials returns text with the password of every URL
// (postgres://user:password@host/db), MySQL DSN
// (user:password@tcp(host)/db) and key=value DSN (password=secret) in it
// replaced by Hidden; the rest of the text is kept, so a reader
// still sees which host and user were meant.
func HideCredentials(text string) string {
	if strings.Contains(text, "://") && strings.Contains(text, "@") {
		text = replaceSubmatch(urlCredentials, text, func(string) string { return Hidden })
	}
	if strings.Contains(text, "@") && strings.Contains(text, ":") {
		text = replaceSubmatch(mysqlCredentials, text, func(password string) string {
			if password == "" {
				return ""
			}
			return Hidden
		})
	}
	if strings.Contains(text, "=") {
		text = replaceSubmatch(keywordPassword, text, func(password string) string {
			if len(password) >= 2 && strings.HasPrefix(password, "'") && strings.HasSuffix(password, "'") {
				return "'" + Hidden + "'"
			}
			return Hidden
		})
	}
	return text
}

// Credentials returns the passwords written in text, as written and, for
// URLs, unescaped: the values to hide wherever they appear later.
func Credentials(text string) []string {
	if !MayHoldCredentials(text) {
		return nil
	}
	var found []string
	for _, match := range urlCredentials.FindAllStringSubmatch(text, -1) {
		password := match[1]
		if unescaped, err := url.PathUnescape(password); err == nil && unescaped != password {
			found = append(found, unescaped)
		}
		found = append(found, password)
	}
	for _, match := range mysqlCredentials.FindAllStringSubmatch(text, -1) {
		if match[1] != "" && match[1] != Hidden {
			found = append(found, match[1])
		}
	}
	for _, match := range keywordPassword.FindAllStringSubmatch(text, -1) {
		found = append(found, strings.Trim(match[1], "'"))
	}
	return found
}

// MayHoldCredentials is false for text in which Credentials finds
// nothing, and tells so without searching it.
func MayHoldCredentials(text string) bool {
	return strings.Contains(text, "@") || containsPasswordWord(text)
}

// HideURLPassword returns a URL with its password, if any, hidden; text
// that is not a URL is returned hidden whole.
func HideURLPassword(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return Hidden
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), Hidden)
	}
	return u.String()
}

// URLWithoutSecrets returns scheme://host/path of a URL, the scheme in
// lower case: what a log may say about a webhook, whose token can be in
// its user, its password, its query or its fragment. Text that is not a
// URL is returned hidden whole.
func URLWithoutSecrets(raw string) string {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Scheme == "" || u.Host == "" {
		return Hidden
	}
	kept := url.URL{Scheme: strings.ToLower(u.Scheme), Host: u.Host, Path: u.Path, RawPath: u.RawPath}
	return kept.String()
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
