package commands

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prefect-secrets/prefect-secrets/internal/proc"
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
	// files are written in the case's directory first (reference files,
	// templates); stdin is the command's stdin.
	files map[string]string
	stdin string
	// dest is the file the command writes the value to on purpose: the one
	// file of the directory that may hold the canary, besides files. A
	// command that fails must leave it unwritten.
	dest string
	// ciMask is set where GITHUB_ACTIONS=true: then stderr may show the
	// canary, but only as whole ::add-mask:: lines.
	ciMask bool
}

// Every command, on its good and bad paths, keeps the canary out of
// stderr, its errors, the child's argv, stdout (unless printing it is the
// command's purpose) and every file but its destination.
func TestCanaryNeverLeaks(t *testing.T) {
	for _, tc := range leakCases() {
		t.Run(tc.name, tc.run)
	}
}

// leakCases are the command lines run against the canary.
func leakCases() []leakCase {
	brokenTOML := "[context.secrets]\nBROKEN = " + canary + "\n"
	refs := map[string]string{"refs.env": "X=prefect-secret://CANARY\nREGION=eu\n", "more.env": "M=prefect-secret://MISSING\n"}
	badRefs := map[string]string{"bad.env": "X=prefect-secret://CANARY\nP=\"" + canary + "\\q\"\n"}
	ci := []string{"GITHUB_ACTIONS=true"}
	return []leakCase{
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

		// reference files, export, inject
		{name: "exec env-file", args: []string{"exec", "--env-file", "refs.env", "--", "true"}, files: refs, code: 0, says: "(refs.env:1)"},
		{name: "exec env-file missing", args: []string{"exec", "--env-file", "refs.env", "-s", "M=MISSING", "--", "true"}, files: refs, code: ExitNotFound, says: "nothing was run"},
		{name: "exec env-file syntax", args: []string{"exec", "--env-file", "bad.env", "--", "true"}, files: badRefs, code: ExitDataErr, says: "bad.env:2:"},
		{name: "list env-file", args: []string{"list", "--env-file", "refs.env"}, files: refs, code: 0, says: "context: lookup"},
		{name: "list env-file missing", args: []string{"list", "--env-file", "refs.env", "--env-file", "more.env"}, files: refs, code: ExitNotFound, says: "more.env:1"},
		{name: "explain env-file", args: []string{"explain", "--env-file", "refs.env"}, files: refs, code: 0, says: "context: lookup"},
		{name: "explain env-file missing", args: []string{"explain", "--env-file", "refs.env", "--env-file", "more.env"}, files: refs, code: ExitNotFound, says: "more.env:1"},
		{name: "export dotenv", args: []string{"export", "--env-file", "refs.env", "--format", "dotenv"}, files: refs, stdoutMayShow: true, code: 0, says: "writing 2 variables as dotenv"},
		{name: "export shell", args: []string{"export", "-s", "CANARY", "--format", "shell"}, stdoutMayShow: true, code: 0, says: "as shell"},
		{name: "export json file", args: []string{"export", "--env-file", "refs.env", "--format", "json", "-o", "out.json"}, files: refs, dest: "out.json", code: 0, says: "as json"},
		{name: "export github env", args: []string{"export", "--env-file", "refs.env", "--github-env"}, files: refs, env: []string{"GITHUB_ENV=ghenv"}, dest: "ghenv", code: 0, says: "as github"},
		{name: "export missing", args: []string{"export", "--env-file", "refs.env", "-s", "M=MISSING", "--format", "json", "-o", "out.json"}, files: refs, dest: "out.json", code: ExitNotFound, says: "nothing was written"},
		{name: "export NUL", args: []string{"export", "-s", "NUL", "--format", "shell"}, config: "[context.secrets]\nNUL = \"" + canary + "\\u0000\"\n", code: ExitDataErr, says: "NUL byte"},
		{name: "export non-utf8 json", args: []string{"export", "-s", "BINARY", "--format", "json"}, env: []string{"PREFECT__CONTEXT__SECRETS__BINARY=" + canary + "\xff"}, code: ExitDataErr, says: "UTF-8"},
		{name: "export existing file", args: []string{"export", "-s", "CANARY", "--format", "json", "-o", "refs.env"}, files: refs, code: ExitExists, says: "--force"},
		{name: "export syntax", args: []string{"export", "--env-file", "bad.env", "--format", "json"}, files: badRefs, code: ExitDataErr, says: "bad.env:2:"},
		{name: "inject", args: []string{"inject", "-i", "tpl"}, files: map[string]string{"tpl": "pw={{ prefect-secret://CANARY }}\n"}, stdoutMayShow: true, code: 0, says: "inject: 1 references"},
		{name: "inject stdin to file", args: []string{"inject", "-o", "out"}, stdin: "pw={{ prefect-secret://CANARY }}\n", dest: "out", code: 0, says: "inject: 1 references"},
		{name: "inject missing", args: []string{"inject", "-i", "tpl", "-o", "out"}, files: map[string]string{"tpl": "{{ prefect-secret://CANARY }}{{ prefect-secret://MISSING }}"}, dest: "out", code: ExitNotFound, says: "tpl:1:30"},
		{name: "inject syntax", args: []string{"inject", "-i", "tpl"}, files: map[string]string{"tpl": "{{ prefect-secret://CANARY }} {{ " + canary + " }}"}, code: ExitDataErr, says: "tpl:1:31"},

		// GitHub Actions: the canary goes to stderr only as ::add-mask::
		{name: "ci get", args: []string{"get", "CANARY"}, env: ci, ciMask: true, stdoutMayShow: true, code: 0, says: "registering 1 values"},
		{name: "ci exec", args: []string{"exec", "-s", "CANARY", "--", "true"}, env: ci, ciMask: true, code: 0, says: "registering 1 values"},
		{name: "ci export", args: []string{"export", "--env-file", "refs.env", "--format", "json", "-o", "out.json"}, files: refs, env: ci, ciMask: true, dest: "out.json", code: 0, says: "registering 1 values"},
		{name: "ci inject", args: []string{"inject", "-o", "out"}, stdin: "{{ prefect-secret://CANARY }}", env: ci, ciMask: true, dest: "out", code: 0, says: "registering 1 values"},
		{name: "ci get structured", args: []string{"get", "NESTED"}, env: append([]string{"PREFECT__CONTEXT__SECRETS__NESTED__KEY=" + canary}, ci...), ciMask: true, stdoutMayShow: true, code: 0, says: "registering 1 values"},
		{name: "ci no-ci-mask", args: []string{"get", "--no-ci-mask", "CANARY"}, env: ci, stdoutMayShow: true, code: 0, says: "found 1 of 1"},
		{name: "ci missing", args: []string{"export", "-s", "CANARY", "-s", "MISSING", "--format", "json"}, env: ci, code: ExitNotFound, says: "nothing was written"},
	}
}

