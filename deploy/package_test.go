// Package deploy holds what installs redrill as a service: the systemd
// unit, its settings and the package scripts. Its test builds the release
// packages with GoReleaser and installs the .deb on this machine.
package deploy

import (
	"context"
	"html"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// goreleaser is the GoReleaser the test builds with: REDRILL_TEST_GORELEASER,
// or goreleaser on the PATH (.ci/run builds one and sets the variable).
// Without one, or without dpkg and root, the test is skipped, except under
// CI=true, where it fails.
func goreleaser(t *testing.T) string {
	t.Helper()
	path := os.Getenv("REDRILL_TEST_GORELEASER")
	var err error
	if path == "" {
		path, err = exec.LookPath("goreleaser")
	}
	if err == nil {
		_, err = os.Stat(path)
	}
	if err == nil {
		_, err = exec.LookPath("dpkg")
	}
	if err == nil && os.Geteuid() != 0 {
		err = os.ErrPermission
	}
	if err != nil {
		why := "the package test needs GoReleaser (REDRILL_TEST_GORELEASER), dpkg and root: " + err.Error()
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true: %s", why)
		}
		t.Skip(why)
	}
	return path
}

// The .deb installs a working redrill, its man pages, completions,
// example, settings and service, and removing it leaves only what
// docs/install.md says is kept.
func TestDebianPackage(t *testing.T) {
	goreleaserPath := goreleaser(t)
	if exec.Command("dpkg", "-s", "redrill").Run() == nil {
		t.Fatal("a redrill package is installed on this machine already: the test would replace it; remove it first (dpkg -r redrill)")
	}
	_, hadUser := user.Lookup("redrill")
	_, statErr := os.Stat("/var/lib/redrill")
	hadState := statErr == nil

	deb, rpm := buildSnapshot(t, goreleaserPath)
	files := packageFiles(t, deb)
	mustRun(t, "dpkg", "-i", deb)
	removed := false
	t.Cleanup(func() {
		if !removed {
			_ = exec.Command("dpkg", "--purge", "redrill").Run()
		}
		// What the test made, not what it found.
		if hadUser != nil {
			_ = exec.Command("userdel", "redrill").Run()
			_ = exec.Command("groupdel", "redrill").Run()
		}
		if !hadState {
			_ = os.RemoveAll("/var/lib/redrill")
		}
	})

	t.Run("redrill version is the release's", func(t *testing.T) {
		out := mustRun(t, "/usr/bin/redrill", "version")
		if !strings.HasPrefix(out, "redrill 0.") || strings.Contains(out, "devel") || strings.Contains(out, "commit:     unknown") {
			t.Errorf("redrill version:\n%s", out)
		}
	})
	t.Run("the quick start drill runs from the packaged example", func(t *testing.T) {
		history := filepath.Join(t.TempDir(), "history.db")
		out := mustRun(t, "/usr/bin/redrill", "run", "/usr/share/redrill/examples/quickstart.hcl", "--store", history)
		if !strings.Contains(out, "quickstart-orders-restore: MET ") {
			t.Errorf("the quick start did not meet its objectives:\n%s", out)
		}
		// The footer of the report (the dashboard's page) names the
		// release, its commit, its day and its Go, as redrill version
		// does ("redrill V / commit: C / built: D / go version: G ...").
		fields := strings.Fields(mustRun(t, "/usr/bin/redrill", "version"))
		footer := "Written by redrill " + fields[1] + " (" + fields[3] + "), built " + fields[5][:len("2006-01-02")] + " with " + fields[8]
		page := mustRun(t, "/usr/bin/redrill", "report", "--store", history, "--format", "html")
		if !strings.Contains(html.UnescapeString(page), footer) {
			t.Errorf("the HTML report has no %q", footer)
		}
	})
	t.Run("the .rpm holds what the .deb holds, and makes the same user", func(t *testing.T) {
		if _, err := exec.LookPath("rpm"); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatal("rpm is not installed and CI=true: .ci/run installs it (apt-get install rpm)")
			}
			t.Skip("rpm is not installed (apt-get install rpm): the .rpm's contents are not read")
		}
		rpmFiles := map[string]bool{}
		for line := range strings.Lines(mustRun(t, "rpm", "-qlp", rpm)) {
			rpmFiles[strings.TrimSpace(line)] = true
		}
		debFiles := regularFiles(t, deb)
		if len(debFiles) < 10 || len(rpmFiles) < len(debFiles) {
			t.Fatalf("the .deb has %d files and the .rpm %d paths: too few to compare", len(debFiles), len(rpmFiles))
		}
		for _, path := range debFiles {
			if !rpmFiles[path] {
				t.Errorf("the .rpm lacks %s, which the .deb installs", path)
			}
		}
		debPaths := map[string]bool{}
		for _, path := range files {
			debPaths[path] = true
		}
		for path := range rpmFiles {
			if !debPaths[path] {
				t.Errorf("the .rpm installs %s, which the .deb does not", path)
			}
		}
		if scripts := mustRun(t, "rpm", "-qp", "--scripts", rpm); !strings.Contains(scripts, "redrill") || !strings.Contains(scripts, "useradd") {
			t.Errorf("the .rpm's scripts make no redrill user:\n%s", scripts)
		}
	})
	t.Run("man redrill renders", func(t *testing.T) {
		// The pages name the release they came with (its footer), not
		// the devel of the build that wrote them.
		version := strings.Fields(mustRun(t, "/usr/bin/redrill", "version"))[1]
		for page, want := range map[string]string{"redrill": "--version", "redrill-run": "--store"} {
			cmd := exec.Command("man", page)
			cmd.Env = append(os.Environ(), "MANPAGER=cat", "MANWIDTH=80")
			out, err := cmd.CombinedOutput()
			if err != nil || !strings.Contains(string(out), "REDRILL") || !strings.Contains(string(out), want) ||
				!strings.Contains(string(out), "redrill "+version) {
				t.Errorf("man %s (want %s and redrill %s): %v\n%s", page, want, version, err, out)
			}
		}
	})
	t.Run("the service runs as its own user, its settings private", func(t *testing.T) {
		if out, err := exec.Command("systemd-analyze", "verify", "/usr/lib/systemd/system/redrill.service").CombinedOutput(); err != nil {
			t.Errorf("systemd-analyze verify: %v\n%s", err, out)
		}
		account := mustRun(t, "getent", "passwd", "redrill")
		if !strings.Contains(account, ":/var/lib/redrill:") || !strings.HasSuffix(strings.TrimSpace(account), "nologin") {
			t.Errorf("the redrill user is %q", account)
		}
		settings := mustRun(t, "stat", "-c", "%a %U:%G", "/etc/redrill/redrill.env")
		if strings.TrimSpace(settings) != "640 root:redrill" {
			t.Errorf("/etc/redrill/redrill.env is %s, want 640 root:redrill", settings)
		}
		state := mustRun(t, "stat", "-c", "%U:%G", "/var/lib/redrill")
		if strings.TrimSpace(state) != "redrill:redrill" {
			t.Errorf("/var/lib/redrill is owned by %s", state)
		}
		// The service's user can run a drill with the service's state.
		out := mustRun(t, "runuser", "-u", "redrill", "--", "env", "XDG_STATE_HOME=/var/lib",
			"/usr/bin/redrill", "validate", "/usr/share/redrill/examples/")
		if !strings.Contains(out, "valid") {
			t.Errorf("validate as redrill: %s", out)
		}
	})
	t.Run("completions are where the shells look", func(t *testing.T) {
		for _, path := range []string{"/usr/share/bash-completion/completions/redrill", "/usr/share/zsh/vendor-completions/_redrill", "/usr/share/fish/vendor_completions.d/redrill.fish"} {
			if info, err := os.Stat(path); err != nil || info.Size() == 0 {
				t.Errorf("%s: %v", path, err)
			}
		}
	})

	mustRun(t, "dpkg", "-r", "redrill")
	removed = true
	// dpkg -r keeps the edited settings (a conffile) and the state; the
	// rest is gone. --purge then removes the settings too.
	kept := map[string]bool{"/etc/redrill": true, "/etc/redrill/redrill.env": true}
	for _, path := range files {
		if _, err := os.Lstat(path); err == nil && !kept[path] && !sharedDir(path) {
			t.Errorf("%s is left after dpkg -r", path)
		}
	}
	if _, err := os.Stat("/etc/redrill/redrill.env"); err != nil {
		t.Errorf("dpkg -r removed the settings: %v", err)
	}
	mustRun(t, "dpkg", "--purge", "redrill")
	if _, err := os.Stat("/etc/redrill"); err == nil {
		t.Error("/etc/redrill is left after dpkg --purge")
	}
}

