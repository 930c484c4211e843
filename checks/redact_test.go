package checks

import (
	"fmt"
	"testing"

	"github.com/zclconf/go-cty/cty"

	"github.com/redrill/redrill/internal/secret"
)

func TestRedactor(t *testing.T) {
	tests := []struct {
		name    string
		secrets []string
		config  string
		text    string
		want    string
	}{
		{
			name: "a sensitive value", secrets: []string{"hunter2"},
			text: "login with hunter2 failed", want: "login with (sensitive) failed",
		},
		{
			name:   "the password of a postgres URL",
			config: "postgres://app:s3cr%40t@db:5432/orders",
			text:   `dial postgres://app:s3cr%40t@db:5432/orders: password s3cr@t rejected`,
			want:   `dial postgres://app:(sensitive)@db:5432/orders: password (sensitive) rejected`,
		},
		{
			name:   "the password of a key=value DSN",
			config: "host=db user=app password='pa ss' dbname=orders",
			text:   "could not connect: host=db user=app password='pa ss'",
			want:   "could not connect: host=db user=app password='(sensitive)'",
		},
		{
			name:   "an unquoted keyword password",
			config: "host=db password=topsecret sslmode=disable",
			text:   "topsecret", want: Redacted,
		},
		{
			name:   "a keyword password in capitals",
			config: "host=db PASSWORD=UpperCase",
			text:   "auth with UpperCase failed", want: "auth with (sensitive) failed",
		},
		{
			name: "a secret inside another is hidden whole", secrets: []string{"abc", "abcdef"},
			text: "token abcdef", want: "token (sensitive)",
		},
		{
			name: "text without secrets is unchanged", secrets: []string{"hunter2"},
			text: "all good", want: "all good",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewRedactor(tt.secrets...)
			r.AddCredentials(tt.config)
			if got := r.String(tt.text); got != tt.want {
				t.Errorf("String(%q) = %q, want %q", tt.text, got, tt.want)
			}
		})
	}
}

// Texts searched for credentials are remembered, a few: every password
// is still found however many texts there were, and again after a text
// was seen.
func TestRedactorFindsCredentialsPastTheTextsItRemembers(t *testing.T) {
	r := NewRedactor()
	for i := range maxScannedTexts + 10 {
		dsn := fmt.Sprintf("postgres://app:pw%d@db/orders", i)
		r.AddCredentials(dsn)
		r.AddCredentials(dsn)
	}
	for _, i := range []int{0, maxScannedTexts - 1, maxScannedTexts + 9} {
		if got := r.String(fmt.Sprintf("login pw%d failed", i)); got != "login (sensitive) failed" {
			t.Errorf("password %d: %q", i, got)
		}
	}
}

func TestRedactorValue(t *testing.T) {
	r := NewRedactor()
	r.AddCredentialsIn(cty.ObjectVal(map[string]cty.Value{
		"run": cty.ListVal([]cty.Value{cty.StringVal("pg_restore"), cty.StringVal("--dbname=postgres://u:pw123@h/db")}),
	}))
	got := r.Value(cty.ObjectVal(map[string]cty.Value{
		"stderr": cty.StringVal("connection to postgres://u:pw123@h/db failed"),
		"rows":   cty.TupleVal([]cty.Value{cty.ObjectVal(map[string]cty.Value{"note": cty.StringVal("pw123")})}),
		"code":   cty.NumberIntVal(1),
	}))
	want := cty.ObjectVal(map[string]cty.Value{
		"stderr": cty.StringVal("connection to postgres://u:(sensitive)@h/db failed"),
		"rows":   cty.TupleVal([]cty.Value{cty.ObjectVal(map[string]cty.Value{"note": cty.StringVal(Redacted)})}),
		"code":   cty.NumberIntVal(1),
	})
	if !got.RawEquals(want) {
		t.Errorf("Value() = %#v\nwant %#v", got, want)
	}
}

// Result finds the passwords a result quotes and hides them everywhere in
// it, as AddCredentialsIn then Value do.
func TestRedactorResult(t *testing.T) {
	raw := cty.ObjectVal(map[string]cty.Value{
		"a_note": cty.StringVal("retrying with pw123"),
		"rows":   cty.TupleVal([]cty.Value{cty.ObjectVal(map[string]cty.Value{"dsn": cty.StringVal("postgres://u:pw123@h/db")})}),
		"code":   cty.NumberIntVal(1),
	})
	want := cty.ObjectVal(map[string]cty.Value{
		"a_note": cty.StringVal("retrying with " + Redacted),
		"rows":   cty.TupleVal([]cty.Value{cty.ObjectVal(map[string]cty.Value{"dsn": cty.StringVal("postgres://u:" + Redacted + "@h/db")})}),
		"code":   cty.NumberIntVal(1),
	})
	if got := NewRedactor().Result(raw); !got.RawEquals(want) {
		t.Errorf("Result() = %#v\nwant %#v", got, want)
	}
	clean := cty.ObjectVal(map[string]cty.Value{"rows": cty.TupleVal([]cty.Value{cty.ObjectVal(map[string]cty.Value{"1": cty.NumberIntVal(1)})}), "error": cty.StringVal("")})
	if got := NewRedactor("unrelated").Result(clean); !got.RawEquals(clean) {
		t.Errorf("Result() of a result without secrets = %#v, want it unchanged", got)
	}
}

func TestRedactCredentials(t *testing.T) {
	tests := []struct {
		name string
		text string
		want string
	}{
		{name: "the password of a URL", text: "see https://ops:t0ken@grafana.example.com/d/1", want: "see https://ops:(sensitive)@grafana.example.com/d/1"},
		{name: "two DSNs in one text", text: "postgres://a:one@h1/db and mysql://b:two@h2/db", want: "postgres://a:(sensitive)@h1/db and mysql://b:(sensitive)@h2/db"},
		{name: "a quoted keyword password", text: "host=db password='pa ss' dbname=x", want: "host=db password='(sensitive)' dbname=x"},
		{name: "a user without a password is kept", text: "postgres://app@db/x", want: "postgres://app@db/x"},
		{name: "a port is not a password", text: "http://db:5432/health", want: "http://db:5432/health"},
		{name: "text without credentials is unchanged", text: "restore finished in 42s", want: "restore finished in 42s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := secret.HideCredentials(tt.text); got != tt.want {
				t.Errorf("secret.HideCredentials(%q) = %q, want %q", tt.text, got, tt.want)
			}
		})
	}
}
