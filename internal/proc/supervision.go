package proc

import (
	"errors"
	"io"
	"os"
	"sync"
	"syscall"
	"time"
)

// Flusher is an output filter (a masker) that may hold bytes back: Flush
// writes what it can when the output is idle, Close all it holds at the
// end of the stream.
type Flusher interface {
	io.WriteCloser
	Flush() error
	Pending() int
}

// Supervision is a command run with its output filtered.
type Supervision struct {
	Path string
	Argv []string
	Env  []string
	// InTTY, OutTTY and ErrTTY say which of our stdin, stdout and stderr
	// are a terminal, as the caller found them (commands' IO holds these
	// facts for every command): they choose how the child is connected
	// (see mode). Supervise does not ask again. Windows has no use for
	// them.
	InTTY, OutTTY, ErrTTY bool
	// Stdout and Stderr receive the child's output; they write to our own
	// stdout and stderr.
	Stdout, Stderr Flusher
	// Idle is how long a held-back tail waits before the filter's Flush
	// (so a prompt without a newline appears).
	Idle time.Duration
}

// copyOut copies the child's output from src into dst, flushing what dst
// holds back after Idle without more output, and returns the first error
// writing dst. before, if not nil, runs once before the first write.
//
// Once a write has failed, nothing more is written. On EPIPE (whoever read
// our output has gone, as with | head -1) and with closeOnEPIPE, src is
// closed at once, so that the child's next write fails as it would have
// without us in between (SIGPIPE): it is neither left running on its own
// nor kept writing into nothing. On any other error (a full disk), the rest
// is read and dropped, so that the child can run to its end.
func (o *Supervision) copyOut(dst Flusher, src *os.File, closeOnEPIPE bool, before func()) error {
	idle := o.Idle
	if idle <= 0 {
		idle = 50 * time.Millisecond
	}
	var mu sync.Mutex
	var werr error
	fail := func(err error) {
		mu.Lock()
		defer mu.Unlock()
		if err == nil || werr != nil {
			return
		}
		werr = err
		if closeOnEPIPE && errors.Is(err, syscall.EPIPE) {
			src.Close() // a Read waiting on it returns at once
		}
	}
	failed := func() bool {
		mu.Lock()
		defer mu.Unlock()
		return werr != nil
	}
	timer := time.AfterFunc(time.Hour, func() { fail(dst.Flush()) })
	timer.Stop()
	defer timer.Stop()
	buf := make([]byte, 64<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 && !failed() {
			if before != nil {
				before()
				before = nil
			}
			_, werr := dst.Write(buf[:n])
			fail(werr)
			if werr == nil && dst.Pending() > 0 {
				timer.Reset(idle)
			}
		}
		if err != nil {
			break // EOF on a pipe; EIO on a pty master once the child is gone; closed on EPIPE
		}
	}
	timer.Stop()
	if !failed() {
		fail(dst.Close())
	}
	mu.Lock()
	defer mu.Unlock()
	return werr
}

// streamErrors keeps the first failed write of each of the child's
// streams; the copies report into it while Supervise may already read it
// (when the drain gives up waiting for them).
type streamErrors struct {
	mu  sync.Mutex
	err [2]error // stdout, stderr
}

func (e *streamErrors) set(i int, err error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.err[i] == nil {
		e.err[i] = err
	}
}

// result turns how the child ended (code, for a child that exited) and
// what became of its output into our answer. An EPIPE is not a failure:
// the reader did not want the rest, and the child learnt of it at its next
// write (see copyOut). Any other failed write is an *OutputError.
func (e *streamErrors) result(code int) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	for i, werr := range e.err {
		if werr == nil || errors.Is(werr, syscall.EPIPE) {
			continue
		}
		c := code
		if c == 0 {
			c = CodeOutputLost
		}
		return &OutputError{Stream: [2]string{"stdout", "stderr"}[i], Err: werr, Code: c}
	}
	return &ExitStatus{Code: code}
}

// drainLimit bounds the wait for output after the child has exited.
func (o *Supervision) drainLimit() time.Duration { return 2 * time.Second }
