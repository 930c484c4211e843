package draft

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/redrill/redrill/scenarios"
)

// FuzzParse: the Markdown reader never panics, and whatever it accepts
// becomes a draft that validates.
func FuzzParse(f *testing.F) {
	docs, _ := filepath.Glob("testdata/*.md")
	for _, doc := range docs {
		content, err := os.ReadFile(doc)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(content))
	}
	f.Add("---\ntitle: x\n---\n## Recovery\n- ${var.x} %{ if true }\n")
	f.Add("# T\n## Resolution\n1) \"quoted\" \\ back\\slash\n## Timeline\n- 2020-01-01 10:00 UTC\n- 2019-01-01 10:00 UTC\n")
	f.Fuzz(func(t *testing.T, doc string) {
		pm, err := Parse(doc)
		if err != nil {
			return
		}
		out := Write(pm)
		if _, diags := scenarios.LoadSources(map[string][]byte{"draft.hcl": out}, scenarios.Options{}); diags.HasErrors() {
			t.Fatalf("a draft does not validate: %s\n%s", diags.Error(), out)
		}
	})
}
