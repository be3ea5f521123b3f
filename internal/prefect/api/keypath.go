package api

import (
	"bytes"
	"encoding/json"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Prefect walks a key path into a block's data with get_from_dict
// (prefect/utilities/collections.py): "[" becomes ".", "]" goes, the rest
// splits on "."; a dict is indexed by the exact key (JSON keys are all
// strings, so its fallback to an integer key never matches); anything else
// by Python's int() of the key, which indexes a list (negative from the end)
// and a string (its code points); any other miss is "not there".

// walkKeyPath follows path through the JSON text data and returns the JSON
// text it leads to, or false where get_from_dict would give its default.
func walkKeyPath(data json.RawMessage, path string) (json.RawMessage, bool) {
	keys := strings.Split(strings.ReplaceAll(strings.ReplaceAll(path, "[", "."), "]", ""), ".")
	cur := data
	for _, k := range keys {
		next, ok := step(cur, k)
		if !ok {
			return nil, false
		}
		cur = next
	}
	return cur, true
}

// step indexes one JSON value by one key.
func step(v json.RawMessage, key string) (json.RawMessage, bool) {
	switch firstByte(v) {
	case '{':
		var m map[string]json.RawMessage
		if json.Unmarshal(v, &m) != nil {
			return nil, false
		}
		next, ok := m[key]
		return next, ok
	case '[':
		var l []json.RawMessage
		i, ok := pyInt(key)
		if !ok || json.Unmarshal(v, &l) != nil {
			return nil, false
		}
		i, ok = pyIndex(i, len(l))
		if !ok {
			return nil, false
		}
		return l[i], true
	case '"':
		var s string
		i, ok := pyInt(key)
		if !ok || json.Unmarshal(v, &s) != nil {
			return nil, false
		}
		runes := []rune(s)
		i, ok = pyIndex(i, len(runes))
		if !ok {
			return nil, false
		}
		out, _ := json.Marshal(string(runes[i]))
		return out, true
	}
	return nil, false
}

// pyIndex turns a Python index (negative counts from the end) into a Go
// one, false when it is out of range.
func pyIndex(i, n int) (int, bool) {
	if i < 0 {
		i += n
	}
	return i, i >= 0 && i < n
}

// pyInt is Python's int() of a key an address can hold: an optional "-",
// then decimal digits of any script, with single "_" between digits. A
// number too large to index anything is false too.
func pyInt(s string) (int, bool) {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	if s == "" || s[0] == '_' || s[len(s)-1] == '_' || strings.Contains(s, "__") {
		return 0, false
	}
	n := 0
	for _, r := range s {
		if r == '_' {
			continue
		}
		d := digitValue(r)
		if d < 0 || n > (1<<31)/10 {
			return 0, false
		}
		n = n*10 + d
	}
	if neg {
		n = -n
	}
	return n, true
}

// digitValue is the value of a decimal digit (Unicode Nd) of any script.
// Unicode keeps each script's digits as whole runs of 0-9 in a row, so the
// value is the offset from the start of the run, mod 10.
func digitValue(r rune) int {
	if !unicode.IsDigit(r) {
		return -1
	}
	start := r
	for start > 0 && unicode.IsDigit(start-1) {
		start--
	}
	return int(r-start) % 10
}

func firstByte(v json.RawMessage) byte {
	v = bytes.TrimLeft(v, " \t\r\n")
	if len(v) == 0 {
		return 0
	}
	return v[0]
}

// unwrapValue is Prefect's rule for data that is exactly {"value": X}
// (a Secret block, a String block): the address means X, unless its key
// path starts at "value" itself.
func unwrapValue(data json.RawMessage, path string, hasPath bool) json.RawMessage {
	if hasPath && (path == "value" || strings.HasPrefix(path, "value.") || strings.HasPrefix(path, "value[")) {
		return data
	}
	var m map[string]json.RawMessage
	if firstByte(data) != '{' || json.Unmarshal(data, &m) != nil || len(m) != 1 {
		return data
	}
	if x, ok := m["value"]; ok {
		return x
	}
	return data
}

// fieldNames are the keys of a JSON object, sorted, for a message: names
// only, never what they hold.
func fieldNames(v json.RawMessage) []string {
	var m map[string]json.RawMessage
	if firstByte(v) != '{' || json.Unmarshal(v, &m) != nil {
		return nil
	}
	names := make([]string, 0, len(m))
	for k := range m {
		if utf8.ValidString(k) {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	return names
}
