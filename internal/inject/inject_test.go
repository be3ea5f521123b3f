package inject

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/prefect-secrets/prefect-secrets/resolve"
)

func writeRefFile(t *testing.T, name, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// brief is what a test compares of a definition: its variable, what it
// holds and how it was given.
func brief(defs []Definition) []string {
	out := make([]string, len(defs))
	for i, d := range defs {
		what := d.Name
		if d.Plain {
			what = "plain:" + d.Value
		}
		out[i] = d.Var + "=" + what + "@" + []string{"deployment", "env", "file", "flag"}[d.Given]
	}
	return out
}

// -s wins over a file, a file over a reference in the environment, a
// later file line over an earlier one; each win is logged.
func TestGatherPrecedence(t *testing.T) {
	first := writeRefFile(t, "first.env", "A=prefect-secret://FILE_A\nB=prefect-secret://FILE1_B\nC=text\n")
	second := writeRefFile(t, "second.env", "B=prefect-secret://FILE2_B\n")
	var log []string
	defs, err := Gather(Request{
		Flags:   []string{"A=FLAG_A"},
		Files:   []string{first, second},
		Environ: []string{"C=prefect-secret://ENV_C", "D=prefect-secret://ENV_D", "PATH=/bin"},
		Log:     func(format string, args ...any) { log = append(log, format) },
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"A=FLAG_A@flag", "B=FILE2_B@file", "C=plain:text@file", "D=ENV_D@env"}
	if got := brief(defs); !reflect.DeepEqual(got, want) {
		t.Errorf("Gather = %q, want %q", got, want)
	}
	if len(log) != 3 {
		t.Errorf("logged %d wins, want 3 (A, B, C): %q", len(log), log)
	}
	if got := Names(defs); !reflect.DeepEqual(got, []string{"FLAG_A", "FILE2_B", "ENV_D"}) {
		t.Errorf("Names = %q", got)
	}
	ByPrecedence(defs)
	if got := brief(defs); !reflect.DeepEqual(got, []string{"D=ENV_D@env", "B=FILE2_B@file", "C=plain:text@file", "A=FLAG_A@flag"}) {
		t.Errorf("ByPrecedence = %q", got)
	}
}

// Two -s for one variable are a usage error naming both; the same -s twice
// is one definition.
func TestGatherFlagTwice(t *testing.T) {
	if defs, err := Gather(Request{Flags: []string{"X=A", "X=A"}}); err != nil || len(defs) != 1 {
		t.Errorf("the same -s twice: %v, %v; want one definition", defs, err)
	}
	_, err := Gather(Request{Flags: []string{"X=A", "X=B"}})
	if !errors.Is(err, resolve.ErrUsage) || !strings.Contains(err.Error(), "-s X=A and -s X=B") {
		t.Errorf("two -s for X: %v, want a usage error naming both", err)
	}
}

func TestGatherMalformedFlag(t *testing.T) {
	for flag, want := range map[string]string{
		"":        "it is empty",
		"=NAME":   "the variable name before",
		"VAR=":    "the secret name after",
		"V=A=B":   "more than one",
		"V X=A":   "space or control character",
		"V=A B":   "",
		"V=A__B":  "",
		"NA\x01B": "",
	} {
		_, err := Gather(Request{Flags: []string{flag}})
		if err == nil {
			t.Errorf("-s %q accepted", flag)
			continue
		}
		if want != "" && (!errors.Is(err, resolve.ErrUsage) || !strings.Contains(err.Error(), want)) {
			t.Errorf("-s %q: %v, want a usage error saying %q", flag, err, want)
		}
	}
}

// A bad name in a file or a reference names where it was.
func TestGatherBadNameSaysWhere(t *testing.T) {
	f := writeRefFile(t, "bad.env", "OK=prefect-secret://A\nBAD=prefect-secret://A__B\n")
	if _, err := Gather(Request{Files: []string{f}}); err == nil || !strings.Contains(err.Error(), f+":2:22: $BAD") {
		t.Errorf("bad name in a file: %v", err)
	}
	if _, err := Gather(Request{Environ: []string{"R=prefect-secret://A__B"}}); err == nil || !strings.Contains(err.Error(), "reference in $R") {
		t.Errorf("bad name in a reference: %v", err)
	}
	// Without an environment, its references are not definitions.
	if defs, err := Gather(Request{}); err != nil || len(defs) != 0 {
		t.Errorf("no request: %v, %v", defs, err)
	}
}

func TestChildEnv(t *testing.T) {
	defs := []Definition{
		{Var: "TOKEN", Name: "T", Given: ByFlag},
		{Var: "REF", Name: "R", Given: ByEnvironment},
		{Var: "MODE", Plain: true, Value: "fast", Given: ByFile},
	}
	values := map[string]resolve.Secret{"T": resolve.NewSecret([]byte("t-value")), "R": resolve.NewSecret([]byte("r-value"))}
	environ := []string{"PATH=/bin", "REF=prefect-secret://R", "OTHER=x", "LC_ALL=C"}
	env, err := ChildEnv(environ, defs, values, EnvOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"PATH=/bin", "OTHER=x", "LC_ALL=C", "MODE=fast", "REF=r-value", "TOKEN=t-value"}; !reflect.DeepEqual(env, want) {
		t.Errorf("ChildEnv = %q, want %q", env, want)
	}
	env, err = ChildEnv(environ, defs[:1], values, EnvOptions{Context: true, Pristine: true})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"PATH=/bin", "LC_ALL=C", "PREFECT__CONTEXT__SECRETS__T=t-value", "TOKEN=t-value"}; !reflect.DeepEqual(env, want) {
		t.Errorf("ChildEnv pristine with context = %q, want %q", env, want)
	}
	if got := Lookup(env, "PATH"); got != "/bin" {
		t.Errorf("Lookup(PATH) = %q", got)
	}
}

func TestChildEnvRefusesWhatAVariableCannotHold(t *testing.T) {
	nul := map[string]resolve.Secret{"N": resolve.NewSecret([]byte("a\x00b"))}
	if _, err := ChildEnv(nil, []Definition{{Var: "V", Name: "N"}}, nul, EnvOptions{}); !errors.Is(err, resolve.ErrBadInput) || strings.Contains(err.Error(), "a\x00b") {
		t.Errorf("a NUL in a value: %v", err)
	}
	if _, err := ChildEnv(nil, []Definition{{Var: "V", Plain: true, Value: "a\x00b", Origin: "f:1"}}, nil, EnvOptions{}); !errors.Is(err, resolve.ErrBadInput) {
		t.Errorf("a NUL in a plain value: %v", err)
	}
	if runtime.GOOS != "linux" {
		return // the kernel's limit on one variable is Linux's
	}
	big := map[string]resolve.Secret{"B": resolve.NewSecret([]byte(strings.Repeat("x", 32*os.Getpagesize())))}
	if _, err := ChildEnv(nil, []Definition{{Var: "V", Name: "B"}}, big, EnvOptions{}); !errors.Is(err, resolve.ErrBadInput) || !strings.Contains(err.Error(), "MAX_ARG_STRLEN") {
		t.Errorf("a value over MAX_ARG_STRLEN: %v", err)
	}
}

// MissingError says what asked for each missing name.
func TestMissingError(t *testing.T) {
	defs := []Definition{{Var: "A", Name: "X", Origin: "-s A=X"}, {Var: "B", Name: "Y", Origin: "f:2"}, {Var: "C", Name: "X", Origin: "f:3"}}
	base := &resolve.Error{Kind: resolve.ErrNotFound, Msg: `secret "X" not found`}
	err := MissingError(base, defs, []string{"X"}, "nothing was run")
	if got := err.Error(); got != `secret "X" not found; asked for by -s A=X, f:3; nothing was run` {
		t.Errorf("MissingError = %q", got)
	}
}
