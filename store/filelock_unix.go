//go:build unix

package store

import (
	"errors"
	"os"
	"syscall"
)

// lockFile takes an exclusive flock(2) on the whole of file, waiting for
// it or, without wait, failing at once with errLockHeld. The lock lasts
// until closeLocked (or the end of the process).
func lockFile(file *os.File, wait bool) error {
	how := syscall.LOCK_EX
	if !wait {
		how |= syscall.LOCK_NB
	}
	err := syscall.Flock(int(file.Fd()), how)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return errLockHeld
	}
	return err
}

// closeLocked closes a file lockFile locked, which releases the lock.
func closeLocked(file *os.File) error { return file.Close() }

// openLockable opens a file for lockFile. On Unix any open file can be
// locked, linked and removed while open: this is os.OpenFile.
func openLockable(name string, flag int, perm os.FileMode) (*os.File, error) {
	return os.OpenFile(name, flag, perm)
}
