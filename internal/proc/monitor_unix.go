//go:build unix

package proc

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"syscall"
)

// Why a monitor. When the child works on a pseudo-terminal of its own
// (interactive mode), it needs a session of its own with the pty as its
// controlling terminal, so that the pty's Ctrl-C, Ctrl-Z and job control
// reach it. If the command itself led that session, its process group
// would be orphaned (its parent, we, being in another session), and the
// kernel discards the terminal's stop signals for an orphaned group:
// Ctrl-Z would do nothing, and vim's own suspend neither. So, as sudo
// does, exec starts a small monitor that leads the session, starts the
// command in a process group of its own in the pty's foreground, and tells
// us each change of the command's state (stopped, continued, ended); we
// suspend ourselves when it stops (see supervisor.childChanged). The
// monitor is this same program (one binary), started with monitorArg.
//
// Files of the monitor besides its stdin, stdout and stderr: fd 3 brings
// it the command (path, argv, env: the environment holds the secrets, so
// it travels through a pipe, not through the monitor's own environment,
// which other processes may read in /proc); fd 4 takes back its reports,
// 8 bytes each: kind, value.
const (
	reportStarted = 1 // value: the command's pid (and process group)
	reportFailed  = 2 // value: the errno of the failed start
	reportStatus  = 3 // value: a wait status: stopped, continued, exited or killed
)

// runMonitor is the monitor's whole life; it returns its exit status.
func runMonitor() int {
	// Neither pipe must reach the command.
	syscall.CloseOnExec(3)
	syscall.CloseOnExec(4)
	spec, reports := os.NewFile(3, "spec"), os.NewFile(4, "reports")
	data, err := io.ReadAll(spec)
	spec.Close()
	if err != nil {
		fmt.Fprintln(os.Stderr, "prefect-secrets: "+monitorArg+" is for prefect-secrets exec's own use")
		return 64
	}
	path, argv, env, ok := decodeSpec(data)
	clear(data)
	if !ok {
		return 70
	}
	report := func(kind, value uint32) bool {
		var b [8]byte
		binary.LittleEndian.PutUint32(b[:], kind)
		binary.LittleEndian.PutUint32(b[4:], value)
		_, err := reports.Write(b[:])
		return err == nil
	}
	// The command's group becomes the pty's foreground group: the keys
	// reach it, and its parent (we) is in its session but not in its
	// group, so the group is not orphaned.
	sys := &syscall.SysProcAttr{Setpgid: true, Foreground: true, Ctty: 0}
	setDeathSignal(sys)
	runtime.LockOSThread() // for the death signal: see setDeathSignal
	restore := childLimits()
	pid, err := syscall.ForkExec(path, argv, &syscall.ProcAttr{Env: env, Files: []uintptr{0, 1, 2}, Sys: sys})
	restore()
	if err != nil {
		var errno syscall.Errno
		if !errors.As(err, &errno) {
			errno = syscall.EINVAL
		}
		report(reportFailed, uint32(errno))
		return 0
	}
	if !report(reportStarted, uint32(pid)) {
		_ = syscall.Kill(-pid, syscall.SIGTERM)
	}
	for {
		var ws syscall.WaitStatus
		_, err := syscall.Wait4(pid, &ws, syscall.WUNTRACED|syscall.WCONTINUED, nil)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return 70
		}
		report(reportStatus, uint32(ws))
		if ws.Exited() || ws.Signaled() {
			return 0
		}
	}
}

// monitor is the supervisor's end of a running monitor.
type monitor struct {
	pid     int // the monitor's
	reports *os.File
}

