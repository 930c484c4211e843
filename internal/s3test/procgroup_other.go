//go:build !unix

package s3test

import (
	"errors"
	"os/exec"
)

// processGroups says why no server is started: without Unix process groups
// the processes the server starts would outlive the test.
func processGroups() error {
	return errors.New("s3test starts SeaweedFS in a process group of its own, which needs Unix")
}

func ownProcessGroup(*exec.Cmd) {}

func killProcessGroup(*exec.Cmd) {}
