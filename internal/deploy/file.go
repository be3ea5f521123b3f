package deploy

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/prefect-secrets/prefect-secrets/internal/inject"
	"github.com/prefect-secrets/prefect-secrets/resolve"
)

// maxFile bounds prefect.yaml: a wrong file must not fill memory.
const maxFile = 16 << 20

const fileHint = "prefect deploy reads the same file: fix it there (docs/deployments.md says what is read of it)"

// prefectFile is a read prefect.yaml: its deployments.
type prefectFile struct {
	path        string
	deployments []*ymap
}

// readPrefectFile reads and checks path as prefect deploy's model
// validates it; what is wrong is named FILE:LINE:COL, never quoted.
func readPrefectFile(path string) (*prefectFile, error) {
	data, err := inject.ReadUserFile("prefect file", path, maxFile, "")
	if err != nil {
		return nil, err
	}
	doc, err := parseYAML(data)
	if err != nil {
		var se *syntaxError
		if errors.As(err, &se) {
			return nil, &resolve.Error{Kind: resolve.ErrBadInput, Msg: fmt.Sprintf("%s:%d:%d: %s", path, se.Line, se.Col, se.msg), Hint: fileHint}
		}
		return nil, err
	}
	bad := func(p Pos, format string, args ...any) error {
		return &resolve.Error{Kind: resolve.ErrBadInput, Msg: fmt.Sprintf("%s:%d:%d: %s", path, p.Line, p.Col, fmt.Sprintf(format, args...)), Hint: fileHint}
	}
	f := &prefectFile{path: path}
	if doc == nil {
		return f, nil
	}
	top, ok := doc.(*ymap)
	if !ok {
		return nil, bad(Pos{1, 1}, "the file is not a mapping (prefect deploy reads a mapping with deployments:)")
	}
	list, ok := top.get("deployments")
	switch l := list.(type) {
	case nil:
	case *ylist:
		for _, item := range l.items {
			d, isMap := item.(*ymap)
			if !isMap {
				return nil, bad(l.at, "each of deployments: is a mapping")
			}
			if err := checkEntry(d, bad); err != nil {
				return nil, err
			}
			f.deployments = append(f.deployments, d)
		}
	default:
		if ok {
			return nil, bad(top.pos["deployments"], "deployments: is a list")
		}
	}
	return f, nil
}

// checkEntry checks what finding a deployment and its environment reads
// of an entry: name and entrypoint are strings, work_pool and its
// job_variables mappings.
func checkEntry(d *ymap, bad func(Pos, string, ...any) error) error {
	for _, k := range []string{"name", "entrypoint"} {
		if v, ok := d.get(k); ok && v != nil {
			if _, isString := v.(string); !isString {
				return bad(d.pos[k], "%s: is a string in Prefect's schema", k)
			}
		}
	}
	wp, ok := d.get("work_pool")
	if !ok || wp == nil {
		return nil
	}
	pool, isMap := wp.(*ymap)
	if !isMap {
		return bad(d.pos["work_pool"], "work_pool: is a mapping in Prefect's schema")
	}
	if jv, ok := pool.get("job_variables"); ok && jv != nil {
		if _, isMap := jv.(*ymap); !isMap {
			return bad(pool.pos["job_variables"], "job_variables: is a mapping in Prefect's schema")
		}
	}
	return nil
}

func stringOf(m *ymap, k string) string {
	s, _ := m.vals[k].(string)
	return s
}

// find is the entries `prefect deploy -n NAME` picks: those named NAME;
// for FLOW/NAME, those named NAME whose entrypoint's function is FLOW,
// its "-" read as "_".
func (f *prefectFile) find(name string) []*ymap {
	flow, dep, byFlow := strings.Cut(name, "/")
	flow = strings.ReplaceAll(flow, "-", "_")
	var out []*ymap
	for _, d := range f.deployments {
		if !byFlow && stringOf(d, "name") == name {
			out = append(out, d)
		}
		if byFlow && stringOf(d, "name") == dep && lastField(stringOf(d, "entrypoint"), ":") == flow {
			out = append(out, d)
		}
	}
	return out
}

func lastField(s, sep string) string {
	if i := strings.LastIndex(s, sep); i >= 0 {
		return s[i+len(sep):]
	}
	return s
}

// fileEntries are the variables of d's work_pool.job_variables.env, and
// of job_variables' env.NAME keys, which Prefect's worker folds into env
// (env's own keys win).
func (f *prefectFile) fileEntries(d *ymap) ([]entry, error) {
	var jv *ymap
	if pool, ok := d.vals["work_pool"].(*ymap); ok {
		jv, _ = pool.vals["job_variables"].(*ymap)
	}
	if jv == nil {
		return nil, nil
	}
	bad := func(p Pos, format string, args ...any) error {
		return &resolve.Error{Kind: resolve.ErrBadInput, Msg: fmt.Sprintf("%s:%d:%d: %s", f.path, p.Line, p.Col, fmt.Sprintf(format, args...)), Hint: fileHint}
	}
	byName := map[string]entry{}
	add := func(name string, v any, p Pos) {
		byName[name] = entry{name: name, value: plainValue(v), origin: fmt.Sprintf("%s:%d", f.path, p.Line), applied: true}
	}
	for _, k := range jv.keys {
		if rest, ok := strings.CutPrefix(k, "env."); ok {
			name, deeper, nested := strings.Cut(strings.ReplaceAll(strings.ReplaceAll(rest, "[", "."), "]", ""), ".")
			if nested {
				return nil, bad(jv.pos[k], "job variable %s makes $%s a mapping (%s.%s)", k, name, name, deeper)
			}
			add(name, jv.vals[k], jv.pos[k])
		}
	}
	switch env := jv.vals["env"].(type) {
	case nil:
	case *ymap:
		if len(env.odd) > 0 {
			return nil, bad(env.odd[0], "a key of env: is not a string in YAML 1.1 (yes, 1, null): quote it")
		}
		for _, k := range env.keys {
			add(k, env.vals[k], env.pos[k])
		}
	default:
		return nil, bad(jv.pos["env"], "env: is a mapping of variables")
	}
	entries := make([]entry, 0, len(byName))
	for _, e := range byName {
		entries = append(entries, e)
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].name < entries[j].name })
	return entries, nil
}

// plainValue is a value as JSON would hold it: a mapping or list stays
// one (it is refused as a variable's value), a scalar is itself.
func plainValue(v any) any {
	switch x := v.(type) {
	case *ymap:
		m := make(map[string]any, len(x.keys))
		for _, k := range x.keys {
			m[k] = plainValue(x.vals[k])
		}
		return m
	case *ylist:
		l := make([]any, len(x.items))
		for i, item := range x.items {
			l[i] = plainValue(item)
		}
		return l
	}
	return v
}

// filePass fills in placeholders as prefect deploy does: {{ $X }} from
// the caller's environment, and a {{ name }} too (it applies os.environ
// as the values of every placeholder); any other {{ name }} is a build or
// push step's output, which this tool does not run.
func filePass(environ map[string]string, path string) *pass {
	return &pass{
		environ: environ,
		standard: func(name string) (any, bool) {
			v, ok := environ[name]
			return v, ok
		},
		standardMissing: func(name string) error {
			return &resolve.Error{Kind: resolve.ErrBadInput,
				Msg:  fmt.Sprintf("%s: {{ %s }} is filled in by prefect deploy from a build or push step's output (or the environment), and no variable %s is set", path, name, name),
				Hint: "prefect-secrets runs no build or push steps: give the variable with -s or --env-file, or set it in the environment"}
		},
	}
}
