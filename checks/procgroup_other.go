//go:build !unix

package checks

import "os/exec"

func startInOwnProcessGroup(*exec.Cmd) {}

func dieWithRedrill(*exec.Cmd) {}

// killProcessGroup kills the command; without process groups its children
// may survive.
func killProcessGroup(cmd *exec.Cmd) {
	if cmd.Process != nil {
		_ = cmd.Process.Kill()
	}
}
