package ghactions

import (
	"fmt"
	"strings"
	"testing"

	"github.com/prefect-secrets/prefect-secrets/internal/testkit/formattest"
)

func TestEnabled(t *testing.T) {
	for v, want := range map[string]bool{"true": true, "": false, "TRUE": false, "1": false, "false": false} {
		if got := Enabled(func(string) string { return v }); got != want {
			t.Errorf("GITHUB_ACTIONS=%q: Enabled = %v, want %v", v, got, want)
		}
	}
}

func TestAddMaskShape(t *testing.T) {
	cases := []struct {
		value string
		want  string
		short int
	}{
		{"hunter22", "::add-mask::hunter22\n", 0},
		{"100% sure", "::add-mask::100%25 sure\n", 0},
		{"%0A%25", "::add-mask::%250A%2525\n", 0},
		{"line one\nline two\r\nline three\rfour", "::add-mask::line one\n::add-mask::line two\n::add-mask::line three\n::add-mask::four\n", 0},
		{"-----BEGIN KEY-----\nMIIE\nab\n\n   \n-----END KEY-----\n", "::add-mask::-----BEGIN KEY-----\n::add-mask::MIIE\n::add-mask::-----END KEY-----\n", 1},
		{"abc", "", 1},
		{"", "", 0},
		{"  \t ", "", 0},
		{"  spaced  ", "::add-mask::  spaced  \n", 0},
		{"a::b::c", "::add-mask::a::b::c\n", 0},
	}
	for _, tc := range cases {
		got, short := AppendAddMask(nil, []byte(tc.value), 4)
		if string(got) != tc.want || short != tc.short {
			t.Errorf("AppendAddMask(%q) = %q, %d short; want %q, %d", tc.value, got, short, tc.want, tc.short)
		}
	}
}

func TestEscapedData(t *testing.T) {
	got := AppendEscapedData(nil, []byte("a%b\rc\nd%0A%25"))
	if want := "a%25b%0Dc%0Ad%250A%2525"; string(got) != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestRunnerRegistersEveryLine hands the commands to a reader written from
// the runner's source: every line of every hostile value a step could
// print is registered, and nothing reaches the log.
func TestRunnerRegistersEveryLine(t *testing.T) {
	for _, kv := range formattest.Hostile() {
		out, _ := AppendAddMask(nil, []byte(kv.Value), 4)
		masks, logged := formattest.RunnerMasks(out)
		registered := make(map[string]bool, len(masks))
		for _, m := range masks {
			registered[m] = true
		}
		if len(logged) > 0 {
			t.Errorf("%s: %d lines would reach the log, first %q", kv.Name, len(logged), logged[0])
		}
		for _, line := range formattest.RunnerLines([]byte(kv.Value)) {
			if len(line) < 4 || strings.TrimSpace(line) == "" {
				continue
			}
			if !registered[line] {
				t.Errorf("%s: line %q is not registered", kv.Name, line)
			}
		}
	}
}

// FuzzEscapedData checks the runner's unescaping gives back any text.
func FuzzEscapedData(f *testing.F) {
	f.Add([]byte("%0D%0A%25%%\r\n"))
	f.Add([]byte("%250A"))
	f.Fuzz(func(t *testing.T, s []byte) {
		cmd := append(append([]byte("::add-mask::x"), AppendEscapedData(nil, s)...), '\n')
		masks, logged := formattest.RunnerMasks(cmd)
		if len(logged) != 0 || len(masks) == 0 || masks[0] != "x"+string(s) {
			t.Fatalf("the runner read %q as %q (logged %q), want %q", cmd, masks, logged, fmt.Sprint("x", string(s)))
		}
	})
}
