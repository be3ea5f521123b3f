package proc

import "golang.org/x/sys/unix"

// harden makes this process non-dumpable: the kernel writes no core file
// for it, whatever the core limit, and other processes of the same user
// can neither ptrace it nor read its /proc/PID/environ, mem or maps (root
// still can). execve makes a process dumpable again, so the child is as it
// would be without us.
func harden() { _ = unix.Prctl(unix.PR_SET_DUMPABLE, 0, 0, 0, 0) }

// childLimits is a no-op on Linux: non-dumpability ends at execve by itself.
func childLimits() (restore func()) { return func() {} }