// startMonitor starts a monitor on the pty slave tty (as its stdin,
// stdout, and stderr unless that is given apart), and through it the
// command; it returns once the command has started, with its pid.
func startMonitor(o *Supervision, stdio [3]*os.File) (*monitor, int, error) {
	specR, specW, err := os.Pipe()
	if err != nil {
		return nil, 0, err
	}
	defer specW.Close()
	repR, repW, err := os.Pipe()
	if err != nil {
		specR.Close()
		return nil, 0, err
	}
	exe, err := selfPath()
	if err != nil {
		specR.Close()
		repR.Close()
		repW.Close()
		return nil, 0, &StartError{Command: o.Path, Code: CodeNotExecutable, Reason: "cannot find prefect-secrets' own executable to start its monitor: " + reason(err)}
	}
	sys := &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	setDeathSignal(sys)
	restore := childLimits()
	mpid, err := forkExec(exe, []string{"prefect-secrets", monitorArg}, &syscall.ProcAttr{
		Env:   monitorEnv(),
		Files: []uintptr{stdio[0].Fd(), stdio[1].Fd(), stdio[2].Fd(), specR.Fd(), repW.Fd()},
		Sys:   sys,
	})
	restore()
	specR.Close()
	repW.Close()
	if err != nil {
		repR.Close()
		return nil, 0, &StartError{Command: o.Path, Code: CodeNotExecutable, Reason: "cannot start prefect-secrets' monitor: " + reason(err)}
	}
	m := &monitor{pid: mpid, reports: repR}
	// The pipe may hold less than the environment: write while the
	// monitor reads.
	data := encodeSpec(o.Path, o.Argv, o.Env)
	written := make(chan struct{})
	go func() {
		defer close(written)
		_, _ = specW.Write(data)
		specW.Close()
		clear(data)
	}()
	kind, value, err := m.next()
	<-written
	switch {
	case err == nil && kind == reportStarted:
		return m, int(value), nil
	case err == nil && kind == reportFailed:
		m.reap()
		return nil, 0, startFailure(o.Path, syscall.Errno(value))
	}
	ws := m.reap()
	return nil, 0, &StartError{Command: o.Path, Code: CodeNotExecutable, Reason: fmt.Sprintf("prefect-secrets' monitor ended before starting it (%s)", describe(ws))}
}

// next reads the monitor's next report.
func (m *monitor) next() (kind, value uint32, err error) {
	var b [8]byte
	if _, err := io.ReadFull(m.reports, b[:]); err != nil {
		return 0, 0, err
	}
	return binary.LittleEndian.Uint32(b[:]), binary.LittleEndian.Uint32(b[4:]), nil
}

// status reads the monitor's next report of the command's state.
func (m *monitor) status() (syscall.WaitStatus, error) {
	for {
		kind, value, err := m.next()
		if err != nil {
			return 0, err
		}
		if kind == reportStatus {
			return syscall.WaitStatus(value), nil
		}
	}
}

// reap waits for the monitor to end and returns how it did.
func (m *monitor) reap() syscall.WaitStatus {
	m.reports.Close()
	var ws syscall.WaitStatus
	for {
		if _, err := syscall.Wait4(m.pid, &ws, 0, nil); err != syscall.EINTR {
			return ws
		}
	}
}

// selfPath is where this program's executable is. On Linux /proc/self/exe
// opens it even if the file has been replaced or removed since we started.
func selfPath() (string, error) {
	if runtime.GOOS == "linux" {
		return "/proc/self/exe", nil
	}
	return os.Executable()
}

// monitorEnv is the monitor's own environment: only what the Go runtime
// reads, never the secrets (they travel through fd 3).
func monitorEnv() []string {
	var env []string
	for _, k := range []string{"GODEBUG", "GOTRACEBACK", "GORACE"} {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	return env
}

func encodeSpec(path string, argv, env []string) []byte {
	n := 12 + 4 + len(path)
	for _, list := range [][]string{argv, env} {
		for _, s := range list {
			n += 4 + len(s)
		}
	}
	b := make([]byte, 0, n)
	put := func(s string) {
		b = binary.LittleEndian.AppendUint32(b, uint32(len(s)))
		b = append(b, s...)
	}
	b = binary.LittleEndian.AppendUint32(b, 1)
	put(path)
	for _, list := range [][]string{argv, env} {
		b = binary.LittleEndian.AppendUint32(b, uint32(len(list)))
		for _, s := range list {
			put(s)
		}
	}
	return b
}

func decodeSpec(b []byte) (path string, argv, env []string, ok bool) {
	var lists [3][]string
	for i := range lists {
		if len(b) < 4 {
			return "", nil, nil, false
		}
		n := int(binary.LittleEndian.Uint32(b))
		b = b[4:]
		if n > len(b)/4 {
			return "", nil, nil, false
		}
		lists[i] = make([]string, n)
		for j := range n {
			if len(b) < 4 {
				return "", nil, nil, false
			}
			l := int(binary.LittleEndian.Uint32(b))
			b = b[4:]
			if l > len(b) {
				return "", nil, nil, false
			}
			lists[i][j] = string(b[:l])
			b = b[l:]
		}
	}
	if len(lists[0]) != 1 || len(b) != 0 {
		return "", nil, nil, false
	}
	return lists[0][0], lists[1], lists[2], true
}

// describe says how a process ended, for an error message.
func describe(ws syscall.WaitStatus) string {
	if ws.Signaled() {
		return "killed by " + ws.Signal().String()
	}
	return fmt.Sprintf("exit status %d", ws.ExitStatus())
}
