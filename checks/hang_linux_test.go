//go:build linux

package checks

import (
	"fmt"
	"os"
	"syscall"
	"testing"
)

// hangingMount mounts a FUSE file system that never answers at a new
// directory and returns it: a stat of anything below it blocks in the
// kernel, as on a hung network mount, until the test ends. The test is
// skipped where a FUSE file system cannot be mounted (not root, no
// /dev/fuse).
func hangingMount(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	device, err := syscall.Open("/dev/fuse", syscall.O_RDWR|syscall.O_CLOEXEC, 0)
	if err != nil {
		t.Skipf("cannot open /dev/fuse to hang a stat on: %v", err)
	}
	// No one reads the device, so the kernel's first request (FUSE_INIT)
	// is never answered and every later one waits for it.
	options := fmt.Sprintf("fd=%d,rootmode=40000,user_id=%d,group_id=%d", device, os.Getuid(), os.Getgid())
	if err := syscall.Mount("redrill-test", dir, "fuse", syscall.MS_NOSUID|syscall.MS_NODEV, options); err != nil {
		_ = syscall.Close(device)
		t.Skipf("cannot mount a FUSE file system to hang a stat on: %v", err)
	}
	// Runs before t.TempDir removes dir. Closing the device aborts the
	// connection, so a stat still waiting returns ENOTCONN.
	t.Cleanup(func() {
		_ = syscall.Close(device)
		if err := syscall.Unmount(dir, syscall.MNT_DETACH); err != nil {
			t.Errorf("unmount %s: %v", dir, err)
		}
	})
	return dir
}
