//go:build freebsd || netbsd || openbsd || dragonfly

package proc

import (
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// procInfo returns the process group and session of our parent (its own
// parent is not looked up here: 0).
func procInfo(pid int) (ppid, pgrp, sid int, ok bool) {
	if pid != os.Getppid() {
		return 0, 0, 0, false
	}
	pgrp, err := syscall.Getpgid(pid)
	if err != nil {
		return 0, 0, 0, false
	}
	sid, err = unix.Getsid(pid)
	if err != nil {
		sid = -1
	}
	return 0, pgrp, sid, true
}

// procStopped: not looked up here; the child's last wait status says.
func procStopped(int) bool { return false }
