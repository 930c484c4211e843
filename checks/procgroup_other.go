//go:build !unix

package checks

import "os/exec"

// haveProcessGroups is false: a command's children are not killed with it,
// and no reaper kills the commands still running if redrill dies.
const haveProcessGroups = false

func startInOwnProcessGroup(*exec.Cmd) {}

func dieWithRedrill(*exec.Cmd) {}

// killProcessGroup kills the command; without process groups its children
// may survive.
func killProcessGroup(cmd *exec.Cmd) {
	if cmd.Process != nil {
		_ = cmd.Process.Kill()
	}
}
