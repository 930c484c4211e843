//go:build !unix

package pgtest

import (
	"errors"
	"os"
)

// lockSweep refuses: test clusters are Debian's (pg_createcluster), and
// NewCluster says they are unavailable before it sweeps.
func lockSweep(*os.File) error {
	return errors.New("the sweep of stale test clusters needs Unix (flock)")
}
