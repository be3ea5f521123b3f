//go:build linux

package commands

import (
	"bytes"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/prefect-secrets/prefect-secrets/internal/testkit/keyringtest"
)

// runWith runs the command line on a real private Secret Service, with
// stdin read from in; it returns the exit code and stderr.
func runWith(t *testing.T, svc *keyringtest.Service, in io.Reader, args ...string) (int, string) {
	t.Helper()
	env := append([]string{"HOME=" + t.TempDir(), "PATH=" + os.Getenv("PATH"),
		"PREFECT_SECRETS_KEYRING_SERVICE=set-test"}, svc.Env...)
	var errOut, out bytes.Buffer
	o := &IO{In: in, Out: &out, Err: &errOut, Environ: env}
	// A deadline that only guards against a hang.
	err := New(o, "test").Run(append([]string{"prefect-secrets", "--timeout", "60s"}, args...))
	if err != nil {
		o.Report(err)
	}
	return ExitCode(err), errOut.String()
}

// readerThen runs first when set starts reading its value, then reads as
// value: a producer that is still writing while something else happens.
type readerThen struct {
	first func()
	value io.Reader
}

func (r *readerThen) Read(p []byte) (int, error) {
	if r.first != nil {
		r.first()
		r.first = nil
	}
	return r.value.Read(p)
}

// set reads its whole value before it looks at the keyring: another set
// that stores the name while this one's stdin is still open is found, and
// this one leaves it as it is (73). Checking before reading would find
// nothing and overwrite the other's value.
func TestSetReadsTheValueBeforeCheckingForTheName(t *testing.T) {
	svc := keyringtest.StartFor(t)
	var otherCode int
	var otherErr string
	slow := &readerThen{
		first: func() { otherCode, otherErr = runWith(t, svc, strings.NewReader("B"), "set", "U") },
		value: strings.NewReader("A"),
	}
	code, stderr := runWith(t, svc, slow, "set", "U")
	if otherCode != 0 {
		t.Fatalf("the set that came in between: exit %d\n%s", otherCode, otherErr)
	}
	if code != ExitExists || !strings.Contains(stderr, `"U" already exists`) {
		t.Errorf("the set whose value came last: exit %d, want %d (already exists)\n%s", code, ExitExists, stderr)
	}
	var out bytes.Buffer
	o := &IO{Out: &out, Err: io.Discard, Environ: append([]string{"PREFECT_SECRETS_KEYRING_SERVICE=set-test"}, svc.Env...)}
	if err := New(o, "test").Run([]string{"prefect-secrets", "--timeout", "60s", "--sources", "keyring", "get", "U"}); err != nil || out.String() != "B" {
		t.Errorf("stored %q (err %v), want the first stored value, B", out.String(), err)
	}
}
