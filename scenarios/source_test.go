package scenarios

import (
	"os"
	"path/filepath"
	"testing"
)

// A scenario's source text and hash are its own block, in either syntax,
// so that editing one scenario of a file changes only that one's hash.
func TestScenarioSourceIsItsOwnBlock(t *testing.T) {
	const json = `{
  "scenario": {
    "first": {
      "recover": { "step": { "a": { "command": { "run": ["true"] } } } }
    },
    "second": {
      "recover": { "step": { "a": { "command": { "run": ["false"] } } } }
    }
  }
}
`
	const nativeFirst = `scenario "first" {
  recover {
    step "a" {
      command { run = ["true"] }
    }
  }
}`
	const nativeSecond = `scenario "second" {
  recover {
    step "a" {
      command { run = ["false"] }
    }
  }
}`
	tests := []struct {
		name     string
		file     string
		content  string
		wantText map[string]string
		wantLine map[string]int
	}{
		{
			name:    "JSON syntax",
			file:    "drills.hcl.json",
			content: json,
			wantText: map[string]string{
				"first":  "\"first\": {\n      \"recover\": { \"step\": { \"a\": { \"command\": { \"run\": [\"true\"] } } } }\n    }",
				"second": "\"second\": {\n      \"recover\": { \"step\": { \"a\": { \"command\": { \"run\": [\"false\"] } } } }\n    }",
			},
			wantLine: map[string]int{"first": 3, "second": 6},
		},
		{
			name:     "native syntax",
			file:     "drills.hcl",
			content:  nativeFirst + "\n\n" + nativeSecond + "\n",
			wantText: map[string]string{"first": nativeFirst, "second": nativeSecond},
			wantLine: map[string]int{"first": 1, "second": 9},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), tt.file)
			if err := os.WriteFile(path, []byte(tt.content), 0o644); err != nil {
				t.Fatal(err)
			}
			set, diags := Load(path, Options{})
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			hashes := map[string]bool{}
			for _, sc := range set.Scenarios {
				if got := string(sc.Source.Text); got != tt.wantText[sc.Name] {
					t.Errorf("%s: Source.Text = %q, want %q", sc.Name, got, tt.wantText[sc.Name])
				}
				if got := sc.Source.Range.Start.Line; got != tt.wantLine[sc.Name] {
					t.Errorf("%s: starts on line %d, want %d", sc.Name, got, tt.wantLine[sc.Name])
				}
				hashes[sc.Hash] = true
			}
			if len(set.Scenarios) != 2 || len(hashes) != 2 {
				t.Errorf("%d scenarios with %d different hashes, want 2 and 2", len(set.Scenarios), len(hashes))
			}
		})
	}
}
