package conffile

import (
	"errors"
	"strings"
	"unicode"
	"unicode/utf8"
)

// A DotenvVar is one variable of a .env file.
type DotenvVar struct {
	Key string
	// Value is the text after interpolation; Set is false for a line that
	// names a variable without "=", which sets nothing.
	Value string
	Set   bool
}

// ParseDotenv reads a .env file as python-dotenv's dotenv_values does,
// which is how Prefect (through pydantic-settings) reads it:
//
//   - KEY=value, "export KEY=value", 'quoted key'=value; spaces around =;
//   - "double-quoted" values (may span lines; \\ \' \" \a \b \f \n \r \t \v
//     are escapes, any other backslash stays), 'single-quoted' values (\\
//     and \' only), unquoted values (a " #" starts a comment; trailing
//     space goes);
//   - ${NAME} and ${NAME:-default} expand, in every kind of value, from the
//     variables above in the file, then from lookup; a name set nowhere is
//     empty (the default only applies to a name set nowhere);
//   - a line that does not parse is skipped, as python-dotenv does (it
//     logs a warning).
//
// The variables come in the order they first appear, each with its last
// value. Text that is not UTF-8 is an error.
func ParseDotenv(data []byte, lookup func(string) (string, bool)) ([]DotenvVar, error) {
	if !utf8.Valid(data) {
		return nil, errors.New("is not UTF-8 text")
	}
	// Python reads the file in text mode: a leading BOM goes, and \r\n and
	// \r are newlines.
	s := strings.TrimPrefix(string(data), "\ufeff")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")

	var (
		vars  []DotenvVar
		index = map[string]int{}
	)
	p := &dotenvParser{s: s}
	for {
		key, value, set, ok, more := p.binding()
		if !more {
			break
		}
		if !ok || key == "" { // not a statement, or a comment
			continue
		}
		if set {
			value = expandDotenv(value, func(name string) (string, bool) {
				if i, ok := index[name]; ok {
					return vars[i].Value, true // a key with no "=" expands to ""
				}
				return lookup(name)
			})
		}
		if i, ok := index[key]; ok {
			vars[i].Value, vars[i].Set = value, set
			continue
		}
		index[key] = len(vars)
		vars = append(vars, DotenvVar{Key: key, Value: value, Set: set})
	}
	return vars, nil
}

type dotenvParser struct {
	s   string
	pos int
}

// pyIsSpace is Python's str.isspace, which its regular expressions' \s
// follow: Go's unicode.IsSpace and the four separators U+001C..U+001F.
func pyIsSpace(r rune) bool { return unicode.IsSpace(r) || r >= 0x1c && r <= 0x1f }

// hspace is \s but not a newline.
func hspace(r rune) bool { return r != '\n' && pyIsSpace(r) }

// skip advances past the runes that match f and returns how many bytes.
func (p *dotenvParser) skip(f func(rune) bool) int {
	start := p.pos
	for p.pos < len(p.s) {
		r, n := utf8.DecodeRuneInString(p.s[p.pos:])
		if !f(r) {
			break
		}
		p.pos += n
	}
	return p.pos - start
}

func (p *dotenvParser) peek() byte {
	if p.pos < len(p.s) {
		return p.s[p.pos]
	}
	return 0
}

// binding parses one statement. more is false at the end of the text; ok
// is false for a statement that does not parse (the rest of its line is
// skipped); a comment or blank line gives ok with an empty key.
func (p *dotenvParser) binding() (key, value string, set, ok, more bool) {
	p.skip(pyIsSpace)
	if p.pos >= len(p.s) {
		return "", "", false, false, false
	}
	// "export" and at least one space.
	if strings.HasPrefix(p.s[p.pos:], "export") {
		save := p.pos
		p.pos += len("export")
		if p.skip(hspace) == 0 {
			p.pos = save
		}
	}
	fail := func(at int) (string, string, bool, bool, bool) {
		p.pos = at
		p.skipLine()
		return "", "", false, false, true
	}
	switch p.peek() {
	case '#':
		key = ""
	case '\'':
		end := strings.IndexByte(p.s[p.pos+1:], '\'')
		if end <= 0 {
			return fail(p.pos)
		}
		key = p.s[p.pos+1 : p.pos+1+end]
		p.pos += end + 2
	default:
		start := p.pos
		p.skip(func(r rune) bool { return r != '=' && r != '#' && !pyIsSpace(r) })
		if p.pos == start {
			return fail(p.pos)
		}
		key = p.s[start:p.pos]
	}
	p.skip(hspace)
	if p.peek() == '=' {
		p.pos++
		spaced := p.skip(hspace) > 0
		set = true
		switch c := p.peek(); {
		case spaced && c == '#':
			value = ""
		case c == '\'' || c == '"':
			v, n, closed := quoted(p.s[p.pos:], c)
			if !closed {
				return fail(p.pos)
			}
			value = v
			p.pos += n
		case c == 0 || c == '\n':
			value = ""
		default:
			end := strings.IndexByte(p.s[p.pos:], '\n')
			if end < 0 {
				end = len(p.s) - p.pos
			}
			value = unquotedValue(p.s[p.pos : p.pos+end])
			p.pos += end
		}
	}
	// An optional comment, then the end of the line; anything else makes
	// the whole statement invalid.
	at := p.pos
	p.skip(hspace)
	if p.peek() == '#' {
		p.skip(func(r rune) bool { return r != '\n' })
	} else {
		p.pos = at
		p.skip(hspace)
	}
	switch {
	case p.pos >= len(p.s):
	case p.s[p.pos] == '\n':
		p.pos++
	default:
		return fail(at)
	}
	return key, value, set, true, true
}

