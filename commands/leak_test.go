package commands

import (
	"bytes"
	"fmt"
	"github.com/prefect-secrets/prefect-secrets/proc"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// canary is planted as a secret value; no stderr, verbose line, error or
// argv may ever show it.
const canary = "canary-7f3a91-DO-NOT-PRINT"

// leakCase is one command line run against a planted canary.
type leakCase struct {
	name   string
	args   []string
	config string // the user config file's contents; "" for none
	env    []string
	// stdoutMayShow is set where the command's purpose is to print the value.
	stdoutMayShow bool
	// code and says are how the case must end (its exit code, and words of
	// its stderr), so that each case is known to reach the path it names.
	code int
	says string
}

func TestCanaryNeverLeaks(t *testing.T) {
	brokenTOML := "[context.secrets]\nBROKEN = " + canary + "\n"
	cases := []leakCase{
		{name: "get", args: []string{"get", "CANARY"}, stdoutMayShow: true, code: 0, says: "found 1 of 1"},
		{name: "get json", args: []string{"get", "--json", "CANARY"}, stdoutMayShow: true, code: 0, says: "found 1 of 1"},
		{name: "get from file", args: []string{"get", "FILE_CANARY"}, config: "[context.secrets]\nFILE_CANARY = \"" + canary + "\"\n", stdoutMayShow: true, code: 0, says: "found 1 of 1"},
		{name: "get nested", args: []string{"get", "NESTED"}, env: []string{"PREFECT__CONTEXT__SECRETS__NESTED__KEY=" + canary}, stdoutMayShow: true, code: 0, says: "found 1 of 1"},
		{name: "get miss", args: []string{"get", "canary"}, code: ExitNotFound, says: `did you mean "CANARY"`},
		{name: "get miss other", args: []string{"get", "OTHER"}, code: ExitNotFound, says: `secret "OTHER" not found`},
		{name: "get invalid name", args: []string{"get", "A__B"}, code: ExitDataErr, says: `"__"`},
		{name: "get env source", args: []string{"--sources", "env,context", "get", "CANARY_ENV"}, env: []string{"CANARY_ENV=" + canary}, stdoutMayShow: true, code: 0, says: "env: lookup"},
		{name: "get broken config", args: []string{"get", "CANARY"}, config: brokenTOML, code: ExitConfig, says: "is not valid TOML"},
		{name: "list broken config", args: []string{"list"}, config: brokenTOML, code: ExitConfig, says: "is not valid TOML"},
		{name: "explain broken config", args: []string{"explain", "CANARY"}, config: brokenTOML, code: ExitConfig, says: "is not valid TOML"},
		{name: "exec broken config", args: []string{"exec", "-s", "CANARY", "--", "true"}, config: brokenTOML, code: ExitConfig, says: "is not valid TOML"},
		{name: "get conflict", args: []string{"get", "CONFLICT"}, env: []string{"PREFECT__CONTEXT__SECRETS__CONFLICT=" + canary, "PREFECT__CONTEXT__SECRETS__CONFLICT__X=" + canary}, code: ExitConfig, says: "CONFLICT"},
		{name: "get non-utf8 json", args: []string{"get", "--json", "BINARY"}, env: []string{"PREFECT__CONTEXT__SECRETS__BINARY=" + canary + "\xff"}, code: ExitDataErr, says: "UTF-8"},
		{name: "list", args: []string{"list"}, code: 0, says: "context: names"},
		{name: "list json", args: []string{"list", "--json"}, code: 0, says: "context: names"},
		{name: "list env", args: []string{"--sources", "context,env", "list"}, code: 0, says: "env: names"},
		{name: "explain", args: []string{"explain", "CANARY"}, code: 0, says: "context: lookup"},
		{name: "explain miss", args: []string{"explain", "canary"}, code: ExitNotFound, says: `secret "canary" not found`},
		{name: "exec", args: []string{"exec", "-s", "CANARY", "--", "true"}, code: 0, says: "with its output masked"},
		{name: "exec renamed", args: []string{"exec", "-s", "X=CANARY", "--context", "--", "true"}, code: 0, says: "with its output masked"},
		{name: "exec reference", args: []string{"exec", "--", "true"}, env: []string{"REF=prefect-secret://CANARY"}, code: 0, says: "reference in $REF"},
		{name: "exec missing", args: []string{"exec", "-s", "CANARY", "-s", "MISSING", "--", "true"}, code: ExitNotFound, says: "nothing was run"},
		{name: "exec not found", args: []string{"exec", "-s", "CANARY", "--", "no-such-command-here"}, code: proc.CodeNotFound, says: "not found"},
		{name: "exec not executable", args: []string{"exec", "-s", "CANARY", "--", "./not-executable"}, code: proc.CodeNotExecutable, says: "cannot run"},
		{name: "exec malformed -s", args: []string{"exec", "-s", "X=", "--", "true"}, code: ExitUsage, says: "malformed -s"},
		{name: "exec NUL", args: []string{"exec", "-s", "NUL", "--", "true"}, config: "[context.secrets]\nNUL = \"" + canary + "\\u0000\"\n", code: ExitDataErr, says: "NUL byte"},
		{name: "unknown source", args: []string{"--sources", "nope", "get", "CANARY"}, code: ExitUsage, says: "unknown source"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			home := t.TempDir()
			t.Chdir(home)
			if err := os.WriteFile("not-executable", []byte("#!/bin/sh\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			env := append([]string{
				"HOME=" + home,
				"PATH=" + os.Getenv("PATH"),
				"PREFECT__CONTEXT__SECRETS__CANARY=" + canary,
			}, tc.env...)
			if tc.config != "" {
				path := filepath.Join(home, "config.toml")
				if err := os.WriteFile(path, []byte(tc.config), 0o600); err != nil {
					t.Fatal(err)
				}
				env = append(env, "PREFECT__USER_CONFIG_PATH="+path)
			}
			var childArgv []string
			io, out, errOut := fakeIO(env, "", &childArgv)
			err := New(io, "test").Run(append([]string{"prefect-secrets", "--verbose"}, tc.args...))
			if err != nil {
				io.Report(err)
			}
			if got := ExitCode(err); got != tc.code || !strings.Contains(errOut.String(), tc.says) {
				t.Errorf("ended with %d, want %d, and stderr saying %q; stderr:\n%s", got, tc.code, tc.says, errOut.String())
			}
			if strings.Contains(errOut.String(), canary[:12]) {
				t.Errorf("stderr shows the canary:\n%s", errOut.String())
			}
			if err != nil && strings.Contains(err.Error(), canary[:12]) {
				t.Errorf("the error shows the canary: %v", err)
			}
			if !tc.stdoutMayShow && strings.Contains(out.String(), canary[:12]) {
				t.Errorf("stdout shows the canary:\n%s", out.String())
			}
			for _, a := range childArgv {
				if strings.Contains(a, canary[:12]) {
					t.Errorf("the child's argv shows the canary: %q", childArgv)
				}
			}
		})
	}
}

