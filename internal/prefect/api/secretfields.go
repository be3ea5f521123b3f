package api

import (
	"encoding/json"
	"slices"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// A block schema's secret_fields name its secret fields as dot paths of
// field names: "url", "credentials.aws_secret_access_key" (a field of a
// nested block), "headers.*" (Prefect's SecretDict: every key of the
// object at headers, at any depth). Prefect builds them in blocks/core.py
// (_collect_secret_fields); "*" only ever ends a path there, but a "*"
// anywhere is read here as Prefect's obfuscation reads it: every key at
// that place.

// secretPath is a key path into a block's data that a secret field of its
// schema leads to.
type secretPath struct {
	keys  []string // into the data; none for the whole data
	field string   // the schema's secret field it comes from
}

// secretPaths are the key paths to what each secret field holds in data:
// a field data does not have, or holds null at, gives none; each "*" gives
// one path per key of the object there (none when there is no object: a
// SecretDict that is null or empty comes back from the API as Prefect's
// mask). A key that no address can hold as one step of its key path (see
// addressableKey) gives the path to the object holding it instead, which
// resolves to that whole object. Paths come in the schema's order, keys
// under a "*" sorted, each once.
func secretPaths(data json.RawMessage, fields []string) []secretPath {
	var out []secretPath
	seen := map[string]bool{}
	add := func(p secretPath) {
		k := strings.Join(p.keys, "\x00")
		if len(p.keys) > 0 && !seen[k] {
			seen[k] = true
			out = append(out, p)
		}
	}
	for _, f := range fields {
		if f == "" {
			continue
		}
		expandField(data, strings.Split(f, "."), nil, func(keys []string) { add(secretPath{keys: keys, field: f}) })
	}
	return out
}

// expandField follows the rest of a secret field's keys from v (at, the
// keys followed so far) and gives each path it leads to.
func expandField(v json.RawMessage, rest, at []string, give func([]string)) {
	if len(rest) == 0 {
		if firstByte(v) != 'n' && len(v) > 0 { // null holds no value
			give(at)
		}
		return
	}
	var m map[string]json.RawMessage
	if firstByte(v) != '{' || json.Unmarshal(v, &m) != nil {
		return
	}
	keys := []string{rest[0]}
	if rest[0] == "*" {
		keys = keys[:0]
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
	}
	for _, k := range keys {
		child, ok := m[k]
		switch {
		case !ok:
		case !addressableKey(k):
			give(at) // the whole object that holds it
		default:
			expandField(child, rest[1:], append(slices.Clip(at), k), give)
		}
	}
}

// addressableKey says whether an address's key path can hold k as one
// step: a key path splits on ".", "[" and "]" (get_from_dict), and every
// character must be one Prefect's placeholder grammar allows (letters,
// digits, _ . - [ ] $). A "$" is allowed, as in Prefect, though a shell
// expands it unless the address is quoted.
func addressableKey(k string) bool {
	return k != "" && !strings.ContainsAny(k, ".[]") && placeholderSafe(k)
}

// placeholderSafe says every character of s is one of Prefect's
// placeholder grammar ([\w.\-\[\]$], Python's Unicode \w).
func placeholderSafe(s string) bool {
	for _, r := range s {
		switch {
		case r == '_' || r == '.' || r == '-' || r == '[' || r == ']' || r == '$':
		case r != utf8.RuneError && (unicode.IsLetter(r) || unicode.IsNumber(r)):
		default:
			return false
		}
	}
	return true
}

// splitKeyPath is an address's key path as get_from_dict walks it: "["
// becomes ".", "]" goes, the rest splits on ".".
func splitKeyPath(path string) []string {
	return strings.Split(strings.ReplaceAll(strings.ReplaceAll(path, "[", "."), "]", ""), ".")
}

// secretRelation says how a key path into a block's data stands to the
// schema's secret fields: a secret field or inside one (InSecretField),
// above some (HoldsSecretFields), or apart from all (NoSecretField);
// matched are the fields that decide it, in the schema's order.
func secretRelation(keys []string, fields []string) (rel FieldRelation, matched []string) {
	var above []string
	for _, f := range fields {
		fk := strings.Split(f, ".")
		switch {
		case f == "" || slices.Contains(matched, f) || slices.Contains(above, f):
		case keysPrefix(fk, keys):
			matched = append(matched, f)
		case keysPrefix(keys, fk):
			above = append(above, f)
		}
	}
	switch {
	case len(matched) > 0:
		return InSecretField, matched
	case len(above) > 0:
		return HoldsSecretFields, above
	}
	return NoSecretField, nil
}

// FieldRelation is how a key path stands to a schema's secret fields.
type FieldRelation int

const (
	// NoSecretField: the path is no secret field, and holds none.
	NoSecretField FieldRelation = iota
	// InSecretField: the path is a secret field, or inside one.
	InSecretField
	// HoldsSecretFields: the path holds secret fields (the whole block,
	// or an object above them).
	HoldsSecretFields
)

// keysPrefix says whether p is a prefix of k, "*" on either side standing
// for any one key.
func keysPrefix(p, k []string) bool {
	if len(p) > len(k) {
		return false
	}
	for i := range p {
		if p[i] != k[i] && p[i] != "*" && k[i] != "*" {
			return false
		}
	}
	return true
}

// dedupe is l without repeats, in its order (Prefect's Secret schema lists
// "value" twice).
func dedupe(l []string) []string {
	var out []string
	for _, s := range l {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}
