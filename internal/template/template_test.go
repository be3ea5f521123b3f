package template

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/prefect-secrets/prefect-secrets/internal/placeholder"
)

// angle renders a reference as <NAME>, a Block or Variable placeholder as
// [NAME] and an Env placeholder as <$NAME>, so a test sees where each went
// and what it was read as.
func angle(r Ref) ([]byte, bool) {
	switch r.Kind {
	case Block, Variable:
		return []byte("[" + r.Name + "]"), false
	case Env:
		return []byte("<$" + r.Name + ">"), false
	}
	return []byte("<" + r.Name + ">"), false
}

func render(t *testing.T, src string) (string, []Ref) {
	t.Helper()
	tpl, err := Parse([]byte(src))
	if err != nil {
		t.Fatalf("Parse(%q): %v", src, err)
	}
	out, err := tpl.Render(angle)
	if err != nil {
		t.Fatalf("Render(%q): %v", src, err)
	}
	return string(out), tpl.Refs()
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
	want := []Ref{{Reference, "A", 1, 4}, {Reference, "B", 3, 5}, {Reference, "A", 3, 27}}
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
		{"{{ .Values.x }}", 1, 1, "the placeholder here names a job variable (it starts neither prefect.blocks., prefect.variables. nor $), and inject has no job variables"},
		{"a\n\tx{{image}}", 2, 3, "names a job variable"},
		{"{{ a b }}", 1, 1, "neither a reference"},
		{"{{}}", 1, 1, "neither a reference"},
		{"{{ prefect.variables.x }", 1, 1, "neither a reference"},
		{"{{ $A }", 1, 1, "neither a reference"},
		{"{{ $ }}", 1, 1, "no variable name after $"},
		{"{{$$}}", 1, 1, "no variable name after $"},
		{"{{\n$A\n}}\n {{ x }}", 4, 2, "names a job variable"},
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
				v, _ := angle(Ref{Name: string(name)})
				want = append(want, v...)
			}
		}
		tpl, err := Parse(src)
		if err != nil {
			t.Fatalf("Parse(%q): %v", src, err)
		}
		if got, err := tpl.Render(angle); err != nil || !bytes.Equal(got, want) {
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
	f.Add([]byte("{{ $A }}{{{ prefect.variables.x }}}\n{{\u00a0prefect.blocks.s.n\n}}"))
	f.Add([]byte("{{{{ $A }} {{ $B }"))
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
			if _, err := tpl.Render(angle); err != nil {
				t.Fatalf("Render: %v", err)
			}
			samePlaceholdersAsPrefect(t, src, tpl)
		}
	})
}

// Prefect's placeholders, read with Prefect's grammar and white space.
func TestPlaceholders(t *testing.T) {
	cases := []struct{ src, want string }{
		{"{{ prefect.blocks.secret.db }}", "[prefect.blocks.secret.db]"},
		{"pw={{prefect.blocks.webhook.hook.headers.X-Key}};", "pw=[prefect.blocks.webhook.hook.headers.X-Key];"},
		{"{{ prefect.variables.region }}", "[prefect.variables.region]"},
		{"{{ $HOME }}/x{{$USER}}", "<$HOME>/x<$USER>"},
		{"{{ $$HOME }}", "<$HOME>"},
		{"{{\n  prefect.variables.x\n}}", "[prefect.variables.x]"},
		{"{{\u00a0$A\u3000}}", "<$A>"},
		{"{{\x1c$A\x1f}}", "<$A>"},
		{"{{ prefect.blocks.a.b.list[0].k-1 }}", "[prefect.blocks.a.b.list[0].k-1]"},
		{"{{{ $A }}}", "{<$A>}"},
		{"{{{{ $A }}", "{{ $A }}"},
		{"{{{{{{ $A }}", "{{<$A>"},
		{"{{ $A }}{{ prefect-secret://A }}{{ prefect.variables.A }}", "<$A><A>[prefect.variables.A]"},
		{"{{ $É }}", "<$É>"},
	}
	for _, tc := range cases {
		if got, _ := render(t, tc.src); got != tc.want {
			t.Errorf("render(%q) = %q, want %q", tc.src, got, tc.want)
		}
	}
	_, refs := render(t, "{{\n$A\n}} {{ prefect.blocks.s.n }}\n{{ prefect.variables.v }}")
	want := []Ref{{Env, "A", 1, 1}, {Block, "prefect.blocks.s.n", 3, 4}, {Variable, "prefect.variables.v", 4, 1}}
	if fmt.Sprint(refs) != fmt.Sprint(want) {
		t.Errorf("refs = %v, want %v", refs, want)
	}
}

