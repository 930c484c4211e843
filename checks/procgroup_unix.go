//go:build unix

package checks

import (
	"os/exec"
	"syscall"
)

// haveProcessGroups: every command leads a process group, which
// killProcessGroup and the reaper kill whole.
const haveProcessGroups = true

func startInOwnProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}

// dieWithRedrill has a command started in its own process group killed
// when redrill dies. Not for the reaper, which must outlive redrill.
func dieWithRedrill(cmd *exec.Cmd) { dieWithParent(cmd.SysProcAttr) }

// killProcessGroup kills the command and everything it started.
func killProcessGroup(cmd *exec.Cmd) {
	if cmd.Process == nil {
		return
	}
	// The group id is the command's pid, as it leads its own group.
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
}
