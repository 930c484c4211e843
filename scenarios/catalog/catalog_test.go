package catalog

import (
	"slices"
	"strings"
	"testing"

	"github.com/redrill/redrill/scenarios"
)

// Every catalog scenario validates as shipped, is formatted, and cites its
// postmortem.
func TestCatalogScenariosAreValid(t *testing.T) {
	entries, err := List()
	if err != nil {
		t.Fatal(err)
	}
	cited := 0
	for _, e := range entries {
		if e.URL != "" {
			cited++
		}
	}
	if cited < 12 {
		t.Errorf("%d catalog scenarios cite a published postmortem, want at least 12 (a composite does not count)", cited)
	}
	for _, e := range entries {
		t.Run(e.Name, func(t *testing.T) {
			src, err := Source(e.Name)
			if err != nil {
				t.Fatal(err)
			}
			set, diags := scenarios.LoadSources(map[string][]byte{e.Name + ".hcl": src}, scenarios.Options{})
			if len(diags) > 0 {
				t.Fatalf("diagnostics: %s", diags.Error())
			}
			if len(set.Scenarios) != 1 || set.Scenarios[0].Name != e.Name {
				t.Errorf("the file must hold one scenario named like the file, %q", e.Name)
			}
			pm := set.Scenarios[0].Postmortems
			if slices.Contains(set.Scenarios[0].Tags, "composite") {
				// A composite cites no one postmortem, and says so.
				if len(pm) == 0 || !strings.Contains(pm[0].Title, "composite") || pm[0].URL != "" || pm[0].Finding == "" {
					t.Errorf("a composite entry must say so in its postmortem title and cite no url: %+v", pm)
				}
			} else if len(pm) == 0 || pm[0].Title == "" || pm[0].Date == "" || !strings.HasPrefix(pm[0].URL, "https://") || pm[0].Finding == "" {
				t.Errorf("postmortem incomplete: %+v", pm)
			}
			if set.Scenarios[0].Objective.RTO == 0 {
				t.Error("no RTO objective")
			}
			formatted, fmtDiags := scenarios.Format(src, e.Name+".hcl")
			if fmtDiags.HasErrors() || string(formatted) != string(src) {
				t.Error("not formatted: run redrill fmt")
			}
		})
	}
	if _, err := Source("nope"); err == nil || !strings.Contains(err.Error(), "gitlab-2017-postgres-restore") {
		t.Errorf("unknown name: %v", err)
	}
}
