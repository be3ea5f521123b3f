// Package localcontext is Prefect 1's local context as a source of
// secrets: PREFECT__CONTEXT__SECRETS__<NAME> variables and the
// [context.secrets] table of the user config file, read by Prefect 1's own
// rules for which variables are secrets (Key). It knows nothing of the
// keyring or the API.
package localcontext

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/prefect-secrets/prefect-secrets/internal/conffile"
	"github.com/prefect-secrets/prefect-secrets/resolve"
)

// Prefix starts every environment variable that holds a Prefect 1
// local-context secret.
const Prefix = "PREFECT__CONTEXT__SECRETS__"

// Source is Prefect 1's local context: environment variables
// PREFECT__CONTEXT__SECRETS__<NAME> and the [context.secrets] table of the
// user config file, the environment winning. It is read exactly as Prefect
// reads it (see Key), but values are never cast or $-expanded: a
// value is the exact text of the variable, or the JSON text of a TOML value
// that is not a string.
type Source struct {
	Environ    []string // KEY=VALUE pairs, as os.Environ returns them
	ConfigPath string   // Prefect's user config file; a missing file is an empty one

	loaded    bool
	tree      map[string]any
	conflicts map[string]error
	origins   map[string][]string // name -> where its value came from, the winner first
	err       error
}

// Origin says where the local context's value of name comes from, and what
// it overrides: the variable(s) or the config file. It names no value.
func (c *Source) Origin(name string) string {
	if c.load() != nil {
		return ""
	}
	o := c.origins[name]
	if len(o) == 0 {
		return ""
	}
	return "from " + strings.Join(o, ", ")
}

func (*Source) Name() string { return "context" }

func (c *Source) Where() string {
	return Prefix + "<NAME> variables and [context.secrets] in " + c.ConfigPath
}

// Key reports whether the environment variable key holds a
// local-context secret and, if so, its key path (the secret's name, then the
// keys nested inside it). It follows Prefect 1's interpolate_config: after
// "PREFECT__", a rest that starts with CONTEXT__SECRETS in any case has each
// literal "CONTEXT__SECRETS" lower-cased and keeps the rest of its case;
// any other rest is lower-cased whole; then it is split on "__".
func Key(key string) ([]string, bool) {
	rest, ok := strings.CutPrefix(key, "PREFECT__")
	if !ok {
		return nil, false
	}
	if strings.HasPrefix(strings.ToUpper(rest), "CONTEXT__SECRETS") {
		rest = strings.ReplaceAll(rest, "CONTEXT__SECRETS", "context__secrets")
	} else {
		rest = strings.ToLower(rest)
	}
	parts := strings.Split(rest, "__")
	if len(parts) < 3 || parts[0] != "context" || parts[1] != "secrets" || parts[2] == "" {
		return nil, false
	}
	return parts[2:], true
}

func (c *Source) load() error {
	if c.loaded {
		return c.err
	}
	c.loaded = true
	c.tree, c.err = readConfigSecrets(c.ConfigPath)
	if c.err != nil {
		return c.err
	}
	c.conflicts = make(map[string]error)
	c.origins = make(map[string][]string)
	for name := range c.tree {
		c.origins[name] = []string{"[context.secrets] in " + c.ConfigPath}
	}

	type entry struct {
		key   string
		path  []string
		value string
	}
	var plain, nested []entry
	eachVariable(c.Environ, func(k, v string) {
		path, ok := Key(k)
		switch {
		case !ok:
		case len(path) == 1:
			plain = append(plain, entry{k, path, v})
		default:
			nested = append(nested, entry{k, path, v})
		}
	})
	sort.Slice(nested, func(i, j int) bool { return nested[i].key < nested[j].key })
	// A plain variable replaces the file's value whole; nested ones then add
	// keys inside a table, as Prefect's set_nested does.
	for _, e := range plain {
		name := e.path[0]
		if old, ok := c.origins[name]; ok {
			c.origins[name] = []string{e.key + " (shadowing " + old[0] + ")"}
		} else {
			c.origins[name] = []string{e.key}
		}
		c.tree[name] = e.value
	}
	for _, e := range nested {
		node := c.tree
		for _, k := range e.path[:len(e.path)-1] {
			next, exists := node[k]
			if !exists {
				m := make(map[string]any)
				node[k] = m
				node = m
				continue
			}
			m, isTable := next.(map[string]any)
			if !isTable {
				name := e.path[0]
				c.conflicts[name] = &resolve.Error{Kind: resolve.ErrConfig,
					Msg: fmt.Sprintf("secret %s is both a plain value and a table: %s sets key %s inside it",
						resolve.QuoteName(name), e.key, resolve.QuoteName(strings.Join(e.path[1:], "."))),
					Hint: "unset one of the two (Prefect itself cannot load this configuration)"}
				node = nil
				break
			}
			node = m
		}
		if node != nil {
			node[e.path[len(e.path)-1]] = e.value
			c.origins[e.path[0]] = append(c.origins[e.path[0]], e.key)
		}
	}
	return nil
}

