//go:build unix

package proc

import (
	"errors"
	"io"
	"os"
	"os/signal"
	"strconv"
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
	// The child's stdin, stdout, stderr and process attributes. It is
	// started with syscall.ForkExec rather than os/exec, whose first use
	// forks a throwaway process to probe for pidfd support.
	var stdio [3]*os.File
	stdio[0] = os.Stdin
	sys := &syscall.SysProcAttr{}

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
		copySize(sizeFrom, ptmx)
		if !inTTY {
			// Our terminal stays in its own mode and turns "\n" into "\r\n"
			// itself: the pty must not do it too.
			if t, err := unix.IoctlGetTermios(int(tty.Fd()), ioctlGetTermios); err == nil {
				t.Oflag &^= unix.ONLCR
				_ = unix.IoctlSetTermios(int(tty.Fd()), ioctlSetTermios, t)
			}
		}
		ctty := 1
		if inTTY {
			stdio[0] = tty
			ctty = 0
		}
		if outTTY {
			stdio[1] = tty
		} else {
			ctty = 2
		}
		if errTTY {
			stdio[2] = tty
		}
		sys = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: ctty}
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
		o.onWinch = func() { copySize(sizeFromCopy, ptmx) }
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
		stdio[1] = w
	}
	if !errTTY {
		w, err := pipeTo(o.Stderr)
		if err != nil {
			return err
		}
		stdio[2] = w
	}

	// In pipe mode the child gets a process group of its own, so that a
	// signal sent to our whole group (a CI runner cancelling a job, kill
	// -TERM -PGID, a terminal's Ctrl-C) reaches it once, through us.
	// Except when it may need to read our terminal: a background group
	// cannot, so it stays in ours, and the terminal's own INT and QUIT are
	// then not sent again.
	ownGroup := ptmx == nil && !(inTTY && terminalSentIt())
	if ownGroup {
		sys.Setpgid = true
	}
	sigs := make(chan os.Signal, 8)
	// Each signal caught costs a round trip to a runtime thread (about
	// 40 µs here): catch only what this mode needs. The window size
	// matters with a pty; Ctrl-Z reaches a child in a group of its own
	// only through us, and only a terminal sends it.
	watched := forwarded
	if ptmx != nil {
		watched = append(watched, syscall.SIGWINCH)
	}
	if ownGroup && foregroundOfTerminal() {
		watched = append(watched, syscall.SIGTSTP, syscall.SIGCONT)
	}
	signal.Notify(sigs, watched...)
	// No signal.Stop: it waits for the runtime's signal loop to go idle,
	// which cost a millisecond at every exit, and we are about to end.
	pid, err := syscall.ForkExec(o.Path, o.Argv, &syscall.ProcAttr{
		Env:   o.Env,
		Files: []uintptr{stdio[0].Fd(), stdio[1].Fd(), stdio[2].Fd()},
		Sys:   sys,
	})
	for _, f := range closeAfterStart {
		f.Close()
	}
	if err != nil {
		return startFailure(o.Path, err)
	}
	ownSession := ptmx != nil || ownGroup
	done := make(chan struct{})
	forwarding := make(chan struct{})
	go func() {
		defer close(forwarding)
		for {
			select {
			case sig := <-sigs:
				o.forward(pid, sig.(syscall.Signal), ownSession)
			case <-done:
				return
			}
		}
	}()
	var ws syscall.WaitStatus
	for {
		if _, err := syscall.Wait4(pid, &ws, 0, nil); err != syscall.EINTR {
			break
		}
	}
	close(done)
	<-forwarding // nothing touches the pty once we go on to close it
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
	return exitOf(ws)
}

// forward passes a signal to the child once. In a session or process
// group of its own, nothing else delivers to it, so every signal goes to
// its group. In ours, a terminal that sent INT or QUIT to the foreground
// group reached it already.
func (o *Supervision) forward(pid int, sig syscall.Signal, ownSession bool) {
	switch {
	case sig == syscall.SIGWINCH:
		if o.onWinch != nil {
			o.onWinch()
		}
	case sig == syscall.SIGTSTP:
		// Ctrl-Z stopped our group: stop the child's too, then ourselves.
		_ = syscall.Kill(-pid, syscall.SIGTSTP)
		_ = syscall.Kill(os.Getpid(), syscall.SIGSTOP)
	case ownSession:
		_ = syscall.Kill(-pid, sig) // SIGCONT included: fg resumes both
	case (sig == syscall.SIGINT || sig == syscall.SIGQUIT) && terminalSentIt():
	default:
		_ = syscall.Kill(pid, sig)
	}
}

// terminalSentIt reports whether our process group is the foreground group
// of a controlling terminal: then Ctrl-C and Ctrl-\ went to the whole
// group, the child included.
func terminalSentIt() bool { return foregroundOfTerminal() }

// foregroundOfTerminal reports whether our process group is the
// foreground group of a controlling terminal.
func foregroundOfTerminal() bool {
	tty, err := os.Open("/dev/tty")
	if err != nil {
		return false
	}
	defer tty.Close()
	fg, err := unix.IoctlGetInt(int(tty.Fd()), unix.TIOCGPGRP)
	return err == nil && fg == syscall.Getpgrp()
}

// dieBy ends this process by sig, so that whoever waits for us sees the
// same death as the child's. The Go runtime catches most signals for
// itself (SIGQUIT dumps goroutines, SIGUSR1 is swallowed), and only
// execve puts a caught signal back to its default action: so we become a
// shell that kills itself with it. Our pid stays, and so does the signal
// the caller's shell reports.
func dieBy(sig syscall.Signal) {
	if sig == syscall.SIGKILL || sig == syscall.SIGSTOP {
		_ = syscall.Kill(os.Getpid(), sig)
		time.Sleep(time.Second)
		return
	}
	signal.Reset()
	_ = syscall.Exec("/bin/sh", []string{"sh", "-c", "kill -" + strconv.Itoa(int(sig)) + " $$"}, []string{"PATH=/usr/bin:/bin"})
	// No /bin/sh: fall back on a kill, which the runtime honours for
	// HUP, INT, TERM and the like.
	_ = syscall.Kill(os.Getpid(), sig)
	time.Sleep(100 * time.Millisecond)
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
func exitOf(ws syscall.WaitStatus) error {
	if ws.Signaled() {
		dieBy(ws.Signal())
		return &ExitStatus{Code: 128 + int(ws.Signal())}
	}
	return &ExitStatus{Code: ws.ExitStatus()}
}

// copySize gives the pty the window size of our terminal, through raw
// file descriptors (os.File.Fd would put the pty in blocking mode).
func copySize(from, ptmx *os.File) {
	var ws *unix.Winsize
	if c, err := from.SyscallConn(); err == nil {
		_ = c.Control(func(fd uintptr) { ws, _ = unix.IoctlGetWinsize(int(fd), unix.TIOCGWINSZ) })
	}
	if ws == nil {
		return
	}
	if c, err := ptmx.SyscallConn(); err == nil {
		_ = c.Control(func(fd uintptr) { _ = unix.IoctlSetWinsize(int(fd), unix.TIOCSWINSZ, ws) })
	}
}
