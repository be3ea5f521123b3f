//go:build linux

package commands

import (
	"os"
	"strings"
	"testing"

	"github.com/prefect-secrets/prefect-secrets/internal/testkit/keyringtest"
)

// TestCanaryNeverLeaksThroughKeyring runs every keyring command and error
// path with --verbose against a real private Secret Service, the value
// coming from stdin, and checks no stderr, error or argv shows it.
func TestCanaryNeverLeaksThroughKeyring(t *testing.T) {
	svc := keyringtest.StartFor(t)
	dead := []string{"DBUS_SESSION_BUS_ADDRESS=unix:path=" + t.TempDir() + "/gone"}

	type step struct {
		name  string
		env   []string
		stdin string
		args  []string
		// stdoutMayShow: the step's purpose is to print the value.
		stdoutMayShow bool
	}
	steps := []step{
		{name: "set", stdin: canary + "\n", args: []string{"set", "CANARY_K"}},
		{name: "set again without force", stdin: canary, args: []string{"set", "CANARY_K"}},
		{name: "set with the value as an argument", args: []string{"set", "OTHER", canary}},
		{name: "set force", stdin: canary, args: []string{"set", "--force", "CANARY_K"}},
		{name: "get", args: []string{"get", "CANARY_K"}, stdoutMayShow: true},
		{name: "get json", args: []string{"get", "--json", "CANARY_K"}, stdoutMayShow: true},
		{name: "explicit keyring get", args: []string{"--sources", "keyring", "get", "CANARY_K"}, stdoutMayShow: true},
		{name: "list", args: []string{"list", "--json"}},
		{name: "explain", args: []string{"explain", "CANARY_K"}},
		{name: "exec", args: []string{"exec", "-s", "CANARY_K", "--", "true"}},
		{name: "delete", args: []string{"delete", "--force", "CANARY_K"}},
		{name: "delete missing", args: []string{"delete", "CANARY_K"}},
		{name: "dead bus get", env: dead, args: []string{"get", "CANARY_K"}},
		{name: "dead bus set", env: dead, stdin: canary, args: []string{"set", "CANARY_K"}},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			env := append([]string{"HOME=" + t.TempDir(), "PATH=" + os.Getenv("PATH"),
				"PREFECT_SECRETS_KEYRING_SERVICE=leak-test"}, svc.Env...)
			env = append(env, st.env...)
			var childArgv []string
			io, out, errOut := fakeIO(env, st.stdin, &childArgv)
			// The deadline only guards against a hang.
			err := New(io, "test").Run(append([]string{"prefect-secrets", "--verbose", "--timeout", "60s"}, st.args...))
			if err != nil {
				io.Report(err)
			}
			if strings.Contains(errOut.String(), canary[:12]) {
				t.Errorf("stderr shows the canary:\n%s", errOut.String())
			}
			if !st.stdoutMayShow && strings.Contains(out.String(), canary[:12]) {
				t.Errorf("stdout shows the canary:\n%s", out.String())
			}
			for _, a := range childArgv {
				if strings.Contains(a, canary[:12]) {
					t.Errorf("the child's argv shows the canary: %q", childArgv)
				}
			}
			if st.stdoutMayShow && !strings.Contains(out.String(), canary) {
				t.Errorf("%s did not print the value (err %v)", st.name, err)
			}
		})
	}
}
