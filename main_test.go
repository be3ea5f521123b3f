//go:build unix

// The rules every test of this project keeps (the README's Tests section
// says why): CI runs `go test -race ./...` on 2 busy cores as root, so
//
//   - no test depends on wall-clock speed or an idle machine: no fixed time
//     budgets (speed is measured in bench/), deadlines only guard against
//     hangs, waits poll for a condition;
//   - no test skips in CI: where a part is missing a test skips with the
//     reason, and CI installs the part and turns that skip into a failure;
//     permission tests run as an ordinary user under root.

package main

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"
	"github.com/rogpeppe/go-internal/testscript"
	"golang.org/x/sys/unix"

	"github.com/prefect-secrets/prefect-secrets/internal/keyringtest"
	"github.com/prefect-secrets/prefect-secrets/internal/unprivileged"
	"github.com/prefect-secrets/prefect-secrets/keyring"
	"github.com/prefect-secrets/prefect-secrets/resolve"
)

func TestMain(m *testing.M) {
	programs := map[string]func(){
		"prefect-secrets": func() { os.Exit(run(os.Args)) },
		"exits":           exitsMain,
		"ptyrun":          ptyrunMain,
		"unprivileged":    unprivilegedMain,
		"waitreadergone":  waitReaderGoneMain,
	}
	if _, isProgram := programs[filepath.Base(os.Args[0])]; !isProgram {
		unignoreSignals()
	}
	testscript.Main(m, programs)
}

// unignoreSignals gives the processes the tests start the default action
// for the signals the tests send, when the test run was started with them
// ignored: under nohup (HUP), or as a background job of a script (INT and
// QUIT). An ignored signal is inherited, and a shell cannot trap a signal
// ignored at its start, so the signal tests would fail for the runner's
// reasons, not the tool's. Caught here, the signals reset to their default
// in every child. (The tool itself keeps what it inherits: nohup
// prefect-secrets exec -- CMD leaves HUP ignored for CMD, as nohup means.)
func unignoreSignals() {
	caught := make(chan os.Signal, 1)
	for _, sig := range []os.Signal{syscall.SIGHUP, syscall.SIGINT, syscall.SIGQUIT} {
		if signal.Ignored(sig) {
			signal.Notify(caught, sig)
		}
	}
}

// scriptHome gives a script what every scenario runs with: a home of its
// own ($WORK/home, made), a user, and no 1s pause at the exit of each
// race-built process. It returns the home.
func scriptHome(env *testscript.Env) (string, error) {
	home := filepath.Join(env.WorkDir, "home")
	env.Setenv("HOME", home)
	env.Setenv("USER", "flow")
	env.Setenv("GORACE", "atexit_sleep_ms=0")
	return home, os.MkdirAll(home, 0o755)
}

// TestScripts runs the scenarios in testdata/*.txtar against the real
// binary (this test binary, re-executed as prefect-secrets).
func TestScripts(t *testing.T) {
	t.Cleanup(stopSharedKeyring)
	t.Cleanup(removeCheckouts)
	testscript.Run(t, testscript.Params{
		Dir: "testdata",
		Setup: func(env *testscript.Env) error {
			_, err := scriptHome(env)
			return err
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"waitfile":      cmdWaitfile,
			"waitstop":      cmdWaitstop,
			"waitcaught":    cmdWaitcaught,
			"signal":        cmdSignal,
			"chomp":         cmdChomp,
			"keyring":       cmdKeyring,
			"prefectapi":    cmdPrefectAPI,
			"apiblock":      cmdAPIBlock,
			"apihas":        cmdAPIHas,
			"apicount":      cmdAPICount,
			"apiscript":     cmdAPIScript,
			"checkoutbuild": cmdCheckoutBuild,
			// format_script_test.go
			"hostile":     cmdHostile,
			"readback":    cmdReadback,
			"samedir":     cmdSamedir,
			"runnermasks": cmdRunnermasks,
			"filemode":    cmdFilemode,
			"bigtemplate": cmdBigtemplate,
		},
		Condition:           keyringCondition,
		RequireExplicitExec: true,
	})
}

