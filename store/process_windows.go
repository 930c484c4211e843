//go:build windows

package store

import (
	"errors"

	"golang.org/x/sys/windows"
)

// stillActive is the exit code GetExitCodeProcess gives a process that
// has not exited (STILL_ACTIVE).
const stillActive = 259

// processAlive reports whether a process of this host exists. A process
// of another user exists but cannot be opened (access denied). An exited
// process can still be opened while a handle to it is held, so its exit
// code tells; one that exited with code 259 would pass for running.
func processAlive(pid int) bool {
	if pid <= 0 {
		return false
	}
	process, err := windows.OpenProcess(windows.PROCESS_QUERY_LIMITED_INFORMATION, false, uint32(pid))
	if errors.Is(err, windows.ERROR_ACCESS_DENIED) {
		return true
	}
	if err != nil {
		return false
	}
	defer windows.CloseHandle(process)
	var code uint32
	if err := windows.GetExitCodeProcess(process, &code); err != nil {
		return true // it exists; what it does is unknown
	}
	return code == stillActive
}
