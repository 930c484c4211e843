package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Every command the user can see has a page, made from its own help.
func TestManPages(t *testing.T) {
	dir := t.TempDir()
	if code, _, stderr := run(t, "man", dir); code != 0 {
		t.Fatalf("man: exit %d: %s", code, stderr)
	}
	root := newRootCommand()
	for _, cmd := range root.Commands() {
		if cmd.Hidden || !cmd.IsAvailableCommand() {
			continue
		}
		if _, err := os.Stat(filepath.Join(dir, "redrill-"+cmd.Name()+".1")); err != nil {
			t.Errorf("no page for redrill %s: %v", cmd.Name(), err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "redrill-man.1")); err == nil {
		t.Error("the hidden man command has a page")
	}
	page, err := os.ReadFile(filepath.Join(dir, "redrill-run.1"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`.TH "REDRILL" "1"`, `\fB--store\fP`, "redrill manual"} {
		if !strings.Contains(string(page), want) {
			t.Errorf("redrill-run.1 has no %q", want)
		}
	}
	top, _ := os.ReadFile(filepath.Join(dir, "redrill.1"))
	if !strings.Contains(string(top), `\fB--version\fP`) {
		t.Errorf("redrill.1 does not list --version")
	}
}
