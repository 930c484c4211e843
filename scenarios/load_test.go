package scenarios

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/redrill/redrill/checks"
)

// urlPassword finds the password of a URL: scheme://user:PASSWORD@host.
var urlPassword = regexp.MustCompile(`://[^/\s:@"]*:([^@\s/"]+)@`)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// golden compares got with testdata/<name>, or rewrites it under -update.
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
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from %s (go test -update rewrites it)\n--- got:\n%s\n--- want:\n%s", path, got, want)
	}
}

// diagnosticText renders diagnostics as a user sees them.
func diagnosticText(t *testing.T, files map[string]*hcl.File, diags hcl.Diagnostics) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteDiagnostics(&buf, files, diags); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// Every file in testdata/invalid is loaded alone; its errors, as the user
// sees them, must match the .golden file next to it.
func TestLoadReportsErrorsWithSourceLines(t *testing.T) {
	paths, err := filepath.Glob("testdata/invalid/*.hcl*")
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range paths {
		if strings.HasSuffix(path, ".golden") {
			continue
		}
		t.Run(filepath.Base(path), func(t *testing.T) {
			set, diags := Load(path, Options{})
			if !diags.HasErrors() {
				t.Fatalf("%s loaded without errors", path)
			}
			for _, d := range diags {
				if d.Subject == nil && d.Severity == hcl.DiagError {
					t.Errorf("error without a source location: %s: %s", d.Summary, d.Detail)
				}
			}
			// A message that lists every check kind reads the same in the
			// golden file whatever kinds there are: adding a kind changes
			// no golden file of the language.
			kinds := strings.Join(checks.Builtin().Names(), ", ")
			for _, d := range diags {
				if d.Summary == "Missing check kind" && !strings.Contains(d.Detail, kinds) {
					t.Errorf("the missing-kind message does not list the kinds (%s): %s", kinds, d.Detail)
				}
				d.Detail = strings.ReplaceAll(d.Detail, kinds, "<every check kind>")
			}
			text := diagnosticText(t, set.Files, diags)
			if strings.Contains(string(text), "s3cr3t") {
				t.Errorf("an error message shows a sensitive value:\n%s", text)
			}
			golden(t, strings.TrimSuffix(path, filepath.Ext(path))+".golden", text)
		})
	}
}

// Every file in testdata/valid loads without diagnostics, and its plan
// matches the golden file.
func TestPlanOfValidSets(t *testing.T) {
	paths, err := filepath.Glob("testdata/valid/*.hcl*")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	for _, path := range paths {
		if strings.HasSuffix(path, ".golden") {
			continue
		}
		t.Run(filepath.Base(path), func(t *testing.T) {
			set, diags := Load(path, Options{})
			if len(diags) > 0 {
				t.Fatalf("unexpected diagnostics:\n%s", diagnosticText(t, set.Files, diags))
			}
			var buf bytes.Buffer
			if err := set.WritePlan(&buf, PlanOptions{Now: now}); err != nil {
				t.Fatal(err)
			}
			for _, match := range urlPassword.FindAllStringSubmatch(buf.String(), -1) {
				if match[1] != "(sensitive)" {
					t.Errorf("the plan shows the password %q of a URL", match[1])
				}
			}
			golden(t, strings.TrimSuffix(path, filepath.Ext(path))+".plan.golden", buf.Bytes())
		})
	}
}

// The examples shipped with redrill must stay valid and formatted.
func TestExamplesAreValidAndFormatted(t *testing.T) {
	paths, err := filepath.Glob("examples/*.hcl")
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) == 0 {
		t.Fatal("no examples found")
	}
	// redrill validate scenarios/examples/ reads them as one set.
	if set, diags := Load("examples", Options{}); len(diags) > 0 {
		t.Errorf("the examples do not load together:\n%s", diagnosticText(t, set.Files, diags))
	}
	for _, path := range paths {
		t.Run(filepath.Base(path), func(t *testing.T) {
			set, diags := Load(path, Options{})
			if len(diags) > 0 {
				t.Fatalf("diagnostics:\n%s", diagnosticText(t, set.Files, diags))
			}
			changed, _, diags := FormatFile(path, false)
			if diags.HasErrors() || changed {
				t.Errorf("%s is not formatted: run redrill fmt %s", path, path)
			}
		})
	}
}
