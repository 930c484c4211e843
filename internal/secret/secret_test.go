package secret

import (
	"slices"
	"testing"
)

func TestHideURLPassword(t *testing.T) {
	tests := []struct{ name, raw, want string }{
		{"password hidden, user kept", "postgres://drill:s3cret@db:5432/app", "postgres://drill:%28sensitive%29@db:5432/app"},
		{"no password", "postgres://drill@db/app", "postgres://drill@db/app"},
		{"not a URL at all", "postgres://%zz", Hidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := HideURLPassword(tt.raw); got != tt.want {
				t.Errorf("HideURLPassword(%q) = %q, want %q", tt.raw, got, tt.want)
			}
		})
	}
}

func TestURLWithoutSecrets(t *testing.T) {
	tests := []struct{ name, raw, want string }{
		{"query key dropped", "https://hooks.example/services/T0?key=SECRET", "https://hooks.example/services/T0"},
		{"upper-case scheme, user and password dropped", "HTTP://bot:SECRET@hooks.example:8080/hook?token=SECRET#SECRET", "http://hooks.example:8080/hook"},
		{"not a URL at all", "http://%zz", Hidden},
		{"no host", "hooks.example/hook?key=SECRET", Hidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := URLWithoutSecrets(tt.raw); got != tt.want {
				t.Errorf("URLWithoutSecrets(%q) = %q, want %q", tt.raw, got, tt.want)
			}
		})
	}
}

func TestCredentials(t *testing.T) {
	tests := []struct {
		name, text string
		want       []string
	}{
		{"URL password, escaped and not", "postgres://u:p%40ss@h/db", []string{"p@ss", "p%40ss"}},
		{"keyword DSN", "host=db password='two words' user=u", []string{"two words"}},
		{"nothing to find", "SELECT 1", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Credentials(tt.text); !slices.Equal(got, tt.want) {
				t.Errorf("Credentials(%q) = %q, want %q", tt.text, got, tt.want)
			}
		})
	}
}

func TestHideCredentials(t *testing.T) {
	got := HideCredentials("dial postgres://u:pw@h/db and password=pw2; done")
	if want := "dial postgres://u:(sensitive)@h/db and password=(sensitive); done"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
