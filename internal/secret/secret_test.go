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
		{"MySQL DSN", "root:s3cret@tcp(127.0.0.1:3306)/test?parseTime=true", []string{"s3cret"}},
		{"MySQL DSN, password with @ and :", `dsn = "app:p@ss:w0rd@tcp(db:3306)/shop"`, []string{"p@ss:w0rd"}},
		{"MySQL DSN over a socket", "app:pw@unix(/run/mysqld/mysqld.sock)/shop", []string{"pw"}},
		{"MySQL DSN without an address", "app:pw@/shop", []string{"pw"}},
		{"MySQL DSN without a password", "root@tcp(127.0.0.1:3306)/test", nil},
		{"an e-mail address is no DSN", "mail ops@example.com at 10:00", nil},
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
	tests := []struct{ name, text, want string }{
		{"URL and keyword DSN", "dial postgres://u:pw@h/db and password=pw2; done", "dial postgres://u:(sensitive)@h/db and password=(sensitive); done"},
		{"MySQL DSN, user and address kept", `dsn = "app:s3cret@tcp(db:3306)/shop"`, `dsn = "app:(sensitive)@tcp(db:3306)/shop"`},
		{"MySQL DSN in an error", "open app:p@ss@tcp(db)/shop: refused", "open app:(sensitive)@tcp(db)/shop: refused"},
		{"MySQL DSN without a password", "root@tcp(127.0.0.1:3306)/test", "root@tcp(127.0.0.1:3306)/test"},
		{"MySQL DSN with an empty password", "root:@tcp(db)/test", "root:@tcp(db)/test"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := HideCredentials(tt.text); got != tt.want {
				t.Errorf("HideCredentials(%q) = %q, want %q", tt.text, got, tt.want)
			}
		})
	}
}
