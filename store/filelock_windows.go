//go:build windows

package store

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"golang.org/x/sys/windows"
)

// lockOffsetHigh is the high half of the offset of the one byte that
// lockFile locks: the byte at 2^62 (the low half is 0). Windows
// locks are mandatory: a lock over the data would keep every other handle,
// this process's own included (a spool is replayed through a second
// handle), from reading it. A byte far past the end of any file this
// package writes makes it an advisory lock, as flock(2) is on Unix, taken
// by every process that locks the file through lockFile.
const lockOffsetHigh = 1 << 30

// lockFile takes an exclusive lock on file with LockFileEx, waiting for it
// or, without wait, failing at once with errLockHeld. The lock lasts
// until closeLocked (or the end of the process).
func lockFile(file *os.File, wait bool) error {
	flags := uint32(windows.LOCKFILE_EXCLUSIVE_LOCK)
	if !wait {
		flags |= windows.LOCKFILE_FAIL_IMMEDIATELY
	}
	overlapped := windows.Overlapped{OffsetHigh: lockOffsetHigh}
	err := windows.LockFileEx(windows.Handle(file.Fd()), flags, 0, 1, 0, &overlapped)
	if errors.Is(err, windows.ERROR_LOCK_VIOLATION) {
		return errLockHeld
	}
	return err
}

// closeLocked unlocks and closes a file lockFile locked. Windows releases
// the locks of a closed handle too, but "depending on available system
// resources", so the lock is released first.
func closeLocked(file *os.File) error {
	overlapped := windows.Overlapped{OffsetHigh: lockOffsetHigh}
	unlockErr := windows.UnlockFileEx(windows.Handle(file.Fd()), 0, 1, 0, &overlapped)
	if errors.Is(unlockErr, windows.ERROR_NOT_LOCKED) {
		unlockErr = nil
	}
	return errors.Join(unlockErr, file.Close())
}

// openLockable opens a file for lockFile as os.OpenFile does, but shared
// for deletion (FILE_SHARE_DELETE, which os.OpenFile does not give): a
// spool is linked and removed while open and locked, as on Unix, so that
// no other process takes it for an abandoned one. It knows the flags this
// package uses and refuses others.
func openLockable(name string, flag int, perm os.FileMode) (*os.File, error) {
	const known = os.O_RDONLY | os.O_WRONLY | os.O_RDWR | os.O_CREATE | os.O_EXCL | os.O_APPEND | os.O_TRUNC
	if flag&^known != 0 {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fmt.Errorf("flags %#x not supported on Windows", flag&^known)}
	}
	var access uint32
	switch flag & (os.O_RDONLY | os.O_WRONLY | os.O_RDWR) {
	case os.O_RDONLY:
		access = windows.GENERIC_READ
	case os.O_WRONLY:
		access = windows.GENERIC_WRITE
	case os.O_RDWR:
		access = windows.GENERIC_READ | windows.GENERIC_WRITE
	}
	if flag&os.O_APPEND != 0 && flag&os.O_TRUNC == 0 {
		// Every write at the end, as syscall.Open does it: the rights of
		// GENERIC_WRITE but FILE_WRITE_DATA. LockFileEx needs read or
		// write data rights: open for appending with O_RDWR.
		access &^= windows.GENERIC_WRITE
		access |= windows.FILE_APPEND_DATA | windows.FILE_WRITE_ATTRIBUTES | windows.FILE_WRITE_EA | windows.STANDARD_RIGHTS_WRITE | windows.SYNCHRONIZE
	}
	var disposition uint32
	switch {
	case flag&(os.O_CREATE|os.O_EXCL) == os.O_CREATE|os.O_EXCL:
		disposition = windows.CREATE_NEW
	case flag&(os.O_CREATE|os.O_TRUNC) == os.O_CREATE|os.O_TRUNC:
		disposition = windows.CREATE_ALWAYS
	case flag&os.O_CREATE != 0:
		disposition = windows.OPEN_ALWAYS
	case flag&os.O_TRUNC != 0:
		disposition = windows.TRUNCATE_EXISTING
	default:
		disposition = windows.OPEN_EXISTING
	}
	attributes := uint32(windows.FILE_ATTRIBUTE_NORMAL)
	if perm&0o200 == 0 {
		attributes = windows.FILE_ATTRIBUTE_READONLY
	}
	path, err := windows.UTF16PtrFromString(name)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	share := uint32(windows.FILE_SHARE_READ | windows.FILE_SHARE_WRITE | windows.FILE_SHARE_DELETE)
	handle, err := windows.CreateFile(path, access, share, nil, disposition, attributes, 0)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	return os.NewFile(uintptr(handle), name), nil
}
