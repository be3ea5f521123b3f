// Package format writes variables in the formats other tools read: a
// dotenv file for docker compose, export lines for a POSIX shell's eval, a
// JSON object, and the file GitHub Actions names in $GITHUB_ENV. Each
// writer gives back, through its reader, exactly the bytes it was given,
// or refuses the variable it cannot carry exactly.
package format

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Format is an output format.
type Format string

const (
	Dotenv Format = "dotenv"
	Shell  Format = "shell"
	JSON   Format = "json"
	GitHub Format = "github"
)

// All lists the formats, for help and errors.
var All = []Format{Dotenv, Shell, JSON, GitHub}

// Parse returns the format called name.
func Parse(name string) (Format, bool) {
	for _, f := range All {
		if string(f) == name {
			return f, true
		}
	}
	return "", false
}

// Var is one variable to write.
type Var struct {
	Name  string
	Value []byte
}

// UnfitError is a variable a format cannot carry exactly. It names the
// variable and why, never the value.
type UnfitError struct {
	Format Format
	Var    string
	Why    string // e.g. "its value holds a NUL byte"
}

func (e *UnfitError) Error() string {
	return fmt.Sprintf("variable %q cannot be written in the %s format exactly: %s", e.Var, e.Format, e.Why)
}

// Encode writes vars in format f, in their order; their names must be
// distinct. Nothing is returned unless every variable fits.
func Encode(f Format, vars []Var) ([]byte, error) {
	seen := make(map[string]bool, len(vars))
	for _, v := range vars {
		if seen[v.Name] {
			return nil, fmt.Errorf("variable %q is given twice", v.Name)
		}
		seen[v.Name] = true
		if err := fits(f, v); err != nil {
			return nil, err
		}
	}
	switch f {
	case Dotenv:
		return encodeDotenv(vars), nil
	case Shell:
		return encodeShell(vars), nil
	case JSON:
		return encodeJSON(vars)
	case GitHub:
		return encodeGitHub(vars)
	}
	return nil, fmt.Errorf("unknown format %q", f)
}

// fits checks a variable against what its format can carry.
func fits(f Format, v Var) error {
	unfit := func(format string, args ...any) error {
		return &UnfitError{Format: f, Var: v.Name, Why: fmt.Sprintf(format, args...)}
	}
	if v.Name == "" {
		return unfit("its name is empty")
	}
	// An environment variable cannot hold a NUL: every reader stops there.
	if bytes.IndexByte(v.Value, 0) >= 0 {
		return unfit("its value holds a NUL byte, which no environment variable can")
	}
	switch f {
	case Dotenv:
		for i := 0; i < len(v.Name); i++ {
			if c := v.Name[i]; !isAlnum(c) && c != '_' && c != '.' && c != '-' {
				return unfit("a dotenv name may hold only letters, digits, _ . and -")
			}
		}
	case Shell:
		if !isShellName(v.Name) {
			return unfit("a shell variable's name is letters, digits and _, not starting with a digit")
		}
	case JSON:
		if !utf8.ValidString(v.Name) {
			return unfit("its name is not valid UTF-8, which a JSON string cannot hold exactly")
		}
		if !utf8.Valid(v.Value) {
			return unfit("its value is not valid UTF-8, which a JSON string cannot hold exactly")
		}
	case GitHub:
		switch {
		case strings.ContainsAny(v.Name, "=\r\n") || strings.Contains(v.Name, "<<"):
			return unfit(`its name holds "=", "<<" or a line break, which the runner reads as the end of the name`)
		case strings.EqualFold(v.Name, "NODE_OPTIONS"):
			return unfit("the runner refuses to set NODE_OPTIONS from $GITHUB_ENV")
		case !utf8.ValidString(v.Name) || !utf8.Valid(v.Value):
			return unfit("the runner reads $GITHUB_ENV as UTF-8 text, and this is not valid UTF-8")
		case bytes.HasSuffix(v.Value, []byte("\r")):
			return unfit("its value ends in a carriage return, which a runner on Windows reads as part of the line break")
		}
	}
	return nil
}

func isAlnum(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
}

func isShellName(s string) bool {
	if s == "" || s[0] >= '0' && s[0] <= '9' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isAlnum(s[i]) && s[i] != '_' {
			return false
		}
	}
	return true
}

// encodeDotenv writes NAME="value" lines that docker compose's .env reader
// gives back exactly: a double-quoted value with the escapes compose
// documents (\n \r \t \\ \"), and $ doubled so nothing is interpolated.
// Every other byte stands for itself.
func encodeDotenv(vars []Var) []byte {
	var b []byte
	for _, v := range vars {
		b = append(b, v.Name...)
		b = append(b, '=', '"')
		for _, c := range v.Value {
			switch c {
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			case '\\', '"':
				b = append(b, '\\', c)
			case '$':
				b = append(b, '$', '$')
			default:
				b = append(b, c)
			}
		}
		b = append(b, '"', '\n')
	}
	return b
}

// encodeShell writes export NAME='value' lines. Inside single quotes a
// POSIX shell (bash, zsh, dash) takes every byte literally but the quote
// itself, which is written as '\” (close, an escaped quote, reopen).
func encodeShell(vars []Var) []byte {
	var b []byte
	for _, v := range vars {
		b = append(b, "export "...)
		b = append(b, v.Name...)
		b = append(b, '=', '\'')
		for _, c := range v.Value {
			if c == '\'' {
				b = append(b, `'\''`...)
			} else {
				b = append(b, c)
			}
		}
		b = append(b, '\'', '\n')
	}
	return b
}

// encodeJSON writes one object, a member per variable, each value a JSON
// string (fits has checked that each is valid UTF-8).
func encodeJSON(vars []Var) ([]byte, error) {
	if len(vars) == 0 {
		return []byte("{}\n"), nil
	}
	b := []byte("{\n")
	for i, v := range vars {
		b = append(b, "  "...)
		b = AppendJSONString(b, []byte(v.Name))
		b = append(b, ": "...)
		b = AppendJSONString(b, v.Value)
		if i < len(vars)-1 {
			b = append(b, ',')
		}
		b = append(b, '\n')
	}
	return append(b, "}\n"...), nil
}

// encodeGitHub writes NAME<<DELIMITER blocks, as the runner reads
// $GITHUB_ENV: the value is every line up to one that is exactly the
// delimiter. The delimiter is random, and never found in any value.
func encodeGitHub(vars []Var) ([]byte, error) {
	delim, err := delimiter(vars)
	if err != nil {
		return nil, err
	}
	var b []byte
	for _, v := range vars {
		b = append(b, v.Name...)
		b = append(b, "<<"...)
		b = append(b, delim...)
		b = append(b, '\n')
		b = append(b, v.Value...)
		b = append(b, '\n')
		b = append(b, delim...)
		b = append(b, '\n')
	}
	return b, nil
}

// randomRead fills a delimiter's random bytes; tests replace it.
var randomRead = rand.Read

func delimiter(vars []Var) (string, error) {
	for {
		var r [16]byte
		if _, err := randomRead(r[:]); err != nil {
			return "", fmt.Errorf("making a random delimiter: %w", err)
		}
		d := "PREFECT_SECRETS_EOF_" + hex.EncodeToString(r[:])
		clash := false
		for _, v := range vars {
			clash = clash || bytes.Contains(v.Value, []byte(d))
		}
		if !clash {
			return d, nil
		}
	}
}
