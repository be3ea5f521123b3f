//go:build linux

package commands_test

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"
)

// These tests put prefect-secrets exec (masked) in front of a person at a
// terminal: a pty of the test's own is the controlling terminal of a
// shell with job control (set -m), which runs the command lines a user
// would type; the test types keys (Ctrl-C, Ctrl-Z, a line) at it, reads
// what it shows, and compares the terminal's settings (termios) before,
// during and after. They wait for conditions with generous deadlines and
// never measure time.

// patience bounds every wait for something that should happen; it only
// keeps a broken run from hanging.
const patience = 30 * time.Second

// userTerminal is the terminal: the test holds the pty's master side.
type userTerminal struct {
	t    *testing.T
	dir  string
	ptmx *os.File
	cmd  *exec.Cmd
	done chan struct{}

	// initial is the terminal's settings before the shell started: read
	// later, they may be what a started exec made them.
	initial unix.Termios

	mu    sync.Mutex
	shown bytes.Buffer
}

// startTerminal runs script with sh, in dir, on a new terminal of 24x80,
// with prefect-secrets (bin) as $0.
func startTerminal(t *testing.T, bin, dir string, env []string, script string) *userTerminal {
	t.Helper()
	cmd := exec.Command("sh", "-c", script, bin)
	cmd.Env, cmd.Dir = env, dir
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Fatal(err)
	}
	initial, err := unix.IoctlGetTermios(int(ptmx.Fd()), unix.TCGETS)
	if err == nil {
		err = pty.Setsize(ptmx, &pty.Winsize{Rows: 24, Cols: 80})
	}
	if err != nil {
		t.Fatal(err)
	}
	// As pty.Start: the shell leads a new session on the terminal.
	cmd.Stdin, cmd.Stdout, cmd.Stderr = tty, tty, tty
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true}
	err = cmd.Start()
	tty.Close()
	if err != nil {
		t.Fatal(err)
	}
	u := &userTerminal{t: t, dir: dir, ptmx: ptmx, cmd: cmd, done: make(chan struct{}), initial: *initial}
	go func() {
		defer close(u.done)
		b := make([]byte, 4096)
		for {
			n, err := ptmx.Read(b)
			u.mu.Lock()
			u.shown.Write(b[:n])
			u.mu.Unlock()
			if err != nil {
				return // EIO once the shell and all it started are gone
			}
		}
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		ptmx.Close()
	})
	return u
}

// screen is everything the terminal has shown so far.
func (u *userTerminal) screen() string {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.shown.String()
}

// press types keys at the terminal.
func (u *userTerminal) press(keys string) {
	u.t.Helper()
	if _, err := io.WriteString(u.ptmx, keys); err != nil {
		u.t.Fatal(err)
	}
}

// termios is the terminal's current settings (on Linux the master side
// reads the terminal's own).
func (u *userTerminal) termios() unix.Termios {
	u.t.Helper()
	t, err := unix.IoctlGetTermios(int(u.ptmx.Fd()), unix.TCGETS)
	if err != nil {
		u.t.Fatal(err)
	}
	return *t
}

