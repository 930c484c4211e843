//go:build linux

package checks

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"syscall"
	"testing"
	"time"
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

// hangingAddress returns a loopback address where a connection attempt
// hangs, as at a host whose firewall drops packets: a listener with a
// backlog of zero whose queued connection is never accepted, so Linux
// drops every later SYN and the dialer waits for an answer.
func hangingAddress(t *testing.T) string {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatalf("socket: %v", err)
	}
	t.Cleanup(func() { _ = syscall.Close(fd) })
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatalf("bind to loopback: %v", err)
	}
	if err := syscall.Listen(fd, 0); err != nil {
		t.Fatalf("listen: %v", err)
	}
	bound, err := syscall.Getsockname(fd)
	if err != nil {
		t.Fatalf("getsockname: %v", err)
	}
	address := net.JoinHostPort("127.0.0.1", strconv.Itoa(bound.(*syscall.SockaddrInet4).Port))
	// Fill the accept queue: every dial that completes takes a place in it,
	// the first that does not proves the next ones hang too.
	for range 8 {
		conn, err := net.DialTimeout("tcp", address, 200*time.Millisecond)
		var netErr net.Error
		if errors.As(err, &netErr) && netErr.Timeout() {
			return address
		}
		if err != nil {
			t.Fatalf("fill the backlog of %s: %v", address, err)
		}
		t.Cleanup(func() { _ = conn.Close() })
	}
	t.Skipf("connections to %s still complete with its backlog full: this kernel does not drop SYNs", address)
	return ""
}
