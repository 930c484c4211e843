// Package junittest checks a JUnit file as the programs that read it in CI
// do: libxml2's xmllint, and test-results-parser, an npm JUnit parser
// that dashboards use (reports/testdata/junit-consumer). A missing tool
// skips the test, except under CI=true, where it fails: .ci/run installs
// both.
package junittest

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

// toolTimeout bounds one run of xmllint or node.
const toolTimeout = time.Minute

// WellFormed fails the test unless xmllint reads path as well-formed XML.
func WellFormed(t testing.TB, path string) {
	t.Helper()
	xmllint := lookPath(t, "xmllint", "apt-get install libxml2-utils")
	output, err := run(t, xmllint, "--noout", path)
	if err != nil {
		t.Fatalf("xmllint rejects %s: %v\n%s", path, err, output)
	}
}

// Counts is what test-results-parser reads in a JUnit file: totals as a
// dashboard shows them (Total leaves out skipped tests; Failed counts
// failures, Errors errors) and the names of the testcases it marks failed
// (a failure or an error) and skipped.
type Counts struct {
	Total        int      `json:"total"`
	Passed       int      `json:"passed"`
	Failed       int      `json:"failed"`
	Errors       int      `json:"errors"`
	Skipped      int      `json:"skipped"`
	Status       string   `json:"status"`
	Suites       int      `json:"suites"`
	FailedCases  []string `json:"failed_cases"`
	SkippedCases []string `json:"skipped_cases"`
}

// Consumer reads path with test-results-parser, installed by `npm ci` in
// reports/testdata/junit-consumer.
func Consumer(t testing.TB) func(path string) Counts {
	t.Helper()
	node := lookPath(t, "node", "apt-get install nodejs npm")
	folder := consumerFolder(t)
	if _, err := os.Stat(filepath.Join(folder, "node_modules", "test-results-parser")); err != nil {
		missing(t, "test-results-parser is not installed (run npm ci in "+folder+")")
	}
	return func(path string) Counts {
		t.Helper()
		output, err := run(t, node, filepath.Join(folder, "counts.js"), path)
		if err != nil {
			t.Fatalf("test-results-parser cannot read %s: %v\n%s", path, err, output)
		}
		var counts Counts
		if err := json.Unmarshal(output, &counts); err != nil {
			t.Fatalf("counts.js printed %q: %v", output, err)
		}
		return counts
	}
}

func consumerFolder(t testing.TB) string {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("cannot tell where internal/junittest is")
	}
	return filepath.Join(filepath.Dir(file), "..", "..", "reports", "testdata", "junit-consumer")
}

func lookPath(t testing.TB, name, install string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		missing(t, name+" is not installed ("+install+")")
	}
	return path
}

func missing(t testing.TB, what string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s and CI=true: .ci/run installs it", what)
	}
	t.Skipf("%s; skipping the JUnit consumer check", what)
}

func run(t testing.TB, name string, args ...string) ([]byte, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), toolTimeout)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if err != nil {
		return append(stdout.Bytes(), stderr.Bytes()...), err
	}
	return stdout.Bytes(), nil
}
