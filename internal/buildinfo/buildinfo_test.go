package buildinfo

import (
	"runtime/debug"
	"strings"
	"testing"
)

func TestRead(t *testing.T) {
	for _, tc := range []struct {
		name                   string
		stamped                *debug.BuildInfo
		wantVersion, wantShort string
	}{
		{"no build information", nil, "devel", "redrill devel"},
		{"a build from a clone", &debug.BuildInfo{
			GoVersion: "go1.26.8",
			Main:      debug.Module{Version: "(devel)"},
			Settings: []debug.BuildSetting{
				{Key: "vcs.revision", Value: "3f2a9c1b7d4e5f60718293a4b5c6d7e8f9012345"},
				{Key: "vcs.time", Value: "2026-12-01T12:00:00Z"},
				{Key: "vcs.modified", Value: "true"},
			},
		}, "devel", "redrill devel (3f2a9c1b7d4e-dirty)"},
		{"go install of a tag", &debug.BuildInfo{
			GoVersion: "go1.26.8",
			Main:      debug.Module{Version: "v1.2.0"},
		}, "1.2.0", "redrill 1.2.0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			info := read(func() (*debug.BuildInfo, bool) { return tc.stamped, tc.stamped != nil })
			if info.Version != tc.wantVersion || info.Short() != tc.wantShort {
				t.Errorf("version %q short %q, want %q and %q", info.Version, info.Short(), tc.wantVersion, tc.wantShort)
			}
			if tc.stamped != nil && info.GoVersion != tc.stamped.GoVersion {
				t.Errorf("go version %q, want %q", info.GoVersion, tc.stamped.GoVersion)
			}
		})
	}
}

// What the linker sets for a release wins over the toolchain's stamps.
func TestReleaseStampsWin(t *testing.T) {
	version, commit, date = "v2.0.1", "abcdef0123456789", "2026-12-01T15:00:00Z"
	t.Cleanup(func() { version, commit, date = "", "", "" })
	info := read(func() (*debug.BuildInfo, bool) {
		return &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "0000"}}}, true
	})
	if info.Version != "2.0.1" || info.Commit != "abcdef0123456789" || info.Date != "2026-12-01T15:00:00Z" {
		t.Errorf("info %+v, want the release's stamps", info)
	}
	if !strings.Contains(info.String(), "commit:     abcdef012345\n") {
		t.Errorf("String() = %q", info.String())
	}
}

// A footer says the day and the Go version of a build that knows when it
// was built, and only version and commit of one that does not.
func TestFooter(t *testing.T) {
	for _, tc := range []struct {
		info Info
		want string
	}{
		{Info{Version: "2.0.1", Commit: "abcdef0123456789", Date: "2026-12-01T15:00:00Z", GoVersion: "go1.26.8"}, "redrill 2.0.1 (abcdef012345), built 2026-12-01 with go1.26.8"},
		{Info{Version: "devel", GoVersion: "go1.26.8"}, "redrill devel"},
	} {
		if got := tc.info.Footer(); got != tc.want {
			t.Errorf("Footer() = %q, want %q", got, tc.want)
		}
	}
}
