//go:build unix && !linux

package checks

import "syscall"

// dieWithParent does nothing where there is no parent-death signal; the
// reaper alone kills the command when redrill dies.
func dieWithParent(*syscall.SysProcAttr) {}
