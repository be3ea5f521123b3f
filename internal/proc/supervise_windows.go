//go:build windows

package proc

import (
	"errors"
	"os"
	"os/exec"
	"os/signal"
	"sync"
)

// Supervise runs the command with its stdout and stderr going through the
// filters over pipes (Windows has no pseudo-terminals to give it) and
// returns its exit code. Ctrl-C reaches every process on the console, the
// child included, so it is ignored here.
func Supervise(o Supervision) error {
	signal.Ignore(os.Interrupt)
	cmd := exec.Command(o.Path, o.Argv[1:]...)
	cmd.Env = o.Env
	cmd.Stdin = os.Stdin
	var copies sync.WaitGroup
	var werrs streamErrors
	for i, p := range []struct {
		dst Flusher
		set func(*os.File)
	}{{o.Stdout, func(f *os.File) { cmd.Stdout = f }}, {o.Stderr, func(f *os.File) { cmd.Stderr = f }}} {
		r, w, err := os.Pipe()
		if err != nil {
			return err
		}
		defer w.Close()
		p.set(w)
		copies.Add(1)
		go func(dst Flusher) { defer copies.Done(); defer r.Close(); werrs.set(i, o.copyOut(dst, r, true, nil)) }(p.dst)
	}
	if err := cmd.Start(); err != nil {
		return &StartError{Command: o.Path, Code: CodeNotExecutable, Reason: reason(err)}
	}
	cmd.Stdout.(*os.File).Close()
	cmd.Stderr.(*os.File).Close()
	err := cmd.Wait()
	copies.Wait()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		return err
	}
	return werrs.result(cmd.ProcessState.ExitCode())
}

// runMonitor: there is no monitor on Windows (no pseudo-terminals).
func runMonitor() int { return 64 }