// eventually polls cond until it holds, and fails with what(), the
// terminal's screen and the files the scripts wrote, after patience.
func (u *userTerminal) eventually(cond func() bool, what func() string) {
	u.t.Helper()
	deadline := time.Now().Add(patience)
	for !cond() {
		if time.Now().After(deadline) {
			u.t.Fatalf("%s\nthe terminal showed %q\nfiles: %s", what(), u.screen(), u.files())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// file waits for name (in the test's directory) to exist and not be empty,
// and returns it.
func (u *userTerminal) file(name string) string {
	u.t.Helper()
	path := filepath.Join(u.dir, name)
	u.eventually(func() bool {
		info, err := os.Stat(path)
		return err == nil && info.Size() > 0
	}, func() string { return "no " + name + " after " + patience.String() })
	b, err := os.ReadFile(path)
	if err != nil {
		u.t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

// release writes a line to the FIFO name, once its reader has it open.
func (u *userTerminal) release(name string) {
	u.t.Helper()
	path := filepath.Join(u.dir, name)
	var f *os.File
	u.eventually(func() bool {
		var err error
		f, err = os.OpenFile(path, os.O_WRONLY|unix.O_NONBLOCK, 0)
		return err == nil
	}, func() string { return "nothing reads " + name })
	defer f.Close()
	if _, err := f.WriteString("go\n"); err != nil {
		u.t.Fatal(err)
	}
}

// writeChildScript writes suspendChild as child.sh in dir, and the FIFO it
// waits on.
func writeChildScript(t *testing.T, dir string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, "child.sh"), []byte(suspendChild), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := unix.Mkfifo(filepath.Join(dir, "go"), 0o600); err != nil {
		t.Fatal(err)
	}
}

func (u *userTerminal) touch(name string) {
	u.t.Helper()
	if err := os.WriteFile(filepath.Join(u.dir, name), []byte("x\n"), 0o644); err != nil {
		u.t.Fatal(err)
	}
}

// files lists what the scripts wrote, for failure messages.
func (u *userTerminal) files() string {
	entries, _ := os.ReadDir(u.dir)
	var b strings.Builder
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue // a FIFO would block the read
		}
		data, _ := os.ReadFile(filepath.Join(u.dir, e.Name()))
		if len(data) > 200 {
			data = data[:200]
		}
		b.WriteString(e.Name() + "=" + strconv.Quote(string(data)) + " ")
	}
	return b.String()
}

// finished waits for the shell to end.
func (u *userTerminal) finished() {
	u.t.Helper()
	done := make(chan struct{})
	go func() { _ = u.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(patience):
		u.t.Fatalf("the shell did not end within %v; the terminal showed %q\nfiles: %s", patience, u.screen(), u.files())
	}
	<-u.done
}

// isRaw says whether settings are raw: no line editing, no echo, no
// signal keys.
func isRaw(t unix.Termios) bool { return t.Lflag&(unix.ICANON|unix.ECHO|unix.ISIG) == 0 }

// sameMode compares what a person notices of a terminal's settings.
func sameMode(a, b unix.Termios) bool {
	return a.Lflag == b.Lflag && a.Iflag == b.Iflag && a.Oflag == b.Oflag && a.Cflag == b.Cflag && a.Cc == b.Cc
}

// procState returns a process's state letter (R, S, T for stopped, ...)
// and its parent, or "" once it is gone.
func procState(pid int) (state string, ppid int) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return "", 0
	}
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	ppid, _ = strconv.Atoi(f[1])
	if f[0] == "Z" || f[0] == "X" {
		return "", ppid
	}
	return f[0], ppid
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// bareNewline finds a line feed without a carriage return before it on
// screen: there the next line would not start at column 0 (a staircase).
func bareNewline(screen string) int {
	for i := 0; i < len(screen); i++ {
		if screen[i] == '\n' && (i == 0 || screen[i-1] != '\r') {
			return i
		}
	}
	return -1
}

// terminalChild is the command run under exec: it notes which of its
// stdin, stdout and stderr are a terminal, writes a line (with the secret)
// to each of stdout and stderr, says ready, then handles each SIGINT by
// noting it in handled-INT and ends 0.3 s after the first (so that a
// second delivery would be seen), or after 30 s.
const terminalChild = `trap 'echo INT >> handled-INT' INT
ttys=
for fd in 0 1 2; do if [ -t $fd ]; then ttys="${ttys}T"; else ttys="${ttys}-"; fi; done
echo "$ttys" > ttys
echo "out-line $V"
echo "err-line $V" >&2
echo ready > ready
n=0
after=0
while [ "$n" -lt 300 ] && [ "$after" -lt 3 ]; do
	sleep 0.1 &
	wait $!
	n=$((n + 1))
	if [ -s handled-INT ]; then after=$((after + 1)); fi
done
`

// pagerReader stands for less on the far end of exec ... | less: it reads
// the data from its stdin and its keys from the terminal (/dev/tty), and
// notes a SIGINT.
const pagerReader = `trap 'echo INT > reader-INT' INT
IFS= read -r first
echo "got: $first"
read key < /dev/tty
echo "key=$key" > key
cat
`

// TestExecTerminalModes runs exec from a terminal with each of stdin,
// stdout and stderr either the terminal (T) or not (-), and checks that
// it behaves as the command would alone: the command sees a terminal
// exactly where there is one; the terminal goes raw only in the one mode
// where the command works on a pty of its own (stdin and stdout the
// terminal), and is as before afterwards; a reader on the far end of a
// pipe (less) gets the keys typed at the terminal; Ctrl-C reaches the
// command once, and the reader too; every line starts at column 0; what
// reaches the terminal is masked. See proc.mode for why each mode.
func TestExecTerminalModes(t *testing.T) {
	for _, tc := range []string{"TTT", "TT-", "T-T", "T--", "-TT", "-T-", "--T", "---"} {
		t.Run(tc, func(t *testing.T) {
			in, out, errT := tc[0] == 'T', tc[1] == 'T', tc[2] == 'T'
			bin, dir, env := maskEnv(t)
			if err := os.WriteFile(filepath.Join(dir, "child.sh"), []byte(terminalChild), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "reader.sh"), []byte(pagerReader), 0o644); err != nil {
				t.Fatal(err)
			}
			run := `"$0" exec -s V -- sh child.sh`
			if !in {
				run += " < /dev/null"
			}
			if !errT {
				run += " 2> err.txt"
			}
			if out {
				run += "\necho $? > status"
			} else {
				// The pipeline's status is the reader's: note ours inside.
				run = "{ trap : INT; " + run + "; echo $? > status; } | sh reader.sh"
			}
			term := startTerminal(t, bin, dir, env, "set -m\nstty -g > before\n"+run+"\nstty -g > after\n")
			initial := term.initial
			term.file("ready")
			during := term.termios()

			if got := term.file("ttys"); got != tc {
				t.Errorf("the command saw a terminal as its stdin, stdout, stderr: %s; want %s", got, tc)
			}
			// The lines the terminal must show, masked. They must be shown
			// before Ctrl-C is typed: the terminal discards output still
			// pending then.
			var lines []string
			if out {
				lines = append(lines, "out-line <prefect-secret:V>")
			} else {
				lines = append(lines, "got: out-line <prefect-secret:V>")
			}
			if errT {
				lines = append(lines, "err-line <prefect-secret:V>")
			}
			for _, line := range lines {
				term.eventually(func() bool { return strings.Contains(term.screen(), line) },
					func() string { return "the terminal does not show " + strconv.Quote(line) })
			}
			if wantRaw := in && out; isRaw(during) != wantRaw || (!wantRaw && !sameMode(during, initial)) {
				t.Errorf("while the command ran, the terminal was raw: %v (settings changed: %v); want raw only with stdin and stdout the terminal",
					isRaw(during), !sameMode(during, initial))
			}
			if !out {
				term.press("hello\r")
				if got := term.file("key"); got != "key=hello" {
					t.Errorf("the reader of the pipe read the keys %q, want key=hello", got)
				}
			}
			term.press("\x03")
			if got := term.file("status"); got != "0" {
				t.Errorf("prefect-secrets ended with %s, want 0 (the command handled Ctrl-C and ended well)", got)
			}
			term.finished()
			if got := term.file("handled-INT"); got != "INT" {
				t.Errorf("the command's SIGINT handler ran %d times, want once", strings.Count(got, "INT"))
			}
			if !out && term.file("reader-INT") != "INT" {
				t.Error("Ctrl-C did not reach the reader of the pipe")
			}
			if before, after := term.file("before"), term.file("after"); before != after {
				t.Errorf("the terminal's settings changed: before %s, after %s", before, after)
			}
			if end := term.termios(); !sameMode(end, initial) {
				t.Errorf("the terminal's settings at the end differ from those at the start:\n start %+v\n end   %+v", initial, end)
			}
			screen := term.screen()
			if i := bareNewline(screen); i >= 0 {
				t.Errorf("a line on the terminal does not start at column 0 (a \\n without \\r at %d): %q", i, screen)
			}
			if strings.Contains(screen, maskSecret) {
				t.Errorf("the secret reached the terminal: %q", screen)
			}
		})
	}
}

