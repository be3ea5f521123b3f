package deploy

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/prefect-secrets/prefect-secrets/internal/inject"
	"github.com/prefect-secrets/prefect-secrets/internal/placeholder"
	"github.com/prefect-secrets/prefect-secrets/resolve"
)

// entry is one variable of a deployment's environment before its
// placeholders are resolved: its value as Prefect holds it (a string, a
// json.Number, a bool, nil, or something no variable can hold) and where
// it was given.
type entry struct {
	name   string
	value  any
	origin string
	// applied says whether the pass that fills in {{ $X }} and job
	// variables reaches this value (see worker.go: a worker applies none
	// inside what a whole {{ env }} put in).
	applied bool
}

// pass is how the placeholders of a deployment's values are filled in
// besides blocks and variables, which the sources resolve.
type pass struct {
	environ map[string]string
	// standard looks up a placeholder that is no block, variable or $X
	// ({{ name }}): found, its value; else what to do.
	standard func(name string) (v any, found bool)
	// standardMissing is the error for a {{ name }} standard does not
	// have, or nil to do as Prefect's worker does: a whole value goes,
	// inline it is "".
	standardMissing func(name string) error
	// missing collects the $X the caller's environment lacks.
	missing []string
}

// definitions makes the deployment's variables' definitions, sorted by
// name, every missing $X listed in one error.
func (p *pass) definitions(entries []entry) ([]inject.Definition, error) {
	sort.Slice(entries, func(i, j int) bool { return entries[i].name < entries[j].name })
	var defs []inject.Definition
	for _, e := range entries {
		if err := inject.CheckVar(e.name); err != nil {
			return nil, &resolve.Error{Kind: resolve.ErrBadInput, Msg: fmt.Sprintf("%s: %v", e.origin, err)}
		}
		parts, keep, err := p.parts(e)
		if err != nil {
			return nil, err
		}
		if !keep {
			continue
		}
		d := inject.Definition{Var: e.name, Given: inject.ByDeployment, Origin: e.origin, Parts: parts}
		if len(d.Addresses()) == 0 {
			d.Plain = true
			for _, part := range parts {
				d.Value += part.Text
			}
		}
		defs = append(defs, d)
	}
	if len(p.missing) > 0 {
		sort.Strings(p.missing)
		return nil, &resolve.Error{Kind: resolve.ErrNotFound,
			Msg:  "the deployment's environment asks for variables the environment does not have: " + strings.Join(p.missing, ", ") + "; nothing was run",
			Hint: "set them, or give the deployment's variables with -s or --env-file (Prefect would put \"\" in their place)"}
	}
	return defs, nil
}

// parts is a value in pieces; keep is false when the variable is not set
// at all (null, as Prefect's worker leaves out a None; a whole {{ name }}
// the job variables lack).
func (p *pass) parts(e entry) (parts []inject.Part, keep bool, err error) {
	switch v := e.value.(type) {
	case nil:
		return nil, false, nil
	case string:
		return p.text(e, v)
	case timestamp:
		return nil, false, &resolve.Error{Kind: resolve.ErrBadInput,
			Msg:  fmt.Sprintf("%s: $%s is a YAML timestamp, which prefect deploy stores in pydantic's ISO form", e.origin, e.name),
			Hint: "quote it, to give the text you mean"}
	}
	text, err := pyText(e.value)
	if err != nil {
		return nil, false, &resolve.Error{Kind: resolve.ErrBadInput,
			Msg:  fmt.Sprintf("%s: $%s is a mapping or a list: Prefect's worker would put its Python repr in the variable", e.origin, e.name),
			Hint: "give the variable a text (a JSON text in quotes, if the flow decodes it)"}
	}
	return []inject.Part{{Text: text}}, true, nil
}

// pyText is Python's str() of a value held as JSON is decoded here.
func pyText(v any) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case nil:
		return "None", nil
	case bool:
		if x {
			return "True", nil
		}
		return "False", nil
	case json.Number:
		return placeholder.PyStr([]byte(x), true)
	}
	return "", placeholder.ErrNotScalar
}

