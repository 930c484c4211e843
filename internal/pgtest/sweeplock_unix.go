//go:build unix

package pgtest

import (
	"os"

	"golang.org/x/sys/unix"
)

// lockSweep waits for the exclusive lock of the sweep lock file.
func lockSweep(lock *os.File) error { return unix.Flock(int(lock.Fd()), unix.LOCK_EX) }
