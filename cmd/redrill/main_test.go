package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// run executes the CLI as a user would and returns what they see.
func run(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = execute(args, strings.NewReader(""), &out, &errOut)
	return code, out.String(), errOut.String()
}

// writeFile writes a file under dir and returns its path.
func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

const validScenario = `variable "password" {
  default   = "hunter2"
  sensitive = true
}

scenario "restore" {
  objective {
    rto = "30m"
  }
  recover {
    step "restore" {
      command {
        run = ["pg_restore", "--dbname", "postgres://app:${var.password}@db/orders"]
      }
    }
  }
}
`

func TestValidate(t *testing.T) {
	dir := t.TempDir()
	valid := writeFile(t, dir, "valid.hcl", validScenario)
	invalid := writeFile(t, dir, "invalid.hcl", `scenario "restore" {
  timeout = "90 minutes"
  recover {
    step "restore" {
      comand { run = ["true"] }
    }
  }
}
`)

	overflow := writeFile(t, dir, "overflow.hcl", `scenario "restore" {
  objective {
    rto = "300000d"
  }
  timeout = "Infd"
  recover {
    step "restore" {
      command { run = ["true"] }
    }
  }
}
`)

	// Hostile inputs: 70,000 nested parentheses overflowed the stack, a
	// FIFO hung the read, 2,000 errors took a minute to print.
	deep := writeFile(t, dir, "deep.hcl", "a = "+strings.Repeat("(", 70_000)+"1"+strings.Repeat(")", 70_000)+"\n")
	withFIFO := t.TempDir()
	writeFile(t, withFIFO, "valid.hcl", validScenario)
	if err := mkfifo(filepath.Join(withFIFO, "p.hcl"), 0o644); err != nil {
		t.Fatal(err)
	}
	var manyErrors strings.Builder
	manyErrors.WriteString("scenario \"x\" {\n")
	for i := range 2000 {
		fmt.Fprintf(&manyErrors, "  bogus_%04d = 1\n", i)
	}
	manyErrors.WriteString("  recover {\n    step \"s\" {\n      command { run = [\"true\"] }\n    }\n  }\n}\n")
	errorsFile := writeFile(t, dir, "errors.hcl", manyErrors.String())

	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStdout []string
		wantStderr []string
	}{
		{
			name:       "a valid file",
			args:       []string{"validate", valid},
			wantCode:   0,
			wantStdout: []string{valid + ": valid: 1 scenario, 0 game days, 0 notifiers"},
		},
		{
			name:     "every error of an invalid file, with its line",
			args:     []string{"validate", invalid},
			wantCode: 2,
			wantStderr: []string{
				invalid + ":2:13: error: Invalid duration\n" +
					"  on " + invalid + " line 2, in scenario \"restore\":\n" +
					`   2:   timeout = "90 minutes"`,
				`invalid duration "90 minutes"`,
				invalid + ":5:7: error: ",
				"  on " + invalid + " line 5",
				`Did you mean "command"?`,
				"2 errors found.",
			},
		},
		{
			name:     "a duration too long to hold is refused, not wrapped around",
			args:     []string{"validate", overflow},
			wantCode: 2,
			wantStderr: []string{
				overflow + `:3:11: error: Invalid duration`,
				`invalid duration "300000d": too long, the longest is 106751d (about 292 years).`,
				overflow + `:5:13: error: Invalid duration`,
				`invalid duration "Infd"`,
				"2 errors found.",
			},
		},
		{
			name:       "several paths: the valid one is still checked",
			args:       []string{"validate", invalid, valid},
			wantCode:   2,
			wantStdout: []string{valid + ": valid"},
			wantStderr: []string{"2 errors found."},
		},
		{
			name:       "a variable without a value",
			args:       []string{"validate", "--var", "nope=1", valid},
			wantCode:   2,
			wantStderr: []string{`--var sets "nope", but no variable of that name is declared.`},
		},
		{
			name:       "a path that does not exist",
			args:       []string{"validate", filepath.Join(dir, "missing.hcl")},
			wantCode:   2,
			wantStderr: []string{"Cannot read scenarios", "no such file or directory"},
		},
		{
			name:     "nesting past the limit is refused at its place",
			args:     []string{"validate", deep},
			wantCode: 2,
			wantStderr: []string{
				deep + ":1:105: error: Nesting too deep",
				"This opens level 101 of nesting; brackets, parentheses, braces, template interpolations and unary\noperators may nest at most 100 deep.",
				"1 error found.",
			},
		},
		{
			name:       "a FIFO in the folder is refused, not waited on",
			args:       []string{"validate", withFIFO},
			wantCode:   2,
			wantStderr: []string{"p.hcl is a named pipe (FIFO), not a regular file"},
		},
		{
			name:     "of 2,000 errors the first 50 are shown and all are counted",
			args:     []string{"validate", errorsFile},
			wantCode: 2,
			wantStderr: []string{
				errorsFile + ":51:3: error: Unsupported argument",
				"… and 1950 more errors, not shown: the first 50 are.\n\n2000 errors found.\n",
			},
		},
		{
			name:       "an unknown flag is a usage error",
			args:       []string{"validate", "--verbose", valid},
			wantCode:   2,
			wantStderr: []string{"unknown flag: --verbose"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := run(t, tt.args...)
			if code != tt.wantCode {
				t.Errorf("exit code %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.wantCode, stdout, stderr)
			}
			for _, want := range tt.wantStdout {
				if !strings.Contains(stdout, want) {
					t.Errorf("stdout does not contain %q:\n%s", want, stdout)
				}
			}
			for _, want := range tt.wantStderr {
				if !strings.Contains(stderr, want) {
					t.Errorf("stderr does not contain %q:\n%s", want, stderr)
				}
			}
		})
	}
}