// run runs the case's command line in a directory of its own, with a
// child that is never started, and checks where the canary went.
func (tc leakCase) run(t *testing.T) {
	env := tc.setUp(t)
	var childArgv []string
	io, out, errOut := fakeIO(env, tc.stdin, &childArgv)
	err := New(io, "test").Run(append([]string{"prefect-secrets", "--verbose"}, tc.args...))
	if err != nil {
		io.Report(err)
	}
	if got := ExitCode(err); got != tc.code || !strings.Contains(errOut.String(), tc.says) {
		t.Errorf("ended with %d, want %d, and stderr saying %q; stderr:\n%s", got, tc.code, tc.says, errOut.String())
	}
	tc.checkOutput(t, err, out.String(), errOut.String(), childArgv)
	tc.checkFiles(t, err)
}

// setUp makes the case's directory (its home and working directory) with
// its files and user config, and returns its environment.
func (tc leakCase) setUp(t *testing.T) []string {
	home := t.TempDir()
	t.Chdir(home)
	if err := os.WriteFile("not-executable", []byte("#!/bin/sh\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for name, text := range tc.files {
		if err := os.WriteFile(name, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
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
	return env
}

// checkOutput checks that the canary shows in none of stderr (but in
// ::add-mask:: lines under GitHub Actions), the error, stdout (unless
// stdoutMayShow) and the child's argv.
func (tc leakCase) checkOutput(t *testing.T, err error, stdout, stderr string, childArgv []string) {
	t.Helper()
	shown := stderr
	if tc.ciMask {
		if !strings.Contains(stderr, "::add-mask::"+canary+"\n") {
			t.Errorf("under GitHub Actions, stderr does not register the canary:\n%s", stderr)
		}
		// Only ::add-mask:: lines may show it.
		var kept []string
		for _, line := range strings.SplitAfter(stderr, "\n") {
			if !strings.HasPrefix(line, "::add-mask::") {
				kept = append(kept, line)
			}
		}
		shown = strings.Join(kept, "")
	}
	if strings.Contains(shown, canary[:12]) {
		t.Errorf("stderr shows the canary:\n%s", stderr)
	}
	if err != nil && strings.Contains(err.Error(), canary[:12]) {
		t.Errorf("the error shows the canary: %v", err)
	}
	if !tc.stdoutMayShow && strings.Contains(stdout, canary[:12]) {
		t.Errorf("stdout shows the canary:\n%s", stdout)
	}
	for _, a := range childArgv {
		if strings.Contains(a, canary[:12]) {
			t.Errorf("the child's argv shows the canary: %q", childArgv)
		}
	}
}

// checkFiles checks that no file but the destination holds the canary (no
// temporary file left behind), and that the destination does when the
// command succeeded and is not there when it failed.
func (tc leakCase) checkFiles(t *testing.T, err error) {
	t.Helper()
	entries, _ := os.ReadDir(".")
	for _, e := range entries {
		data, _ := os.ReadFile(e.Name())
		_, given := tc.files[e.Name()]
		has := strings.Contains(string(data), canary[:12])
		switch {
		case e.Name() == tc.dest && err == nil && !has:
			t.Errorf("the destination %s lacks the canary", e.Name())
		case e.Name() != tc.dest && !given && has && e.Name() != "config.toml":
			t.Errorf("%s holds the canary", e.Name())
		case strings.Contains(e.Name(), ".tmp-"):
			t.Errorf("a temporary file is left: %s", e.Name())
		}
	}
	if tc.dest != "" && err != nil {
		if _, statErr := os.Stat(tc.dest); statErr == nil {
			t.Errorf("%s was written though the command failed", tc.dest)
		}
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
