//go:build unix

package s3test

import (
	"os/exec"
	"syscall"
)

// processGroups is nil: Unix has process groups.
func processGroups() error { return nil }

// ownProcessGroup starts the server in a process group of its own, so
// that killProcessGroup ends the processes it starts too; on Linux it also
// dies with the test binary, even one killed (deathsig_linux.go).
func ownProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	dieWithParent(cmd.SysProcAttr)
}

// killProcessGroup kills the server and everything it started.
func killProcessGroup(cmd *exec.Cmd) {
	// The group id is the server's pid, as it leads its own group.
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
}
