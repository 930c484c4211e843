package scenarios

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFormatMatchesGoldenAndIsIdempotent(t *testing.T) {
	paths, err := filepath.Glob("testdata/fmt/*.hcl")
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range paths {
		t.Run(filepath.Base(path), func(t *testing.T) {
			src, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			formatted, diags := Format(src, path)
			if diags.HasErrors() {
				t.Fatalf("format: %s", diags.Error())
			}
			golden(t, strings.TrimSuffix(path, ".hcl")+".golden", formatted)
			again, diags := Format(formatted, path)
			if diags.HasErrors() || string(again) != string(formatted) {
				t.Errorf("formatting twice changes the file:\n%s", again)
			}
		})
	}
}

func TestFormatRefusesSyntaxErrors(t *testing.T) {
	_, diags := Format([]byte("scenario \"x\" {\n  timeout \"1h\"\n"), "broken.hcl")
	if !diags.HasErrors() {
		t.Fatal("a file with syntax errors was formatted")
	}
	if got := diags[0].Subject.String(); !strings.HasPrefix(got, "broken.hcl:2,") {
		t.Errorf("error points at %s, want broken.hcl line 2", got)
	}
}

func TestFormatFileWritesOnlyWhenAsked(t *testing.T) {
	path := filepath.Join(t.TempDir(), "drill.hcl")
	messy := "scenario \"x\" {\ntimeout=\"1h\"\n}\n"
	if err := os.WriteFile(path, []byte(messy), 0o600); err != nil {
		t.Fatal(err)
	}

	changed, _, diags := FormatFile(path, false)
	if diags.HasErrors() || !changed {
		t.Fatalf("check mode: changed=%v diags=%v, want changed", changed, diags)
	}
	if got, _ := os.ReadFile(path); string(got) != messy {
		t.Fatalf("check mode wrote the file:\n%s", got)
	}

	changed, _, diags = FormatFile(path, true)
	if diags.HasErrors() || !changed {
		t.Fatalf("write mode: changed=%v diags=%v, want changed", changed, diags)
	}
	got, _ := os.ReadFile(path)
	if want := "scenario \"x\" {\n  timeout = \"1h\"\n}\n"; string(got) != want {
		t.Fatalf("formatted file = %q, want %q", got, want)
	}
	info, _ := os.Stat(path)
	if info.Mode().Perm() != 0o600 {
		t.Errorf("file mode changed to %v", info.Mode().Perm())
	}

	changed, _, _ = FormatFile(path, true)
	if changed {
		t.Error("a formatted file was reported as changed")
	}
}