// eachVariable calls f with each variable of environ, once: where a name
// is there twice the first wins, as getenv(3) has it.
func eachVariable(environ []string, f func(k, v string)) {
	seen := make(map[string]bool)
	for _, kv := range environ {
		k, v, ok := strings.Cut(kv, "=")
		if ok && !seen[k] {
			seen[k] = true
			f(k, v)
		}
	}
}

// readConfigSecrets returns the [context.secrets] table of Prefect's user
// config; a file that does not exist has none.
func readConfigSecrets(path string) (map[string]any, error) {
	empty := make(map[string]any)
	if path == "" {
		return empty, nil
	}
	configErr := func(what, hint string, err error) error {
		return &resolve.Error{Kind: resolve.ErrConfig, Msg: fmt.Sprintf("Prefect config file %s %s", path, what), Hint: hint, Err: err}
	}
	data, err := conffile.Read(path)
	var fe *conffile.Error
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return empty, nil
	case errors.Is(err, conffile.ErrIsDir):
		return nil, configErr("is a directory", "point PREFECT__USER_CONFIG_PATH at a TOML file, or remove the directory", nil)
	case errors.As(err, &fe) && fe.Err != nil:
		return nil, configErr("cannot be read", "check its permissions, or point PREFECT__USER_CONFIG_PATH elsewhere", fe.Err)
	case errors.As(err, &fe):
		return nil, configErr(fe.What, "point PREFECT__USER_CONFIG_PATH at Prefect's TOML config file", nil)
	case err != nil:
		return nil, configErr("cannot be read", "check its permissions, or point PREFECT__USER_CONFIG_PATH elsewhere", err)
	}
	doc, err := conffile.ParseTOML(data)
	if err != nil {
		// Only where it breaks: the text may be a secret value.
		return nil, configErr(err.Error(), `fix the file; a secret looks like: [context.secrets] followed by NAME = "value"`, nil)
	}
	ctxTable, ok := doc["context"]
	if !ok {
		return empty, nil
	}
	ctxMap, ok := ctxTable.(map[string]any)
	if !ok {
		return nil, configErr(`has "context" that is not a table`, `secrets belong in a [context.secrets] table`, nil)
	}
	secrets, ok := ctxMap["secrets"]
	if !ok {
		return empty, nil
	}
	secretMap, ok := secrets.(map[string]any)
	if !ok {
		return nil, configErr(`has "context.secrets" that is not a table`, `secrets belong in a [context.secrets] table`, nil)
	}
	return secretMap, nil
}

func (c *Source) Lookup(_ context.Context, names []string) (map[string]resolve.Secret, error) {
	if err := c.load(); err != nil {
		return nil, err
	}
	found := make(map[string]resolve.Secret)
	for _, n := range names {
		if err := c.conflicts[n]; err != nil {
			return nil, err
		}
		v, ok := c.tree[n]
		if !ok {
			continue
		}
		s, err := secretOf(v)
		if err != nil {
			return nil, &resolve.Error{Kind: resolve.ErrConfig, Msg: fmt.Sprintf("secret %s in the local context cannot be read", resolve.QuoteName(n)), Err: err}
		}
		found[n] = s
	}
	return found, nil
}

func (c *Source) Names(context.Context) ([]string, error) {
	if err := c.load(); err != nil {
		return nil, err
	}
	names := make([]string, 0, len(c.tree))
	for n := range c.tree {
		names = append(names, n)
	}
	sort.Strings(names)
	return names, nil
}

// secretOf turns a config value into a Secret: a string is its exact text,
// anything else its JSON text.
func secretOf(v any) (resolve.Secret, error) {
	if s, ok := v.(string); ok {
		return resolve.NewSecret([]byte(s)), nil
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(jsonable(v)); err != nil {
		return resolve.Secret{}, errors.New("its value has no JSON form")
	}
	return resolve.NewJSONSecret(bytes.TrimSuffix(buf.Bytes(), []byte("\n"))), nil
}

// jsonable maps TOML's decoded values onto ones encoding/json writes as
// TOML means them: dates and times as their TOML text, and the floats JSON
// lacks (nan, inf) as strings.
func jsonable(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = jsonable(e)
		}
		return m
	case []any:
		a := make([]any, len(x))
		for i, e := range x {
			a[i] = jsonable(e)
		}
		return a
	case []map[string]any:
		a := make([]any, len(x))
		for i, e := range x {
			a[i] = jsonable(e)
		}
		return a
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return fmt.Sprint(x)
		}
		return x
	case time.Time: // an offset date-time
		return x.Format(time.RFC3339Nano)
	case fmt.Stringer: // toml.LocalDate, LocalTime, LocalDateTime: no offset, none added
		return x.String()
	}
	return v
}
