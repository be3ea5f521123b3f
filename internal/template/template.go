// Package template renders a text with references to secrets and Prefect
// 2/3's placeholders in it. Every {{ prefect-secret://NAME }} becomes the
// value of NAME byte for byte; every {{ prefect.blocks... }},
// {{ prefect.variables.NAME }} and {{ $NAME }} becomes the text Prefect's
// own resolvers put in its place; {{{{ is a literal {{. Any other {{ is an
// error, so that a mistyped reference is never left in the output for a
// program to read as a value.
//
// The grammar, exactly: the text is bytes. Reading from the left, at each
// {{:
//
//   - {{{{ is the text {{ (an escape of this tool's: Prefect has none);
//   - of {{{ the first { is text, and reading goes on at the next {
//     (so {{{ prefect-secret://X }} is a { then X's value);
//   - {{, optional spaces and tabs, prefect-secret://, the name (one or
//     more bytes up to the next space, tab, line break or }}), optional
//     spaces and tabs, }} is a reference (Reference);
//   - a match of Prefect's placeholder regex, {{\s*([\w.\-\[\]$]+)\s*}}
//     with Python's Unicode \w and \s (line breaks are \s), found as
//     Prefect finds it (internal/placeholder), is a placeholder, by its
//     name's prefix: prefect.blocks. a Block, prefect.variables. a
//     Variable, $ an Env (every leading $ dropped, as Prefect does; a
//     name that is only $ is an error). Any other name is the placeholder
//     of a job variable, which inject has none of: an error at its place;
//   - anything else is an error.
//
// Everything else is copied as it is, }} included. Values are never read
// as template text: what goes in is what comes out.
package template

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"github.com/prefect-secrets/prefect-secrets/internal/placeholder"
	"github.com/prefect-secrets/prefect-secrets/resolve"
)

// MaxSize is the largest template read: a template is a config file, and
// a bound keeps a wrong file (a disk image, /dev/zero) from filling memory.
const MaxSize = 16 << 20

const scheme = resolve.RefScheme

// Kind is what a reference or placeholder asks for, and how its value is
// written.
type Kind int

const (
	// Reference is {{ prefect-secret://NAME }}: the value of a secret name
	// or an address, byte for byte (a structured value as its JSON text).
	Reference Kind = iota
	// Block is Prefect's {{ prefect.blocks.<slug>.<name>[.<key path>] }}:
	// the value of that address, as the text Prefect puts inline.
	Block
	// Variable is Prefect's {{ prefect.variables.<name> }}: the same, for
	// a variable.
	Variable
	// Env is Prefect's {{ $NAME }}: the variable NAME of the environment.
	Env
)

