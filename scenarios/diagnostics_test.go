package scenarios

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

func TestWriteDiagnostics(t *testing.T) {
	src := []byte("scenario \"x\" {\n  timeout = \"soon\"\n}\n")
	file, diags := hclsyntax.ParseConfig(src, "drill.hcl", hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	files := map[string]*hcl.File{"drill.hcl": file}
	subject := &hcl.Range{
		Filename: "drill.hcl",
		Start:    hcl.Pos{Line: 2, Column: 13, Byte: 27},
		End:      hcl.Pos{Line: 2, Column: 19, Byte: 33},
	}

	tests := []struct {
		name string
		diag *hcl.Diagnostic
		want string
	}{
		{
			name: "an error starts with file:line:col, then the source line and the detail",
			diag: &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid duration", Detail: "Use 90m.", Subject: subject},
			want: "drill.hcl:2:13: error: Invalid duration\n" +
				"  on drill.hcl line 2, in scenario \"x\":\n" +
				"   2:   timeout = \"soon\"\n\n" +
				"Use 90m.\n\n",
		},
		{
			name: "a warning says so",
			diag: &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: "Slow", Detail: "Mind it.", Subject: subject},
			want: "drill.hcl:2:13: warning: Slow\n" +
				"  on drill.hcl line 2, in scenario \"x\":\n" +
				"   2:   timeout = \"soon\"\n\n" +
				"Mind it.\n\n",
		},
		{
			name: "an error without a place, such as a bad --var",
			diag: &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Undeclared variable", Detail: "--var sets \"nope\"."},
			want: "error: Undeclared variable\n" +
				"--var sets \"nope\".\n\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteDiagnostics(&buf, files, hcl.Diagnostics{tt.diag}); err != nil {
				t.Fatal(err)
			}
			if got := buf.String(); got != tt.want {
				t.Errorf("got:\n%s\nwant:\n%s", got, tt.want)
			}
		})
	}
}

// writeManyErrors writes a file of 2,000 unsupported attributes, 237 KB,
// as a hostile tester did, and loads it.
func writeManyErrors(t *testing.T) (*Set, hcl.Diagnostics) {
	t.Helper()
	var src strings.Builder
	src.WriteString("scenario \"x\" {\n")
	for i := range 2000 {
		fmt.Fprintf(&src, "  bogus_attribute_%04d = %q\n", i, strings.Repeat("x", 92))
	}
	src.WriteString("  recover {\n    step \"s\" {\n      command { run = [\"true\"] }\n    }\n  }\n}\n")
	path := filepath.Join(t.TempDir(), "errors.hcl")
	if err := os.WriteFile(path, []byte(src.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	set, diags := Load(path, Options{})
	if len(diags.Errs()) != 2000 {
		t.Fatalf("%d errors, want 2000", len(diags.Errs()))
	}
	return set, diags
}

func TestWriteDiagnosticsShowsTheFirstAndCountsTheRest(t *testing.T) {
	set, diags := writeManyErrors(t)
	text := string(diagnosticText(t, set.Files, diags))
	if shown := strings.Count(text, ": error: Unsupported argument\n"); shown != MaxDiagnosticsPrinted {
		t.Errorf("%d errors shown, want %d", shown, MaxDiagnosticsPrinted)
	}
	if !strings.Contains(text, "  51:   bogus_attribute_0049 = ") {
		t.Errorf("the 50th error does not show its line:\n%s", text)
	}
	if !strings.HasSuffix(text, "\n… and 1950 more errors, not shown: the first 50 are.\n\n") {
		t.Errorf("the rest are not counted at the end:\n%s", text[max(len(text)-500, 0):])
	}
}

// Finding the source lines of a diagnostic does not scan the file: the
// lines of all 2,000 errors of a 237 KB file are found at once. HCL's
// writer took 55 s for them.
func TestSourceLinesAreFoundWithoutRescanning(t *testing.T) {
	set, diags := writeManyErrors(t)
	sources := &sourceLines{files: set.Files, starts: map[string][]int{}}
	start := time.Now()
	for i, diag := range diags {
		snippet, ok := sources.snippet(diag)
		want := fmt.Sprintf("%4d:   bogus_attribute_%04d = ", i+2, i)
		if !ok || !strings.Contains(snippet, want) {
			t.Fatalf("diagnostic %d shows %q, want the line %q", i, snippet, want)
		}
	}
	if elapsed := time.Since(start); elapsed > 5*time.Second {
		t.Errorf("the source lines of 2,000 diagnostics took %s", elapsed)
	}
}

// A long line (generated, minified) is shown around the error.
func TestWriteDiagnosticsShowsPartOfALongLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "deep.hcl")
	src := "a = " + strings.Repeat("(", 70_000) + "1" + strings.Repeat(")", 70_000) + "\n"
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	set, diags := Load(path, Options{})
	text := string(diagnosticText(t, set.Files, diags))
	want := "   1: …" + strings.Repeat("(", 200) + "…\n"
	if !strings.Contains(text, want) || len(text) > 1000 {
		t.Errorf("the line is not shown around the error:\n%s", text)
	}
}
