//go:build unix

package proc

import (
	"errors"
	"os"
	"os/signal"
	"runtime"
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

// terminating are the forwarded signals meant to end the child. A stopped
// child only acts on one once continued, so, as a shell's kill does, we
// follow it with SIGCONT.
func terminating(sig syscall.Signal) bool {
	return sig == syscall.SIGTERM || sig == syscall.SIGHUP || sig == syscall.SIGINT || sig == syscall.SIGQUIT
}

// mode is how the child is connected, chosen by which of our stdin (in),
// stdout (out) and stderr (err) are a terminal:
//
//	in  out  err
//	T   T    any  interactive: the child works on the terminal, so it gets
//	              a pseudo-terminal of its own, in a session of its own
//	              (under a monitor, see monitor_unix.go), as its stdin,
//	              stdout and (if T) stderr. Our terminal goes raw while we
//	              are in the foreground and its keys are copied in: the
//	              pty's line discipline makes Ctrl-C the child's SIGINT and
//	              Ctrl-Z its SIGTSTP, line editing and full-screen programs
//	              work, and when the child stops we give the terminal back
//	              and stop too, as a job does.
//	-   T    any  output: the child writes to the terminal but does not
//	              read it (</dev/null, a pipe): its stdout and (if T)
//	              stderr are a pty, so isatty holds and colours stay, but
//	              not its controlling terminal. It stays in our session,
//	              and our terminal keeps its mode: its Ctrl-C, Ctrl-\ and
//	              Ctrl-Z go to our process group, where the child is, as
//	              they would without us.
//	any -    T    stderr: stdout is a pipe (exec ... | less): the child
//	              makes data for someone else, who may work on the
//	              terminal (less reads its keys from /dev/tty). Only stderr
//	              goes through a pty, for isatty; as in output mode our
//	              terminal is never made raw nor read, so less gets its
//	              keys, lines start at column 0, and Ctrl-C and Ctrl-Z reach
//	              the whole pipeline.
//	any -    -    pipes.
//
// Outside interactive mode, the child writes to the pty but the real
// terminal stays its controlling terminal (/dev/tty): what it writes
// there itself is not masked (as in pipe mode).
type mode int

const (
	modePipes mode = iota
	modeStderr
	modeOutput
	modeInteractive
)

func chooseMode(in, out, err bool) mode {
	switch {
	case in && out:
		return modeInteractive
	case out:
		return modeOutput
	case err:
		return modeStderr
	}
	return modePipes
}

// supervisor is one supervised run.
type supervisor struct {
	o    *Supervision
	mode mode
	ctty *os.File // our controlling terminal (/dev/tty), nil without one
	// The child's pty, and the terminal whose window size it follows.
	ptmx, sizeFrom *os.File
	pid            int  // the command's
	ownGroup       bool // the child is in a process group of its own: signals reach it only through us
	catchTSTP      bool // we catch SIGTSTP (and so cannot be stopped by it)
	sigs           chan os.Signal
	catchPipe      func()

	// The child's ends of its stdio that we opened (the pty's slave, the
	// pipes' write ends), to close once it has them; and the copies of
	// its output, with what became of each stream.
	childEnds []*os.File
	copies    sync.WaitGroup
	werrs     streamErrors

	// Interactive mode.
	keys *keys
	raw  *term.State // our terminal's mode before we made it raw, while raw

	stopped    bool // the child is stopped, as far as its last wait status says
	contCaught bool
}

// Supervise runs the command with its stdout and stderr passing through
// filters (the maskers), staying in between until it ends. How the child
// is connected depends on which of our streams are a terminal, as o says:
// see mode. Signals sent to us reach the child once; its exit status
// comes back as an *ExitStatus, and a child killed by a signal makes us
// end by it. If the child's output could not be written, that is an
// *OutputError; if our reader went away, the child's next write fails as
// it would have without us, and we end as the child does.
func Supervise(o Supervision) error {
	s := &supervisor{o: &o, mode: chooseMode(o.InTTY, o.OutTTY, o.ErrTTY), sigs: make(chan os.Signal, 8)}
	s.catchPipe = sync.OnceFunc(func() { signal.Notify(s.sigs, syscall.SIGPIPE) })
	if tty, err := os.Open("/dev/tty"); err == nil {
		s.ctty = tty
	}
	defer s.close()

	stdio, err := s.connect()
	if err != nil {
		return err
	}
	sys := s.processGroup()
	if s.mode == modeInteractive {
		s.keys = newKeys(s.ctty, s.ptmx)
		if s.mayUseTerminal() {
			s.takeTerminal()
		}
	}
	s.catchSignals()
	next, mon, err := s.start(stdio, sys)
	if err != nil {
		return err
	}
	s.closeChildEnds()
	ws := s.wait(next, mon)
	s.drain()
	s.releaseTerminal()
	if ws.Signaled() {
		dieBy(ws.Signal())
		return &ExitStatus{Code: 128 + int(ws.Signal())}
	}
	return s.werrs.result(ws.ExitStatus())
}

// close gives back, on every way out, what the run holds: our terminal's
// mode, the pty, the child's ends of its stdio (if it never started) and
// /dev/tty.
func (s *supervisor) close() {
	s.releaseTerminal()
	if s.ptmx != nil {
		s.ptmx.Close()
	}
	s.closeChildEnds()
	if s.ctty != nil {
		s.ctty.Close()
	}
}

// connect makes the child's stdin, stdout and stderr for s.mode (ours, a
// pty, pipes) and starts copying what it writes through the filters.
func (s *supervisor) connect() ([3]*os.File, error) {
	stdio := [3]*os.File{os.Stdin, os.Stdout, os.Stderr}
	if s.mode != modePipes {
		if err := s.openPTY(&stdio); err != nil {
			return stdio, err
		}
	}
	for i, isTTY := range []bool{s.o.OutTTY, s.o.ErrTTY} {
		if isTTY {
			continue
		}
		w, err := s.openPipe(i)
		if err != nil {
			return stdio, err
		}
		stdio[i+1] = w
	}
	return stdio, nil
}

// openPTY gives the child a pseudo-terminal in place of each of our
// streams that is a terminal (stdin too, in interactive mode only), and
// copies what it writes there into the filter of our first such stream.
func (s *supervisor) openPTY(stdio *[3]*os.File) error {
	o := s.o
	ptmx, tty, err := pty.Open()
	if err != nil {
		return &StartError{Command: o.Path, Code: CodeNotExecutable, Reason: "cannot open a pseudo-terminal: " + err.Error()}
	}
	s.ptmx = ptmx
	s.childEnds = append(s.childEnds, tty)
	stream, dst := 0, o.Stdout
	s.sizeFrom = os.Stdout
	if !o.OutTTY {
		stream, dst = 1, o.Stderr
		s.sizeFrom = os.Stderr
	}
	copySize(s.sizeFrom, ptmx)
	if s.mode == modeInteractive {
		stdio[0] = tty
	} else if t, err := unix.IoctlGetTermios(int(tty.Fd()), ioctlGetTermios); err == nil {
		// Our terminal keeps its own mode and turns "\n" into "\r\n"
		// itself: the pty must not do it too.
		t.Oflag &^= unix.ONLCR
		_ = unix.IoctlSetTermios(int(tty.Fd()), ioctlSetTermios, t)
	}
	if o.OutTTY {
		stdio[1] = tty
	}
	if o.ErrTTY {
		stdio[2] = tty
	}
	s.copies.Add(1)
	go func() { defer s.copies.Done(); s.werrs.set(stream, o.copyOut(dst, ptmx, false, nil)) }()
	return nil
}

// openPipe gives the child a pipe for its stdout (i 0) or stderr (i 1),
// copies what it writes there into the filter, and returns the child's
// end.
func (s *supervisor) openPipe(i int) (*os.File, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	s.childEnds = append(s.childEnds, w)
	dst := []Flusher{s.o.Stdout, s.o.Stderr}[i]
	s.copies.Add(1)
	go func() { defer s.copies.Done(); defer r.Close(); s.werrs.set(i, s.o.copyOut(dst, r, true, s.catchPipe)) }()
	if isPipe(i + 1) {
		// Our reader may go away (| head -1) while the child is quiet:
		// then close its end at once, so that its very next write fails
		// as it would have without us, not the one after.
		go func() {
			if readerGone(i + 1) {
				r.Close()
			}
		}()
	}
	return w, nil
}

// closeChildEnds closes our copies of the child's ends of its stdio, once
// it has its own: then a copy sees the end of the child's output when the
// child (and whatever it left behind) has closed them.
func (s *supervisor) closeChildEnds() {
	for _, f := range s.childEnds {
		f.Close()
	}
	s.childEnds = nil
}

// processGroup chooses the child's process group. In interactive mode
// the monitor gives the child a session of its own. Otherwise, when we
// are the foreground group of our terminal, the child stays in our group,
// so that the terminal's Ctrl-C, Ctrl-\ and Ctrl-Z, and the shell's fg
// and bg, reach it as they reach us (and we pass none of them on again).
// Else it gets a group of its own, so that a signal sent to our whole
// group (a CI runner cancelling a job, kill -TERM -PGID) reaches it once,
// through us.
func (s *supervisor) processGroup() *syscall.SysProcAttr {
	sys := &syscall.SysProcAttr{}
	switch {
	case s.mode == modeInteractive:
		s.ownGroup = true
	case !foregroundOf(s.ctty):
		s.ownGroup = true
		sys.Setpgid = true
		// Should we become the foreground later (fg), Ctrl-Z would reach
		// only us: we stop the child, and ourselves once it has stopped.
		s.catchTSTP = s.ctty != nil
	}
	return sys
}

// catchSignals catches the signals to pass on, and SIGWINCH where the
// child has a pty. Each signal caught costs a round trip to a runtime
// thread: catch only what this mode needs, and what can wait until the
// child runs only then (catchJobSignals), beside it. SIGPIPE is caught by
// the copies before their first write (so that an EPIPE on our stdout does
// not kill us before the child); SIGTSTP, SIGTTIN and SIGTTOU are left to
// their default action (stop) wherever we can, so that we can stop
// ourselves with the signal that stopped the child.
func (s *supervisor) catchSignals() {
	watched := forwarded
	if s.ptmx != nil {
		watched = append(watched, syscall.SIGWINCH)
	}
	signal.Notify(s.sigs, watched...)
	// No signal.Stop: it waits for the runtime's signal loop to go idle,
	// which cost a millisecond at every exit, and we are about to end.
}

// start starts the command on stdio: through a monitor in interactive
// mode, else as our own child, in the process group sys says. It returns
// how to wait for the command's next change of state, and the monitor if
// there is one. The child is started with syscall.ForkExec rather than
// os/exec, whose first use forks a throwaway process to probe for pidfd
// support.
func (s *supervisor) start(stdio [3]*os.File, sys *syscall.SysProcAttr) (next func() (syscall.WaitStatus, error), mon *monitor, err error) {
	if s.mode == modeInteractive {
		if mon, s.pid, err = startMonitor(s.o, stdio); err != nil {
			return nil, nil, err
		}
		return mon.status, mon, nil
	}
	setDeathSignal(sys)
	restore := childLimits()
	pid, err := forkExec(s.o.Path, s.o.Argv, &syscall.ProcAttr{
		Env:   s.o.Env,
		Files: []uintptr{stdio[0].Fd(), stdio[1].Fd(), stdio[2].Fd()},
		Sys:   sys,
	})
	restore()
	if err != nil {
		return nil, nil, startFailure(s.o.Path, err)
	}
	s.pid = pid
	next = func() (syscall.WaitStatus, error) {
		for {
			var ws syscall.WaitStatus
			_, err := syscall.Wait4(pid, &ws, syscall.WUNTRACED|syscall.WCONTINUED, nil)
			if err != syscall.EINTR {
				return ws, err
			}
		}
	}
	return next, nil, nil
}

// wait waits for the command to end, reading its changes of state with
// next; its stops and continues, and the signals sent to us, are handled
// by supervise meanwhile. Then it reaps the monitor, if any, and returns
// how the command ended.
func (s *supervisor) wait(next func() (syscall.WaitStatus, error), mon *monitor) syscall.WaitStatus {
	changes := make(chan syscall.WaitStatus, 4)
	done, looped := make(chan struct{}), make(chan struct{})
	go func() { defer close(looped); s.supervise(changes, done) }()
	var ws syscall.WaitStatus
	ended := false
	for {
		w, err := next()
		if err != nil {
			break
		}
		if w.Exited() || w.Signaled() {
			ws, ended = w, true
			break
		}
		changes <- w
	}
	close(done)
	<-looped // nothing touches the terminal or the pty once we go on
	if mon != nil {
		mws := mon.reap()
		if !ended {
			ws = mws // the monitor is gone without telling: take its end as the command's
		}
	}
	return ws
}

// drain waits for the copies of what the child (or what it left behind)
// still writes, for a while: a grandchild holding the output open must not
// hold us forever.
func (s *supervisor) drain() {
	drained := make(chan struct{})
	go func() { s.copies.Wait(); close(drained) }()
	select {
	case <-drained:
	case <-time.After(s.o.drainLimit()):
	}
}

// forkExec starts a process on a thread that outlives it, so that its
// death signal (setDeathSignal), which the kernel ties to the forking
// thread, is sent only when we die. The runtime ends a thread only when a
// goroutine exits while locked to it, which nothing in this program does
// (the runtime's own locked goroutines never exit): locking around the
// fork is enough to fork on a thread no such goroutine holds. (Holding
// the lock until the child ends would cost every wake-up of this goroutine
// a switch of threads.)
func forkExec(path string, argv []string, attr *syscall.ProcAttr) (int, error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	return syscall.ForkExec(path, argv, attr)
}

// isPipe reports whether our file descriptor fd is a pipe.
func isPipe(fd int) bool {
	var st unix.Stat_t
	return unix.Fstat(fd, &st) == nil && st.Mode&unix.S_IFMT == unix.S_IFIFO
}

// readerGone waits until the pipe our fd writes to has no reader left (the
// kernel then reports POLLERR on its write end), and reports whether it
// came to that. It blocks a thread for as long.
func readerGone(fd int) bool {
	fds := []unix.PollFd{{Fd: int32(fd)}}
	for {
		n, err := unix.Poll(fds, -1)
		if err == unix.EINTR {
			continue
		}
		if err != nil || n == 0 || fds[0].Revents&unix.POLLNVAL != 0 {
			return false
		}
		if fds[0].Revents&(unix.POLLERR|unix.POLLHUP) != 0 {
			return true
		}
	}
}

// catchJobSignals catches what job control sends us: SIGCONT (to pass on
// to a child in a group of its own, and to take the terminal back after a
// stop) and, where we must stop the child ourselves, SIGTSTP. It runs once
// the child has started, beside it (until then there is nothing to pass
// them on to): one arriving before has its default effect on us alone.
// Without a terminal, nothing needs SIGCONT until the child has stopped:
// it is caught once we have seen the child stop (childChanged), since
// catching it costs every run 40 to 80 us (a round trip to a runtime
// thread, measured with bench's timer). A SIGCONT sent to us in the
// moment between the child's stop and our seeing it is not passed on.
func (s *supervisor) catchJobSignals() {
	if s.ctty != nil || s.ptmx != nil {
		s.catchCont()
	}
	if s.catchTSTP {
		signal.Notify(s.sigs, syscall.SIGTSTP)
	}
}

// catchCont catches SIGCONT, once.
func (s *supervisor) catchCont() {
	if !s.contCaught {
		s.contCaught = true
		signal.Notify(s.sigs, syscall.SIGCONT)
	}
}

// supervise passes signals on and follows the child's stops (changes)
// until done.
func (s *supervisor) supervise(changes <-chan syscall.WaitStatus, done <-chan struct{}) {
	s.catchJobSignals()
	for {
		// The child's news first, so that a signal finds its state current.
		select {
		case ws := <-changes:
			s.childChanged(ws)
			continue
		default:
		}
		select {
		case ws := <-changes:
			s.childChanged(ws)
		case sig := <-s.sigs:
			s.signaled(sig.(syscall.Signal))
		case <-done:
			return
		}
	}
}

// signaled handles a signal sent to us.
func (s *supervisor) signaled(sig syscall.Signal) {
	switch sig {
	case syscall.SIGPIPE:
		// An EPIPE writing our output: the copy that got it deals with it.
	case syscall.SIGWINCH:
		copySize(s.sizeFrom, s.ptmx) // the pty signals its foreground group itself
	case syscall.SIGCONT:
		// fg or bg after a stop, or a kill -CONT. Take the terminal back if
		// it is ours again, give the pty the size the terminal has now (it
		// may have changed while we were stopped), then continue the child,
		// unless it shares our group: then it was continued with us.
		if s.mode == modeInteractive && s.mayUseTerminal() {
			s.takeTerminal()
		}
		copySize(s.sizeFrom, s.ptmx)
		if s.ownGroup {
			s.send(syscall.SIGCONT)
		}
	case syscall.SIGTSTP:
		// Caught only when the child has a group of its own and a
		// terminal's Ctrl-Z can reach us alone: stop the child as the
		// terminal would have; we follow once it has stopped.
		s.send(syscall.SIGTSTP)
	default:
		// In our group, the child got the terminal's Ctrl-C and Ctrl-\
		// already.
		if !s.ownGroup && (sig == syscall.SIGINT || sig == syscall.SIGQUIT) && foregroundOf(s.ctty) {
			return
		}
		s.send(sig)
		// Its stop may not have reached us yet: ask the kernel too.
		if terminating(sig) && (s.stopped || procStopped(s.pid)) {
			s.send(syscall.SIGCONT)
		}
	}
}

// send passes sig to the child: to its whole group when it has one of its
// own (nothing else signals it), else to it alone.
func (s *supervisor) send(sig syscall.Signal) {
	if s.ownGroup {
		_ = syscall.Kill(-s.pid, sig)
		return
	}
	_ = syscall.Kill(s.pid, sig)
}

// childChanged follows the child's stops. A child in a group of its own
// that stops (Ctrl-Z on its pty, vim's suspend, a SIGTSTP we passed on)
// stops the job, as it would without us: when we are the foreground job of
// a job-control shell, we give the terminal back and stop our own group
// with the same signal, and SIGCONT (fg) brings both back. With no job
// control (an orphaned group) a terminal's stop signal would be discarded
// without us, and nothing could continue the child: it is continued at
// once. A child in our own group is stopped and continued with us by the
// terminal and the shell directly.
func (s *supervisor) childChanged(ws syscall.WaitStatus) {
	switch {
	case ws.Continued():
		s.stopped = false
	case ws.Stopped():
		s.stopped = true
		s.catchCont() // a kill -CONT to us must reach it now
		if !s.ownGroup {
			return
		}
		sig := ws.StopSignal()
		switch {
		case foregroundOf(s.ctty) && jobControlled():
			s.suspend(sig)
		case sig != syscall.SIGSTOP && !jobControlled():
			s.send(syscall.SIGCONT)
		}
	}
}

// suspend stops our process group (the job) with sig, once our terminal
// is back in its own mode; SIGCONT (fg) then brings us back (signaled).
func (s *supervisor) suspend(sig syscall.Signal) {
	s.releaseTerminal()
	if sig == syscall.SIGTSTP && s.catchTSTP {
		// The runtime keeps a SIGTSTP it once caught from stopping us.
		sig = syscall.SIGSTOP
	}
	_ = syscall.Kill(0, sig)
}

// mayUseTerminal reports whether we may put our terminal in raw mode and
// read it: we are its foreground group (not a background job), or there
// is no job control to ask (no controlling terminal).
func (s *supervisor) mayUseTerminal() bool { return s.ctty == nil || foregroundOf(s.ctty) }

// takeTerminal puts our terminal in raw mode (so that every key reaches
// the child's pty, whose own line discipline then acts on it) and copies
// the keys in.
func (s *supervisor) takeTerminal() {
	if s.raw == nil {
		if state, err := term.MakeRaw(int(os.Stdin.Fd())); err == nil {
			s.raw = state
		}
	}
	s.keys.resume()
}

// releaseTerminal stops reading our terminal and puts it back in the mode
// it had.
func (s *supervisor) releaseTerminal() {
	if s.keys != nil {
		s.keys.pause()
	}
	if s.raw != nil {
		_ = term.Restore(int(os.Stdin.Fd()), s.raw)
		s.raw = nil
	}
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

// copySize gives the pty the window size of our terminal, through raw
// file descriptors (os.File.Fd would put the pty in blocking mode).
func copySize(from, ptmx *os.File) {
	if from == nil || ptmx == nil {
		return
	}
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
