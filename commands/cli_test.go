package commands

import (
	"bytes"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"
)

// Usage errors come back from Run for main to report once: urfave prints
// none of them itself ("Incorrect Usage", help dumps) and exits for none.
func TestUsageErrorsReturnedNotPrinted(t *testing.T) {
	exited := -1
	saved := cli.OsExiter
	cli.OsExiter = func(code int) { exited = code }
	defer func() { cli.OsExiter = saved }()

	cases := []struct {
		args    []string
		environ []string
	}{
		{args: []string{"--bogus", "get", "X"}},
		{args: []string{"get", "--jsn", "X"}},
		{args: []string{"get", "X", "--jsn"}},
		{args: []string{"get", "X", "--verbose"}},
		{args: []string{"--timeout", "5", "get", "X"}},
		{args: []string{"--timeout"}},
		{args: []string{"--verbose=maybe", "get", "X"}},
		{args: []string{"--sources=", "get", "X"}},
		{args: []string{"get"}},
		{args: []string{"get", "A", "B"}},
		{args: []string{"gett", "X"}},
		{args: []string{"help", "gett"}},
		{args: []string{"exec", "--mask-min", "many", "--", "true"}},
		{args: []string{"exec", "-s"}},
		{args: []string{"set", "-f", "--force", "X"}},
		{args: []string{"completion", "tcsh"}},
		{args: []string{"get", "X"}, environ: []string{"PREFECT_SECRETS_TIMEOUT=5"}},
		{args: []string{"get", "X"}, environ: []string{"PREFECT_SECRETS_VERBOSE=maybe"}},
	}
	for _, c := range cases {
		var out, errOut bytes.Buffer
		io := &IO{In: strings.NewReader(""), Out: &out, Err: &errOut, Environ: c.environ}
		err := New(io, "test").Run(append([]string{"prefect-secrets"}, c.args...))
		if code := ExitCode(err); code != ExitUsage {
			t.Errorf("%q: exit code %d (%v), want %d", c.args, code, err, ExitUsage)
		}
		if out.Len() > 0 || errOut.Len() > 0 {
			t.Errorf("%q: printed stdout %q, stderr %q before main reports the error", c.args, out.String(), errOut.String())
		}
		if exited != -1 {
			t.Fatalf("%q: urfave called its exit with %d", c.args, exited)
		}
	}
}
