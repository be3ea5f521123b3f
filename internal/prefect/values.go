package prefect

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode"
)

// A raw setting is a value as one source holds it, before Prefect's
// validation (pydantic's, in lax mode) turns it into the setting's type.
type raw struct {
	value any    // a string from the environment or a .env file; any TOML value from a file
	text  bool   // from the environment or .env: settings that hold JSON decode it first
	from  string // where it came from, e.g. "env PREFECT_API_URL"
}

// errMalformed marks a value that is not of its setting's type. Messages
// built on it never quote the value: it may be a credential.
var errMalformed = errors.New("malformed")

func malformed(want string) error { return fmt.Errorf("%w: %s", errMalformed, want) }

// pyStrip is Python's str.strip(): Unicode white space at both ends (and
// U+001C..U+001F, which Python counts too).
func pyStrip(s string) string {
	return strings.TrimFunc(s, func(r rune) bool { return unicode.IsSpace(r) || r >= 0x1c && r <= 0x1f })
}

// asString is a str setting: pydantic turns no other type into one.
func asString(r raw) (string, error) {
	if s, ok := r.value.(string); ok {
		return s, nil
	}
	return "", malformed("a string")
}

// asBool is a bool setting as pydantic reads one: true/false, yes/no,
// on/off, t/f, y/n, 1/0 in any case (no spaces), or the numbers 0 and 1.
func asBool(r raw) (bool, error) {
	switch v := r.value.(type) {
	case bool:
		return v, nil
	case int64:
		if v == 0 || v == 1 {
			return v == 1, nil
		}
	case float64:
		if v == 0 || v == 1 {
			return v == 1, nil
		}
	case string:
		switch strings.ToLower(v) {
		case "1", "on", "t", "true", "y", "yes":
			return true, nil
		case "0", "off", "f", "false", "n", "no":
			return false, nil
		}
	}
	return false, malformed("true or false")
}

// Python's number syntax, compiled on first use: every command starts
// this package, few read a number setting.
var (
	pyInt   = lazyRegexp(`^[+-]?[0-9](?:_?[0-9])*$`)
	pyIntF  = lazyRegexp(`^([+-]?[0-9](?:_?[0-9])*)\.0*$`)
	pyFloat = lazyRegexp(`^[+-]?(?:(?:[0-9](?:_?[0-9])*(?:\.(?:[0-9](?:_?[0-9])*)?)?|\.[0-9](?:_?[0-9])*)(?:[eE][+-]?[0-9](?:_?[0-9])*)?|(?i:inf|infinity|nan))$`)
)

func lazyRegexp(expr string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })
}

// intText parses an integer as pydantic reads one from text: spaces
// around, a sign, "_" between digits, and a ".0" fraction allowed.
func intText(s string) (int64, bool) {
	s = pyStrip(s)
	if m := pyIntF().FindStringSubmatch(s); m != nil {
		s = m[1]
	}
	if !pyInt().MatchString(s) {
		return 0, false
	}
	n, err := strconv.ParseInt(strings.ReplaceAll(s, "_", ""), 10, 64)
	return n, err == nil
}

// asInt is an int setting: an integer, a float with no fraction, a bool,
// or text as intText reads it.
func asInt(r raw) (int64, error) {
	switch v := r.value.(type) {
	case int64:
		return v, nil
	case float64:
		if v == math.Trunc(v) && math.Abs(v) < 1<<53 {
			return int64(v), nil
		}
	case bool:
		if v {
			return 1, nil
		}
		return 0, nil
	case string:
		if n, ok := intText(v); ok {
			return n, nil
		}
	}
	return 0, malformed("a whole number")
}

// asFloat is a float setting: a number, a bool, or text as Python writes
// a float ("60", " 1e3 ", "1_000.5", "inf").
func asFloat(r raw) (float64, error) {
	switch v := r.value.(type) {
	case int64:
		return float64(v), nil
	case float64:
		return v, nil
	case bool:
		if v {
			return 1, nil
		}
		return 0, nil
	case string:
		s := pyStrip(v)
		if pyFloat().MatchString(s) {
			f, err := strconv.ParseFloat(strings.ReplaceAll(s, "_", ""), 64)
			if err == nil || errors.Is(err, strconv.ErrRange) {
				return f, nil
			}
		}
	}
	return 0, malformed("a number")
}

