//go:build !linux

package checks

import "testing"

// hangingMount needs FUSE as Linux mounts it; elsewhere the test is skipped.
func hangingMount(t *testing.T) string {
	t.Skip("a hanging mount is made with Linux's FUSE")
	return ""
}

// hangingAddress relies on Linux dropping SYNs to a full backlog.
func hangingAddress(t *testing.T) string {
	t.Skip("a hanging address relies on how Linux treats a full backlog")
	return ""
}
