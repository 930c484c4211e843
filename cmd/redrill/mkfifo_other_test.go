//go:build !unix

package main

import "errors"

// mkfifo fails: named pipes in the file system are a Unix thing.
func mkfifo(string, uint32) error { return errors.New("no FIFOs in the file system on this system") }