// suspendChild is the command of TestExecCtrlZ: it says ready, then waits
// for a line on the FIFO go (see writeChildScript); then it shows the
// size of the terminal its stderr is on, and ends. It waits in read, not
// in a loop of sleeps: dash starts sleep with vfork, and a Ctrl-Z that
// stops the new sleep before it execs leaves dash in the kernel's vfork
// wait (state D), never stopped, with or without prefect-secrets.
//
// Where the command shares prefect-secrets' process group (stdin not the
// terminal), fg continues both at once, and the pty takes the terminal's
// new size a moment after the command runs again, with the SIGWINCH a
// program redraws on: so the command looks for up to 5 s (after fg, no
// Ctrl-Z comes to stop a sleep) before it shows the size.
const suspendChild = `echo $$ > child
echo "ready $V"
read go < go
i=0
while [ "$(stty size <&2)" != "40 132" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done
echo "size $(stty size <&2)"
echo "done $V"
`

// TestExecCtrlZ: Ctrl-Z typed at the terminal suspends the whole job, as
// it would the command alone: the command stops, prefect-secrets stops,
// the shell gets the terminal back, in the settings it had; while
// stopped, the terminal is resized; fg continues both, with the terminal
// as exec needs it (raw again with stdin on the terminal), and the
// command sees the new size; at the end the terminal is as before.
// With stdin and stdout the terminal the command works on a pty of its
// own (issue 10, item 15: Ctrl-Z reached only that pty, where it did
// nothing); with stdin not the terminal it still writes to a pty (item
// 16: prefect-secrets alone stopped, the command ran on); and in a
// pipeline.
func TestExecCtrlZ(t *testing.T) {
	for _, tc := range []struct {
		name, redirect string
		raw            bool
	}{
		{"stdin terminal", "", true},
		{"stdin not terminal", " < /dev/null", false},
		{"pipeline", " < /dev/null | cat", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bin, dir, env := maskEnv(t)
			writeChildScript(t, dir)
			term := startTerminal(t, bin, dir, env, `set -m
stty -g > before
"$0" exec -s V -- sh child.sh`+tc.redirect+`
echo $? > stopped-status
stty -g > stopped-mode
while [ ! -e resume ]; do sleep 0.05; done
fg
echo $? > status
stty -g > after
`)
			initial := term.initial
			term.eventually(func() bool { return strings.Contains(term.screen(), "ready <prefect-secret:V>") },
				func() string { return "the command did not start" })
			child := atoi(t, term.file("child"))
			// prefect-secrets is the command's parent, or its monitor's.
			_, ps := procState(child)
			if tc.raw {
				_, ps = procState(ps)
			}
			if isRaw(term.termios()) != tc.raw {
				t.Fatalf("while the command ran, the terminal was raw: %v, want %v", !tc.raw, tc.raw)
			}

			term.press("\x1a")
			term.eventually(func() bool { s, _ := procState(child); return s == "T" },
				func() string {
					s, _ := procState(child)
					return "after Ctrl-Z the command is in state " + s + ", want T (stopped)"
				})
			term.eventually(func() bool { s, _ := procState(ps); return s == "T" },
				func() string {
					s, _ := procState(ps)
					return "after Ctrl-Z prefect-secrets is in state " + s + ", want T (stopped)"
				})
			if got := term.file("stopped-status"); got != "148" {
				t.Errorf("the shell saw the job end with %s, want 148 (stopped by SIGTSTP)", got)
			}
			if before, mid := term.file("before"), term.file("stopped-mode"); before != mid {
				t.Errorf("with the job stopped, the terminal's settings are %s, want those from before, %s", mid, before)
			}
			if !sameMode(term.termios(), initial) {
				t.Error("with the job stopped, the terminal's settings differ from those at the start")
			}
			if s, _ := procState(child); s != "T" {
				t.Errorf("the command is in state %s while the job is stopped, want T", s)
			}

			if err := pty.Setsize(term.ptmx, &pty.Winsize{Rows: 40, Cols: 132}); err != nil {
				t.Fatal(err)
			}
			term.touch("resume")
			term.eventually(func() bool { s, _ := procState(child); return s != "T" },
				func() string { return "after fg the command is still stopped" })
			if tc.raw {
				term.eventually(func() bool { return isRaw(term.termios()) },
					func() string { return "after fg the terminal is not raw again" })
			}
			term.release("go")
			if got := term.file("status"); got != "0" {
				t.Errorf("after fg the job ended with %s, want 0", got)
			}
			term.finished()
			screen := term.screen()
			if !strings.Contains(screen, "size 40 132") {
				t.Errorf("after fg the command did not see the new size 40 132: %q", screen)
			}
			if !strings.Contains(screen, "done <prefect-secret:V>") || strings.Contains(screen, maskSecret) {
				t.Errorf("the terminal showed %q", screen)
			}
			if before, after := term.file("before"), term.file("after"); before != after {
				t.Errorf("the terminal's settings changed: before %s, after %s", before, after)
			}
			if !sameMode(term.termios(), initial) {
				t.Error("the terminal's settings at the end differ from those at the start")
			}
		})
	}
}

