package proc

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// procInfo returns the parent, process group and session of process pid.
func procInfo(pid int) (ppid, pgrp, sid int, ok bool) {
	kp, err := unix.SysctlKinfoProc("kern.proc.pid", pid)
	if err != nil || int(kp.Proc.P_pid) != pid {
		return 0, 0, 0, false
	}
	pgrp, err = syscall.Getpgid(pid)
	if err != nil {
		return 0, 0, 0, false
	}
	sid, err = unix.Getsid(pid)
	if err != nil {
		sid = -1 // EPERM: not in our session
	}
	return int(kp.Eproc.Ppid), pgrp, sid, true
}

// procStopped reports whether process pid is stopped.
func procStopped(pid int) bool {
	kp, err := unix.SysctlKinfoProc("kern.proc.pid", pid)
	return err == nil && int(kp.Proc.P_pid) == pid && kp.Proc.P_stat == 4 // SSTOP
}