// TestCanaryReachesOnlyItsPlaces checks the positive side: the value does
// arrive where the command puts it on purpose, exactly.
func TestCanaryReachesOnlyItsPlaces(t *testing.T) {
	var out, errOut bytes.Buffer
	var childEnv []string
	io := &IO{Out: &out, Err: &errOut,
		Environ: []string{"PATH=/bin", "PREFECT__CONTEXT__SECRETS__CANARY=" + canary, "REF=prefect-secret://CANARY"},
		Exec: func(path string, argv, env []string) error {
			childEnv = env
			return nil
		},
		Supervise: func(o proc.Supervision) error {
			childEnv = o.Env
			return childPrints(o, nil)
		}}
	if err := New(io, "test").Run([]string{"prefect-secrets", "--verbose", "exec", "-s", "X=CANARY", "--", "true"}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"X=" + canary, "REF=" + canary} {
		found := false
		for _, kv := range childEnv {
			found = found || kv == want
		}
		if !found {
			t.Errorf("child env lacks %q: %q", want, childEnv)
		}
	}
	if strings.Contains(errOut.String(), canary) || strings.Contains(out.String(), canary) {
		t.Errorf("exec printed the value: stdout %q stderr %q", out.String(), errOut.String())
	}
	if !strings.Contains(out.String(), "out: <prefect-secret:CANARY>") {
		t.Errorf("the child's output of the value was not masked: %q", out.String())
	}
}

// childPrints stands in for a supervised child that prints every value it
// was given (from its environment), on stdout and stderr, as a careless
// flow would: the masker must keep each one out of our output.
func childPrints(o proc.Supervision, callerEnv []string) error {
	for _, kv := range o.Env {
		_, v, _ := strings.Cut(kv, "=")
		fmt.Fprintf(o.Stdout, "out: %s\n", v)
		fmt.Fprintf(o.Stderr, "err: %s", v)
	}
	_ = o.Stdout.Flush()
	return o.Stderr.Flush()
}

// fakeIO is the IO of a command run in the test: stdin from stdin, its
// output in out and errOut, and a child that is never started but records
// its argv (and, supervised, prints every value it was given).
func fakeIO(env []string, stdin string, childArgv *[]string) (io *IO, out, errOut *bytes.Buffer) {
	out, errOut = &bytes.Buffer{}, &bytes.Buffer{}
	io = &IO{In: strings.NewReader(stdin), Out: out, Err: errOut, Environ: env,
		Exec: func(path string, argv, env []string) error {
			*childArgv = argv
			return nil
		},
		Supervise: func(o proc.Supervision) error {
			*childArgv = o.Argv
			return childPrints(o, env)
		}}
	return io, out, errOut
}
