//go:build unix

package proc

import (
	"errors"
	"os"
	"runtime"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// keys copies what is typed at our terminal into the child's
// pseudo-terminal, and only while we are in the foreground: suspended
// (Ctrl-Z) or sent to the background (bg), we must not take the keys typed
// at the shell. Reading stdin itself would block in read(2), where nothing
// can take a pending read back; so where the runtime can poll a terminal
// (Linux), the keys come from a descriptor of our own on it (/dev/tty,
// when stdin is that terminal), whose read a deadline interrupts.
type keys struct {
	src, dst *os.File
	pausable bool
	wake     chan struct{}

	mu      sync.Mutex
	on      bool
	started bool
}

func newKeys(ctty, ptmx *os.File) *keys {
	k := &keys{src: os.Stdin, dst: ptmx, wake: make(chan struct{}, 1)}
	if runtime.GOOS == "linux" && ctty != nil && isControllingTerminal(os.Stdin) && ctty.SetReadDeadline(time.Time{}) == nil {
		k.src, k.pausable = ctty, true
	}
	return k
}

// isControllingTerminal reports whether f is our controlling terminal:
// only on it does TIOCGPGRP answer. This is not the fact Supervision
// carries (InTTY: stdin is a terminal at all): stdin may be a terminal
// other than /dev/tty (< /dev/pts/7), whose reads /dev/tty cannot stand
// in for.
func isControllingTerminal(f *os.File) bool {
	_, err := unix.IoctlGetInt(int(f.Fd()), unix.TIOCGPGRP)
	return err == nil
}

// resume starts (again) copying the keys.
func (k *keys) resume() {
	k.mu.Lock()
	k.on = true
	start := !k.started
	k.started = true
	k.mu.Unlock()
	if k.pausable {
		_ = k.src.SetReadDeadline(time.Time{})
	}
	if start {
		go k.copy()
		return
	}
	select {
	case k.wake <- struct{}{}:
	default:
	}
}

// pause stops reading the terminal (at once where a read can be taken
// back; else after the read under way).
func (k *keys) pause() {
	k.mu.Lock()
	k.on = false
	k.mu.Unlock()
	if k.pausable {
		_ = k.src.SetReadDeadline(time.Unix(1, 0))
	}
}

func (k *keys) copy() {
	buf := make([]byte, 4096)
	for {
		k.mu.Lock()
		on := k.on
		k.mu.Unlock()
		if !on {
			<-k.wake
			continue
		}
		n, err := k.src.Read(buf)
		if n > 0 {
			if _, werr := k.dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
			return // EOF, or the terminal closed at the end
		}
	}
}
