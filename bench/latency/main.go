// Command latency is bench/run's latency case for exec's output masking:
// how long one small write of the child takes to reach the terminal (or
// the pipe) through `prefect-secrets exec`, against the same child run
// without it on the same kind of terminal (or pipe).
//
//	latency -bin PREFECT_SECRETS -pinger PINGER [-mode pty,pipe] [-n 200] [-held 20]
//
// For each mode it starts, side by side:
//
//	tool: prefect-secrets exec -s S -- pinger FIFO_T TEXTS...
//	base: pinger FIFO_B TEXTS...
//
// on a pseudo-terminal each (pty: stdin, stdout and stderr the slave, in a
// session of their own with it as controlling terminal, as a shell would
// start them; prefect-secrets then sees a terminal and runs the child on a
// pty of its own), or with stdout a pipe (pipe; stdin /dev/null, stderr a
// pipe of its own). The secret S is in the environment
// (PREFECT__CONTEXT__SECRETS__S): 28 random letters and digits starting
// with 'Q', so its masked forms start with 'Q' (the value) or 'U' (its
// base64).
//
// A ping: write one byte to the pinger's FIFO (time t0), and read the pty
// master (or the pipe) until the text's last byte arrives (t1); the
// latency is t1-t0. The pinger's reply is "ping\n", which holds no byte a
// secret's form starts with, so the masker holds nothing back: the added
// latency is the tool's own (its pty or pipe, its copy and the masker).
// After 10 untimed pings of each, N timed pings alternate tool and base, a
// millisecond apart. Then HELD pings of each answer "pong Q": 'Q' could be
// the start of S, so the masker holds it back for as long as it could
// (issue 19: a value written slowly must not show): "pong " should arrive
// at once, and the 'Q' not before the child writes more. After
// releaseAfter the bench has it write "\n", which breaks the match: then
// "Q\n" arrives.
//
// Output, one line per measurement, microseconds:
//
//	MODE tool|base MEDIAN P99 MAX N         (ping: full text)
//	MODE heldtool|heldbase MEDIAN P99 MAX N (pong Q: until the 'Q'; the tool's after the release)
//	MODE heldfirst MEDIAN P99 MAX N         (pong Q through the tool: until "pong ")
package main

import (
	"bytes"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/creack/pty"
)

const (
	pingText    = "ping\n"
	heldText    = "pong Q"
	releaseText = "\n"
	// releaseAfter is how long the 'Q' must stay held before the child
	// writes releaseText.
	releaseAfter = 100 * time.Millisecond
)

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "latency: "+format+"\n", args...)
	os.Exit(1)
}

type chunk struct {
	b []byte
	t time.Time
}

// target is one running pinger (through prefect-secrets or not).
type target struct {
	label  string
	cmd    *exec.Cmd
	stderr *bytes.Buffer
	fifo   *os.File // write end
	ch     chan chunk
	master *os.File // pty master or pipe read end
}

func start(mode, label string, argv, env []string, fifoPath string) *target {
	t := &target{label: label, stderr: &bytes.Buffer{}, ch: make(chan chunk, 64)}
	t.cmd = exec.Command(argv[0], argv[1:]...)
	t.cmd.Env = env
	var closeAfter *os.File
	switch mode {
	case "pty":
		m, s, err := pty.Open()
		if err != nil {
			fail("pty: %v", err)
		}
		if err := pty.Setsize(m, &pty.Winsize{Rows: 40, Cols: 120}); err != nil {
			fail("pty size: %v", err)
		}
		t.cmd.Stdin, t.cmd.Stdout, t.cmd.Stderr = s, s, s
		t.cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
		t.master, closeAfter = m, s
	case "pipe":
		r, w, err := os.Pipe()
		if err != nil {
			fail("%v", err)
		}
		t.cmd.Stdout = w
		t.cmd.Stderr = t.stderr
		t.master, closeAfter = r, w
	default:
		fail("unknown mode %q", mode)
	}
	if err := t.cmd.Start(); err != nil {
		fail("%s: %v", argv[0], err)
	}
	closeAfter.Close()
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := t.master.Read(buf)
			if n > 0 {
				t.ch <- chunk{bytes.Clone(buf[:n]), time.Now()}
			}
			if err != nil {
				close(t.ch)
				return
			}
		}
	}()
	// Blocks until the pinger has opened it.
	opened := make(chan error, 1)
	go func() {
		f, err := os.OpenFile(fifoPath, os.O_WRONLY, 0)
		t.fifo = f
		opened <- err
	}()
	select {
	case err := <-opened:
		if err != nil {
			fail("%v", err)
		}
	case <-time.After(10 * time.Second):
		fail("%s (%s): the pinger did not open its FIFO; output so far: %q", label, mode, t.drain())
	}
	return t
}

// drain takes whatever output is waiting.
func (t *target) drain() string {
	var s strings.Builder
	for {
		select {
		case c, ok := <-t.ch:
			if !ok {
				return s.String()
			}
			s.Write(c.b)
		default:
			return s.String()
		}
	}
}

// ping triggers text (index i of the pinger's texts) and returns how long
// its first bytes and its last byte took to arrive.
func (t *target) ping(i int, text string) (first, full time.Duration) {
	if junk := t.drain(); junk != "" {
		fail("%s: unexpected output %q", t.label, junk)
	}
	last := text[len(text)-1]
	var got []byte
	t0 := time.Now()
	if _, err := t.fifo.Write([]byte{byte('0' + i)}); err != nil {
		fail("%s: %v", t.label, err)
	}
	timeout := time.After(3 * time.Second)
	for {
		select {
		case c, ok := <-t.ch:
			if !ok {
				fail("%s: output ended; stderr: %s", t.label, t.stderr)
			}
			if got == nil {
				first = c.t.Sub(t0)
			}
			got = append(got, c.b...)
			if bytes.IndexByte(got, last) >= 0 {
				// The terminal turns "\n" into "\r\n"; nothing else may differ.
				if g, w := strings.ReplaceAll(string(got), "\r\n", "\n"), text; g != w {
					fail("%s: got %q, want %q", t.label, got, text)
				}
				return first, c.t.Sub(t0)
			}
		case <-timeout:
			fail("%s: no %q after 3s (got %q); stderr: %s", t.label, text, got, t.stderr)
		}
	}
}

