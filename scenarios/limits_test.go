package scenarios_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/redrill/redrill/scenarios"
)

// minimalScenario is a valid file of a few bytes.
const minimalScenario = `scenario "restore" {
  recover {
    step "restore" {
      command { run = ["true"] }
    }
  }
}
`

// loadWithin loads path, failing the test when the load takes more than
// 20 s: a read that blocks must fail the test, not hang it.
func loadWithin(t *testing.T, path string, opts scenarios.Options) (*scenarios.Set, hcl.Diagnostics) {
	t.Helper()
	type result struct {
		set   *scenarios.Set
		diags hcl.Diagnostics
	}
	done := make(chan result, 1)
	go func() {
		set, diags := scenarios.Load(path, opts)
		done <- result{set, diags}
	}()
	select {
	case r := <-done:
		return r.set, r.diags
	case <-time.After(20 * time.Second):
		t.Fatalf("loading %s did not end within 20 s", path)
		return nil, nil
	}
}

// userText is the diagnostics as the user reads them, with every run of
// spaces and newlines made one space: details are wrapped at 100 columns.
func userText(t *testing.T, set *scenarios.Set, diags hcl.Diagnostics) string {
	t.Helper()
	var buf bytes.Buffer
	if err := scenarios.WriteDiagnostics(&buf, set.Files, diags); err != nil {
		t.Fatal(err)
	}
	return strings.Join(strings.Fields(buf.String()), " ")
}

// padded is a valid scenario file of exactly size bytes: a scenario and a
// comment.
func padded(t *testing.T, size int) []byte {
	t.Helper()
	src := []byte(minimalScenario + "#")
	if size < len(src)+1 {
		t.Fatalf("padded: %d bytes is too small", size)
	}
	src = append(src, bytes.Repeat([]byte("x"), size-len(src)-1)...)
	return append(src, '\n')
}

func TestLoadReadsOnlyBoundedRegularFiles(t *testing.T) {
	tests := []struct {
		name string
		// setup makes the set in dir and returns the path to load.
		setup func(t *testing.T, dir string) string
		want  []string // in the text the user sees; none: loads cleanly
		// varFile loads dir/vars.tfvars as a --var-file.
		varFile bool
	}{
		{
			name: "a FIFO in a folder is refused, not waited on",
			setup: func(t *testing.T, dir string) string {
				writeTestFile(t, dir, "good.hcl", []byte(minimalScenario))
				if err := mkfifo(filepath.Join(dir, "p.hcl"), 0o644); err != nil {
					t.Skipf("no FIFOs here: %v", err)
				}
				return dir
			},
			want: []string{"error: Cannot read scenarios", "p.hcl is a named pipe (FIFO), not a regular file: only regular files are read"},
		},
		{
			name: "a FIFO given as the path is refused",
			setup: func(t *testing.T, dir string) string {
				path := filepath.Join(dir, "p.hcl")
				if err := mkfifo(path, 0o644); err != nil {
					t.Skipf("no FIFOs here: %v", err)
				}
				return path
			},
			want: []string{"p.hcl is a named pipe (FIFO), not a regular file"},
		},
		{
			name: "a symlink to /dev/zero is refused, not read forever",
			setup: func(t *testing.T, dir string) string {
				if _, err := os.Stat("/dev/zero"); err != nil {
					t.Skip("no /dev/zero here")
				}
				symlink(t, "/dev/zero", filepath.Join(dir, "z.hcl"))
				return dir
			},
			want: []string{"z.hcl is a symlink to /dev/zero, a device, not a regular file"},
		},
		{
			name: "a symlink to a folder is refused",
			setup: func(t *testing.T, dir string) string {
				writeTestFile(t, dir, "good.hcl", []byte(minimalScenario))
				symlink(t, t.TempDir(), filepath.Join(dir, "folder.hcl"))
				return dir
			},
			want: []string{"folder.hcl is a symlink to ", ", a folder, not a regular file"},
		},
		{
			name: "a symlink to a regular file is read",
			setup: func(t *testing.T, dir string) string {
				target := writeTestFile(t, t.TempDir(), "target.hcl", []byte(minimalScenario))
				symlink(t, target, filepath.Join(dir, "linked.hcl"))
				return dir
			},
		},
		{
			name: "a file of exactly MaxFileSize loads",
			setup: func(t *testing.T, dir string) string {
				return writeTestFile(t, dir, "big.hcl", padded(t, scenarios.MaxFileSize))
			},
		},
		{
			name: "a file one byte over MaxFileSize is refused, saying the limit and what to do",
			setup: func(t *testing.T, dir string) string {
				return writeTestFile(t, dir, "big.hcl", padded(t, scenarios.MaxFileSize+1))
			},
			want: []string{
				"error: File too large",
				"big.hcl holds 1048577 bytes, more than 1048576 (1 MiB), the most a scenario file may hold.",
				"Split it into several files: the files of a folder load as one set.",
			},
		},
		{
			name: "a --var-file over MaxFileSize is refused",
			setup: func(t *testing.T, dir string) string {
				writeTestFile(t, dir, "vars.tfvars", padded(t, scenarios.MaxFileSize+1))
				return writeTestFile(t, dir, "drill.hcl", []byte(minimalScenario))
			},
			want:    []string{"vars.tfvars holds 1048577 bytes, more than 1048576 (1 MiB), the most a --var-file may hold."},
			varFile: true,
		},
		{
			name: "a set over MaxSetSize is refused, naming the first file past the limit",
			setup: func(t *testing.T, dir string) string {
				// Files of 1 MiB each, every one within MaxFileSize.
				content := padded(t, scenarios.MaxFileSize)
				for i := range scenarios.MaxSetSize/scenarios.MaxFileSize + 1 {
					writeTestFile(t, dir, "part-"+string(rune('a'+i))+".hcl", content)
				}
				return dir
			},
			want: []string{
				"error: Scenario set too large",
				"hold more than 16777216 bytes (16 MiB) together, the most one set may hold; ",
				"part-q.hcl is past the limit. Split the set into folders loaded separately.",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := tt.setup(t, dir)
			opts := scenarios.Options{}
			if tt.varFile {
				opts.VarFiles = []string{filepath.Join(dir, "vars.tfvars")}
			}
			set, diags := loadWithin(t, path, opts)
			text := userText(t, set, diags)
			if len(tt.want) == 0 {
				if diags.HasErrors() {
					t.Fatalf("unexpected errors:\n%s", text)
				}
				return
			}
			if !diags.HasErrors() {
				t.Fatalf("loaded without errors, want %q", tt.want)
			}
			for _, want := range tt.want {
				if !strings.Contains(text, want) {
					t.Errorf("the user does not read %q in:\n%s", want, text)
				}
			}
		})
	}
}

