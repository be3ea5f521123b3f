// Package formattest reads the export formats back the way the tools that
// consume them do, written from those tools' documentation and source
// rather than from package format, so that a test of a writer checks it
// against its reader and not against itself. It also holds the hostile
// values those tests carry. Only tests import it.
package formattest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"unicode/utf8"
)

// KV is one variable read back, in file order.
type KV struct {
	Name  string
	Value string
}

// ReadDotenv reads a .env file by the rules docker compose documents
// (docs.docker.com, compose "Interpolation", ".env file syntax"):
//
//   - lines beginning with # are comments; blank lines are ignored
//   - each line is KEY=VAL or KEY: VAL; spaces around the key and value
//     are ignored
//   - unquoted values end at a space followed by #; double-quoted values
//     at the closing quote, after which a comment may follow
//   - single-quoted values are literal (\' is a quote) and may span lines
//   - double-quoted values support \n \r \t \\ and \" (escaped quotes)
//   - unquoted and double-quoted values are interpolated: $NAME and
//     ${...} are substituted, $$ is a literal $, a $ before anything else
//     stays as it is
//
// An interpolation or an escape the documentation does not define is an
// error here: a writer that means its value exactly must never need one.
func ReadDotenv(src []byte) ([]KV, error) {
	s := string(src)
	var out []KV
	line := 1
	for i := 0; i < len(s); {
		// One line, or one statement whose quoted value spans lines.
		eol := strings.IndexByte(s[i:], '\n')
		if eol < 0 {
			eol = len(s)
		} else {
			eol += i
		}
		cur := strings.TrimLeft(s[i:eol], " \t")
		if strings.TrimSpace(cur) == "" || strings.HasPrefix(cur, "#") {
			i, line = eol+1, line+1
			continue
		}
		start := eol - len(cur)
		sep := strings.IndexAny(cur, "=:")
		if sep < 0 {
			return nil, fmt.Errorf("line %d: no = or :", line)
		}
		key := strings.TrimRight(cur[:sep], " \t")
		if key == "" {
			return nil, fmt.Errorf("line %d: empty key", line)
		}
		j := start + sep + 1
		for j < len(s) && (s[j] == ' ' || s[j] == '\t') {
			j++
		}
		var value string
		var err error
		switch {
		case j < len(s) && s[j] == '"':
			value, j, err = dotenvDouble(s, j+1)
		case j < len(s) && s[j] == '\'':
			value, j, err = dotenvSingle(s, j+1)
		default:
			raw := s[j:eol]
			if c := strings.Index(raw, " #"); c >= 0 {
				raw = raw[:c]
			}
			value, err = dotenvInterpolate(strings.TrimRight(raw, " \t\r"))
			j = eol
		}
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		line += strings.Count(s[start:j], "\n")
		// After a closing quote: whitespace, then a comment or the line's end.
		eol = strings.IndexByte(s[j:], '\n')
		if eol < 0 {
			eol = len(s)
		} else {
			eol += j
		}
		if r := strings.TrimLeft(s[j:eol], " \t\r"); r != "" && !strings.HasPrefix(r, "#") {
			return nil, fmt.Errorf("line %d: text after the closing quote", line)
		}
		out = append(out, KV{key, value})
		i, line = eol+1, line+1
	}
	return out, nil
}

// dotenvDouble reads a double-quoted value from s[i:], just past the
// opening quote, escapes and interpolation in one pass; it returns where
// the closing quote ends.
func dotenvDouble(s string, i int) (string, int, error) {
	var b strings.Builder
	for ; i < len(s); i++ {
		switch c := s[i]; c {
		case '"':
			return b.String(), i + 1, nil
		case '\\':
			if i+1 == len(s) {
				break
			}
			i++
			switch s[i] {
			case 'n':
				b.WriteByte('\n')
			case 'r':
				b.WriteByte('\r')
			case 't':
				b.WriteByte('\t')
			case '\\', '"':
				b.WriteByte(s[i])
			default:
				return "", 0, fmt.Errorf("undocumented escape \\%c", s[i])
			}
		case '$':
			n, err := dotenvDollar(s[i:])
			if err != nil {
				return "", 0, err
			}
			b.WriteByte('$')
			i += n - 1
		default:
			b.WriteByte(c)
		}
	}
	return "", 0, errors.New("unterminated double-quoted value")
}

// dotenvSingle reads a single-quoted value from s[i:], just past the
// opening quote: literal, but for \' (a quote).
func dotenvSingle(s string, i int) (string, int, error) {
	var b strings.Builder
	for ; i < len(s); i++ {
		switch {
		case s[i] == '\\' && i+1 < len(s) && s[i+1] == '\'':
			b.WriteByte('\'')
			i++
		case s[i] == '\'':
			return b.String(), i + 1, nil
		default:
			b.WriteByte(s[i])
		}
	}
	return "", 0, errors.New("unterminated single-quoted value")
}

