package scenarios

import (
	"bytes"
	"testing"

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