// scriptTimeout is the deadline "keyring up", "none" and "locked" give
// every prefect-secrets call of the script, through PREFECT_SECRETS_TIMEOUT
// (a call's own --timeout wins). A keyring call's deadline there only
// guards against a hang: on a busy machine a daemon that fsyncs its file
// on each write can take longer than the 3s default, and what the scripts
// check is what is stored and said, not how fast. Scripts that test the
// deadline itself ("keyring stopped") give a short --timeout against a
// daemon that never answers.
const scriptTimeout = "60s"

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

// waitstop PIDFILE waits (up to 10s) until the process whose pid is in
// PIDFILE is stopped (state T in /proc/PID/stat).
func cmdWaitstop(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: waitstop PIDFILE")
	}
	pid := strings.TrimSpace(ts.ReadFile(args[0]))
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		b, err := os.ReadFile("/proc/" + pid + "/stat")
		ts.Check(err)
		if f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:])); len(f) > 0 && f[0] == "T" {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	ts.Fatalf("process %s was not stopped within 10s", pid)
}

// waitcaught SIGNAME PIDFILE waits (up to 10s) until the process whose pid
// is in PIDFILE catches the signal (its bit in SigCgt of /proc/PID/status).
func cmdWaitcaught(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: waitcaught SIGNAME PIDFILE")
	}
	sig, ok := signals[args[0]]
	if !ok {
		ts.Fatalf("unknown signal %s", args[0])
	}
	pid := strings.TrimSpace(ts.ReadFile(args[1]))
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		b, err := os.ReadFile("/proc/" + pid + "/status")
		ts.Check(err)
		for _, line := range strings.Split(string(b), "\n") {
			if mask, ok := strings.CutPrefix(line, "SigCgt:"); ok {
				if m, err := strconv.ParseUint(strings.TrimSpace(mask), 16, 64); err == nil && m&(1<<(sig-1)) != 0 {
					return
				}
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	ts.Fatalf("process %s did not catch %s within 10s", pid, args[0])
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

// waitfile FILE waits (up to 10s) until FILE exists and is not empty.
func cmdWaitfile(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: waitfile FILE")
	}
	path := ts.MkAbs(args[0])
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if info, err := os.Stat(path); err == nil && info.Size() > 0 {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	ts.Fatalf("%s did not appear within 10s", args[0])
}

// signal SIGNAME [-group] PIDFILE sends a signal to the pid written in
// PIDFILE, or with -group to its whole process group, as a terminal does
// for Ctrl-C.
func cmdSignal(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: signal SIGNAME [-group] PIDFILE")
	}
	sig, ok := signals[args[0]]
	if !ok {
		ts.Fatalf("unknown signal %s", args[0])
	}
	group := args[1] == "-group"
	if group {
		args = args[1:]
	}
	pid, err := strconv.Atoi(strings.TrimSpace(ts.ReadFile(args[1])))
	ts.Check(err)
	if group {
		pid = -pid
	}
	ts.Check(syscall.Kill(pid, sig))
}

// chomp FILE removes one trailing newline from FILE: a txtar file section
// always ends in one, and get's output must be compared byte for byte.
func cmdChomp(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: chomp FILE")
	}
	path := ts.MkAbs(args[0])
	data, err := os.ReadFile(path)
	ts.Check(err)
	ts.Check(os.WriteFile(path, bytes.TrimSuffix(data, []byte("\n")), 0o644))
}

// sharedKeyring is one private Secret Service for every script that asks
// for a working one; scripts keep apart by service name.
var (
	sharedKeyringOnce sync.Once
	sharedKeyring     *keyringtest.Service
	sharedKeyringErr  error
	sharedKeyringDir  string
)

