// Package buildinfo says which redrill this is: its version, commit,
// build date and Go version, from what the build stamped into the binary.
package buildinfo

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
)

// Release builds set these with the linker (GoReleaser's ldflags:
// -X github.com/redrill/redrill/internal/buildinfo.version=1.2.0, and
// commit and date); the linker can set nothing but package variables.
// Other builds leave them empty and the Go toolchain's stamps are read.
var (
	version string
	commit  string
	date    string
)

// Info is what a binary knows of its own build.
type Info struct {
	// Version is the release (1.2.0), the module version of a go install
	// (1.2.0, or a pseudo-version), or "devel" for a build from a clone.
	Version string `json:"version"`
	// Commit is the VCS revision built, empty when the build did not say.
	Commit string `json:"commit"`
	// Modified is true for a build of a work tree with uncommitted changes.
	Modified bool `json:"modified"`
	// Date is when it was built (a release) or its commit's time, RFC 3339.
	Date      string `json:"date"`
	GoVersion string `json:"go_version"`
	Platform  string `json:"platform"`
}

// Read returns the running binary's build information.
func Read() Info {
	return read(debug.ReadBuildInfo)
}

func read(buildInfo func() (*debug.BuildInfo, bool)) Info {
	info := Info{Version: "devel", GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	if stamped, ok := buildInfo(); ok {
		if v := stamped.Main.Version; v != "" && v != "(devel)" {
			info.Version = strings.TrimPrefix(v, "v")
		}
		for _, setting := range stamped.Settings {
			switch setting.Key {
			case "vcs.revision":
				info.Commit = setting.Value
			case "vcs.time":
				info.Date = setting.Value
			case "vcs.modified":
				info.Modified = setting.Value == "true"
			}
		}
		if stamped.GoVersion != "" {
			info.GoVersion = stamped.GoVersion
		}
	}
	if version != "" {
		info.Version = strings.TrimPrefix(version, "v")
	}
	if commit != "" {
		info.Commit = commit
	}
	if date != "" {
		info.Date = date
	}
	return info
}

// ShortCommit is the commit's first 12 characters, marked "-dirty" for a
// modified work tree; empty when the commit is unknown.
func (i Info) ShortCommit() string {
	c := i.Commit
	if len(c) > 12 {
		c = c[:12]
	}
	if c != "" && i.Modified {
		c += "-dirty"
	}
	return c
}

// Short is one line for a footer: "redrill 1.2.0 (3f2a9c1b7d4e)".
func (i Info) Short() string {
	if c := i.ShortCommit(); c != "" {
		return fmt.Sprintf("redrill %s (%s)", i.Version, c)
	}
	return "redrill " + i.Version
}

// Footer is what a report's footer says: Short, and for a build that
// knows when it was built (a release, a build of a clone with its
// commit's time), that day and the Go version it was built with.
func (i Info) Footer() string {
	if len(i.Date) < len("2006-01-02") {
		return i.Short()
	}
	return fmt.Sprintf("%s, built %s with %s", i.Short(), i.Date[:len("2006-01-02")], i.GoVersion)
}

// String is what `redrill version` prints.
func (i Info) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "redrill %s\n", i.Version)
	fmt.Fprintf(&b, "  commit:     %s\n", orUnknown(i.ShortCommit()))
	fmt.Fprintf(&b, "  built:      %s\n", orUnknown(i.Date))
	fmt.Fprintf(&b, "  go version: %s\n", i.GoVersion)
	fmt.Fprintf(&b, "  platform:   %s\n", i.Platform)
	return b.String()
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}
