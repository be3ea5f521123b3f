package mask

import (
	"bytes"
	"encoding/base64"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// The forms of a value that are masked, beside the value itself (the table
// in docs/masking.md lists them, and those that are not):
//
//   - base64, standard and URL alphabet: the whole unpadded encoding (the
//     value encoded on its own), and for each of the three offsets mod 3 at
//     which the value can start inside a longer text (deploy:VALUE in an
//     Authorization: Basic header) the characters of that encoding which
//     depend on the value's bytes alone;
//   - URL encoding: Go's QueryEscape (space as +, as HTML forms and
//     Python's quote_plus and urlencode write it) and PathEscape, RFC 3986
//     strict (%20: curl --data-urlencode, jq @uri, quote(safe="")),
//     Python's quote (keeps /) and JavaScript's encodeURIComponent (keeps
//     !'()*);
//   - JSON string escaping: Go's, with and without HTML escaping, and
//     Python's json.dumps with ensure_ascii (\u00e4, surrogate pairs);
//   - shell quoting as bash writes it: set -x and ${v@Q} ('it'\''s, and
//     Python's shlex.quote 'it'"'"'s),
//     printf %q with backslashes (it\'s\ a), and its $'...' form for a
//     value with bytes the locale cannot print, in a UTF-8 locale and in
//     the C locale (\303\244);
//   - Python's repr() of a str and of bytes, in both quote styles.
//
// Each form is the text between the quotes a program writes, so the value
// inside a longer quoted string is masked too.

// formSet gathers the distinct forms of one value: each is built in one
// scratch buffer, and copied only when it is long enough and new. One
// formSet serves every value of a New.
type formSet struct {
	minLen  int
	out     [][]byte
	scratch []byte
	src     []byte // base64Inside's input
}

// add keeps b when it is a new form; it returns the scratch buffer, empty,
// for the next form.
func (s *formSet) add(b []byte) []byte {
	if len(b) >= s.minLen && !s.has(b) {
		s.out = append(s.out, bytes.Clone(b))
	}
	if cap(b) > cap(s.scratch) {
		s.scratch = b
	}
	return s.scratch[:0]
}

func (s *formSet) has(b []byte) bool {
	for _, o := range s.out {
		if len(o) == len(b) && bytes.Equal(o, b) {
			return true
		}
	}
	return false
}

// encodings are the forms of f that are masked: f itself and its common
// encodings, those at least minLen long, each once, valid until the next
// call. With inside, the base64 of f inside a longer text too; a
// multi-line value leaves that to its lines. A quoted form is built only
// when f holds a byte it changes.
func (s *formSet) encodings(f []byte, inside bool) [][]byte {
	minLen := s.minLen
	s.out = s.out[:0]
	if len(f) >= minLen {
		s.out = append(s.out, f)
	}
	for _, enc := range []*base64.Encoding{base64.RawStdEncoding, base64.RawURLEncoding} {
		// Padding is not secret: the unpadded form covers what matters.
		whole := enc.AppendEncode(nil, f)
		if len(whole) >= minLen && !s.has(whole) {
			s.out = append(s.out, whole)
		}
		for shift := 0; inside && shift < 3; shift++ {
			// At offset 0 the characters that stay are the start of the
			// whole encoding: all of it when the length is a multiple of 3.
			if shift > 0 || len(f)%3 != 0 {
				s.src = append(append(s.src[:0], "\x00\x00"[:shift]...), f...)
				s.scratch = s.add(base64Inside(enc, s.src, shift, s.scratch[:0]))
			}
		}
	}
	var in byteSet
	for _, c := range f {
		in.add(c)
	}
	b := s.scratch[:0]
	for _, keep := range []string{"", "/", "!'()*", "$&+:=@"} {
		if keepSet := unreserved.union(setOf(keep)); in.meets(keepSet.not()) {
			b = s.add(appendPercent(b, f, keepSet, false))
		}
	}
	if in.has(' ') {
		b = s.add(appendPercent(b, f, unreserved, true))
	}
	if in.meets(jsonChanges) {
		for _, j := range []jsonStyle{goJSON, goJSONNoHTML, pythonJSON} {
			b = s.add(appendJSON(b, f, j))
		}
	} else if in.meets(setOf("<>&")) {
		b = s.add(appendJSON(b, f, goJSON))
	}
	if in.has('\'') {
		b = s.add(appendShellSingle(b, f, `'\''`))
		b = s.add(appendShellSingle(b, f, `'"'"'`))
	}
	if in.meets(shellSpecial) || len(f) > 0 && (f[0] == '#' || f[0] == '~') {
		b = s.add(appendShellBackslash(b, f, true))
		b = s.add(appendShellBackslash(b, f, false)) // the value inside a longer word
	}
	if in.meets(quotedChanges) {
		b = s.add(appendANSIC(b, f, true))
		b = s.add(appendANSIC(b, f, false))
		for _, quote := range []byte{'\'', 0} {
			b = s.add(appendPythonRepr(b, f, quote, false))
			b = s.add(appendPythonRepr(b, f, quote, true))
		}
	}
	return s.out
}

// byteSet is a set of byte values.
type byteSet [4]uint64

func (s *byteSet) add(c byte)      { s[c>>6] |= 1 << (c & 63) }
func (s *byteSet) has(c byte) bool { return s[c>>6]&(1<<(c&63)) != 0 }
func (s byteSet) union(t byteSet) byteSet {
	return byteSet{s[0] | t[0], s[1] | t[1], s[2] | t[2], s[3] | t[3]}
}
func (s byteSet) not() byteSet         { return byteSet{^s[0], ^s[1], ^s[2], ^s[3]} }
func (s byteSet) meets(t byteSet) bool { return s[0]&t[0]|s[1]&t[1]|s[2]&t[2]|s[3]&t[3] != 0 }
func setOf(chars string) (s byteSet) {
	for i := range len(chars) {
		s.add(chars[i])
	}
	return s
}
func setRange(lo, hi byte) (s byteSet) {
	for c := int(lo); c <= int(hi); c++ {
		s.add(byte(c))
	}
	return s
}

var (
	// unreserved are the bytes no URL encoding escapes (RFC 3986).
	unreserved = setRange('a', 'z').union(setRange('A', 'Z')).union(setRange('0', '9')).union(setOf("-._~"))
	// outsideASCII are the controls, DEL and every byte of a non-ASCII
	// character.
	outsideASCII = setRange(0, 0x1f).union(setRange(0x7f, 0xff))
	// jsonChanges are the bytes some JSON escaping changes, but for Go's
	// HTML escapes; quotedChanges those the $'...' and repr forms change.
	jsonChanges   = outsideASCII.union(setOf(`"\`))
	quotedChanges = outsideASCII.union(setOf(`'\`))
	// shellSpecial are the bytes printf %q puts a backslash before.
	shellSpecial = setOf(" !\"$&'()*,;<>?[\\]^`{|}")
)

// base64Inside appends what every base64 text holding f at a byte offset
// of shift (mod 3) shows of it, given shift bytes and f: the characters
// whose 6 bits all come from f. Those at either end that mix in the bytes
// around f are left out.
func base64Inside(enc *base64.Encoding, shifted []byte, shift int, dst []byte) []byte {
	e := enc.AppendEncode(dst, shifted)
	from, to := len(dst)+(8*shift+5)/6, len(dst)+8*len(shifted)/6
	if to <= from {
		return dst
	}
	return append(e[:len(dst)], e[from:to]...)
}

const hexUpper, hexLower = "0123456789ABCDEF", "0123456789abcdef"

// appendPercent appends f URL-encoded: every byte but those in keep as
// %XX, uppercase; with plusSpace a space as +.
func appendPercent(dst, f []byte, keep byteSet, plusSpace bool) []byte {
	for _, c := range f {
		switch {
		case keep.has(c):
			dst = append(dst, c)
		case c == ' ' && plusSpace:
			dst = append(dst, '+')
		default:
			dst = append(dst, '%', hexUpper[c>>4], hexUpper[c&15])
		}
	}
	return dst
}

// eachRune calls put for each character of f; a byte that is not valid
// UTF-8 comes alone, as utf8.RuneError with bad set.
func eachRune(f []byte, put func(r rune, raw []byte, bad bool)) {
	for i := 0; i < len(f); {
		r, n := utf8.DecodeRune(f[i:])
		put(r, f[i:i+n], r == utf8.RuneError && n == 1)
		i += n
	}
}

// appendHex appends r as a backslash, the letter x, u or U, and digits
// lowercase hex digits.
func appendHex(dst []byte, letter byte, r rune, digits int) []byte {
	dst = append(dst, '\\', letter)
	for i := digits - 1; i >= 0; i-- {
		dst = append(dst, hexLower[(r>>(4*i))&15])
	}
	return dst
}

type jsonStyle int

const (
	goJSON       jsonStyle = iota // encoding/json: <, > and & escaped for HTML
	goJSONNoHTML                  // encoding/json with SetEscapeHTML(false)
	pythonJSON                    // json.dumps with ensure_ascii (the default)
)

// appendJSON appends f escaped for a JSON string. Go keeps non-ASCII
// text, but for U+2028 and U+2029, and turns a byte that is not UTF-8
// into \ufffd. Python (ensure_ascii) escapes everything outside printable
// ASCII as \uXXXX, a character past U+FFFF as its UTF-16 surrogate pair,
// and a byte that is not UTF-8 as the lone surrogate \udcXX: Python reads
// such bytes of the environment so (surrogateescape).
func appendJSON(dst, f []byte, style jsonStyle) []byte {
	u := func(r rune) { dst = appendHex(dst, 'u', r, 4) }
	eachRune(f, func(r rune, raw []byte, bad bool) {
		switch {
		case bad && style == pythonJSON:
			u(0xdc00 + rune(raw[0]))
		case bad:
			u(utf8.RuneError)
		case r == '"' || r == '\\':
			dst = append(dst, '\\', byte(r))
		case r < 0x20 && strings.IndexByte("\b\f\n\r\t", byte(r)) >= 0:
			dst = append(dst, '\\', cEscape(r))
		case r < 0x20, style == goJSON && (r == '<' || r == '>' || r == '&'):
			u(r)
		case r < 0x7f:
			dst = append(dst, byte(r))
		case style != pythonJSON && r != '\u2028' && r != '\u2029':
			dst = append(dst, raw...)
		case r > 0xffff:
			r1, r2 := utf16.EncodeRune(r)
			u(r1)
			u(r2)
		default:
			u(r)
		}
	})
	return dst
}

// cEscape is the letter of r's C escape in bash's $'...' (\E for ESC), 0
// if it has none; JSON and Python have some of them.
func cEscape(r rune) byte {
	switch r {
	case '\a':
		return 'a'
	case '\b':
		return 'b'
	case '\t':
		return 't'
	case '\n':
		return 'n'
	case '\v':
		return 'v'
	case '\f':
		return 'f'
	case '\r':
		return 'r'
	case 0x1b:
		return 'E'
	}
	return 0
}

// appendShellSingle appends f as it is written inside '...': a ' closes
// the quotes, comes as quote ('\” in bash's set -x and ${v@Q}, '"'"' in
// Python's shlex.quote), and opens them again.
func appendShellSingle(dst, f []byte, quote string) []byte {
	for _, c := range f {
		if c == '\'' {
			dst = append(dst, quote...)
		} else {
			dst = append(dst, c)
		}
	}
	return dst
}

// appendShellBackslash appends f as bash's printf %q writes a text it can
// print whole: a backslash before each character special to the shell.
// # and ~ are special only where a word starts.
func appendShellBackslash(dst, f []byte, wordStart bool) []byte {
	for i, c := range f {
		if shellSpecial.has(c) || wordStart && i == 0 && (c == '#' || c == '~') {
			dst = append(dst, '\\')
		}
		dst = append(dst, c)
	}
	return dst
}

// appendANSIC appends the inside of bash's $'...' for f, which printf %q
// writes for a text with a character the locale cannot print: the C
// escapes, \\ and \', and 3-digit octal for every other byte it cannot
// print. In a UTF-8 locale a printable non-ASCII character is kept; in
// the C locale none is.
func appendANSIC(dst, f []byte, utf8Locale bool) []byte {
	eachRune(f, func(r rune, raw []byte, bad bool) {
		switch {
		case r == '\\' || r == '\'':
			dst = append(dst, '\\', byte(r))
		case r < 0x80 && cEscape(r) != 0:
			dst = append(dst, '\\', cEscape(r))
		case r >= 0x20 && r < 0x7f, !bad && r >= 0x80 && utf8Locale && unicode.IsPrint(r):
			dst = append(dst, raw...)
		default:
			for _, c := range raw {
				dst = append(dst, '\\', '0'+c>>6, '0'+c>>3&7, '0'+c&7)
			}
		}
	})
	return dst
}

// appendPythonRepr appends the inside of Python's repr() of f as a str
// (asBytes false) or as bytes, with quote escaped. repr quotes with ' and
// escapes each ' in the text, unless the text holds ' and no ": then it
// quotes with " and escapes no quote (quote 0). Which one it does depends
// on the whole text the value is part of, so both forms are masked. A str
// shows a printable character as it is and any other as \xXX, \uXXXX or
// \UXXXXXXXX; a byte that is not UTF-8 as \udcXX (surrogateescape). Bytes
// show only printable ASCII, the rest as \xXX.
func appendPythonRepr(dst, f []byte, quote byte, asBytes bool) []byte {
	put := func(r rune, raw []byte) {
		switch {
		case r == '\\' || quote != 0 && r == rune(quote):
			dst = append(dst, '\\', byte(r))
		case r >= 0x20 && r < 0x7f:
			dst = append(dst, byte(r))
		case r == '\t' || r == '\n' || r == '\r':
			dst = append(dst, '\\', cEscape(r))
		case !asBytes && r >= 0x80 && unicode.IsPrint(r):
			dst = append(dst, raw...)
		case r < 0x100:
			dst = appendHex(dst, 'x', r, 2)
		case r < 0x10000:
			dst = appendHex(dst, 'u', r, 4)
		default:
			dst = appendHex(dst, 'U', r, 8)
		}
	}
	if asBytes {
		for i, c := range f {
			put(rune(c), f[i:i+1])
		}
		return dst
	}
	eachRune(f, func(r rune, raw []byte, bad bool) {
		if bad {
			r = 0xdc00 + rune(raw[0]) // not printable: \udcXX
		}
		put(r, raw)
	})
	return dst
}