func TestPlan(t *testing.T) {
	path := writeFile(t, t.TempDir(), "drill.hcl", validScenario)

	code, stdout, stderr := run(t, "plan", path)
	if code != 0 {
		t.Fatalf("exit code %d\n%s", code, stderr)
	}
	if strings.Contains(stdout, "hunter2") {
		t.Fatalf("plan shows a sensitive value:\n%s", stdout)
	}
	for _, want := range []string{
		`scenario "restore"`,
		"objective: RTO 30m, RPO not set",
		`step "restore": command`,
		`run = ["pg_restore", "--dbname", (sensitive)]`,
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("plan does not contain %q:\n%s", want, stdout)
		}
	}

	plain := writeFile(t, t.TempDir(), "plain.hcl", `variable "dsn" {
  default = "postgres://reader:PlainPass@db/orders"
}

scenario "replica" {
  recovered_when {
    timeout = "10m"
    check "answers" {
      sql {
        dsn   = var.dsn
        query = "SELECT 1"
      }
    }
  }
}
`)
	code, stdout, stderr = run(t, "plan", plain)
	if code != 0 || strings.Contains(stdout, "PlainPass") || !strings.Contains(stdout, `dsn   = "postgres://reader:(sensitive)@db/orders"`) {
		t.Errorf("plan of a DSN with a password that is not a sensitive variable: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}

	code, _, stderr = run(t, "plan", "--scenario", "restor", path)
	if code != 2 || !strings.Contains(stderr, `no scenario named "restor". Did you mean "restore"?`) {
		t.Errorf("unknown --scenario: exit %d, stderr:\n%s", code, stderr)
	}
}

func TestFmt(t *testing.T) {
	dir := t.TempDir()
	messy := writeFile(t, dir, "messy.hcl", "scenario \"x\" {\ntimeout=\"1h\"\n}\n")
	tidy := writeFile(t, dir, "tidy.hcl", "scenario \"y\" {\n  timeout = \"1h\"\n}\n")

	code, stdout, _ := run(t, "fmt", "-check", dir)
	if code != 1 || strings.TrimSpace(stdout) != messy {
		t.Fatalf("fmt -check: exit %d, stdout %q; want 1 and only %s", code, stdout, messy)
	}
	if got, _ := os.ReadFile(messy); !strings.Contains(string(got), "timeout=") {
		t.Fatal("fmt -check changed the file")
	}

	code, stdout, _ = run(t, "fmt", dir)
	if code != 0 || strings.TrimSpace(stdout) != messy {
		t.Fatalf("fmt: exit %d, stdout %q", code, stdout)
	}
	if code, _, _ := run(t, "fmt", "-check", messy, tidy); code != 0 {
		t.Fatalf("fmt -check after fmt: exit %d", code)
	}

	broken := writeFile(t, dir, "broken.hcl", "scenario \"z\" {\n  timeout \"1h\"\n")
	code, _, stderr := run(t, "fmt", broken)
	if code != 2 || !strings.Contains(stderr, broken+":2:") {
		t.Fatalf("fmt of a broken file: exit %d, stderr:\n%s", code, stderr)
	}
	if got, _ := os.ReadFile(broken); string(got) != "scenario \"z\" {\n  timeout \"1h\"\n" {
		t.Fatal("fmt changed a file with syntax errors")
	}
}