// text splits a string value at its placeholders.
func (p *pass) text(e entry, s string) ([]inject.Part, bool, error) {
	ps := placeholder.Find(s)
	var parts []inject.Part
	last := 0
	for _, ph := range ps {
		if ph.Start > last {
			parts = append(parts, inject.Part{Text: s[last:ph.Start]})
		}
		last = ph.End
		whole := len(ps) == 1 && ph.Start == 0 && ph.End == len(s)
		part, keep, err := p.placeholder(e, ph, whole)
		if err != nil || !keep {
			return nil, false, err
		}
		parts = append(parts, part)
	}
	if last < len(s) || len(parts) == 0 {
		parts = append(parts, inject.Part{Text: s[last:]})
	}
	return parts, true, nil
}

// leftAsIs is what explain says of a placeholder Prefect does not fill in.
const leftAsIs = "left as it is, as Prefect's worker leaves it"

func (p *pass) placeholder(e entry, ph placeholder.Placeholder, whole bool) (inject.Part, bool, error) {
	switch ph.Kind {
	case placeholder.Block, placeholder.Variable:
		if _, _, err := resolve.ParseAddress(ph.Name); err != nil {
			return inject.Part{}, false, fmt.Errorf("%s: $%s: %w", e.origin, e.name, err)
		}
		return inject.Part{Address: ph.Name}, true, nil
	case placeholder.Env:
		if !e.applied {
			return inject.Part{Text: ph.Full, From: leftAsIs}, true, nil
		}
		name := placeholder.EnvName(ph.Name)
		v, ok := p.environ[name]
		if !ok {
			if !containsString(p.missing, "$"+name) {
				p.missing = append(p.missing, "$"+name)
			}
			return inject.Part{}, true, nil
		}
		return inject.Part{Text: v, From: "$" + name}, true, nil
	}
	if !e.applied {
		return inject.Part{Text: ph.Full, From: leftAsIs}, true, nil
	}
	v, found := p.standard(ph.Name)
	switch {
	case !found && p.standardMissing != nil:
		return inject.Part{}, false, p.standardMissing(ph.Name)
	case !found && whole:
		return inject.Part{}, false, nil
	case !found:
		return inject.Part{From: "{{ " + ph.Name + " }}, which Prefect's worker finds nowhere"}, true, nil
	case v == nil && whole:
		return inject.Part{}, false, nil
	}
	text, err := pyText(v)
	if err != nil {
		return inject.Part{}, false, &resolve.Error{Kind: resolve.ErrBadInput,
			Msg: fmt.Sprintf("%s: $%s: {{ %s }} is a mapping or a list: Prefect's worker would put its Python repr in the variable", e.origin, e.name, ph.Name)}
	}
	return inject.Part{Text: text, From: "job variable " + ph.Name}, true, nil
}

func containsString(l []string, s string) bool {
	for _, e := range l {
		if e == s {
			return true
		}
	}
	return false
}

// environMap is an environment's variables by name (the first of a name
// wins, as getenv finds it).
func environMap(environ []string) map[string]string {
	m := make(map[string]string, len(environ))
	for _, kv := range environ {
		k, v, _ := strings.Cut(kv, "=")
		if _, dup := m[k]; !dup {
			m[k] = v
		}
	}
	return m
}

// getFromDict walks v by a key path as Prefect's get_from_dict does:
// "[i]" is ".i"; a mapping is indexed by the key, a list by an integer
// (negative from the end).
func getFromDict(v any, path string) (any, bool) {
	path = strings.ReplaceAll(strings.ReplaceAll(path, "[", "."), "]", "")
	for _, k := range strings.Split(path, ".") {
		switch x := v.(type) {
		case map[string]any:
			next, ok := x[k]
			if !ok {
				return nil, false
			}
			v = next
		case []any:
			i, err := strconv.Atoi(strings.TrimSpace(k))
			if err != nil {
				return nil, false
			}
			if i < 0 {
				i += len(x)
			}
			if i < 0 || i >= len(x) {
				return nil, false
			}
			v = x[i]
		default:
			return nil, false
		}
	}
	return v, true
}
