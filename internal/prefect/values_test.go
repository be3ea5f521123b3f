package prefect

import (
	"fmt"
	"math"
	"testing"
)

// The expected results are pydantic's (2.14, lax mode), as Prefect 3.8
// validates each setting.

func TestAsBool(t *testing.T) {
	for in, want := range map[any]any{
		"true": true, "True": true, "tRuE": true, "yes": true, "on": true, "1": true, "t": true, "y": true,
		"false": false, "off": false, "no": false, "0": false, "f": false, "n": false,
		" true": nil, "true ": nil, "2": nil, "": nil, "yes please": nil,
		true: true, false: false, int64(1): true, int64(0): false, int64(2): nil, 1.0: true, 0.5: nil,
	} {
		got, err := asBool(raw{value: in})
		if want == nil {
			if err == nil {
				t.Errorf("asBool(%#v) = %v, want an error", in, got)
			}
		} else if err != nil || got != want {
			t.Errorf("asBool(%#v) = %v, %v; want %v", in, got, err, want)
		}
	}
}

func TestAsInt(t *testing.T) {
	for in, want := range map[any]any{
		"5": int64(5), " 5 ": int64(5), "+5": int64(5), "-1": int64(-1), "05": int64(5), "5.0": int64(5), "1_000": int64(1000),
		"5.5": nil, "0x10": nil, "": nil, "1__0": nil, "_1": nil, "1e3": nil, "٣": nil,
		int64(7): int64(7), 5.0: int64(5), 5.5: nil, true: int64(1),
	} {
		got, err := asInt(raw{value: in})
		if want == nil {
			if err == nil {
				t.Errorf("asInt(%#v) = %v, want an error", in, got)
			}
		} else if err != nil || got != want {
			t.Errorf("asInt(%#v) = %v, %v; want %v", in, got, err, want)
		}
	}
}

func TestAsFloat(t *testing.T) {
	for in, want := range map[any]any{
		"60": 60.0, " 60 ": 60.0, "1e3": 1000.0, "1_0": 10.0, "1.5": 1.5, ".5": 0.5, "5.": 5.0, "-inf": math.Inf(-1), "Infinity": math.Inf(1),
		"0x10": nil, "": nil, "1,5": nil, "0x1p-2": nil, "1_": nil,
		int64(5): 5.0, 2.5: 2.5, true: 1.0,
	} {
		got, err := asFloat(raw{value: in})
		if want == nil {
			if err == nil {
				t.Errorf("asFloat(%#v) = %v, want an error", in, got)
			}
		} else if err != nil || got != want {
			t.Errorf("asFloat(%#v) = %v, %v; want %v", in, got, err, want)
		}
	}
	if f, err := asFloat(raw{value: "nan"}); err != nil || !math.IsNaN(f) {
		t.Errorf("asFloat(nan) = %v, %v", f, err)
	}
	for _, bad := range []string{"0", "-1", "nan", "inf"} {
		if _, err := asSeconds(raw{value: bad}); err == nil {
			t.Errorf("asSeconds(%q) accepted", bad)
		}
	}
}

func TestAsCodes(t *testing.T) {
	for _, c := range []struct {
		in   any
		text bool
		want string // "" for an error
	}{
		{"429,502", true, "[429 502]"},
		{" 429 , 502 ", true, "[429 502]"},
		{"[500, 501]", true, "[500 501]"}, // JSON, from env or .env
		{"429", true, "[429]"},
		{`"429"`, true, "[429]"},
		{"429.0", true, "[429]"},
		{"4_29", true, "[429]"},
		{"", true, "[]"},
		{"null", true, "[]"},
		{"429,", true, ""},
		{"600", true, ""},
		{"99", true, ""},
		{"abc", true, ""},
		{`{"a":1}`, true, ""},
		{"[500, 501]", false, ""}, // text in a TOML file is not JSON
		{"500,504", false, "[500 504]"},
		{[]any{int64(504), "500"}, false, "[500 504]"},
		{int64(503), false, "[503]"},
		{true, false, ""},
	} {
		got, err := asCodes(raw{value: c.in, text: c.text})
		switch {
		case c.want == "" && err == nil:
			t.Errorf("asCodes(%#v) = %v, want an error", c.in, got)
		case c.want != "" && (err != nil || fmt.Sprint(got) != c.want):
			t.Errorf("asCodes(%#v) = %v, %v; want %s", c.in, got, err, c.want)
		}
	}
}

func TestAsHeaders(t *testing.T) {
	for _, c := range []struct {
		in   any
		text bool
		want string // "" for an error
	}{
		{`{"X-A":"b"}`, true, "map[X-A:b]"},
		{` {"X-A":"b"} `, true, "map[X-A:b]"},
		{`{"X-A":"b","X-A":"c"}`, true, "map[X-A:c]"},
		{`"{\"a\":\"b\"}"`, true, "map[a:b]"},
		{"null", true, "map[]"},
		{map[string]any{"X-A": "b"}, false, "map[X-A:b]"},
		{`{"X-A":1}`, true, ""},
		{"[]", true, ""},
		{"", true, ""},
		{"notjson", true, ""},
		{`{"X-A":"b"} x`, true, ""},
		{`{"X A":"b"}`, true, ""},
		{`{"X-A":"b\nc"}`, true, ""},
		{map[string]any{"X": int64(1)}, false, ""},
		{int64(1), false, ""},
	} {
		got, err := asHeaders(raw{value: c.in, text: c.text})
		if got == nil {
			got = map[string]string{}
		}
		switch {
		case c.want == "" && err == nil:
			t.Errorf("asHeaders(%#v) = %v, want an error", c.in, got)
		case c.want != "" && (err != nil || fmt.Sprint(got) != c.want):
			t.Errorf("asHeaders(%#v) = %v, %v; want %s", c.in, got, err, c.want)
		}
	}
}
