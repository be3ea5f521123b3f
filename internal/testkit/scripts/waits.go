//go:build unix

package scripts

import (
	"bytes"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

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

// Chomp is the script command "chomp FILE": it removes one trailing newline
// from FILE. A txtar file section always ends in one, and get's output must
// be compared byte for byte.
func Chomp(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: chomp FILE")
	}
	path := ts.MkAbs(args[0])
	data, err := os.ReadFile(path)
	ts.Check(err)
	ts.Check(os.WriteFile(path, bytes.TrimSuffix(data, []byte("\n")), 0o644))
}
