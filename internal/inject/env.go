package inject

import (
	"bytes"
	"fmt"
	"os"
	"runtime"
	"slices"
	"sort"
	"strings"

	"github.com/prefect-secrets/prefect-secrets/internal/prefect/localcontext"
	"github.com/prefect-secrets/prefect-secrets/resolve"
)

// PristineVars are what a pristine environment keeps of the caller's;
// LC_* variables are kept too.
var PristineVars = []string{"PATH", "HOME", "USER", "LOGNAME", "SHELL", "TERM", "LANG", "TZ", "TMPDIR"}

// EnvOptions shape the child's environment.
type EnvOptions struct {
	// Context also gives each secret as PREFECT__CONTEXT__SECRETS__NAME,
	// where a Prefect 1 flow's Secret(NAME).get() finds it.
	Context bool
	// Pristine starts from PristineVars (and LC_*) of the caller's
	// environment instead of all of it.
	Pristine bool
}

// ChildEnv builds the child's environment: the caller's environ (or its
// pristine minimum), without the variables the definitions replace (the
// references among them), plus every definition with its value from
// values. A value no environment variable can hold (a NUL byte, more than
// Linux allows one variable) is an error naming the secret, and nothing is
// run.
func ChildEnv(environ []string, defs []Definition, values map[string]resolve.Secret, o EnvOptions) ([]string, error) {
	set := make(map[string]string)
	for _, d := range defs {
		if d.Plain {
			if strings.IndexByte(d.Value, 0) >= 0 {
				return nil, &resolve.Error{Kind: resolve.ErrBadInput, Msg: fmt.Sprintf("the plain value of $%s (%s) holds a NUL byte, which an environment variable cannot", d.Var, d.Origin)}
			}
			set[d.Var] = d.Value
			continue
		}
		if d.Parts != nil {
			v, err := d.Render(values)
			if err != nil {
				return nil, err
			}
			if bytes.IndexByte(v, 0) >= 0 {
				return nil, &resolve.Error{Kind: resolve.ErrBadInput, Msg: fmt.Sprintf("the value of $%s (%s) holds a NUL byte, which an environment variable cannot", d.Var, d.Origin)}
			}
			if err := entryFits(d.Var, "", len(v)); err != nil {
				return nil, err
			}
			set[d.Var] = string(v)
			continue
		}
		v := values[d.Name].Reveal()
		if bytes.IndexByte(v, 0) >= 0 {
			return nil, &resolve.Error{Kind: resolve.ErrBadInput,
				Msg:  fmt.Sprintf("the value of %s holds a NUL byte, which an environment variable cannot", resolve.QuoteName(d.Name)),
				Hint: "use prefect-secrets get " + d.Name + " to read it as bytes"}
		}
		vars := []string{d.Var}
		if o.Context {
			vars = append(vars, localcontext.Prefix+d.Name)
		}
		for _, k := range vars {
			if err := entryFits(k, d.Name, len(v)); err != nil {
				return nil, err
			}
			set[k] = string(v)
		}
	}
	env := make([]string, 0, len(environ)+len(set))
	for _, kv := range environ {
		k, _, _ := strings.Cut(kv, "=")
		if _, replaced := set[k]; replaced {
			continue
		}
		if o.Pristine && !slices.Contains(PristineVars, k) && !strings.HasPrefix(k, "LC_") {
			continue
		}
		env = append(env, kv)
	}
	keys := make([]string, 0, len(set))
	for k := range set {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		env = append(env, k+"="+set[k])
	}
	return env, nil
}

// entryFits refuses a variable the kernel would refuse to start the
// command with: on Linux, no "VAR=value" string (its NUL included) may
// exceed 32 pages (MAX_ARG_STRLEN, 128 KiB with 4 KiB pages), or execve
// fails with "argument list too long" after everything was set up.
func entryFits(name, secret string, valueLen int) error {
	if runtime.GOOS != "linux" {
		return nil
	}
	limit := 32 * os.Getpagesize()
	n := len(name) + 1 + valueLen + 1
	if n > limit && secret == "" {
		return &resolve.Error{Kind: resolve.ErrBadInput,
			Msg: fmt.Sprintf("variable %s would be %d bytes, over the %d bytes Linux allows one environment variable (MAX_ARG_STRLEN); nothing was run", resolve.QuoteName(name), n, limit)}
	}
	if n > limit {
		return &resolve.Error{Kind: resolve.ErrBadInput,
			Msg: fmt.Sprintf("variable %s would be %d bytes (its name, \"=\", the value of secret %s and a NUL), over the %d bytes Linux allows one environment variable (MAX_ARG_STRLEN); nothing was run",
				resolve.QuoteName(name), n, resolve.QuoteName(secret), limit),
			Hint: "pass a value this large another way, e.g. on stdin: prefect-secrets get " + secret + " | COMMAND"}
	}
	return nil
}

// Lookup is the value of key in env, "" if it is not there.
func Lookup(env []string, key string) string {
	for _, kv := range env {
		if k, v, ok := strings.Cut(kv, "="); ok && k == key {
			return v
		}
	}
	return ""
}