// Ref is one reference or placeholder in a template.
type Ref struct {
	Kind Kind
	// Name is the secret name or address (Reference, Block, Variable), or
	// the environment variable's name without its $ (Env).
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

// SyntaxError is a {{ that is neither an escape, a reference nor a
// placeholder inject fills. It gives a position, never the text there.
type SyntaxError struct {
	Line, Col int
	Msg       string
}

func (e *SyntaxError) Error() string { return fmt.Sprintf("%d:%d: %s", e.Line, e.Col, e.Msg) }

// parser holds what Parse reads: the text, Prefect's placeholders in it
// (in order; next is the first not yet passed), and the count of lines up
// to a point.
type parser struct {
	src   []byte
	found []placeholder.Placeholder
	next  int
	// lines: src[:at] holds line-1 line breaks, the last at lineStart-1.
	at, line, lineStart int
}

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
	p := &parser{src: src, line: 1}
	if opens > 0 {
		p.found = placeholder.Find(string(src))
	}
	for i := 0; i < len(src); {
		open := bytes.Index(src[i:], []byte("{{"))
		if open < 0 {
			text(src[i:])
			break
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
		r, n, err := p.refAt(i)
		r.Line, r.Col = p.pos(i)
		if err != nil {
			return nil, &SyntaxError{Line: r.Line, Col: r.Col, Msg: err.Error()}
		}
		t.refs = append(t.refs, r)
		t.parts = append(t.parts, part{ref: len(t.refs) - 1})
		i += n
	}
	return t, nil
}

// pos is the line and column of src[i]; i never goes back.
func (p *parser) pos(i int) (line, col int) {
	for ; p.at < i; p.at++ {
		if p.src[p.at] == '\n' {
			p.line, p.lineStart = p.line+1, p.at+1
		}
	}
	return p.line, i - p.lineStart + 1
}

// refAt reads the reference or placeholder whose {{ is at src[i], and
// returns it (without its position) and its length in bytes.
func (p *parser) refAt(i int) (Ref, int, error) {
	s := p.src[i:]
	if bytes.HasPrefix(s[2+spaces(s[2:]):], []byte(scheme)) {
		name, n, err := reference(s)
		return Ref{Kind: Reference, Name: name}, n, err
	}
	ph, ok := p.placeholderAt(i)
	if !ok {
		return Ref{}, 0, fmt.Errorf("{{ starts neither a reference {{ %sNAME }}, a placeholder {{ prefect.blocks.… }}, {{ prefect.variables.NAME }} or {{ $NAME }}, nor the escape {{{{ (a literal {{)", scheme)
	}
	n := ph.End - ph.Start
	switch ph.Kind {
	case placeholder.Block:
		return Ref{Kind: Block, Name: ph.Name}, n, nil
	case placeholder.Variable:
		return Ref{Kind: Variable, Name: ph.Name}, n, nil
	case placeholder.Env:
		name := placeholder.EnvName(ph.Name)
		if name == "" {
			return Ref{}, 0, errors.New("the placeholder {{ $NAME }} has no variable name after $")
		}
		return Ref{Kind: Env, Name: name}, n, nil
	}
	// Not named: the text after a {{ may be a value pasted in.
	return Ref{}, 0, errors.New("the placeholder here names a job variable (it starts neither prefect.blocks., prefect.variables. nor $), and inject has no job variables")
}

// placeholderAt is Prefect's placeholder whose {{ is at src[i], if any.
// Calls come in increasing order of i.
func (p *parser) placeholderAt(i int) (placeholder.Placeholder, bool) {
	for p.next < len(p.found) && p.found[p.next].Start < i {
		p.next++
	}
	if p.next < len(p.found) && p.found[p.next].Start == i {
		return p.found[p.next], true
	}
	return placeholder.Placeholder{}, false
}

// reference reads {{ prefect-secret://NAME }} at the start of s, and
// returns the name and its length in bytes.
func reference(s []byte) (string, int, error) {
	i := 2
	i += spaces(s[i:])
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

// Refs lists the references and placeholders in the order they appear,
// one per occurrence.
func (t *Template) Refs() []Ref { return t.refs }

// Text is what r is replaced by, given its value (text, and whether that
// is JSON): for a Reference the value's bytes (a structured value's JSON
// text), for a Block or a Variable the text Prefect puts where a
// placeholder sits inside other text (Python's str(): see
// placeholder.PyStr), for an Env the variable's value. A Block or Variable
// whose value is an object or a list has none: placeholder.ErrNotScalar.
func Text(r Ref, text []byte, isJSON bool) ([]byte, error) {
	if r.Kind != Block && r.Kind != Variable {
		return text, nil
	}
	s, err := placeholder.PyStr(text, isJSON)
	if err != nil {
		return nil, err
	}
	return []byte(s), nil
}

// NotTextError lists the placeholders, each at its first occurrence, whose
// values have no text (see Text), and why.
type NotTextError struct {
	Refs []Ref
	Errs []error
}

func (e *NotTextError) Error() string {
	var b strings.Builder
	for i, r := range e.Refs {
		if i > 0 {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "%d:%d: %s: %v", r.Line, r.Col, resolve.QuoteName(r.Name), e.Errs[i])
	}
	return b.String()
}

// refKey is what a reference's text depends on.
type refKey struct {
	kind Kind
	name string
}

// Render writes the template with each reference replaced by its Text,
// given value(r): the value's bytes and whether they are JSON text. The
// caller has checked that every reference has a value. When a value has
// no text, Render writes nothing and returns a *NotTextError naming every
// such placeholder.
func (t *Template) Render(value func(r Ref) (text []byte, isJSON bool)) ([]byte, error) {
	texts := make(map[refKey][]byte)
	notText := &NotTextError{}
	size := 0
	for _, p := range t.parts {
		if p.ref < 0 {
			size += len(p.text)
			continue
		}
		r := t.refs[p.ref]
		k := refKey{r.Kind, r.Name}
		b, done := texts[k]
		if !done {
			v, isJSON := value(r)
			var err error
			if b, err = Text(r, v, isJSON); err != nil {
				notText.Refs, notText.Errs = append(notText.Refs, r), append(notText.Errs, err)
			}
			texts[k] = b
		}
		size += len(b)
	}
	if len(notText.Refs) > 0 {
		return nil, notText
	}
	out := make([]byte, 0, size)
	for _, p := range t.parts {
		if p.ref >= 0 {
			r := t.refs[p.ref]
			out = append(out, texts[refKey{r.Kind, r.Name}]...)
		} else {
			out = append(out, p.text...)
		}
	}
	return out, nil
}
