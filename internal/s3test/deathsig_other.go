//go:build unix && !linux

package s3test

import "syscall"

// dieWithParent does nothing: only Linux has a parent-death signal, so a
// test binary killed before its cleanups leaves the server running.
func dieWithParent(*syscall.SysProcAttr) {}