// file() reads with the same rules as scenario files.
func TestFileFunctionReadsOnlyBoundedRegularFiles(t *testing.T) {
	dir := t.TempDir()
	writeTestFile(t, dir, "big.txt", padded(t, scenarios.MaxFileSize+1))
	if err := mkfifo(filepath.Join(dir, "pipe.txt"), 0o644); err != nil {
		t.Skipf("no FIFOs here: %v", err)
	}
	for name, want := range map[string]string{
		"big.txt":  "big.txt holds 1048577 bytes, more than 1048576 (1 MiB)",
		"pipe.txt": "pipe.txt is a named pipe (FIFO), not a regular file",
	} {
		t.Run(name, func(t *testing.T) {
			path := writeTestFile(t, dir, "drill.hcl", []byte(`locals {
  content = file("`+name+`")
}
`+minimalScenario))
			set, diags := loadWithin(t, path, scenarios.Options{})
			if text := userText(t, set, diags); !strings.Contains(text, want) {
				t.Errorf("the user does not read %q in:\n%s", want, text)
			}
		})
	}
}

func writeTestFile(t *testing.T, dir, name string, content []byte) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, content, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func symlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Skipf("no symlinks here: %v", err)
	}
}

// The limits are documented with the values they have.
func TestLimitsAreDocumented(t *testing.T) {
	doc, err := os.ReadFile("../docs/language.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, row := range []string{
		fmt.Sprintf("| `MaxFileSize` | %d MiB (%s bytes) |", scenarios.MaxFileSize>>20, thousands(scenarios.MaxFileSize)),
		fmt.Sprintf("| `MaxSetSize` | %d MiB (%s bytes) |", scenarios.MaxSetSize>>20, thousands(scenarios.MaxSetSize)),
		fmt.Sprintf("| `MaxNestingDepth` | %d |", scenarios.MaxNestingDepth),
		fmt.Sprintf("| `MaxDiagnosticsPrinted` | %d |", scenarios.MaxDiagnosticsPrinted),
	} {
		if !bytes.Contains(doc, []byte(row)) {
			t.Errorf("docs/language.md, Limits, does not have the row %q", row)
		}
	}
}

// thousands writes n with commas: 1,048,576.
func thousands(n int) string {
	digits := strconv.Itoa(n)
	var out strings.Builder
	for i, digit := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			out.WriteByte(',')
		}
		out.WriteRune(digit)
	}
	return out.String()
}
