package checks

import (
	"strings"
	"testing"
)

func TestBoundedBuffer(t *testing.T) {
	tests := []struct {
		name   string
		limit  int
		writes []string
		want   string
	}{
		{name: "short output is kept whole", limit: 10, writes: []string{"abc", "def"}, want: "abcdef"},
		{name: "exactly the limit", limit: 6, writes: []string{"abcdef"}, want: "abcdef"},
		{
			name: "the middle of long output is dropped and marked", limit: 6,
			writes: []string{"abc", "defgh", "ij"},
			want:   "abc\n[... 4 bytes dropped ...]\nhij",
		},
		{
			name: "one large write", limit: 4,
			writes: []string{strings.Repeat("x", 100) + "END"},
			want:   "xx\n[... 99 bytes dropped ...]\nND",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newBoundedBuffer(tt.limit)
			for _, w := range tt.writes {
				if n, err := b.Write([]byte(w)); n != len(w) || err != nil {
					t.Fatalf("Write = %d, %v", n, err)
				}
			}
			if got := b.String(); got != tt.want {
				t.Errorf("String() = %q, want %q", got, tt.want)
			}
		})
	}
}
