//go:build unix

package scripts

import (
	"bytes"
	"cmp"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/creack/pty"
	"github.com/prefect-secrets/prefect-secrets/internal/testkit/unprivileged"
	"golang.org/x/sys/unix"
)

var signals = map[string]syscall.Signal{
	"HUP": syscall.SIGHUP, "INT": syscall.SIGINT, "QUIT": syscall.SIGQUIT, "KILL": syscall.SIGKILL,
	"TERM": syscall.SIGTERM, "USR1": syscall.SIGUSR1, "USR2": syscall.SIGUSR2,
	"CONT": syscall.SIGCONT, "STOP": syscall.SIGSTOP,
}

// exits [-pidfile F] [-setpgid] WANT PROG [ARGS...] runs PROG with this
// process's stdin, stdout, stderr and environment, and checks how it ended:
// WANT is an exit code (0, 2, 255, ...) or SIGNAME ("SIGTERM") for "killed
// by that signal". -pidfile writes PROG's pid to F once it started;
// -setpgid puts PROG in a process group of its own, as a shell's job
// control does.
func exitsMain() {
	fs := flag.NewFlagSet("exits", flag.ExitOnError)
	pidfile := fs.String("pidfile", "", "")
	setpgid := fs.Bool("setpgid", false, "")
	_ = fs.Parse(os.Args[1:])
	args := fs.Args()
	if len(args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: exits [-pidfile F] [-setpgid] CODE|SIGNAME PROG [ARGS...]")
		os.Exit(2)
	}
	want := args[0]
	cmd := exec.Command(args[1], args[2:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: *setpgid}
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(os.Stderr, "exits: %v\n", err)
		os.Exit(2)
	}
	if *pidfile != "" {
		if err := os.WriteFile(*pidfile, []byte(strconv.Itoa(cmd.Process.Pid)+"\n"), 0o644); err != nil {
			fmt.Fprintf(os.Stderr, "exits: %v\n", err)
			os.Exit(2)
		}
	}
	err := cmd.Wait()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		fmt.Fprintf(os.Stderr, "exits: %v\n", err)
		os.Exit(2)
	}
	ws := cmd.ProcessState.Sys().(syscall.WaitStatus)
	got := strconv.Itoa(ws.ExitStatus())
	if ws.Signaled() {
		got = "SIG" + signalName(ws.Signal())
	}
	if got != want {
		fmt.Fprintf(os.Stderr, "exits: %s ended with %s, want %s\n", args[1], got, want)
		os.Exit(1)
	}
}

func signalName(s syscall.Signal) string {
	for name, sig := range signals {
		if sig == s {
			return name
		}
	}
	return strconv.Itoa(int(s))
}

// ptyrun PROG [ARGS...] runs PROG with stdin, stdout and stderr on a new
// pseudo-terminal and copies what the terminal showed to stdout, so a
// script can check what a user would see. It exits as PROG did.
func ptyrunMain() {
	cmd := exec.Command(os.Args[1], os.Args[2:]...)
	f, err := pty.Start(cmd)
	if err != nil {
		fmt.Fprintf(os.Stderr, "ptyrun: %v\n", err)
		os.Exit(2)
	}
	var out bytes.Buffer
	_, _ = io.Copy(&out, f) // ends with EIO once the child closes the terminal
	err = cmd.Wait()
	f.Close()
	os.Stdout.Write(out.Bytes())
	if err != nil {
		os.Exit(cmd.ProcessState.ExitCode())
	}
}

// waitreadergone MSG waits until nothing reads its stdout any more (a pipe
// whose read end is closed: poll reports POLLERR), then writes MSG to it,
// which kills it (SIGPIPE). If a reader is still there after 20 s, it
// exits 3 without writing.
func waitReaderGoneMain() {
	fds := []unix.PollFd{{Fd: 1}}
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if n, err := unix.Poll(fds, 100); err == nil && n > 0 && fds[0].Revents&(unix.POLLERR|unix.POLLHUP) != 0 {
			fmt.Println(os.Args[1])
			os.Exit(0)
		}
	}
	fmt.Fprintln(os.Stderr, "waitreadergone: stdout still has a reader after 20s")
	os.Exit(3)
}

// unprivileged PROG [ARGS...] runs PROG, a program of this test binary, as
// an ordinary user when the tests run as root (as CI does), so that
// permission checks are real; else it just runs it. It exits as PROG did.
func unprivilegedMain() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: unprivileged PROG [ARGS...]")
		os.Exit(2)
	}
	path, err := exec.LookPath(os.Args[1])
	if err != nil {
		fmt.Fprintf(os.Stderr, "unprivileged: %v\n", err)
		os.Exit(2)
	}
	var cleanup func()
	if unprivileged.Root() {
		// A copy the ordinary user can run, in the script's directory, and
		// the search bit on the directories above it up to testscript's
		// root (it makes them 0700).
		work := os.Getenv("WORK")
		top := filepath.Dir(filepath.Dir(work))
		dir, err := os.MkdirTemp(work, ".unprivileged-")
		if err == nil {
			cleanup = func() { os.RemoveAll(dir) }
			err = os.Chmod(dir, 0o755)
		}
		if err == nil {
			path, err = unprivileged.Copy(path, dir, filepath.Base(os.Args[1]))
		}
		if cwd, cwdErr := os.Getwd(); err == nil {
			err = cmp.Or(cwdErr, unprivileged.Reach(dir, top), unprivileged.Reach(cwd, top))
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "unprivileged: %v\n", err)
			os.Exit(2)
		}
	}
	cmd := exec.Command(path, os.Args[2:]...)
	cmd.Args[0] = os.Args[1]
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	unprivileged.As(cmd)
	err = cmd.Run()
	if cleanup != nil {
		cleanup()
	}
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		os.Exit(ee.ExitCode())
	case err != nil:
		fmt.Fprintf(os.Stderr, "unprivileged: %v\n", err)
		os.Exit(2)
	}
}
