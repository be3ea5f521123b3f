package prefect

import (
	"path/filepath"
	"strings"
)

// The one expansion of the paths Prefect 1 names. Its configuration.py
// (interpolate_env_vars) gives PREFECT__USER_CONFIG_PATH,
// PREFECT__BACKEND_CONFIG_PATH and every config value, home_dir among them,
// to os.path.expandvars and then os.path.expanduser, again until nothing
// changes, at most 10 times. (PREFECT__BACKEND_CONFIG_PATH gets only the ~
// step here, as it always has: see readV1Settings.)

// UserConfigPath is Prefect 1's user config file, which also holds the
// local context's secrets: PREFECT__USER_CONFIG_PATH (the first of its
// name in environ), else ~/.prefect/config.toml, expanded as Prefect
// expands it. With no home directory (home ""), a path that needs one names
// no file: "".
func UserConfigPath(environ []string, home string) string {
	p, _ := lookupFirst(environ, "PREFECT__USER_CONFIG_PATH")
	if p == "" {
		p = "~/.prefect/config.toml"
	}
	p, homeless := expandPath(p, environ, home)
	if homeless {
		return ""
	}
	return p
}

// expandPath expands $VAR and ${VAR} in p from environ (Python's
// os.path.expandvars: a name is [A-Za-z0-9_]+; an unset one stays as
// written), then a leading ~ (alone or before a /) to home, again until
// nothing changes (at most 10 times). homeless says that a ~ was to expand
// while home is "" (it expanded to "", as Python's with HOME empty).
func expandPath(p string, environ []string, home string) (expanded string, homeless bool) {
	for range 10 {
		next := pyExpandVars(p, environ)
		if home == "" && startsHome(next) {
			homeless = true
		}
		next = expandHome(next, home)
		if next == p {
			break
		}
		p = next
	}
	return p, homeless
}

var pyVar = lazyRegexp(`\$([A-Za-z0-9_]+|\{[^}]*\})`)

// pyExpandVars is Python's os.path.expandvars, on os.environ (where the
// first of a name wins).
func pyExpandVars(p string, environ []string) string {
	if !strings.Contains(p, "$") {
		return p
	}
	return pyVar().ReplaceAllStringFunc(p, func(m string) string {
		name := strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(m, "$"), "{"), "}")
		if v, ok := lookupFirst(environ, name); ok {
			return v
		}
		return m
	})
}

// startsHome says whether p starts with the ~ that expandHome expands.
func startsHome(p string) bool { return p == "~" || strings.HasPrefix(p, "~/") }

// expandHome expands a leading ~ (alone or before a /) to home; ~user
// stays as written.
func expandHome(p, home string) string {
	if startsHome(p) {
		return filepath.Join(home, p[1:])
	}
	return p
}

// lookupFirst is a variable of environ as a process sees it (getenv,
// Python's os.environ): the first of its name.
func lookupFirst(environ []string, key string) (string, bool) {
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok && k == key {
			return v, true
		}
	}
	return "", false
}
