//go:build unix

package proc

import (
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// foregroundOf reports whether our process group is the foreground group
// of the terminal tty (our controlling terminal, /dev/tty).
func foregroundOf(tty *os.File) bool {
	if tty == nil {
		return false
	}
	fg := -1
	if c, err := tty.SyscallConn(); err == nil {
		_ = c.Control(func(fd uintptr) {
			if pg, err := unix.IoctlGetInt(int(fd), unix.TIOCGPGRP); err == nil {
				fg = pg
			}
		})
	}
	return fg == syscall.Getpgrp()
}

// jobControlled reports whether our process group is under job control,
// that is, not orphaned (POSIX): some member has a parent in our session
// outside the group, a job-control shell. Only then can a stopped job be
// continued by the user (fg), and only then does the kernel act on the
// terminal's stop signals (SIGTSTP, SIGTTIN, SIGTTOU) at all. We follow
// our ancestors inside our group (a wrapper script between the shell and
// us is in the job's group too) up to the first one outside it.
func jobControlled() bool {
	pgrp := syscall.Getpgrp()
	sid, err := unix.Getsid(0)
	if err != nil {
		return false
	}
	pid := os.Getppid()
	for range 64 {
		if pid <= 1 {
			return false
		}
		ppid, pg, s, ok := procInfo(pid)
		if !ok {
			return false
		}
		if pg != pgrp {
			return s == sid
		}
		pid = ppid
	}
	return false
}
