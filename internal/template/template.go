// Package template renders a text with references to secrets in it:
// every {{ prefect-secret://NAME }} becomes the value of NAME, byte for
// byte, and {{{{ is a literal {{. Any other {{ is an error, so that a
// mistyped reference is never left in the output for a program to read as
// a value.
//
// The grammar, exactly: the text is bytes. Reading from the left, {{{{ is
// the text {{; of {{{ the first { is text (so {{{ prefect-secret://X }} is
// a { then X's value); any other {{ starts a reference: {{, optional spaces and
// tabs, prefect-secret://, the name (one or more bytes up to the next
// space, tab, line break or }}), optional spaces and tabs, }}. Everything else is
// copied as it is, }} included.
package template

import (
	"bytes"
	"fmt"

	"github.com/prefect-secrets/prefect-secrets/resolve"
)

// MaxSize is the largest template read: a template is a config file, and
// a bound keeps a wrong file (a disk image, /dev/zero) from filling memory.
const MaxSize = 16 << 20

const scheme = resolve.RefScheme

// Ref is one reference in a template.
type Ref struct {
	Name      string
	Line, Col int // of its {{, from 1; Col in bytes
}

// Template is a parsed template: literal text and references, in order.
type Template struct {
	parts []part
	refs  []Ref
}

// part is literal text, or (ref >= 0) the reference refs[ref].
type part struct {
	text []byte
	ref  int
}

// SyntaxError is a {{ that is neither an escape nor a reference. It gives
// a position, never the text there.
type SyntaxError struct {
	Line, Col int
	Msg       string
}

func (e *SyntaxError) Error() string { return fmt.Sprintf("%d:%d: %s", e.Line, e.Col, e.Msg) }

// Parse reads a template. The template refers to src, which must not
// change while it is used.
func Parse(src []byte) (*Template, error) {
	opens := bytes.Count(src, []byte("{{"))
	t := &Template{parts: make([]part, 0, 2*opens+1), refs: make([]Ref, 0, opens)}
	text := func(b []byte) {
		if len(b) > 0 {
			t.parts = append(t.parts, part{text: b, ref: -1})
		}
	}
	line, lineStart := 1, 0
	for i := 0; i < len(src); {
		open := bytes.Index(src[i:], []byte("{{"))
		if open < 0 {
			text(src[i:])
			break
		}
		// Keep count of lines up to the {{, for positions.
		for j := i; j < i+open; j++ {
			if src[j] == '\n' {
				line, lineStart = line+1, j+1
			}
		}
		text(src[i : i+open])
		i += open
		switch {
		case bytes.HasPrefix(src[i:], []byte("{{{{")):
			text(src[i : i+2])
			i += 4
			continue
		case bytes.HasPrefix(src[i:], []byte("{{{")):
			// A { just before a reference (or before another {{).
			text(src[i : i+1])
			i++
			continue
		}
		name, n, err := reference(src[i:])
		if err != nil {
			return nil, &SyntaxError{Line: line, Col: i - lineStart + 1, Msg: err.Error()}
		}
		t.refs = append(t.refs, Ref{Name: name, Line: line, Col: i - lineStart + 1})
		t.parts = append(t.parts, part{ref: len(t.refs) - 1})
		i += n
	}
	return t, nil
}

// reference reads {{ prefect-secret://NAME }} at the start of s, and
// returns the name and its length in bytes.
func reference(s []byte) (string, int, error) {
	i := 2
	i += spaces(s[i:])
	if !bytes.HasPrefix(s[i:], []byte(scheme)) {
		return "", 0, fmt.Errorf("{{ starts neither a reference {{ %sNAME }} nor the escape {{{{ (a literal {{)", scheme)
	}
	i += len(scheme)
	start := i
	for i < len(s) && s[i] != ' ' && s[i] != '\t' && !bytes.HasPrefix(s[i:], []byte("}}")) && s[i] != '\n' {
		i++
	}
	name := string(s[start:i])
	if name == "" {
		return "", 0, fmt.Errorf("the reference has no secret name after %s", scheme)
	}
	i += spaces(s[i:])
	if !bytes.HasPrefix(s[i:], []byte("}}")) {
		return "", 0, fmt.Errorf("the reference is not closed by }} on its line")
	}
	return name, i + 2, nil
}

func spaces(s []byte) int {
	n := 0
	for n < len(s) && (s[n] == ' ' || s[n] == '\t') {
		n++
	}
	return n
}

// Refs lists the references in the order they appear, one per occurrence.
func (t *Template) Refs() []Ref { return t.refs }

// Render writes the template with each reference replaced by value(name).
// The caller has checked that every name has a value.
func (t *Template) Render(value func(name string) []byte) []byte {
	size := 0
	for _, p := range t.parts {
		if p.ref >= 0 {
			size += len(value(t.refs[p.ref].Name))
		} else {
			size += len(p.text)
		}
	}
	out := make([]byte, 0, size)
	for _, p := range t.parts {
		if p.ref >= 0 {
			out = append(out, value(t.refs[p.ref].Name)...)
		} else {
			out = append(out, p.text...)
		}
	}
	return out
}
