package realprefect

import "syscall"

// sysProcAttr puts the server in a process group of its own, so Stop ends
// all of it, and has the kernel kill it if the test binary dies first (a
// test timeout's panic, a SIGKILL): no stray server outlives its tests.
// (Pdeathsig fires when the forking thread ends; Go ends a thread only
// when a goroutine locked to it exits, and nothing here locks one.)
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
