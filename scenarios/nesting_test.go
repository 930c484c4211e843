package scenarios_test

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/redrill/redrill/scenarios"
)

// hostileDepth is how deep the hostile files nest: 70,000 parentheses
// overflowed the stack of validate before the nesting was checked.
const hostileDepth = 70_000

func TestLoadRefusesDeepNesting(t *testing.T) {
	jsonString := func(s string) string {
		quoted, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		return string(quoted)
	}
	n := hostileDepth
	tests := []struct {
		name, file, src string
		// at is LINE:COL of the first opening past the limit.
		at string
	}{
		{"parentheses", "deep.hcl", "a = " + strings.Repeat("(", n) + "1" + strings.Repeat(")", n), "1:105"},
		{"lists", "deep.hcl", "a = " + strings.Repeat("[", n) + strings.Repeat("]", n), "1:105"},
		{"function calls", "deep.hcl", "a = " + strings.Repeat("max(", n) + "1" + strings.Repeat(")", n), "1:408"},
		{"objects", "deep.hcl", "a = " + strings.Repeat("{a=", n) + "1" + strings.Repeat("}", n), "1:305"},
		{"blocks", "deep.hcl", strings.Repeat("b {\n", n) + strings.Repeat("}\n", n), "101:3"},
		{"templates", "deep.hcl", "a = " + strings.Repeat(`"${`, n) + "1" + strings.Repeat(`}"`, n), "1:306"},
		{"heredocs", "deep.hcl", "a = <<EOT\n" + strings.Repeat("${<<EOT\n", n) + "x\n" + strings.Repeat("EOT\n}\n", n) + "EOT\n", "102:1"},
		{"negations", "deep.hcl", "a = " + strings.Repeat("!", n) + "true", "1:105"},
		{"minus signs", "deep.hcl", "a = " + strings.Repeat("- ", n) + "1", "1:205"},
		{"JSON arrays", "deep.hcl.json", `{"a": ` + strings.Repeat("[", n) + strings.Repeat("]", n) + "}", "1:106"},
		{"JSON objects", "deep.hcl.json", strings.Repeat(`{"a":`, n) + "1" + strings.Repeat("}", n), "1:501"},
		{"templates in a JSON string", "deep.hcl.json", `{"a": ` + jsonString("${"+strings.Repeat(`"${`, n)+"1"+strings.Repeat(`}"`, n)+"}") + "}", "1:7"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeTestFile(t, t.TempDir(), tt.file, []byte(tt.src))
			set, diags := scenarios.Load(path, scenarios.Options{})
			text := userText(t, set, diags)
			for _, want := range []string{
				filepath.Base(path) + ":" + tt.at + ": error: Nesting too deep",
				"This opens level 101 of nesting; brackets, parentheses, braces, template interpolations and unary operators may nest at most 100 deep.",
			} {
				if !strings.Contains(text, want) {
					t.Errorf("the user does not read %q in:\n%.2000s", want, text)
				}
			}
		})
	}
}

func TestLoadAcceptsNestingWithinTheLimit(t *testing.T) {
	deep := scenarios.MaxNestingDepth
	tests := []struct{ name, file, src string }{
		{"parentheses at the limit", "ok.hcl", "a = " + strings.Repeat("(", deep) + "1" + strings.Repeat(")", deep)},
		{"a block at the limit", "ok.hcl", strings.Repeat("b {\n", deep-1) + "a = [1]\n" + strings.Repeat("}\n", deep-1)},
		{"brackets in a comment", "ok.hcl", "# " + strings.Repeat("(", 500) + "\n// " + strings.Repeat("[", 500) + "\n/* " + strings.Repeat("{", 500) + " */\na = 1"},
		{"brackets in a string", "ok.hcl", `a = "` + strings.Repeat(`(\"[{`, 500) + `"`},
		{"escaped interpolations", "ok.hcl", `a = "` + strings.Repeat(`$${%%{`, 500) + `"`},
		{"brackets in a heredoc", "ok.hcl", "a = <<-EOT\n  " + strings.Repeat("{[(", 500) + "\n  EOT\nb = 1"},
		{"subtractions", "ok.hcl", "a = 1" + strings.Repeat(" - 1", 500)},
		{"many shallow lists", "ok.hcl", "a = [" + strings.Repeat("[1], ", 5000) + "]"},
		{"JSON brackets in strings", "ok.hcl.json", `{"a": "` + strings.Repeat("[{", 500) + `"}`},
		{"JSON at the limit", "ok.hcl.json", `{"a": ` + strings.Repeat("[", deep-1) + strings.Repeat("]", deep-1) + "}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeTestFile(t, t.TempDir(), tt.file, []byte(tt.src))
			set, diags := scenarios.Load(path, scenarios.Options{})
			if text := userText(t, set, diags); strings.Contains(text, "Nesting too deep") {
				t.Errorf("refused as too deep:\n%.2000s", text)
			}
		})
	}
}

// fmt parses with HCL too: it refuses the same files.
func TestFormatRefusesDeepNesting(t *testing.T) {
	src := "a = " + strings.Repeat("(", hostileDepth) + "1" + strings.Repeat(")", hostileDepth)
	_, diags := scenarios.Format([]byte(src), "deep.hcl")
	if len(diags) != 1 || diags[0].Summary != "Nesting too deep" || diags[0].Subject.String() != "deep.hcl:1,105-106" {
		t.Errorf("Format of %d nested parentheses: %v", hostileDepth, diags)
	}
}
