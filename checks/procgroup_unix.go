//go:build unix

package checks

import (
	"os/exec"
	"syscall"
)

func startInOwnProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	dieWithParent(cmd.SysProcAttr)
}

// killProcessGroup kills the command and everything it started.
func killProcessGroup(cmd *exec.Cmd) {
	if cmd.Process == nil {
		return
	}
	// The group id is the command's pid, as it leads its own group.
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
}