// Block and Variable placeholders are Python's str() of the value; a
// reference is the value's bytes, JSON text as it is.
func TestRenderText(t *testing.T) {
	values := map[string]string{"s": `"a \"q\" {{ $X }}"`, "t": "true", "f": "false", "n": "null", "i": "5432", "x": "1.50", "e": "1e5", "z": "-0"}
	tpl, err := Parse([]byte("{{ prefect.variables.s }}|{{ prefect.blocks.j.t }}|{{ prefect.variables.f }}|{{ prefect.variables.n }}|" +
		"{{ prefect.variables.i }}|{{ prefect.blocks.j.x }}|{{ prefect.variables.e }}|{{ prefect.variables.z }}|{{ prefect-secret://t }}|{{ prefect-secret://x }}|{{ $E }}"))
	if err != nil {
		t.Fatal(err)
	}
	out, err := tpl.Render(func(r Ref) ([]byte, bool) {
		if r.Kind == Env {
			return []byte("{{ prefect.variables.s }}"), false
		}
		name := r.Name[strings.LastIndex(r.Name, ".")+1:]
		return []byte(values[name]), true
	})
	want := `a "q" {{ $X }}|True|False|None|5432|1.5|100000.0|0|true|1.50|{{ prefect.variables.s }}`
	if err != nil || string(out) != want {
		t.Errorf("Render = %q, %v; want %q", out, err, want)
	}
}

// An object or a list has no text: every such placeholder is named, at
// its first occurrence, and nothing is rendered. A reference gives JSON.
func TestRenderNotText(t *testing.T) {
	tpl, err := Parse([]byte("a={{ prefect.blocks.w.h.headers }}\nb={{ prefect.variables.l }} {{ prefect.blocks.w.h.headers }}\nc={{ prefect-secret://prefect.variables.l }} {{ prefect.variables.s }}"))
	if err != nil {
		t.Fatal(err)
	}
	value := func(r Ref) ([]byte, bool) {
		switch r.Name {
		case "prefect.blocks.w.h.headers":
			return []byte(`{"X":"y"}`), true
		case "prefect.variables.s":
			return []byte("text"), false
		}
		return []byte(`[1,2]`), true
	}
	out, err := tpl.Render(value)
	var nt *NotTextError
	if !errors.As(err, &nt) || out != nil {
		t.Fatalf("Render = %q, %v; want a *NotTextError", out, err)
	}
	if got, want := fmt.Sprint(nt.Refs), fmt.Sprint([]Ref{{Block, "prefect.blocks.w.h.headers", 1, 3}, {Variable, "prefect.variables.l", 2, 3}}); got != want {
		t.Errorf("NotTextError.Refs = %s, want %s", got, want)
	}
	for _, e := range nt.Errs {
		if !errors.Is(e, placeholder.ErrNotScalar) {
			t.Errorf("error %v is not ErrNotScalar", e)
		}
	}
	if strings.Contains(err.Error(), `"y"`) || strings.Contains(err.Error(), "[1") {
		t.Errorf("the error shows a value: %v", err)
	}
}

// samePlaceholdersAsPrefect checks that a template without escapes or
// references holds exactly the placeholders Prefect's own regex finds, at
// the same places.
func samePlaceholdersAsPrefect(t *testing.T, src []byte, tpl *Template) {
	if bytes.Contains(src, []byte("{{{{")) {
		return
	}
	var ours []string
	for _, r := range tpl.Refs() {
		if r.Kind == Reference {
			return
		}
		ours = append(ours, fmt.Sprintf("%d:%d", r.Line, r.Col))
	}
	var prefect []string
	for _, p := range placeholder.Find(string(src)) {
		line := bytes.Count(src[:p.Start], []byte("\n")) + 1
		col := p.Start - (bytes.LastIndexByte(src[:p.Start], '\n') + 1) + 1
		prefect = append(prefect, fmt.Sprintf("%d:%d", line, col))
	}
	if fmt.Sprint(ours) != fmt.Sprint(prefect) {
		t.Fatalf("Parse(%q) found placeholders at %v, Prefect's regex at %v", src, ours, prefect)
	}
}

// Parse's placeholders are Prefect's, on Prefect's own test texts.
func TestPlaceholdersAsPrefect(t *testing.T) {
	data, err := os.ReadFile("../placeholder/testdata/prefect_cases.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases struct {
		Find []struct {
			Text string `json:"text"`
		} `json:"find"`
	}
	if err := json.Unmarshal(data, &cases); err != nil {
		t.Fatal(err)
	}
	var parsed []string
	for _, c := range cases.Find {
		// As inject needs them: job variables' names made $ names.
		src := []byte(placeholder.Replace(c.Text, func(p placeholder.Placeholder) (string, bool) {
			if p.Kind != placeholder.Standard {
				return "", true
			}
			i := strings.Index(p.Full, p.Name)
			return p.Full[:i] + "$" + p.Full[i:], false
		}))
		tpl, err := Parse(src)
		if err != nil {
			parsed = append(parsed, "error")
			continue
		}
		parsed = append(parsed, "ok")
		samePlaceholdersAsPrefect(t, src, tpl)
	}
	// Those with a {{ that starts no placeholder are errors here.
	if got := strings.Count(strings.Join(parsed, " "), "ok"); got < len(parsed)/2 {
		t.Errorf("only %d of %d texts parsed: %v", got, len(parsed), parsed)
	}
}