// heldPing triggers heldText through the tool: "pong " must arrive at
// once and nothing more for releaseAfter; then releaseText is triggered,
// and the held 'Q' must arrive with it. It returns when "pong " and the
// 'Q' arrived.
func (t *target) heldPing() (first, full time.Duration) {
	if junk := t.drain(); junk != "" {
		fail("%s: unexpected output %q", t.label, junk)
	}
	t0 := time.Now()
	if _, err := t.fifo.Write([]byte{'1'}); err != nil {
		fail("%s: %v", t.label, err)
	}
	var got []byte
	wait := func(want string, d time.Duration) time.Duration {
		timeout := time.After(d)
		for {
			select {
			case c, ok := <-t.ch:
				if !ok {
					fail("%s: output ended; stderr: %s", t.label, t.stderr)
				}
				got = append(got, c.b...)
				if strings.ReplaceAll(string(got), "\r\n", "\n") == want {
					return c.t.Sub(t0)
				}
			case <-timeout:
				if want == "" {
					return 0
				}
				fail("%s: no %q after %s (got %q); stderr: %s", t.label, want, d, got, t.stderr)
			}
		}
	}
	first = wait("pong ", 3*time.Second)
	if wait("", releaseAfter-first); len(got) != len("pong ") {
		fail("%s: got %q while the 'Q' could still start the secret", t.label, got)
	}
	if _, err := t.fifo.Write([]byte{'2'}); err != nil {
		fail("%s: %v", t.label, err)
	}
	return first, wait(heldText+releaseText, 3*time.Second)
}

func (t *target) stop() {
	t.fifo.Close()
	done := make(chan error, 1)
	go func() { done <- t.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			fail("%s: %v; stderr: %s", t.label, err, t.stderr)
		}
	case <-time.After(5 * time.Second):
		_ = t.cmd.Process.Kill()
		fail("%s: did not exit after its FIFO closed", t.label)
	}
	t.master.Close()
}

func report(mode, label string, d []time.Duration) {
	slices.Sort(d)
	n := len(d)
	var med time.Duration
	if n%2 == 1 {
		med = d[n/2]
	} else {
		med = (d[n/2-1] + d[n/2]) / 2
	}
	p99 := d[min(n-1, int(0.99*float64(n-1)+0.5))]
	us := func(x time.Duration) float64 { return float64(x) / 1e3 }
	fmt.Printf("%s %s %.1f %.1f %.1f %d\n", mode, label, us(med), us(p99), us(d[n-1]), n)
}

func main() {
	bin := flag.String("bin", "", "the prefect-secrets binary")
	pinger := flag.String("pinger", "", "the pinger binary")
	modes := flag.String("mode", "pty,pipe", "pty, pipe or both, comma-separated")
	n := flag.Int("n", 200, "timed pings of each")
	held := flag.Int("held", 20, "timed held-back pings of each")
	flag.Parse()
	if *bin == "" || *pinger == "" || *n < 1 || *held < 1 {
		flag.Usage()
		os.Exit(64)
	}
	dir, err := os.MkdirTemp("", "latency")
	if err != nil {
		fail("%v", err)
	}
	defer os.RemoveAll(dir)

	const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	value := []byte("Q")
	for len(value) < 28 {
		value = append(value, alnum[rand.IntN(len(alnum))])
	}
	env := append(os.Environ(), "PREFECT__CONTEXT__SECRETS__S="+string(value))

	for k, mode := range strings.Split(*modes, ",") {
		ft := filepath.Join(dir, fmt.Sprintf("tool%d", k))
		fb := filepath.Join(dir, fmt.Sprintf("base%d", k))
		for _, f := range []string{ft, fb} {
			if err := syscall.Mkfifo(f, 0o600); err != nil {
				fail("mkfifo: %v", err)
			}
		}
		tool := start(mode, "tool", []string{*bin, "exec", "-s", "S", "--", *pinger, ft, pingText, heldText, releaseText}, env, ft)
		base := start(mode, "base", []string{*pinger, fb, pingText, heldText, releaseText}, env, fb)
		both := []*target{tool, base}
		for r := 0; r < 10; r++ {
			for _, t := range both {
				t.ping(0, pingText)
			}
		}
		var lat [2][]time.Duration
		for r := 0; r < *n; r++ {
			for j := range both {
				i := (j + r) % 2 // alternate which goes first
				_, d := both[i].ping(0, pingText)
				lat[i] = append(lat[i], d)
				time.Sleep(time.Millisecond)
			}
		}
		var heldLat [2][]time.Duration
		var heldFirst []time.Duration
		for r := 0; r < *held; r++ {
			first, full := tool.heldPing()
			heldLat[0] = append(heldLat[0], full)
			heldFirst = append(heldFirst, first)
			_, full = base.ping(1, heldText)
			heldLat[1] = append(heldLat[1], full)
			base.ping(2, releaseText)
		}
		tool.stop()
		base.stop()
		report(mode, "tool", lat[0])
		report(mode, "base", lat[1])
		report(mode, "heldtool", heldLat[0])
		report(mode, "heldbase", heldLat[1])
		report(mode, "heldfirst", heldFirst)
	}
}
