//go:build unix

package commands

import (
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// stdinClosed says the process was started with stdin closed (set X <&-).
// The Go runtime then opens /dev/null read-write as fd 0 before main, so
// that is what a closed stdin looks like here; a shell's < /dev/null opens
// it read-only.
func stdinClosed(in io.Reader) bool {
	if in != io.Reader(os.Stdin) {
		return false
	}
	flags, err := unix.FcntlInt(0, unix.F_GETFL, 0)
	if err != nil || flags&unix.O_ACCMODE != unix.O_RDWR {
		return false
	}
	var st, null unix.Stat_t
	if unix.Fstat(0, &st) != nil || unix.Stat("/dev/null", &null) != nil {
		return false
	}
	return st.Mode&unix.S_IFMT == unix.S_IFCHR && st.Rdev == null.Rdev
}
