package resolve

import (
	"context"
	"strings"
)

// Env reads a plain environment variable by its exact name, as Prefect's
// EnvVarSecret does: the value is the variable's text, nothing decoded.
type Env struct {
	Environ []string // KEY=VALUE pairs, as os.Environ returns them
}

func (Env) Name() string  { return "env" }
func (Env) Where() string { return "environment variables, by exact name" }

func (e Env) Lookup(_ context.Context, names []string) (map[string]Secret, error) {
	want := make(map[string]bool, len(names))
	for _, n := range names {
		want[n] = true
	}
	found := make(map[string]Secret)
	for _, kv := range e.Environ {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || !want[k] {
			continue
		}
		if _, dup := found[k]; !dup { // the first of duplicated keys wins, as getenv(3) does
			found[k] = NewSecret([]byte(v))
		}
	}
	return found, nil
}

func (e Env) Names(context.Context) ([]string, error) {
	names := make([]string, 0, len(e.Environ))
	seen := make(map[string]bool, len(e.Environ))
	for _, kv := range e.Environ {
		k, _, ok := strings.Cut(kv, "=")
		if ok && k != "" && !seen[k] {
			seen[k] = true
			names = append(names, k)
		}
	}
	return names, nil
}
