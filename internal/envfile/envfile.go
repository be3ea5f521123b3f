// Package envfile reads reference files: the .env-style files a project
// commits to say which variables it needs, each either a plain value or a
// reference to a secret (VAR=prefect-secret://NAME).
//
// The grammar is the one docker compose documents for .env files, with one
// rule of our own: where compose would interpolate a variable ($VAR,
// ${VAR}), a reference file is refused instead, so that no file is ever
// read two different ways. The grammar, exactly:
//
//   - The file is read as bytes; a UTF-8 byte order mark at its start is
//     ignored. Lines end with LF. Outside quotes, whitespace is space, tab
//     and CR (so a file with CRLF line ends reads as one with LF).
//   - A line that is blank, or whose first non-whitespace character is #,
//     is ignored.
//   - Every other line starts a definition: optional whitespace, an
//     optional "export" followed by whitespace, the variable name (one or
//     more of A-Z a-z 0-9 _ . -), optional whitespace, "=" or ":", optional
//     whitespace, then the value.
//   - A value that starts with ' is single-quoted: it runs to the next '
//     that is not escaped, and may span lines. Its text is taken literally,
//     except that \' is a ' (a backslash before any other character stays,
//     and the two are taken together: '\\' is two backslashes).
//   - A value that starts with " is double-quoted: it runs to the next "
//     that is not escaped, and may span lines. \n \r \t \\ \" and \$ are a
//     newline, carriage return, tab, backslash, quote and dollar; any other
//     backslash is an error. $$ is one $; any other $ is an error.
//   - After a closing quote, only whitespace and a comment (# to the end of
//     the line) may follow.
//   - Any other value is unquoted: it runs to the end of the line, or to a
//     space followed by # (a comment); whitespace at its end is dropped. $$
//     is one $; any other $ is an error. It may not start with #.
//   - An empty value (VAR= at the end of a line) is the empty string.
//
// Errors name the line and column, never the text found there: a file that
// is not what it should be may hold a value.
package envfile

import (
	"bytes"
	"fmt"
)

// Entry is one definition: Key=Value, from the line Line.
type Entry struct {
	Key   string
	Value string
	Line  int // where the definition starts, from 1
	// ValueCol is the column (in bytes, from 1) on line Line where the
	// value's text starts: after the opening quote of a quoted value. An
	// error about the value, or a part of it, names FILE:LINE:COL from it.
	ValueCol int
}

// SyntaxError is a file that does not follow the grammar.
type SyntaxError struct {
	File string
	Line int
	Col  int // in bytes, from 1
	Msg  string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Col, e.Msg)
}

