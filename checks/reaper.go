package checks

import (
	"errors"
	"fmt"
	"io"
	"os/exec"
	"sync"
)

// reaperScript outlives redrill by a moment: it reads "add PGID" and
// "del PGID" lines for the process groups of the commands running, and
// when its input ends — redrill closed it, or died, even by SIGKILL, and
// the kernel closed it — it kills every group still listed. It ignores
// the signals that stop redrill, which a terminal sends to the whole
// foreground group.
const reaperScript = `trap '' INT TERM HUP
live=" "
while read -r op pgid; do
  case "$op" in
    add) live="$live$pgid " ;;
    del) next=" "; for p in $live; do [ "$p" = "$pgid" ] || next="$next$p "; done; live=$next ;;
  esac
done
for p in $live; do kill -KILL "-$p" 2>/dev/null; done`

// groupReaper tells a reaper process which process groups are running,
// so that no command a drill started survives redrill. A group is listed
// from its start until the step is done with it: a process a finished
// command left running on purpose (a server it restored) is not killed.
type groupReaper struct {
	mu      sync.Mutex
	input   io.WriteCloser
	process *exec.Cmd
	err     error
	// closed is set once the drill's environment closed: a command that
	// started meanwhile must not outlive it under a reaper of its own.
	closed bool
}

// errReaperClosed says that the environment closed while a command
// started: the caller kills it.
var errReaperClosed = errors.New("the drill's environment closed while the command started")

// add lists a running process group; the reaper is started on first use.
func (g *groupReaper) add(pgid int) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return errReaperClosed
	}
	if g.process == nil && g.err == nil {
		g.err = g.start()
	}
	if g.err != nil {
		return g.err
	}
	_, err := fmt.Fprintf(g.input, "add %d\n", pgid)
	return err
}

// del unlists a process group whose step is done.
func (g *groupReaper) del(pgid int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.input != nil {
		_, _ = fmt.Fprintf(g.input, "del %d\n", pgid)
	}
}

func (g *groupReaper) start() error {
	if !haveProcessGroups {
		// Its kill -KILL -PGID means nothing without process groups.
		return errors.New("no process reaper: this system has no process groups")
	}
	cmd := exec.Command("/bin/sh", "-c", reaperScript)
	startInOwnProcessGroup(cmd)
	input, err := cmd.StdinPipe()
	if err != nil {
		return fmt.Errorf("start the process reaper: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start the process reaper: %w", err)
	}
	g.input, g.process = input, cmd
	return nil
}

// close ends the reaper: it kills any group still listed, then exits.
func (g *groupReaper) close() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.closed = true
	if g.process == nil {
		return nil
	}
	_ = g.input.Close()
	err := g.process.Wait()
	g.input, g.process = nil, nil
	return err
}
