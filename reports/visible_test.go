package reports

import "testing"

func TestVisible(t *testing.T) {
	tests := []struct{ name, text, want string }{
		{"plain text is kept", "restore took 4m\n\tdone", "restore took 4m\n\tdone"},
		{"a colour code is shown, not obeyed", "\x1b[31merror\x1b[0m", `\x1b[31merror\x1b[0m`},
		{"clearing the screen is shown", "\x1b[2J\x1b[H", `\x1b[2J\x1b[H`},
		{"an OSC title is shown", "\x1b]0;owned\x07", `\x1b]0;owned\x07`},
		{"form feed and carriage return", "page\fone\rover", `page\fone\rover`},
		{"C1 control", "a\u009bb", `a\x9bb`},
		{"a bidi override is shown", "user\u202eexe.txt", `user\u202eexe.txt`},
		{"emoji with joiners are kept", "ok 👩\u200d💻", "ok 👩\u200d💻"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := visible(tt.text); got != tt.want {
				t.Errorf("visible(%q) = %q, want %q", tt.text, got, tt.want)
			}
		})
	}
}
