package proc

import (
	"io"
	"os"
	"time"
)

// Flusher is an output filter (a masker) that may hold bytes back until
// Flush.
type Flusher interface {
	io.Writer
	Flush() error
	Pending() int
}

// Supervision is a command run with its output filtered.
type Supervision struct {
	Path string
	Argv []string
	Env  []string
	// Stdout and Stderr receive the child's output; they write to our own
	// stdout and stderr.
	Stdout, Stderr Flusher
	// Idle is how long a held-back tail waits before it is shown anyway
	// (so a prompt without a newline appears).
	Idle time.Duration

	onWinch func()
}

// copyOut copies the child's output into dst, flushing what dst holds
// back after Idle without more output.
func (o *Supervision) copyOut(dst Flusher, src *os.File) {
	idle := o.Idle
	if idle <= 0 {
		idle = 50 * time.Millisecond
	}
	timer := time.AfterFunc(time.Hour, func() { _ = dst.Flush() })
	timer.Stop()
	defer timer.Stop()
	buf := make([]byte, 64<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			_, _ = dst.Write(buf[:n])
			if dst.Pending() > 0 {
				timer.Reset(idle)
			}
		}
		if err != nil {
			break // EOF on a pipe; EIO on a pty master once the child is gone
		}
	}
	timer.Stop()
	_ = dst.Flush()
}

func (o *Supervision) flush() {
	_ = o.Stdout.Flush()
	_ = o.Stderr.Flush()
}

// drainLimit bounds the wait for output after the child has exited.
func (o *Supervision) drainLimit() time.Duration { return 2 * time.Second }
