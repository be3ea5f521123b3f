package conffile

import (
	"errors"
	"fmt"

	"github.com/pelletier/go-toml/v2"
)

// MaxDepth bounds how deep a TOML document may nest: the components of a
// table header and of a key, plus arrays and inline tables. Prefect's own
// files nest 3 to 5 levels and a busy pyproject.toml about 10.
//
// TOML parsers recurse into nested arrays and inline tables, and some keep,
// for every key, the whole key path above it: their memory grows with the
// depth, or its square, for each key. With github.com/BurntSushi/toml, the
// parser this project used first, 20 KB of nested inline tables took 7 GB,
// and 2 MB of nested arrays 865 MB of stack. The bounds here are the
// parser's own business no longer: no document that passes them is deep.
const MaxDepth = 32

// maxWork bounds the parser's work on the whole document: each key, table
// header and inline table costs the square of its depth, each array its
// depth. Prefect's own pyproject.toml, a large one, costs 1,848 and its
// Prefect 1 config.toml 659.
const maxWork = 1 << 18

// SyntaxError is a TOML document that does not parse, or nests deeper
// than MaxDepth. It says where, never what the text was: the parser's own
// message can quote it, and it may be a secret.
type SyntaxError struct {
	Line, Col int
	TooDeep   bool // nests deeper than MaxDepth
	TooBig    bool // too many deep keys: more work than maxWork
}

func (e *SyntaxError) Error() string {
	switch {
	case e.TooDeep:
		return fmt.Sprintf("nests deeper than %d levels (line %d, column %d)", MaxDepth, e.Line, e.Col)
	case e.TooBig:
		return fmt.Sprintf("has more deeply nested keys than any Prefect configuration file (from line %d, column %d)", e.Line, e.Col)
	}
	if e.Line == 0 {
		return "is not valid TOML"
	}
	return fmt.Sprintf("is not valid TOML (line %d, column %d)", e.Line, e.Col)
}

// ParseTOML decodes a TOML document into nested maps, after checking that
// it nests no deeper than MaxDepth.
func ParseTOML(data []byte) (map[string]any, error) {
	if err := checkNesting(data, MaxDepth, maxWork); err != nil {
		return nil, err
	}
	var doc map[string]any
	if err := toml.Unmarshal(data, &doc); err != nil {
		var de *toml.DecodeError
		if errors.As(err, &de) {
			line, col := de.Position()
			return nil, &SyntaxError{Line: line, Col: col}
		}
		return nil, &SyntaxError{}
	}
	if doc == nil {
		doc = map[string]any{}
	}
	return doc, nil
}

// checkNesting scans a TOML document, skipping strings and comments, and
// refuses it if at some point the key path (table header, dotted keys,
// keys of enclosing inline tables) plus the arrays and inline tables open
// there is longer than max, or if the work all its keys cost passes
// budget. It parses nothing: a document it lets through may still be
// invalid, but none that nests too deep gets through.
func checkNesting(data []byte, max, budget int) *SyntaxError {
	type frame struct{ keyLen int }
	var (
		stack       []frame
		header      int // components of the current [table] header
		topKey      int // components of the key of the statement at top level
		dots        int // dots outside strings since the last boundary
		atLineStart = true
		lineStart   int
		line        = 1
		work        int
	)
	depth := func() int {
		d := header + topKey
		for _, f := range stack {
			d += 1 + f.keyLen
		}
		return d
	}
	tooDeep := func(i int) *SyntaxError {
		return &SyntaxError{Line: line, Col: i - lineStart + 1, TooDeep: true}
	}
	// charge adds the cost of a key, header or inline table at depth d.
	charge := func(i, cost int) *SyntaxError {
		if work += cost; work > budget {
			return &SyntaxError{Line: line, Col: i - lineStart + 1, TooBig: true}
		}
		return nil
	}
	for i := 0; i < len(data); i++ {
		c := data[i]
		switch c {
		case '\n':
			line, lineStart = line+1, i+1
			if len(stack) == 0 {
				topKey, dots, atLineStart = 0, 0, true
			}
		case ' ', '\t', '\r':
		case '#':
			for i+1 < len(data) && data[i+1] != '\n' {
				i++
			}
		case '"', '\'':
			var nl int
			i, nl, lineStart = skipString(data, i, lineStart)
			line += nl
			atLineStart = false
		case '[':
			if len(stack) == 0 && atLineStart {
				// A [table] or [[array of tables]] header: count its
				// components as they come.
				atLineStart = false
				n := 1
				for i+1 < len(data) && data[i+1] != ']' && data[i+1] != '\n' {
					i++
					switch data[i] {
					case '.':
						n++
						if header = n; n > max {
							return tooDeep(i)
						}
					case '"', '\'':
						var nl int
						i, nl, lineStart = skipString(data, i, lineStart)
						line += nl
					}
				}
				header = n
				if err := charge(i, n*n); err != nil {
					return err
				}
				continue
			}
			stack = append(stack, frame{})
			dots = 0
			if d := depth(); d > max {
				return tooDeep(i)
			} else if err := charge(i, d); err != nil {
				return err
			}
		case '{':
			stack = append(stack, frame{})
			dots = 0
			if d := depth(); d > max {
				return tooDeep(i)
			} else if err := charge(i, d*d); err != nil {
				return err
			}
		case ']', '}':
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
			dots = 0
		case ',':
			if len(stack) > 0 {
				stack[len(stack)-1].keyLen = 0
			}
			dots = 0
		case '.':
			dots++
		case '=':
			if len(stack) == 0 {
				topKey = dots + 1
			} else {
				stack[len(stack)-1].keyLen = dots + 1
			}
			dots = 0
			if d := depth(); d > max {
				return tooDeep(i)
			} else if err := charge(i, d*d); err != nil {
				return err
			}
		default:
			if len(stack) == 0 {
				atLineStart = false
			}
		}
	}
	return nil
}

// skipString moves past the string whose opening quote is at data[i]
// (basic or literal, one line or multi-line) and returns the index of its
// last byte, the newlines it spans and where the last line started. An
// unterminated string ends at the end of its line (or of the data): the
// parser reports it.
func skipString(data []byte, i, lineStart int) (end, newlines, newLineStart int) {
	q := data[i]
	basic := q == '"'
	if i+2 < len(data) && data[i+1] == q && data[i+2] == q {
		// Multi-line: up to three quotes, then up to two more that belong to
		// the string ("""a""""" is a"" ).
		for j := i + 3; j < len(data); j++ {
			switch {
			case data[j] == '\n':
				newlines++
				lineStart = j + 1
			case basic && data[j] == '\\':
				if j+1 < len(data) && data[j+1] == '\n' {
					newlines++
					lineStart = j + 2
				}
				j++
			case data[j] == q && j+2 < len(data) && data[j+1] == q && data[j+2] == q:
				j += 2
				for k := 0; k < 2 && j+1 < len(data) && data[j+1] == q; k++ {
					j++
				}
				return j, newlines, lineStart
			}
		}
		return len(data) - 1, newlines, lineStart
	}
	for j := i + 1; j < len(data); j++ {
		switch {
		case data[j] == '\n':
			return j - 1, 0, lineStart
		case basic && data[j] == '\\':
			if j+1 < len(data) && data[j+1] != '\n' {
				j++
			}
		case data[j] == q:
			return j, 0, lineStart
		}
	}
	return len(data) - 1, 0, lineStart
}
