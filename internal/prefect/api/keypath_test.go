package api

import (
	"encoding/json"
	"testing"
)

// keyPathData and keyPathCases: what Prefect 3.9.1's get_from_dict gives
// for each key path into keyPathData (run on the same input; the real
// Prefect's own resolver is compared live in testdata/prefect3/).
const keyPathData = `{"a": {"b": [10, {"c": "x"}, "hey"], "2026": 1, "": "empty"}, "s": "héllo", "n": null, "t": true, "l": [[1,2],[3]], "value": {"v": 1}}`

var keyPathCases = []struct {
	path  string
	want  string // compact JSON
	found bool
}{
	{"a", "{\"b\":[10,{\"c\":\"x\"},\"hey\"],\"2026\":1,\"\":\"empty\"}", true},
	{"a.b", "[10,{\"c\":\"x\"},\"hey\"]", true},
	{"a.b[0]", "10", true},
	{"a.b.0", "10", true},
	{"a.b[-1]", "\"hey\"", true},
	{"a.b.-1", "\"hey\"", true},
	{"a.b[1].c", "\"x\"", true},
	{"a.b.1.c", "\"x\"", true},
	{"a.b[3]", "", false},
	{"a.b[-4]", "", false},
	{"a.2026", "1", true},
	{"a.", "\"empty\"", true},
	{"s.0", "\"h\"", true},
	{"s.-1", "\"o\"", true},
	{"s.1", "\"é\"", true},
	{"s.9", "", false},
	{"n", "null", true},
	{"t", "true", true},
	{"t.0", "", false},
	{"l[0][1]", "2", true},
	{"l.1.0", "3", true},
	{"a.b.01", "{\"c\":\"x\"}", true},
	{"a.b.1_0", "", false},
	{"a.b.0_0", "10", true},
	{"a.b.٠", "10", true},
	{"a.b[", "", false},
	{"a.b]", "[10,{\"c\":\"x\"},\"hey\"]", true},
	{"a..b", "", false},
	{"value.v", "1", true},
	{"a.b[0", "10", true},
	{"x", "", false},
	{"a.b.-0", "10", true},
	{"l.__0", "", false},
}

func TestWalkKeyPathAsGetFromDict(t *testing.T) {
	for _, c := range keyPathCases {
		got, ok := walkKeyPath(json.RawMessage(keyPathData), c.path)
		if ok != c.found {
			t.Errorf("walkKeyPath(%q): found %v, Prefect %v", c.path, ok, c.found)
			continue
		}
		if !ok {
			continue
		}
		var norm any
		if err := json.Unmarshal(got, &norm); err != nil {
			t.Fatalf("walkKeyPath(%q) = %s: %v", c.path, got, err)
		}
		var want any
		_ = json.Unmarshal([]byte(c.want), &want)
		a, _ := json.Marshal(norm)
		b, _ := json.Marshal(want)
		if string(a) != string(b) {
			t.Errorf("walkKeyPath(%q) = %s, Prefect gives %s", c.path, got, c.want)
		}
	}
}

func TestUnwrapValue(t *testing.T) {
	for _, c := range []struct {
		data, path string
		hasPath    bool
		want       string
	}{
		{`{"value": "s"}`, "", false, `"s"`},
		{`{"value": {"k": 1}}`, "k", true, `{"k": 1}`},
		{`{"value": {"k": 1}}`, "value", true, `{"value": {"k": 1}}`},
		{`{"value": {"k": 1}}`, "value.k", true, `{"value": {"k": 1}}`},
		{`{"value": [1]}`, "value[0]", true, `{"value": [1]}`},
		{`{"value": {"values": 1}}`, "values", true, `{"values": 1}`},
		{`{"value": 1, "other": 2}`, "", false, `{"value": 1, "other": 2}`},
		{`{"url": "u"}`, "url", true, `{"url": "u"}`},
	} {
		if got := string(unwrapValue(json.RawMessage(c.data), c.path, c.hasPath)); got != c.want {
			t.Errorf("unwrapValue(%s, %q) = %s, want %s", c.data, c.path, got, c.want)
		}
	}
}

func TestPyInt(t *testing.T) {
	for s, want := range map[string]int{"0": 0, "7": 7, "-1": -1, "01": 1, "1_0": 10, "-0": 0, "٣": 3, "١٢": 12, "𝟗": 9} {
		if got, ok := pyInt(s); !ok || got != want {
			t.Errorf("pyInt(%q) = %d, %v; want %d", s, got, ok, want)
		}
	}
	for _, s := range []string{"", "-", "_1", "1_", "1__0", "a", "1a", "+1", "99999999999999999999"} {
		if got, ok := pyInt(s); ok {
			t.Errorf("pyInt(%q) = %d, want no int", s, got)
		}
	}
}
