// Package placeholder is Prefect 2/3's placeholder grammar,
// {{ prefect.blocks.<slug>.<name>[.<path>] }}, {{ prefect.variables.<name> }},
// {{ $NAME }} and {{ name }}, as prefect/utilities/templating reads it,
// and Python's str() of the JSON values they resolve to, which is what
// Prefect inserts where a placeholder sits inside other text. It resolves
// nothing itself: callers look the names up.
package placeholder

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Kind is a placeholder's type, by its name's prefix, in Prefect's order.
type Kind int

const (
	Standard Kind = iota // a value the caller supplies (a job variable)
	Block                // prefect.blocks.
	Variable             // prefect.variables.
	Env                  // $NAME: the environment
)

// Placeholder is one match of Prefect's PLACEHOLDER_CAPTURE_REGEX,
// ({{\s*([\w\.\-\[\]$]+)\s*}}), with Python's Unicode \w and \s.
type Placeholder struct {
	Full       string // the whole match, {{ ... }}
	Name       string // what is inside, without the spaces
	Kind       Kind
	Start, End int // byte offsets of Full in the text
}

// KindOf is the kind of a placeholder's name.
func KindOf(name string) Kind {
	switch {
	case strings.HasPrefix(name, "prefect.blocks."):
		return Block
	case strings.HasPrefix(name, "prefect.variables."):
		return Variable
	case strings.HasPrefix(name, "$"):
		return Env
	}
	return Standard
}

// EnvName is the variable an Env placeholder names. Prefect strips every
// leading "$" (name.lstrip("$")).
func EnvName(name string) string { return strings.TrimLeft(name, "$") }

// Find lists the placeholders of s, left to right, as Python's findall
// (and sub) match them: non-overlapping, each leftmost.
func Find(s string) []Placeholder {
	var out []Placeholder
	for i := 0; i+1 < len(s); {
		j := strings.Index(s[i:], "{{")
		if j < 0 {
			break
		}
		i += j
		if p, ok := matchAt(s, i); ok {
			out = append(out, p)
			i = p.End
			continue
		}
		i++
	}
	return out
}

// matchAt matches the regex at offset i, where s has "{{". \s and the
// name's class are disjoint and neither holds "}", so the greedy match is
// the only one.
func matchAt(s string, i int) (Placeholder, bool) {
	k := i + 2
	k += spaceRun(s[k:])
	nameStart := k
	for k < len(s) {
		r, n := utf8.DecodeRuneInString(s[k:])
		if !nameRune(r) || (r == utf8.RuneError && n == 1) {
			break
		}
		k += n
	}
	if k == nameStart {
		return Placeholder{}, false
	}
	name := s[nameStart:k]
	k += spaceRun(s[k:])
	if !strings.HasPrefix(s[k:], "}}") {
		return Placeholder{}, false
	}
	k += 2
	return Placeholder{Full: s[i:k], Name: name, Kind: KindOf(name), Start: i, End: k}, true
}

// nameRune is [\w\.\-\[\]$] with Python's Unicode \w: letters, numbers
// and "_".
func nameRune(r rune) bool {
	switch r {
	case '_', '.', '-', '[', ']', '$':
		return true
	}
	return unicode.IsLetter(r) || unicode.IsNumber(r)
}

// spaceRun is the length in bytes of the white space (Python's Unicode
// \s) at the start of s.
func spaceRun(s string) int {
	n := 0
	for n < len(s) {
		r, size := utf8.DecodeRuneInString(s[n:])
		if !pySpace(r) || (r == utf8.RuneError && size == 1) {
			break
		}
		n += size
	}
	return n
}

// pySpace is Python's str.isspace() for one character: Unicode white
// space, and the separators U+001C to U+001F, which Go's IsSpace leaves
// out.
func pySpace(r rune) bool {
	return unicode.IsSpace(r) || r >= 0x1c && r <= 0x1f
}

// Whole reports whether s is exactly one placeholder, which Prefect then
// replaces by the value itself, of whatever type, rather than its text.
func Whole(s string) (Placeholder, bool) {
	ps := Find(s)
	if len(ps) == 1 && ps[0].Start == 0 && ps[0].End == len(s) {
		return ps[0], true
	}
	return Placeholder{}, false
}

// Replace substitutes each placeholder of s by repl(p) in one pass, so a
// value put in is never read as a placeholder itself; keep false leaves
// the placeholder as it is.
func Replace(s string, repl func(p Placeholder) (text string, keep bool)) string {
	ps := Find(s)
	if len(ps) == 0 {
		return s
	}
	var b strings.Builder
	last := 0
	for _, p := range ps {
		b.WriteString(s[last:p.Start])
		if text, keep := repl(p); keep {
			b.WriteString(p.Full)
		} else {
			b.WriteString(text)
		}
		last = p.End
	}
	b.WriteString(s[last:])
	return b.String()
}