// dotenvInterpolate applies compose's interpolation to an unquoted value.
func dotenvInterpolate(s string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '$' {
			b.WriteByte(s[i])
			continue
		}
		n, err := dotenvDollar(s[i:])
		if err != nil {
			return "", err
		}
		b.WriteByte('$')
		i += n - 1
	}
	return b.String(), nil
}

// dotenvDollar reads the $ at s[0] as compose interpolates: $$ is one $
// (2 bytes read), $NAME and ${...} are substitutions (an error here: the
// writer must never need one), and a $ before anything else stays (1).
func dotenvDollar(s string) (int, error) {
	switch {
	case len(s) > 1 && s[1] == '$':
		return 2, nil
	case len(s) > 1 && (s[1] == '{' || s[1] == '_' || isLetter(s[1])):
		return 0, fmt.Errorf("the value would be interpolated at $%c", s[1])
	}
	return 1, nil
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// ReadGitHubEnv reads a $GITHUB_ENV file as the runner does
// (actions/runner src/Runner.Worker/FileCommandManager.cs,
// EnvFileKeyValuePairs): the whole file as UTF-8 text; lines end with LF,
// and on Windows also CRLF; an empty line is skipped; NAME=VALUE takes
// the rest of the line; NAME<<DELIM takes every following line up to one
// that is exactly DELIM, without the line break before it, and each of
// those lines must end in a line break. windows selects the runner's
// Windows build.
func ReadGitHubEnv(src []byte, windows bool) ([]KV, error) {
	if !utf8.Valid(src) {
		return nil, errors.New("not valid UTF-8: the runner would read U+FFFD")
	}
	text := strings.TrimPrefix(string(src), "\ufeff")
	var out []KV
	index := 0
	for {
		line, _, ok := githubReadLine(text, &index, windows)
		if !ok {
			return out, nil
		}
		if line == "" {
			continue
		}
		eq, hd := strings.Index(line, "="), strings.Index(line, "<<")
		switch {
		case eq >= 0 && (hd < 0 || eq < hd):
			out = append(out, KV{line[:eq], line[eq+1:]})
		case hd >= 0 && (eq < 0 || hd < eq):
			name, delim := line[:hd], line[hd+2:]
			if name == "" || delim == "" {
				return nil, fmt.Errorf("invalid format %q: empty name or delimiter", line)
			}
			start, end := index, index
			for {
				l, nl, ok := githubReadLine(text, &index, windows)
				if ok && l == delim {
					break
				}
				if !ok {
					return nil, fmt.Errorf("matching delimiter not found %q", delim)
				}
				if nl == "" {
					return nil, errors.New("EOF marker missing new line")
				}
				end = index - len(nl)
			}
			value := ""
			if end > start {
				value = text[start:end]
			}
			out = append(out, KV{name, value})
		default:
			return nil, fmt.Errorf("invalid format %q", line)
		}
	}
}

func githubReadLine(text string, index *int, windows bool) (line, newline string, ok bool) {
	if *index >= len(text) {
		return "", "", false
	}
	start := *index
	lf := strings.Index(text[start:], "\n")
	if lf < 0 {
		*index = len(text)
		return text[start:], "", true
	}
	lf += start
	if windows {
		if crlf := strings.Index(text[start:], "\r\n"); crlf >= 0 && start+crlf < lf {
			*index = start + crlf + 2
			return text[start : start+crlf], "\r\n", true
		}
	}
	*index = lf + 1
	return text[start:lf], "\n", true
}

// ReadJSON reads one JSON object of string members, in order, refusing
// duplicate names, non-string values, invalid UTF-8 (which a decoder would
// silently replace) and anything after the object.
func ReadJSON(src []byte) ([]KV, error) {
	if !utf8.Valid(src) {
		return nil, errors.New("not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(src))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, fmt.Errorf("not an object: %v %v", t, err)
	}
	var out []KV
	seen := make(map[string]bool)
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, err
		}
		name := t.(string)
		if seen[name] {
			return nil, fmt.Errorf("name %q given twice", name)
		}
		seen[name] = true
		var value any
		if err := dec.Decode(&value); err != nil {
			return nil, err
		}
		s, ok := value.(string)
		if !ok {
			return nil, fmt.Errorf("%q is %T, not a string", name, value)
		}
		out = append(out, KV{name, s})
	}
	if t, err := dec.Token(); err != nil || t != json.Delim('}') {
		return nil, fmt.Errorf("object not closed: %v %v", t, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("text after the object: %v", err)
	}
	return out, nil
}

// Hostile is a set of values that break careless quoting: quotes, line
// breaks, $, backticks, backslashes, unicode, control characters, text that
// looks like the formats' own syntax, the empty value and 1 MiB. None holds
// a NUL or invalid UTF-8, none ends in CR: every format carries them all.
func Hostile() []KV {
	return []KV{
		{"QUOTES", `it's "quoted" 'single' '' "" \' \" '\''`},
		{"NEWLINES", "line one\nline two\n\nline four\n"},
		{"CRLF", "crlf\r\nline\rcr-only\r\n\r\nend"},
		{"DOLLAR", "$HOME ${HOME} $$ $$$ $(id) $1 ${X:-y} $'\\n' $"},
		{"BACKTICK", "`id` `` `echo pwned`"},
		{"BACKSLASH", `\ \\ \n \t \' \" \$ \\\\ trailing\`},
		{"UNICODE", "héllo wörld 世界 🎉 \u2028 \u2029 \u00a0 \u200b \u202e ñ"},
		{"EMPTY", ""},
		{"SPACES", "  leading and trailing  \t"},
		{"HASH", "a #not a comment # x #"},
		{"PERCENT", "100% %0A %0D %25 %% %"},
		{"CONTROL", "\x01\x07\x1b[31mred\x1b[0m\x7f\x08\f\v"},
		{"HEREDOC", "EOF\nPREFECT_SECRETS_EOF_\n<<EOF\nX<<Y\n=\n::add-mask::x\n"},
		{"EQUALS", "a=b=c: d"},
		{"JSONISH", `{"a": [1, "two\n", {"b": null}]}`},
		{"BIG", BigValue()},
	}
}

// BigValue is 1 MiB drawn (with a fixed seed) from the characters above.
func BigValue() string {
	alphabet := []string{"'", `"`, "\n", "\r\n", "$", "${X}", "`", `\`, "%", "#", " ", "\t", "=", "<<", "é", "世", "🎉", "a", "b", "Z", "0"}
	r := rand.New(rand.NewPCG(1, 2))
	var b strings.Builder
	for b.Len() < 1<<20-8 {
		b.WriteString(alphabet[r.IntN(len(alphabet))])
	}
	for b.Len() < 1<<20 {
		b.WriteByte('z')
	}
	return b.String()
}

// RunnerLines splits a step's output into lines as the runner's
// StreamReader.ReadLine does: at LF, CR and CRLF.
func RunnerLines(out []byte) []string {
	var lines []string
	s := string(out)
	for len(s) > 0 {
		i := strings.IndexAny(s, "\r\n")
		if i < 0 {
			lines = append(lines, s)
			break
		}
		lines = append(lines, s[:i])
		if s[i] == '\r' && strings.HasPrefix(s[i+1:], "\n") {
			i++
		}
		s = s[i+1:]
	}
	return lines
}

// RunnerMasks reads a step's output as the runner does
// (actions/runner OutputManager.OnDataReceived, ActionCommand.TryParseV2,
// AddMaskCommandExtension): it returns the values registered with the log
// masking, and the lines that are not workflow commands and so reach the
// log.
func RunnerMasks(out []byte) (masks, logged []string) {
	for _, line := range RunnerLines(out) {
		msg := strings.TrimLeft(line, " \t\v\f\u00a0\u0085")
		name, data, ok := runnerCommand(msg)
		if !ok {
			logged = append(logged, line)
			continue
		}
		if name != "add-mask" || strings.TrimSpace(data) == "" {
			continue
		}
		masks = append(masks, data)
		for _, part := range strings.FieldsFunc(data, func(r rune) bool { return r == '\r' || r == '\n' }) {
			if p := strings.TrimSpace(part); p != "" {
				masks = append(masks, p)
			}
		}
	}
	return masks, logged
}

// runnerCommand parses ::name props::data, with the data unescaped as
// ActionCommand.UnescapeData does: %0D, then %0A, then %25, each replaced
// in the whole string in turn.
func runnerCommand(msg string) (name, data string, ok bool) {
	if !strings.HasPrefix(msg, "::") {
		return "", "", false
	}
	end := strings.Index(msg[2:], "::")
	if end < 0 {
		return "", "", false
	}
	info := msg[2 : 2+end]
	name, _, _ = strings.Cut(info, " ")
	switch name {
	case "add-mask", "add-matcher", "remove-matcher", "warning", "error", "notice", "debug", "group", "endgroup", "echo", "stop-commands", "save-state", "set-output", "set-env", "add-path":
	default:
		return "", "", false
	}
	data = msg[2+end+2:]
	data = strings.ReplaceAll(data, "%0D", "\r")
	data = strings.ReplaceAll(data, "%0A", "\n")
	data = strings.ReplaceAll(data, "%25", "%")
	return name, data, true
}
