//go:build unix

package proc

import (
	"errors"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"
	"golang.org/x/term"
)

// forwarded are the signals passed on to the child; never SIGURG, which
// the Go runtime uses for itself.
var forwarded = []os.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT, syscall.SIGUSR1, syscall.SIGUSR2}

// Supervise runs the command with its stdout and stderr passing through
// filters (the maskers), staying in between until it ends:
//
//   - When stdout or stderr is a terminal, the child runs on a
//     pseudo-terminal of its own, in a new session, so isatty, colours,
//     line editing, the window size and job control work as on the real
//     one. Our terminal goes to raw mode while stdin is copied in; the
//     pty's line discipline turns Ctrl-C into the child's SIGINT.
//   - Otherwise the child writes to pipes; stdin is its own, unread.
//
// Signals sent to us reach the child once; its exit status comes back as
// an *ExitStatus, and a child killed by a signal makes us end by it.
func Supervise(o Supervision) error {
	outTTY := term.IsTerminal(int(os.Stdout.Fd()))
	errTTY := term.IsTerminal(int(os.Stderr.Fd()))
	inTTY := term.IsTerminal(int(os.Stdin.Fd()))
	cmd := exec.Command(o.Path)
	cmd.Args = o.Argv
	cmd.Env = o.Env
	cmd.Stdin = os.Stdin

	var closeAfterStart []*os.File
	var copies sync.WaitGroup
	var ptmx *os.File
	var restore func()
	if outTTY || errTTY {
		var tty *os.File
		var err error
		ptmx, tty, err = pty.Open()
		if err != nil {
			return &StartError{Command: o.Path, Code: CodeNotExecutable, Reason: "cannot open a pseudo-terminal: " + err.Error()}
		}
		defer ptmx.Close()
		closeAfterStart = append(closeAfterStart, tty)
		sizeFrom := os.Stdout
		if !outTTY {
			sizeFrom = os.Stderr
		}
		_ = pty.InheritSize(sizeFrom, ptmx)
		ctty := 1
		if inTTY {
			cmd.Stdin = tty
			ctty = 0
		}
		if outTTY {
			cmd.Stdout = tty
		} else {
			ctty = 2
		}
		if errTTY {
			cmd.Stderr = tty
		}
		cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: ctty}
		// The terminal's output (stdout's, or stderr's when only it is one).
		ttyOut := o.Stdout
		if !outTTY {
			ttyOut = o.Stderr
		}
		copies.Add(1)
		go func() { defer copies.Done(); o.copyOut(ttyOut, ptmx) }()
		if inTTY {
			if state, err := term.MakeRaw(int(os.Stdin.Fd())); err == nil {
				restore = func() { _ = term.Restore(int(os.Stdin.Fd()), state) }
				defer restore()
			}
			go func() { _, _ = io.Copy(ptmx, os.Stdin) }()
		}
		sizeFromCopy := sizeFrom
		o.onWinch = func() { _ = pty.InheritSize(sizeFromCopy, ptmx) }
	}
	pipeTo := func(dst Flusher) (*os.File, error) {
		r, w, err := os.Pipe()
		if err != nil {
			return nil, err
		}
		closeAfterStart = append(closeAfterStart, w)
		copies.Add(1)
		go func() { defer copies.Done(); defer r.Close(); o.copyOut(dst, r) }()
		return w, nil
	}
	if !outTTY {
		w, err := pipeTo(o.Stdout)
		if err != nil {
			return err
		}
		cmd.Stdout = w
	}
	if !errTTY {
		w, err := pipeTo(o.Stderr)
		if err != nil {
			return err
		}
		cmd.Stderr = w
	}

	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, append(forwarded, syscall.SIGWINCH)...)
	defer signal.Stop(sigs)
	if err := cmd.Start(); err != nil {
		for _, f := range closeAfterStart {
			f.Close()
		}
		return startFailure(o.Path, err)
	}
	for _, f := range closeAfterStart {
		f.Close()
	}
	ownSession := ptmx != nil
	done := make(chan struct{})
	go func() {
		for {
			select {
			case sig := <-sigs:
				o.forward(cmd.Process.Pid, sig.(syscall.Signal), ownSession)
			case <-done:
				return
			}
		}
	}()
	waitErr := cmd.Wait()
	close(done)
	// Drain what the child (or what it left behind) still writes, for a
	// while: a grandchild holding the output open must not hold us forever.
	drained := make(chan struct{})
	go func() { copies.Wait(); close(drained) }()
	select {
	case <-drained:
	case <-time.After(o.drainLimit()):
	}
	o.flush()
	if restore != nil {
		restore()
	}
	return exitOf(cmd, waitErr)
}

// forward passes a signal to the child once. With a pty the child is in a
// session of its own: nothing else delivers to it, so every signal goes
// to its process group. Without, it shares our process group: a terminal
// that sent INT or QUIT to the foreground group reached it already.
func (o *Supervision) forward(pid int, sig syscall.Signal, ownSession bool) {
	switch {
	case sig == syscall.SIGWINCH:
		if o.onWinch != nil {
			o.onWinch()
		}
	case ownSession:
		_ = syscall.Kill(-pid, sig)
	case (sig == syscall.SIGINT || sig == syscall.SIGQUIT) && terminalSentIt():
	default:
		_ = syscall.Kill(pid, sig)
	}
}

// terminalSentIt reports whether our process group is the foreground group
// of a controlling terminal: then Ctrl-C and Ctrl-\ went to the whole
// group, the child included.
func terminalSentIt() bool {
	tty, err := os.Open("/dev/tty")
	if err != nil {
		return false
	}
	defer tty.Close()
	fg, err := unix.IoctlGetInt(int(tty.Fd()), unix.TIOCGPGRP)
	return err == nil && fg == syscall.Getpgrp()
}

func startFailure(path string, err error) error {
	code := CodeNotExecutable
	if errors.Is(err, syscall.ENOENT) {
		code = CodeNotFound
	}
	se := &StartError{Command: path, Code: code, Reason: reason(err)}
	if errors.Is(err, syscall.ENOEXEC) {
		se.Hint = "a script needs a #! line naming its interpreter"
	}
	return se
}

// exitOf turns how the child ended into ours: its code, or its signal,
// which we then die of too, so the caller's shell sees the same.
func exitOf(cmd *exec.Cmd, waitErr error) error {
	if cmd.ProcessState == nil {
		return waitErr
	}
	ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus)
	if ok && ws.Signaled() {
		sig := ws.Signal()
		signal.Reset(sig)
		_ = syscall.Kill(os.Getpid(), sig)
		time.Sleep(100 * time.Millisecond) // the signal is on its way
		return &ExitStatus{Code: 128 + int(sig)}
	}
	return &ExitStatus{Code: cmd.ProcessState.ExitCode()}
}
