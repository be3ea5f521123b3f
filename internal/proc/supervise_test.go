//go:build unix

package proc

import (
	"bytes"
	"errors"
	"os"
	"sync"
	"testing"
)

// buffer is a filter that holds nothing back.
type buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *buffer) Flush() error { return nil }
func (b *buffer) Pending() int { return 0 }
func (b *buffer) Close() error { return nil }

func (b *buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// Supervise connects the child by what the Supervision says of our
// streams, without asking again: whatever this test's own stdout and
// stderr are, a stream said to be a terminal reaches the child as a pty
// (isatty holds; lines end in \n, as our terminal would turn them into
// \r\n itself), and one said not to as a pipe. What the child writes to
// a pty shared by stdout and stderr comes out on stdout.
func TestSuperviseTakesTerminalsFromSupervision(t *testing.T) {
	sh, err := LookPath("sh", os.Getenv("PATH"))
	if err != nil {
		t.Fatal(err)
	}
	script := `if [ -t 1 ]; then echo out:tty; else echo out:pipe; fi
if [ -t 2 ]; then echo err:tty >&2; else echo err:pipe >&2; fi`
	for _, tc := range []struct {
		name           string
		outTTY, errTTY bool
		stdout, stderr string
	}{
		{"pipes", false, false, "out:pipe\n", "err:pipe\n"},
		{"stdout a terminal", true, false, "out:tty\n", "err:pipe\n"},
		{"stderr a terminal", false, true, "out:pipe\n", "err:tty\n"},
		{"both terminals", true, true, "out:tty\nerr:tty\n", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr buffer
			err := Supervise(Supervision{
				Path: sh, Argv: []string{"sh", "-c", script}, Env: []string{"PATH=" + os.Getenv("PATH")},
				OutTTY: tc.outTTY, ErrTTY: tc.errTTY,
				Stdout: &stdout, Stderr: &stderr,
			})
			var es *ExitStatus
			if !errors.As(err, &es) || es.Code != 0 {
				t.Fatalf("Supervise: %v, want exit status 0", err)
			}
			if stdout.String() != tc.stdout || stderr.String() != tc.stderr {
				t.Errorf("OutTTY %v, ErrTTY %v: the child wrote stdout %q, stderr %q; want %q, %q",
					tc.outTTY, tc.errTTY, stdout.String(), stderr.String(), tc.stdout, tc.stderr)
			}
		})
	}
}
