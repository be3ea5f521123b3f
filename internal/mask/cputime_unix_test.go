//go:build unix

package mask_test

import (
	"syscall"
	"time"
)

// cpuTime is the CPU time this process has used, all its threads: unlike
// wall time it does not grow while the machine runs other things.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		panic(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