func (p *dotenvParser) skipLine() {
	if i := strings.IndexByte(p.s[p.pos:], '\n'); i >= 0 {
		p.pos += i + 1
	} else {
		p.pos = len(p.s)
	}
}

// quoted reads a value in quotes q at the start of s: its text with the
// quote kind's escapes decoded, the bytes it spans, and whether it closed.
func quoted(s string, q byte) (string, int, bool) {
	escapes := `\'`
	if q == '"' {
		escapes = `\'"abfnrtv`
	}
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		c := s[i]
		switch {
		case c == q:
			return b.String(), i + 1, true
		case c == '\\' && i+1 < len(s):
			next := s[i+1]
			i++
			if strings.IndexByte(escapes, next) < 0 {
				b.WriteByte('\\')
				b.WriteByte(next)
				continue
			}
			b.WriteByte(unescape(next))
		default:
			b.WriteByte(c)
		}
	}
	return "", 0, false
}

// unescape is the byte the escape \c stands for.
func unescape(c byte) byte {
	switch c {
	case 'a':
		return '\a'
	case 'b':
		return '\b'
	case 'f':
		return '\f'
	case 'n':
		return '\n'
	case 'r':
		return '\r'
	case 't':
		return '\t'
	case 'v':
		return '\v'
	}
	return c // \\ \' \"
}

// unquotedValue is an unquoted value's text: from the first run of spaces
// followed by "#" on, a comment; trailing spaces go.
func unquotedValue(line string) string {
	for i := 0; i < len(line); {
		r, n := utf8.DecodeRuneInString(line[i:])
		if !pyIsSpace(r) {
			i += n
			continue
		}
		j := i
		for j < len(line) {
			r, n := utf8.DecodeRuneInString(line[j:])
			if !pyIsSpace(r) {
				break
			}
			j += n
		}
		if j < len(line) && line[j] == '#' {
			line = line[:i]
			break
		}
		i = j
	}
	return strings.TrimRightFunc(line, pyIsSpace)
}

// expandDotenv replaces ${NAME} and ${NAME:-default} (NAME holds no "}" or
// ":") as python-dotenv does: a name that lookup knows expands to its
// value, even an empty one; any other to the default, or "".
func expandDotenv(s string, lookup func(string) (string, bool)) string {
	var b strings.Builder
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		rest := s[i+2:]
		nameEnd := strings.IndexAny(rest, "}:")
		if nameEnd < 0 {
			b.WriteString(s)
			return b.String()
		}
		name, def, end := rest[:nameEnd], "", -1
		switch {
		case rest[nameEnd] == '}':
			end = nameEnd + 1
		case strings.HasPrefix(rest[nameEnd:], ":-"):
			k := strings.IndexByte(rest[nameEnd+2:], '}')
			if k < 0 {
				// No "}" left: nothing further can be a reference.
				b.WriteString(s)
				return b.String()
			}
			def, end = rest[nameEnd+2:nameEnd+2+k], nameEnd+2+k+1
		}
		if end < 0 {
			// Not a reference here: keep "$" and look again after it.
			b.WriteString(s[:i+1])
			s = s[i+1:]
			continue
		}
		b.WriteString(s[:i])
		if v, ok := lookup(name); ok {
			b.WriteString(v)
		} else {
			b.WriteString(def)
		}
		s = rest[end:]
	}
}
