package placeholder

import (
	"encoding/json"
	"errors"
	"os"
	"testing"
)

// testdata/prefect_cases.json was written by Prefect 3.9.1's own code
// (PLACEHOLDER_CAPTURE_REGEX.finditer, and str(json.loads(x))) on the same
// inputs: see testdata/README.
type prefectCases struct {
	Find []struct {
		Text    string   `json:"text"`
		Matches []string `json:"matches"`
	} `json:"find"`
	Str [][2]string `json:"str"`
}

func loadCases(t *testing.T) prefectCases {
	t.Helper()
	data, err := os.ReadFile("testdata/prefect_cases.json")
	if err != nil {
		t.Fatal(err)
	}
	var c prefectCases
	if err := json.Unmarshal(data, &c); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestFindAsPrefect(t *testing.T) {
	for _, c := range loadCases(t).Find {
		got := Find(c.Text)
		var full []string
		for _, p := range got {
			full = append(full, p.Full)
			if c.Text[p.Start:p.End] != p.Full {
				t.Errorf("Find(%q): offsets %d:%d do not hold %q", c.Text, p.Start, p.End, p.Full)
			}
		}
		if len(full) != len(c.Matches) {
			t.Errorf("Find(%q) = %q, Prefect matches %q", c.Text, full, c.Matches)
			continue
		}
		for i := range full {
			if full[i] != c.Matches[i] {
				t.Errorf("Find(%q) = %q, Prefect matches %q", c.Text, full, c.Matches)
			}
		}
	}
}

func TestPyStrAsPrefect(t *testing.T) {
	for _, c := range loadCases(t).Str {
		got, err := PyStr([]byte(c[0]), true)
		if err != nil || got != c[1] {
			t.Errorf("PyStr(%s) = %q, %v; Python's str() gives %q", c[0], got, err, c[1])
		}
	}
	if got, _ := PyStr([]byte("plain \"text\""), false); got != "plain \"text\"" {
		t.Errorf("a string value: %q", got)
	}
	for _, v := range []string{`{"a": 1}`, `[1]`, ` [] `} {
		if _, err := PyStr([]byte(v), true); !errors.Is(err, ErrNotScalar) {
			t.Errorf("PyStr(%s): %v, want ErrNotScalar", v, err)
		}
	}
}

func TestKindsAndWhole(t *testing.T) {
	for name, want := range map[string]Kind{"prefect.blocks.a.b": Block, "prefect.variables.x": Variable, "$HOME": Env, "image": Standard, "prefect.block.x": Standard} {
		if got := KindOf(name); got != want {
			t.Errorf("KindOf(%q) = %v, want %v", name, got, want)
		}
	}
	if p, ok := Whole("{{ $A }}"); !ok || p.Name != "$A" || EnvName(p.Name) != "A" {
		t.Errorf("Whole: %+v %v", p, ok)
	}
	for _, s := range []string{" {{ a }}", "{{ a }}{{ b }}", "x", "{{ a }}\n"} {
		if _, ok := Whole(s); ok {
			t.Errorf("Whole(%q) is true", s)
		}
	}
	if EnvName("$$A") != "A" {
		t.Errorf("EnvName strips every $, as lstrip does")
	}
}

// Replace is one pass: a value put in is never read as a placeholder.
func TestReplaceOnePass(t *testing.T) {
	got := Replace("a={{ a }} b={{ b }} c={{ c }}", func(p Placeholder) (string, bool) {
		switch p.Name {
		case "a":
			return "{{ b }}", false
		case "b":
			return "B", false
		}
		return "", true
	})
	if want := "a={{ b }} b=B c={{ c }}"; got != want {
		t.Errorf("Replace = %q, want %q", got, want)
	}
}