// keyring [up|none|locked|stopped|dead] gives the rest of the script a
// session bus, as a desktop session would:
//
//	up       a working, unlocked Secret Service (shared by all scripts)
//	none     a bus with no Secret Service on it
//	locked   a Secret Service whose collections are locked, holding LOCKED_ITEM
//	stopped  a Secret Service whose daemon is stopped (SIGSTOP): it never answers
//	dead     a bus address whose socket is gone
//
// It sets PREFECT_SECRETS_KEYRING_SERVICE to a name of the script's own,
// and, but for "stopped" and "dead", gives every call a generous deadline
// (see scriptTimeout).
// Scripts guard it with "[!keyring] skip": see keyringCondition.
func cmdKeyring(ts *testscript.TestScript, neg bool, args []string) {
	mode := "up"
	if len(args) > 0 {
		mode = args[0]
	}
	if neg || len(args) > 1 {
		ts.Fatalf("usage: keyring [up|none|locked|stopped|dead]")
	}
	if why := keyringtest.Missing(); why != "" {
		ts.Fatalf("no private Secret Service: %s (guard the script with [!keyring] skip)", why)
	}
	var svc *keyringtest.Service
	switch mode {
	case "up":
		sharedKeyringOnce.Do(func() {
			sharedKeyringDir, sharedKeyringErr = os.MkdirTemp("", "keyring-scripts-")
			if sharedKeyringErr == nil {
				sharedKeyring, sharedKeyringErr = keyringtest.Start(sharedKeyringDir, true)
			}
		})
		ts.Check(sharedKeyringErr)
		svc = sharedKeyring
	case "none", "locked", "stopped":
		dir := filepath.Join(ts.Getenv("WORK"), ".keyring")
		s, err := keyringtest.Start(dir, mode != "none")
		ts.Check(err)
		ts.Defer(s.Stop)
		switch mode {
		case "locked":
			// One item, LOCKED_ITEM, is stored first, so reads meet a locked item.
			k := &keyring.Keyring{Service: "test-" + filepath.Base(ts.Getenv("WORK")), Timeout: time.Minute, Getenv: envLookup(s.Env)}
			ts.Check(k.Set(context.Background(), "LOCKED_ITEM", resolve.NewSecret([]byte("locked-canary"))))
			ts.Check(s.LockAll())
		case "stopped":
			ts.Check(syscall.Kill(s.DaemonPid(), syscall.SIGSTOP))
		}
		svc = s
	case "dead":
		ts.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path="+filepath.Join(ts.Getenv("WORK"), "gone", "bus"))
		ts.Setenv("PREFECT_SECRETS_KEYRING_SERVICE", "test-"+filepath.Base(ts.Getenv("WORK")))
		return
	default:
		ts.Fatalf("unknown keyring mode %q", mode)
	}
	for _, kv := range svc.Env {
		k, v, _ := strings.Cut(kv, "=")
		ts.Setenv(k, v)
	}
	if mode != "stopped" {
		ts.Setenv("PREFECT_SECRETS_TIMEOUT", scriptTimeout)
	}
	ts.Setenv("PREFECT_SECRETS_KEYRING_SERVICE", "test-"+filepath.Base(ts.Getenv("WORK")))
}

// stopSharedKeyring ends the scripts' shared Secret Service; a later run
// of TestScripts (go test -count=N) starts a new one.
func stopSharedKeyring() {
	if sharedKeyring != nil {
		sharedKeyring.Stop()
	}
	if sharedKeyringDir != "" {
		os.RemoveAll(sharedKeyringDir)
	}
	sharedKeyringOnce = sync.Once{}
	sharedKeyring, sharedKeyringErr, sharedKeyringDir = nil, nil, ""
}

// keyringCondition answers [keyring] (can a private Secret Service run
// here?) and [secret-tool] (is libsecret's secret-tool, the independent
// client, installed?). Where either is missing, scripts that need it skip,
// unless PREFECT_SECRETS_REQUIRE_KEYRING is set (CI), where that is an
// error: CI installs both.
func keyringCondition(cond string) (bool, error) {
	var why string
	switch cond {
	case "keyring":
		why = keyringtest.Missing()
	case "secret-tool":
		why = keyringtest.SecretToolMissing()
	default:
		return false, fmt.Errorf("unknown condition %q", cond)
	}
	if why != "" && os.Getenv(keyringtest.RequireVar) != "" {
		return false, fmt.Errorf("%s is set but %s", keyringtest.RequireVar, why)
	}
	return why == "", nil
}

func envLookup(vars []string) func(string) string {
	return func(k string) string {
		for _, kv := range vars {
			if key, v, ok := strings.Cut(kv, "="); ok && key == k {
				return v
			}
		}
		return ""
	}
}

func writeFile(path string, data []byte) error { return os.WriteFile(path, data, 0o644) }
