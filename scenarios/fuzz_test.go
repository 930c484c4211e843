package scenarios_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"

	"github.com/redrill/redrill/scenarios"
)

// addFileSeeds adds every scenario file (*.hcl, *.hcl.json) of the given
// folders to the seed corpus. Golden files are skipped: they are expected
// output, not input.
func addFileSeeds(f *testing.F, dirs ...string) {
	f.Helper()
	for _, dir := range dirs {
		entries, err := os.ReadDir(dir)
		if err != nil {
			f.Fatal(err)
		}
		for _, entry := range entries {
			name := entry.Name()
			if entry.IsDir() || !(strings.HasSuffix(name, ".hcl") || strings.HasSuffix(name, ".hcl.json")) {
				continue
			}
			src, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil {
				f.Fatal(err)
			}
			f.Add(src)
		}
	}
}

// Small hand-written inputs at the edges of the language.
var loadEdgeCases = []string{
	``,
	`{}`,
	`null`,
	`[]`,
	`scenario "x" {`,
	`scenario "" {}`,
	`scenario "a" {}` + "\n" + `scenario "a" {}`,
	`scenario "x" { recover { step "s" { command { run = ["true"] } } } }`,
	`scenario "x" { recovered_when { timeout = "1m" check "c" { tcp { address = "127.0.0.1:1" } } } }`,
	`scenario "x" { recover { step "s" { command { run = [steps.s.stdout] } } } }`,
	`scenario "x" { recover { step "s" { command { run = ["${result.exit_code}"] } } } }`,
	`scenario "x" { recover {} }`,
	`locals { a = local.b` + "\n" + `b = local.a }`,
	`locals { a = var.missing }`,
	`variable "v" {}`,
	`variable "v" { type = number` + "\n" + `default = "x" }`,
	`variable "9" { default = 1 }`,
	`gameday "g" { start = "nope" ` + "\n" + `scenarios = [] }`,
	`notify "n" { webhook = "ftp://x" ` + "\n" + `format = "xml" }`,
	`{"scenario": {"x": {}}}`,
	`{"scenario": {"x": {"recover": {"step": {"s": {"command": {"run": ["true"]}}}}}}}`,
	`{"scenario": [{"x": {}}, {"x": {}}]}`,
	`{"locals": {"a": "${local.a}"}}`,
	"scenario \"\u00e9\" {\n  description = <<EOT\n  text\n  EOT\n}\n",
}

// FuzzLoad loads arbitrary bytes as a native-syntax file and as a JSON file.
// Whatever the input, Load must not panic, must return a set, must point
// every error at the source, and must accept only scenarios the language
// allows.
func FuzzLoad(f *testing.F) {
	addFileSeeds(f, "testdata/valid", "testdata/invalid")
	for _, src := range loadEdgeCases {
		f.Add([]byte(src))
	}
	// Nesting past MaxNestingDepth, which overflowed the stack before it
	// was checked; generated, as they are large.
	deep := 70_000
	for _, src := range []string{
		"a = " + strings.Repeat("(", deep) + "1" + strings.Repeat(")", deep),
		"a = " + strings.Repeat(`"${`, deep) + "1" + strings.Repeat(`}"`, deep),
		"a = " + strings.Repeat("!", deep) + "true",
		`{"a": ` + strings.Repeat("[", deep) + strings.Repeat("]", deep) + "}",
		`{"a": "${` + strings.Repeat(`\"${`, deep) + "1" + strings.Repeat(`}\"`, deep) + `}"}`,
	} {
		f.Add([]byte(src))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		for _, name := range []string{"fuzz.hcl", "fuzz.hcl.json"} {
			set, diags := scenarios.LoadSources(map[string][]byte{name: src}, scenarios.Options{})
			checkLoadResult(t, name, set, diags)
		}
	})
}

// checkLoadResult checks the properties every load result must have.
func checkLoadResult(t *testing.T, name string, set *scenarios.Set, diags hcl.Diagnostics) {
	t.Helper()
	if set == nil {
		t.Fatalf("%s: LoadSources returned a nil set", name)
	}
	for _, d := range diags {
		// With empty Options there are no --var, --var-file or
		// environment values, the only sources of errors that point
		// at no file.
		if d.Severity == hcl.DiagError && d.Subject == nil {
			t.Errorf("%s: error without a source location: %s: %s", name, d.Summary, d.Detail)
		}
	}
	if diags.HasErrors() {
		return
	}
	for i, sc := range set.Scenarios {
		if sc == nil {
			t.Errorf("%s: scenario %d is nil", name, i)
			continue
		}
		if sc.Name == "" {
			t.Errorf("%s: scenario %d at %s has an empty name", name, i, sc.Source.Range)
		}
		if sc.Hash == "" {
			t.Errorf("%s: scenario %q has an empty hash", name, sc.Name)
		}
		if len(sc.Recover) == 0 && (sc.RecoveredWhen == nil || len(sc.RecoveredWhen.Checks) == 0) {
			t.Errorf("%s: scenario %q loaded without a recover step or a recovered_when check", name, sc.Name)
		}
	}
}

// FuzzFormat formats arbitrary bytes: Format must not panic, and formatting
// what it returns must change nothing.
func FuzzFormat(f *testing.F) {
	paths, err := filepath.Glob("testdata/valid/*.hcl")
	if err != nil {
		f.Fatal(err)
	}
	for _, path := range paths {
		src, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(src)
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		once, diags := scenarios.Format(src, "fuzz.hcl")
		if diags.HasErrors() {
			return
		}
		twice, diags := scenarios.Format(once, "fuzz.hcl")
		if diags.HasErrors() {
			t.Fatalf("formatted output does not parse: %s\n--- input:\n%q\n--- formatted:\n%q", diags.Error(), src, once)
		}
		if !bytes.Equal(once, twice) {
			t.Fatalf("Format is not idempotent\n--- input:\n%q\n--- once:\n%q\n--- twice:\n%q", src, once, twice)
		}
	})
}