// asSeconds is a timeout in seconds. Prefect takes any float; a timeout
// that is zero, negative, infinite or NaN would make every request fail at
// once or wait forever, so it is refused.
func asSeconds(r raw) (float64, error) {
	f, err := asFloat(r)
	if err != nil || !(f > 0) || math.IsInf(f, 0) {
		return 0, malformed("a positive number of seconds")
	}
	return f, nil
}

// asCodes is PREFECT_CLIENT_RETRY_EXTRA_CODES as Prefect reads it: text
// "429,502" (spaces allowed, empty for none), one code, or a list of
// codes; from the environment or .env, text that is JSON is decoded first
// ("[429, 502]"). Each is an HTTP status, 100 to 599.
func asCodes(r raw) ([]int, error) {
	v := r.value
	if s, ok := v.(string); ok && r.text {
		if j, ok := decodeJSON(s); ok {
			v = j
		}
	}
	code := func(v any) (int, bool) {
		n, err := asInt(raw{value: v})
		if _, isBool := v.(bool); err != nil || isBool || n < 100 || n > 599 {
			return 0, false
		}
		return int(n), true
	}
	bad := malformed("HTTP status codes from 100 to 599, separated by commas")
	set := map[int]bool{}
	switch x := v.(type) {
	case nil:
	case string:
		if x == "" {
			break
		}
		for _, part := range strings.Split(x, ",") {
			n, ok := intText(part)
			if !ok || n < 100 || n > 599 {
				return nil, bad
			}
			set[int(n)] = true
		}
	case []any:
		for _, e := range x {
			n, ok := code(e)
			if !ok {
				return nil, bad
			}
			set[n] = true
		}
	default:
		n, ok := code(x)
		if !ok {
			return nil, bad
		}
		set[n] = true
	}
	codes := make([]int, 0, len(set))
	for n := range set {
		codes = append(codes, n)
	}
	sort.Ints(codes)
	return codes, nil
}

// asHeaders is PREFECT_CLIENT_CUSTOM_HEADERS: a JSON object of strings
// (in a TOML file also a table), JSON null for none. Each name must be an
// HTTP token and each value free of control characters (line breaks
// would split the request), as the HTTP client Prefect uses demands.
// Messages name a header, never its value.
func asHeaders(r raw) (map[string]string, error) {
	v := r.value
	if s, ok := v.(string); ok {
		j, ok := decodeJSON(s)
		if !ok {
			return nil, malformed("a JSON object, e.g. {\"X-Header\": \"value\"}")
		}
		// A JSON string holding JSON: Prefect decodes it once more.
		if inner, isString := j.(string); isString && r.text {
			if j, ok = decodeJSON(inner); !ok {
				return nil, malformed("a JSON object, e.g. {\"X-Header\": \"value\"}")
			}
		}
		v = j
	}
	if v == nil {
		return nil, nil
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, malformed("a JSON object, e.g. {\"X-Header\": \"value\"}")
	}
	headers := make(map[string]string, len(obj))
	for name, val := range obj {
		if !validHeaderName(name) {
			// Not quoted: a header line pasted as a name would show its value.
			return nil, malformed("an object of HTTP headers; a name holds a character header names cannot")
		}
		s, ok := val.(string)
		if !ok {
			return nil, malformed(fmt.Sprintf("an object of strings; the value of %q is not one", name))
		}
		for _, c := range []byte(s) {
			if c < ' ' && c != '\t' || c == 0x7f {
				return nil, malformed(fmt.Sprintf("an object of HTTP headers; the value of %q holds a control character", name))
			}
		}
		headers[name] = s
	}
	return headers, nil
}

func validHeaderName(name string) bool {
	if name == "" {
		return false
	}
	for _, c := range []byte(name) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0) {
			return false
		}
	}
	return true
}

// decodeJSON decodes one JSON value, numbers as int64 where whole and
// float64 otherwise, like a TOML value.
func decodeJSON(s string) (any, bool) {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, false
	}
	if strings.Trim(s[dec.InputOffset():], " \t\r\n") != "" {
		return nil, false // more after the value
	}
	return numbers(v), true
}

func numbers(v any) any {
	switch x := v.(type) {
	case json.Number:
		if n, err := x.Int64(); err == nil {
			return n
		}
		f, _ := x.Float64()
		return f
	case []any:
		for i := range x {
			x[i] = numbers(x[i])
		}
	case map[string]any:
		for k := range x {
			x[k] = numbers(x[k])
		}
	}
	return v
}
