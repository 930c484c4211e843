//go:build !unix

package scenarios_test

import "errors"

// mkfifo fails: named pipes in the file system are a Unix thing (Windows
// has them under \\.\pipe\ only); the tests that need one skip.
func mkfifo(string, uint32) error { return errors.New("no FIFOs in the file system on this system") }
