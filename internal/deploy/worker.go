package deploy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/prefect-secrets/prefect-secrets/internal/placeholder"
	"github.com/prefect-secrets/prefect-secrets/resolve"
)

// A worker builds a flow run's env as Prefect 3.9.1's
// BaseJobConfiguration.from_template_and_values does (workers/base.py):
//
//  1. the base job template's job_configuration.env (often the text
//     "{{ env }}", or a mapping), with the defaults of its variables'
//     schema: a default env is merged into a mapping, or replaces the text;
//  2. the deployment's job variables over the defaults (a key "env.NAME"
//     first folded into env), and, when env is a mapping by now, the
//     deployment's env merged into it key by key;
//  3. apply_values with the job variables: {{ name }} is a job variable
//     (a whole value missing goes, inline it is ""), {{ $X }} the
//     environment; this pass does not look inside what a whole
//     placeholder put in, so a "{{ env }}" template leaves the
//     deployment's own {{ $X }} as they are;
//  4. blocks, then variables, resolved (here: through the sources);
//  5. every value str()'d, a None left out.

// workerSource names where a value of the worker's env came from.
type workerSource struct {
	pool, deployment string
}

// workerEntries are the variables the worker's steps 1-2 give, from the
// work pool's base job template and the deployment's job variables
// (JSON), and the job variables step 3 fills placeholders in from.
func workerEntries(template, jobVariables json.RawMessage, src workerSource) ([]entry, map[string]any, error) {
	bad := func(format string, args ...any) error {
		return &resolve.Error{Kind: resolve.ErrBadInput, Msg: fmt.Sprintf(format, args...)}
	}
	var tmpl struct {
		JobConfiguration map[string]any `json:"job_configuration"`
		Variables        struct {
			Properties map[string]map[string]any `json:"properties"`
		} `json:"variables"`
	}
	if err := decodeJSON(template, &tmpl); err != nil || tmpl.JobConfiguration == nil {
		return nil, nil, bad("work pool %s's base job template is not one a worker can use", src.pool)
	}
	values := map[string]any{}
	if len(bytes.TrimSpace(jobVariables)) > 0 && decodeJSON(jobVariables, &values) != nil {
		return nil, nil, bad("deployment %s's job variables are not a JSON object", src.deployment)
	}
	variables := map[string]any{}
	for name, attrs := range tmpl.Variables.Properties {
		if d, ok := attrs["default"]; ok && d != nil {
			variables[name] = d
		}
	}
	origins := map[string]string{}
	env := tmpl.JobConfiguration["env"]
	if base, isMap := env.(map[string]any); isMap {
		for k := range base {
			origins[k] = "work pool " + src.pool + "'s base job template"
		}
	}
	if d := variables["env"]; truthy(d) {
		env = mergeEnv(env, d, origins, "work pool "+src.pool+"'s env default")
	}
	for k, v := range foldDotKeys(values) {
		variables[k] = v
	}
	if _, isMap := env.(map[string]any); isMap && truthy(variables["env"]) {
		env = mergeEnv(env, variables["env"], origins, "deployment "+src.deployment+"'s job_variables")
	}
	entries, err := applyWorker(env, variables, origins, src)
	return entries, variables, err
}

func decodeJSON(b []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	return d.Decode(v)
}

// truthy is Python's bool() of a JSON value.
func truthy(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case bool:
		return x
	case string:
		return x != ""
	case json.Number:
		f, err := x.Float64()
		return err != nil || f != 0
	case map[string]any:
		return len(x) > 0
	case []any:
		return len(x) > 0
	}
	return true
}

// mergeEnv is Python's base | more for two mappings; more alone when base
// is none; origin names more's keys.
func mergeEnv(base, more any, origins map[string]string, origin string) any {
	m, isMap := more.(map[string]any)
	b, baseIsMap := base.(map[string]any)
	if !isMap {
		return more
	}
	out := map[string]any{}
	if baseIsMap {
		for k, v := range b {
			out[k] = v
		}
	} else {
		clear(origins)
	}
	for k, v := range m {
		out[k] = v
		origins[k] = origin
	}
	return out
}

// foldDotKeys is the worker's reading of job variables: a key with dots
// ("env.FOO") sets a nested value; keys without, given after, win (two
// mappings merged deeply).
func foldDotKeys(values map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range values {
		if strings.Contains(k, ".") {
			setIn(out, strings.Split(strings.ReplaceAll(strings.ReplaceAll(k, "[", "."), "]", ""), "."), v)
		}
	}
	for k, v := range values {
		if strings.Contains(k, ".") {
			continue
		}
		if a, ok := out[k].(map[string]any); ok {
			if b, ok := v.(map[string]any); ok {
				out[k] = deepMerge(a, b)
				continue
			}
		}
		out[k] = v
	}
	return out
}

func setIn(m map[string]any, keys []string, v any) {
	for _, k := range keys[:len(keys)-1] {
		next, ok := m[k].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[k] = next
		}
		m = next
	}
	m[keys[len(keys)-1]] = v
}

func deepMerge(a, b map[string]any) map[string]any {
	out := make(map[string]any, len(a)+len(b))
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		x, xok := out[k].(map[string]any)
		y, yok := v.(map[string]any)
		if xok && yok {
			out[k] = deepMerge(x, y)
		} else {
			out[k] = v
		}
	}
	return out
}

// applyWorker is step 3 on env, as entries for the later steps.
func applyWorker(env any, variables map[string]any, origins map[string]string, src workerSource) ([]entry, error) {
	applied := true
	if s, isText := env.(string); isText {
		ph, whole := placeholder.Whole(s)
		switch {
		case s == "":
			env = nil
		case !whole || ph.Kind != placeholder.Standard:
			return nil, &resolve.Error{Kind: resolve.ErrBadInput,
				Msg: fmt.Sprintf("work pool %s's base job template makes env a text, not a mapping of variables", src.pool)}
		default:
			env, _ = getFromDict(variables, ph.Name)
			applied = false
			origin := "job variable " + ph.Name
			if ph.Name == "env" {
				origin = "deployment " + src.deployment + "'s job_variables"
			}
			clear(origins)
			if m, ok := env.(map[string]any); ok {
				for k := range m {
					origins[k] = origin
				}
			}
		}
	}
	var entries []entry
	switch m := env.(type) {
	case nil:
	case map[string]any:
		for k, v := range m {
			entries = append(entries, entry{name: k, value: v, origin: origins[k], applied: applied})
		}
	default:
		return nil, &resolve.Error{Kind: resolve.ErrBadInput, Msg: fmt.Sprintf("work pool %s's base job template makes env something other than a mapping of variables", src.pool)}
	}
	return entries, nil
}

// workerPass fills in what apply_values does: {{ $X }} from the
// caller's environment, {{ name }} from the job variables.
func workerPass(environ map[string]string, variables map[string]any) *pass {
	return &pass{
		environ:  environ,
		standard: func(name string) (any, bool) { return getFromDict(variables, name) },
	}
}