// Parse reads the definitions of a reference file, in order. file names it
// in errors.
func Parse(file string, src []byte) ([]Entry, error) {
	p := &parser{file: file, src: bytes.TrimPrefix(src, []byte("\xef\xbb\xbf")), line: 1}
	var out []Entry
	for {
		p.skipSpace()
		if p.eof() {
			return out, nil
		}
		switch p.peek() {
		case '\n':
			p.newline()
			continue
		case '#':
			p.skipToEOL()
			continue
		}
		e, err := p.definition()
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
}

type parser struct {
	file      string
	src       []byte
	i         int
	line      int
	lineStart int // offset of the current line's first byte
}

func (p *parser) eof() bool  { return p.i >= len(p.src) }
func (p *parser) peek() byte { return p.src[p.i] }

func (p *parser) errorf(format string, args ...any) error {
	return &SyntaxError{File: p.file, Line: p.line, Col: p.i - p.lineStart + 1, Msg: fmt.Sprintf(format, args...)}
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' }

func isKeyChar(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-'
}

func (p *parser) skipSpace() {
	for !p.eof() && isSpace(p.peek()) {
		p.i++
	}
}

// newline steps over the LF at p.i.
func (p *parser) newline() {
	p.i++
	p.line++
	p.lineStart = p.i
}

// skipToEOL steps to the LF ending the line (or the end of the file).
func (p *parser) skipToEOL() {
	if j := bytes.IndexByte(p.src[p.i:], '\n'); j >= 0 {
		p.i += j
	} else {
		p.i = len(p.src)
	}
}

func (p *parser) definition() (Entry, error) {
	e := Entry{Line: p.line}
	if rest := p.src[p.i:]; bytes.HasPrefix(rest, []byte("export")) && len(rest) > 6 && (rest[6] == ' ' || rest[6] == '\t') {
		p.i += 6
		p.skipSpace()
	}
	start := p.i
	for !p.eof() && isKeyChar(p.peek()) {
		p.i++
	}
	e.Key = string(p.src[start:p.i])
	keyEnd := p.i
	p.skipSpace()
	switch {
	case e.Key == "" && !p.eof() && (p.peek() == '=' || p.peek() == ':'):
		return e, p.errorf("the variable name before %q is missing", string(p.peek()))
	case e.Key == "":
		return e, p.errorf("expected a variable name (letters, digits, _ . -) then = and a value")
	case p.eof() || p.peek() == '\n':
		return e, p.errorf("the variable has no value: write VAR=prefect-secret://NAME, or VAR=text for a plain value")
	case p.peek() != '=' && p.peek() != ':':
		if p.i == keyEnd {
			return e, p.errorf("a variable name may hold only letters, digits, _ . and -")
		}
		return e, p.errorf("expected = or : after the variable name")
	}
	p.i++
	p.skipSpace()
	e.ValueCol = p.i - p.lineStart + 1
	if !p.eof() && (p.peek() == '\'' || p.peek() == '"') {
		e.ValueCol++
	}
	var err error
	literal := false
	switch {
	case p.eof() || p.peek() == '\n':
		e.Value = ""
	case p.peek() == '\'':
		e.Value, err = p.singleQuoted()
		literal = true // single-quoted text is what it says: see NearReference
	case p.peek() == '"':
		e.Value, err = p.doubleQuoted()
	default:
		e.Value, err = p.unquoted()
	}
	if what, near := NearReference(e.Value); err == nil && !literal && near {
		err = &SyntaxError{File: p.file, Line: e.Line, Col: e.ValueCol, Msg: NearReferenceMessage(what)}
	}
	return e, err
}

// quoted reads a quoted value at p.i, up to its closing quote. escape
// reads what that quoting treats apart (its backslash, its $) at p.i: it
// returns b with what it read, or handled false to leave the byte to the
// common rules (line breaks counted, everything else as it is). kind names
// the quoting in errors.
func (p *parser) quoted(kind string, quote byte, escape func(b []byte) (out []byte, handled bool, err error)) (string, error) {
	openLine, openCol := p.line, p.i-p.lineStart+1
	p.i++
	var b []byte
	for !p.eof() {
		c := p.peek()
		if c == quote {
			p.i++
			return string(b), p.afterQuote()
		}
		out, handled, err := escape(b)
		switch {
		case err != nil:
			return "", err
		case handled:
			b = out
			continue
		}
		b = append(b, c)
		if c == '\n' {
			p.newline()
		} else {
			p.i++
		}
	}
	return "", &SyntaxError{File: p.file, Line: openLine, Col: openCol, Msg: "the " + kind + " value that starts here has no closing quote"}
}

// singleQuoted reads '...': literal, but \' is a quote; a backslash before
// anything else stays, the two taken together.
func (p *parser) singleQuoted() (string, error) {
	return p.quoted("single-quoted", '\'', func(b []byte) ([]byte, bool, error) {
		if p.peek() != '\\' || p.i+1 >= len(p.src) {
			return b, false, nil
		}
		next := p.src[p.i+1]
		if next == '\'' {
			p.i += 2
			return append(b, '\''), true, nil
		}
		b = append(b, '\\', next)
		if next == '\n' {
			p.i++
			p.newline()
		} else {
			p.i += 2
		}
		return b, true, nil
	})
}

// doubleQuoted reads "...": \n \r \t \\ \" \$ and $$ are escapes, any other
// backslash or $ an error.
func (p *parser) doubleQuoted() (string, error) {
	return p.quoted("double-quoted", '"', func(b []byte) ([]byte, bool, error) {
		switch p.peek() {
		case '\\':
			if p.i+1 >= len(p.src) {
				p.i++
				return b, true, nil // unterminated: reported by quoted
			}
			switch p.src[p.i+1] {
			case 'n':
				b = append(b, '\n')
			case 'r':
				b = append(b, '\r')
			case 't':
				b = append(b, '\t')
			case '\\', '"', '$':
				b = append(b, p.src[p.i+1])
			default:
				return nil, false, p.errorf(`unknown escape sequence in a double-quoted value: the known ones are \n \r \t \\ \" \$ (write \\ for a backslash)`)
			}
			p.i += 2
			return b, true, nil
		case '$':
			if err := p.dollar(); err != nil {
				return nil, false, err
			}
			return append(b, '$'), true, nil
		}
		return b, false, nil
	})
}

// dollar steps over $$ at p.i, and refuses any other $: compose would
// interpolate it.
func (p *parser) dollar() error {
	if p.i+1 < len(p.src) && p.src[p.i+1] == '$' {
		p.i += 2
		return nil
	}
	return p.errorf("a $ here would be interpolated by docker compose, which reference files do not do: write $$ for a literal $, or single-quote the value")
}

// afterQuote checks the rest of the line after a closing quote: only
// whitespace and a comment.
func (p *parser) afterQuote() error {
	p.skipSpace()
	switch {
	case p.eof() || p.peek() == '\n':
		return nil
	case p.peek() == '#':
		p.skipToEOL()
		return nil
	}
	return p.errorf("unexpected text after the closing quote (only a # comment may follow)")
}

func (p *parser) unquoted() (string, error) {
	if p.peek() == '#' {
		return "", p.errorf("an unquoted value may not start with #: quote it, or write VAR= for an empty value")
	}
	end := bytes.IndexByte(p.src[p.i:], '\n')
	if end < 0 {
		end = len(p.src) - p.i
	}
	text := p.src[p.i : p.i+end]
	if c := bytes.Index(text, []byte(" #")); c >= 0 {
		text = text[:c]
	}
	for len(text) > 0 && isSpace(text[len(text)-1]) {
		text = text[:len(text)-1]
	}
	var b []byte
	stop := p.i + len(text)
	for p.i < stop {
		if p.peek() == '$' {
			if err := p.dollar(); err != nil {
				return "", err
			}
			b = append(b, '$')
			continue
		}
		b = append(b, p.peek())
		p.i++
	}
	p.skipToEOL()
	return string(b), nil
}
