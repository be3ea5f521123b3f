//go:build unix && !linux

package proc

import "syscall"

// coreLimit is the core file size limit we were started with, for the
// processes we start; nil when harden left it as it was.
var coreLimit *syscall.Rlimit

// harden sets our core file size limit to 0, so that no core file holds
// the secrets that passed through our memory. (Linux has a stronger knob:
// see harden_linux.go.)
func harden() {
	var lim syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_CORE, &lim) != nil || lim.Cur == 0 {
		return
	}
	saved := lim
	lim.Cur = 0
	if syscall.Setrlimit(syscall.RLIMIT_CORE, &lim) == nil {
		coreLimit = &saved
	}
}

// childLimits gives back the core limit we were started with, for a
// process about to be started (the limit is inherited), and returns what
// sets ours to 0 again once it is started.
func childLimits() (restore func()) {
	if coreLimit == nil {
		return func() {}
	}
	_ = syscall.Setrlimit(syscall.RLIMIT_CORE, coreLimit)
	return func() {
		lim := *coreLimit
		lim.Cur = 0
		_ = syscall.Setrlimit(syscall.RLIMIT_CORE, &lim)
	}
}
