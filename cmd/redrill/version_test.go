package main

import (
	"encoding/json"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestVersionAndVersionFlagAgree(t *testing.T) {
	code, command, _ := run(t, "version")
	flagCode, flag, _ := run(t, "--version")
	if code != 0 || flagCode != 0 || command != flag {
		t.Fatalf("version (exit %d):\n%s\n--version (exit %d):\n%s", code, command, flagCode, flag)
	}
	for _, want := range []string{"redrill ", "go version: " + runtime.Version(), "platform:   " + runtime.GOOS + "/" + runtime.GOARCH} {
		if !strings.Contains(command, want) {
			t.Errorf("version prints no %q:\n%s", want, command)
		}
	}
	if code, _, stderr := run(t, "version", "--format", "yaml"); code != exitInvalid || !strings.Contains(stderr, "yaml") {
		t.Errorf("--format yaml: exit %d, %q", code, stderr)
	}
}

// A release build's stamps (GoReleaser's ldflags, as .goreleaser.yaml
// sets them) are what the binary says of itself.
func TestReleaseBuildSaysItsVersion(t *testing.T) {
	binary := filepath.Join(t.TempDir(), "redrill")
	const pkg = "github.com/redrill/redrill/internal/buildinfo"
	ldflags := "-X " + pkg + ".version=9.8.7 -X " + pkg + ".commit=0123456789abcdef0123 -X " + pkg + ".date=2026-12-01T15:00:00Z"
	if out, err := exec.Command("go", "build", "-ldflags", ldflags, "-o", binary, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	out, err := exec.Command(binary, "version", "--format", "json").Output()
	if err != nil {
		t.Fatal(err)
	}
	var info struct {
		Version, Commit, Date string
		GoVersion             string `json:"go_version"`
	}
	if err := json.Unmarshal(out, &info); err != nil {
		t.Fatalf("%v in %s", err, out)
	}
	if info.Version != "9.8.7" || info.Commit != "0123456789abcdef0123" || info.Date != "2026-12-01T15:00:00Z" || info.GoVersion != runtime.Version() {
		t.Errorf("version --format json = %s", out)
	}
	text, err := exec.Command(binary, "--version").Output()
	if err != nil || !strings.HasPrefix(string(text), "redrill 9.8.7\n  commit:     0123456789ab\n") {
		t.Errorf("--version = %q (%v)", text, err)
	}
}
