package draft

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/redrill/redrill/scenarios"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// Each postmortem in testdata, one per shape real ones are written in,
// becomes a draft that validates as written, is formatted, and matches
// its golden files: the scenario (.hcl.golden) and the facts (.json.golden).
func TestDraftsValidate(t *testing.T) {
	for _, name := range []string{
		"google-sre.md", "pagerduty.md", "atlassian.md", "sre-book.md", "freeform.md",
		"front-matter-yaml.md", "front-matter-toml.md", "blog-post.html", "table-timeline.md",
		"dated-headings.md", "ampm-zone.md", "no-recovery-skeleton.md", "dated-title-lessons.md", "zone-carries.md", "front-matter-times.md",
	} {
		t.Run(name, func(t *testing.T) {
			doc, err := os.ReadFile(filepath.Join("testdata", name))
			if err != nil {
				t.Fatal(err)
			}
			pm, err := ParseFile(name, doc)
			if err != nil {
				t.Fatal(err)
			}
			out := Write(pm)
			set, diags := scenarios.LoadSources(map[string][]byte{"draft.hcl": out}, scenarios.Options{})
			if len(diags) > 0 {
				t.Fatalf("the draft does not validate: %s\n%s", diags.Error(), out)
			}
			if formatted, _ := scenarios.Format(out, "draft.hcl"); !bytes.Equal(formatted, out) {
				t.Error("the draft is not formatted as redrill fmt would")
			}
			if steps := max(len(pm.Actions), 1); len(set.Scenarios[0].Recover) != steps {
				t.Errorf("%d recover steps for %d actions", len(set.Scenarios[0].Recover), len(pm.Actions))
			}
			base := strings.TrimSuffix(name, filepath.Ext(name))
			golden(t, filepath.Join("testdata", base+".hcl.golden"), out)
			golden(t, filepath.Join("testdata", base+".json.golden"), pm.JSON())
		})
	}
}

func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test -update creates it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("differs from %s:\n%s", path, got)
	}
}

// Only a document with no incident in it is refused, and the message
// says what it is.
func TestParseRefusesWhatIsNotAPostmortem(t *testing.T) {
	tests := []struct {
		name, file, doc, want string
	}{
		{name: "an unfilled template", file: "template.md",
			want: `not a postmortem: it is an unfilled template (placeholders such as "[Service name]", "[YYYY-MM-DD]", "[One paragraph describing what happened.]" are still in it)`},
		{name: "an empty document", doc: "\n\n", want: "not a postmortem: it has no text"},
		{name: "a note with no title", doc: "remember to buy milk", want: "not a postmortem: it has no title and too little text to be a postmortem"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := []byte(tt.doc)
			if tt.file != "" {
				var err error
				if doc, err = os.ReadFile(filepath.Join("testdata", tt.file)); err != nil {
					t.Fatal(err)
				}
			}
			_, err := ParseFile("doc.md", doc)
			if !errors.Is(err, ErrNotAPostmortem) || err.Error() != tt.want {
				t.Errorf("error = %v\nwant %s", err, tt.want)
			}
		})
	}
}