// TestExecCtrlZWithoutJobControl: where no job-control shell could
// continue a stopped job (the shell runs the command in its own, orphaned,
// process group, as xterm -e or script -c do), the kernel ignores Ctrl-Z
// for a command run alone; under exec the command stops on its pty all
// the same, and must be continued at once rather than left stopped with
// nothing to continue it.
func TestExecCtrlZWithoutJobControl(t *testing.T) {
	bin, dir, env := maskEnv(t)
	writeChildScript(t, dir)
	term := startTerminal(t, bin, dir, env, `"$0" exec -s V -- sh child.sh
echo $? > status
`)
	term.eventually(func() bool { return strings.Contains(term.screen(), "ready <prefect-secret:V>") },
		func() string { return "the command did not start" })
	child := atoi(t, term.file("child"))
	term.press("\x1a")
	// The command's pty echoes ^Z as it signals the command: it stops (it
	// cannot end before go exists), and must not stay stopped.
	term.eventually(func() bool { return strings.Contains(term.screen(), "^Z") },
		func() string { return "Ctrl-Z did not reach the command's terminal" })
	term.release("go")
	if got := term.file("status"); got != "0" {
		s, _ := procState(child)
		t.Errorf("exec ended with %s (the command in state %q), want 0", got, s)
	}
	term.finished()
	if screen := term.screen(); !strings.Contains(screen, "done <prefect-secret:V>") {
		t.Errorf("the command did not go on to its end: %q", screen)
	}
}
