package draft

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/redrill/redrill/scenarios"
)

// FuzzParse: the Markdown and HTML readers never panic, and whatever it accepts
// becomes a draft that validates.
//
// Run it without minimization: go test ./scenarios/draft -run '^$' -fuzz
// FuzzParse -fuzzminimizetime 0s. The seeds are whole postmortems, and the
// default minute spent shrinking each new input holds every worker with
// no execution counted ("execs: 38 (0/sec)" for minutes).
func FuzzParse(f *testing.F) {
	docs, _ := filepath.Glob("testdata/*.md")
	htmlDocs, _ := filepath.Glob("testdata/*.html")
	docs = append(docs, htmlDocs...)
	for _, doc := range docs {
		content, err := os.ReadFile(doc)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(content))
	}
	f.Add("---\ntitle: x\n---\n## Recovery\n- ${var.x} %{ if true }\n")
	f.Add("+++\ntitle = \"x\"\n+++\n## Timeline\n- [03-26 23:04] a\n- 1:15 PM PST b\n")
	f.Add("<title>t</title><h1>x</h1><ul><li>a<ul><li>b</li></ul></li></ul><table><tr><td>Jan 14, 10:18 AM</td></tr></table>")
	f.Add("# T\n## Resolution\n1) \"quoted\" \\ back\\slash\n## Timeline\n- 2020-01-01 10:00 UTC\n- 2019-01-01 10:00 UTC\n")
	f.Fuzz(func(t *testing.T, doc string) {
		for _, parse := range []func(string) (*Document, error){Parse, ParseHTML} {
			pm, err := parse(doc)
			if err != nil {
				continue
			}
			out := Write(pm)
			if _, diags := scenarios.LoadSources(map[string][]byte{"draft.hcl": out}, scenarios.Options{}); diags.HasErrors() {
				t.Fatalf("a draft does not validate: %s\n%s", diags.Error(), out)
			}
			if !json.Valid(pm.JSON()) {
				t.Fatalf("the facts are not JSON: %s", pm.JSON())
			}
		}
	})
}
