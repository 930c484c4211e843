package draft

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/redrill/redrill/scenarios"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// Each postmortem in testdata becomes a draft that validates as written,
// fails when run (its steps are stubs), and matches its golden file.
func TestDraftsValidate(t *testing.T) {
	for _, name := range []string{"google-sre", "pagerduty", "atlassian", "sre-book", "freeform"} {
		t.Run(name, func(t *testing.T) {
			doc, err := os.ReadFile(filepath.Join("testdata", name+".md"))
			if err != nil {
				t.Fatal(err)
			}
			pm, err := Parse(string(doc))
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
			if len(set.Scenarios[0].Recover) != len(pm.Actions) {
				t.Errorf("%d recover steps for %d actions", len(set.Scenarios[0].Recover), len(pm.Actions))
			}
			golden := filepath.Join("testdata", name+".hcl.golden")
			if *update {
				if err := os.WriteFile(golden, out, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (go test -update creates it)", err)
			}
			if !bytes.Equal(out, want) {
				t.Errorf("draft differs from %s:\n%s", golden, out)
			}
		})
	}
}

func TestParse(t *testing.T) {
	doc, _ := os.ReadFile("testdata/google-sre.md")
	pm, err := Parse(string(doc))
	if err != nil {
		t.Fatal(err)
	}
	if pm.Title != "Shakespeare Sonnet++ search outage" || pm.ID != "PM-0421" || pm.Date != "2015-10-21" {
		t.Errorf("front matter: %+v", pm)
	}
	if pm.Observed.String() != "58m0s" || pm.DataLoss != "2 hours" {
		t.Errorf("observed %s, data loss %q", pm.Observed, pm.DataLoss)
	}
	if len(pm.Actions) != 3 || pm.Actions[2] != "Deployed the updated index and fixed the file descriptor leak." {
		t.Errorf("actions %q", pm.Actions)
	}
	if pm.Finding != "Cascading failure due to a query of death under high load." {
		t.Errorf("finding %q", pm.Finding)
	}

	prose, _ := os.ReadFile("testdata/pagerduty.md")
	pm, err = Parse(string(prose))
	if err != nil {
		t.Fatal(err)
	}
	if len(pm.Actions) != 1 || pm.Observed.String() != "3h3m0s" || pm.Finding != "Replication lag was not alerted on." {
		t.Errorf("pagerduty: actions %q observed %s finding %q", pm.Actions, pm.Observed, pm.Finding)
	}
}

// Atlassian's template has both Fault (what broke) and Root cause (why):
// the finding is the root cause.
func TestAtlassianTemplateUsesRecoveryAndRootCause(t *testing.T) {
	doc, _ := os.ReadFile("testdata/atlassian.md")
	pm, err := Parse(string(doc))
	if err != nil {
		t.Fatal(err)
	}
	if pm.Title != "Between 09:00 and 13:30 UTC on 2025-02-11, customers could not log in" {
		t.Errorf("title %q", pm.Title)
	}
	if len(pm.Actions) != 2 || pm.Actions[0] != "Rolled back the signing key to the previous certificate." || pm.Observed.String() != "4h30m0s" {
		t.Errorf("actions %q observed %s", pm.Actions, pm.Observed)
	}
	if pm.Finding != "The new key was not distributed to the identity service before rotation." {
		t.Errorf("finding %q", pm.Finding)
	}
}

func TestParseSaysWhatIsMissing(t *testing.T) {
	doc, _ := os.ReadFile("testdata/no-recovery.md")
	_, err := Parse(string(doc))
	want := `cannot draft a drill from this document: it has no title ("# Title" heading or "title:" in front matter), and no recovery actions (a section named Resolution, Recovery or Response, with a list of what was done)`
	if err == nil || err.Error() != want {
		t.Errorf("error = %v\nwant %s", err, want)
	}
}
