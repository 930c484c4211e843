package checks

import "syscall"

// dieWithParent has the kernel kill the command when redrill dies, even by
// kill -9, before the reaper kills the rest of its process group. The
// signal follows the thread that started the command; Go ends a thread
// only when a goroutine locked to it returns, which redrill never does.
func dieWithParent(attr *syscall.SysProcAttr) { attr.Pdeathsig = syscall.SIGKILL }
