package template

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// angle renders a reference as <NAME>, so a test sees where each went.
func angle(name string) []byte { return []byte("<" + name + ">") }

func render(t *testing.T, src string) (string, []Ref) {
	t.Helper()
	tpl, err := Parse([]byte(src))
	if err != nil {
		t.Fatalf("Parse(%q): %v", src, err)
	}
	return string(tpl.Render(angle)), tpl.Refs()
}

func TestRender(t *testing.T) {
	cases := []struct{ src, want string }{
		{"", ""},
		{"no references", "no references"},
		{"{{ prefect-secret://A }}", "<A>"},
		{"{{prefect-secret://A}}", "<A>"},
		{"{{\t prefect-secret://A \t}}", "<A>"},
		{"x={{ prefect-secret://DB_PASSWORD }};y={{prefect-secret://db.host-1}}\n", "x=<DB_PASSWORD>;y=<db.host-1>\n"},
		{"{{ prefect-secret://A }}{{ prefect-secret://A }}", "<A><A>"},
		{"{{{{ not a reference }}", "{{ not a reference }}"},
		{"{{{{ prefect-secret://A }}", "{{ prefect-secret://A }}"},
		{"{{{{{{ prefect-secret://A }}", "{{<A>"},
		{"{{{{{", "{{{"},
		{"{{{ prefect-secret://A }}}", "{<A>}"},
		{"{{{{{{{ prefect-secret://A }}", "{{{<A>"},
		{`{"pw":"{{prefect-secret://A}}"}`, `{"pw":"<A>"}`},
		{"{", "{"},
		{"}} and } stay", "}} and } stay"},
		{"{ {{{{ }", "{ {{ }"},
		{"{{ prefect-secret://秘密 }}", "<秘密>"},
		{"{{ prefect-secret://a}b }}", "<a}b>"},
		{"bytes \x00\xff stay {{ prefect-secret://A }}", "bytes \x00\xff stay <A>"},
	}
	for _, tc := range cases {
		if got, _ := render(t, tc.src); got != tc.want {
			t.Errorf("render(%q) = %q, want %q", tc.src, got, tc.want)
		}
	}
}

func TestRefsPositions(t *testing.T) {
	_, refs := render(t, "a: {{ prefect-secret://A }}\n\nb: x{{prefect-secret://B}}{{ prefect-secret://A }}\n")
	want := []Ref{{"A", 1, 4}, {"B", 3, 5}, {"A", 3, 27}}
	if fmt.Sprint(refs) != fmt.Sprint(want) {
		t.Errorf("refs = %v, want %v", refs, want)
	}
}

func TestHundredReferences(t *testing.T) {
	var src, want strings.Builder
	for i := range 100 {
		fmt.Fprintf(&src, "key%d = {{ prefect-secret://S%d }}\n", i, i)
		fmt.Fprintf(&want, "key%d = <S%d>\n", i, i)
	}
	got, refs := render(t, src.String())
	if got != want.String() || len(refs) != 100 {
		t.Errorf("rendered %d references to %q", len(refs), got)
	}
}

func TestParseErrors(t *testing.T) {
	cases := []struct {
		src       string
		line, col int
		msg       string
	}{
		{"{{ .Values.x }}", 1, 1, "neither a reference"},
		{"ok\n  {{ prefect-secret:/A }}", 2, 3, "neither a reference"},
		{"{{ prefect-secret:// }}", 1, 1, "no secret name"},
		{"{{ prefect-secret://}}", 1, 1, "no secret name"},
		{"{{ prefect-secret://A", 1, 1, "not closed"},
		{"{{ prefect-secret://A }", 1, 1, "not closed"},
		{"{{ prefect-secret://A B }}", 1, 1, "not closed"},
		{"{{ prefect-secret://A\n}}", 1, 1, "not closed"},
		{"{{{", 1, 2, "neither a reference"},
		{"{{{{{{{", 1, 6, "neither a reference"},
	}
	for _, tc := range cases {
		_, err := Parse([]byte(tc.src))
		var se *SyntaxError
		if !errors.As(err, &se) || se.Line != tc.line || se.Col != tc.col || !strings.Contains(se.Msg, tc.msg) {
			t.Errorf("Parse(%q) = %v, want %d:%d: ...%s...", tc.src, err, tc.line, tc.col, tc.msg)
		}
	}
}

// escape is the inverse of rendering a template without references.
func escape(text []byte) []byte { return bytes.ReplaceAll(text, []byte("{{"), []byte("{{{{")) }

// FuzzTemplate builds a template from escaped text pieces and references,
// and checks it renders to the pieces with each reference's value.
func FuzzTemplate(f *testing.F) {
	f.Add([]byte("a{{b{{{c"), []byte("NAME"), uint8(3))
	f.Add([]byte("{{{{{"), []byte("x}y"), uint8(1))
	f.Fuzz(func(t *testing.T, text, name []byte, cuts uint8) {
		// A name has no whitespace and no "}}" (Parse stops there).
		if len(name) == 0 || bytes.ContainsAny(name, " \t\n") || bytes.Contains(name, []byte("}}")) || bytes.HasSuffix(name, []byte("}")) {
			return
		}
		var src, want []byte
		pieces := bytes.SplitN(text, []byte("|"), int(cuts%8)+1)
		for i, p := range pieces {
			src = append(src, escape(p)...)
			want = append(want, p...)
			if i < len(pieces)-1 {
				src = append(src, "{{ prefect-secret://"...)
				src = append(src, name...)
				src = append(src, " }}"...)
				want = append(want, angle(string(name))...)
			}
		}
		tpl, err := Parse(src)
		if err != nil {
			t.Fatalf("Parse(%q): %v", src, err)
		}
		if got := tpl.Render(angle); !bytes.Equal(got, want) {
			t.Fatalf("rendered %q to %q, want %q", src, got, want)
		}
		if len(tpl.Refs()) != len(pieces)-1 {
			t.Fatalf("%d refs, want %d", len(tpl.Refs()), len(pieces)-1)
		}
	})
}

// FuzzParse checks Parse never panics, and its errors point into the text.
func FuzzParse(f *testing.F) {
	f.Add([]byte("a {{ prefect-secret://X }} {{{{ }}"))
	f.Add([]byte("{{\n{{ prefect-secret://"))
	f.Fuzz(func(t *testing.T, src []byte) {
		tpl, err := Parse(src)
		var se *SyntaxError
		switch {
		case errors.As(err, &se):
			if se.Line < 1 || se.Line > bytes.Count(src, []byte("\n"))+1 || se.Col < 1 {
				t.Fatalf("error at %d:%d outside the text", se.Line, se.Col)
			}
		case err != nil:
			t.Fatalf("error %v is not a *SyntaxError", err)
		default:
			_ = tpl.Render(angle)
		}
	})
}