// buildSnapshot builds the linux/amd64 packages of the committed HEAD
// from a clone (GoReleaser reads the commit from git, and the clone keeps
// the work tree clean) and returns the .deb and the .rpm.
func buildSnapshot(t *testing.T, goreleaserPath string) (deb, rpm string) {
	t.Helper()
	repo := strings.TrimSpace(mustRun(t, "git", "rev-parse", "--show-toplevel"))
	dir := t.TempDir()
	clone := filepath.Join(dir, "src")
	mustRun(t, "git", "clone", "--quiet", repo, clone)
	t.Logf("packaging the committed HEAD of %s", repo)
	config, err := os.ReadFile(filepath.Join(clone, ".goreleaser.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	// One target: the machine's, to keep CI short.
	oneTarget := regexp.MustCompile(`(?m)^    targets:\n(      - .*\n)+`).ReplaceAll(config, []byte("    targets: [linux_amd64]\n"))
	if string(oneTarget) == string(config) {
		t.Fatal(".goreleaser.yaml has no targets list to narrow")
	}
	if err := os.WriteFile(filepath.Join(dir, "ci.yaml"), oneTarget, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, goreleaserPath, "release", "--snapshot", "--clean", "-f", filepath.Join(dir, "ci.yaml"))
	cmd.Dir = clone
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("goreleaser: %v\n%s", err, out)
	}
	debs, _ := filepath.Glob(filepath.Join(clone, "dist", "*.deb"))
	rpms, _ := filepath.Glob(filepath.Join(clone, "dist", "*.rpm"))
	if len(debs) != 1 || len(rpms) != 1 {
		t.Fatalf("want one .deb and one .rpm in dist, got %v %v", debs, rpms)
	}
	return debs[0], rpms[0]
}

// packageFiles lists the paths a .deb installs.
func packageFiles(t *testing.T, deb string) []string {
	t.Helper()
	var paths []string
	out := mustRun(t, "dpkg-deb", "-c", deb)
	for line := range strings.Lines(out) {
		fields := strings.Fields(line)
		if len(fields) < 6 {
			continue
		}
		path := strings.TrimSuffix(strings.TrimPrefix(fields[5], "."), "/")
		if path != "" {
			paths = append(paths, path)
		}
	}
	return paths
}

// regularFiles lists the files (not folders) a .deb installs.
func regularFiles(t *testing.T, deb string) []string {
	t.Helper()
	var paths []string
	for line := range strings.Lines(mustRun(t, "dpkg-deb", "-c", deb)) {
		fields := strings.Fields(line)
		if len(fields) < 6 || strings.HasPrefix(fields[0], "d") {
			continue
		}
		paths = append(paths, strings.TrimPrefix(fields[5], "."))
	}
	return paths
}

// sharedDir tells the folders other packages own too (/usr/share/man).
func sharedDir(path string) bool {
	info, err := os.Stat(path)
	if err != nil || !info.IsDir() {
		return false
	}
	entries, _ := os.ReadDir(path)
	return len(entries) > 0 || !strings.Contains(path, "redrill")
}

func mustRun(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}
