//go:build linux

package commands_test

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/prefect-secrets/prefect-secrets/internal/testkit/keyringtest"
)

// TestSetPromptDoesNotEcho types a value at set's prompt on a real
// pseudo-terminal, waiting for each prompt as a person would, and checks
// the terminal never showed it (testscript's ttyin writes its input before
// echo is off, so it cannot show this).
func TestSetPromptDoesNotEcho(t *testing.T) {
	svc := keyringtest.StartFor(t)
	bin, err := exec.LookPath("prefect-secrets") // testscript.Main put it on PATH
	if err != nil {
		t.Fatal(err)
	}
	env := append([]string{"HOME=" + t.TempDir(), "PATH=" + os.Getenv("PATH"), "PREFECT_SECRETS_KEYRING_SERVICE=echo-test", "TERM=dumb", "GORACE=atexit_sleep_ms=0"}, svc.Env...)

	const typed = "typed-s3cret-value"
	// Deadlines here (--timeout, waitFor's) only guard against a hang.
	cmd := exec.Command(bin, "--timeout", "60s", "set", "TYPED")
	cmd.Env = env
	tty, err := pty.Start(cmd)
	if err != nil {
		t.Fatal(err)
	}
	defer tty.Close()
	var screen bytes.Buffer
	waitFor := func(prompt string) {
		t.Helper()
		deadline := time.Now().Add(60 * time.Second)
		buf := make([]byte, 256)
		for !strings.Contains(screen.String(), prompt) {
			if time.Now().After(deadline) {
				t.Fatalf("no %q on the terminal; it shows %q", prompt, screen.String())
			}
			_ = tty.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
			n, _ := tty.Read(buf)
			screen.Write(buf[:n])
		}
	}
	waitFor("(not echoed): ")
	io.WriteString(tty, typed+"\r")
	waitFor("Again, to confirm: ")
	io.WriteString(tty, typed+"\r")
	rest, _ := io.ReadAll(tty) // until the child closes the terminal (EIO)
	screen.Write(rest)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("set: %v; the terminal showed %q", err, screen.String())
	}
	if strings.Contains(screen.String(), typed) {
		t.Fatalf("the terminal echoed the value: %q", screen.String())
	}

	get := exec.Command(bin, "--timeout", "60s", "get", "TYPED")
	get.Env = env
	out, err := get.Output()
	if err != nil || string(out) != typed {
		t.Fatalf("get after the prompt: %q, %v; want the typed value", out, err)
	}
}
