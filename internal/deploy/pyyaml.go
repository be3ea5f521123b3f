package deploy

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// What a plain scalar is, by PyYAML's implicit resolvers (resolver.py,
// YAML 1.1), tried in PyYAML's order: bool, float, int, null, timestamp;
// and what SafeConstructor builds of it, as pydantic's
// model_dump(mode="json") then stores it (an infinite or NaN float
// becomes null; a date its ISO text).

// timestamp is a YAML date with a time (2001-12-14 21:59:43): kept as
// its text, and refused where it would become a variable's value (see
// docs/deployments.md).
type timestamp string

// pyyamlRes are PyYAML's implicit resolvers' patterns, compiled on first
// use (never at start-up).
var pyyamlRes = sync.OnceValue(func() map[string]*regexp.Regexp {
	return map[string]*regexp.Regexp{
		"bool": regexp.MustCompile(`^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$`),
		"float": regexp.MustCompile(`^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?` +
			`|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?` +
			`|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*` +
			`|[-+]?\.(?:inf|Inf|INF)` +
			`|\.(?:nan|NaN|NAN))$`),
		"int": regexp.MustCompile(`^(?:[-+]?0b[0-1_]+` +
			`|[-+]?0[0-7_]+` +
			`|[-+]?(?:0|[1-9][0-9_]*)` +
			`|[-+]?0x[0-9a-fA-F_]+` +
			`|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$`),
		"null": regexp.MustCompile(`^(?:~|null|Null|NULL|)$`),
		"date": regexp.MustCompile(`^[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]$`),
		"timestamp": regexp.MustCompile(`^[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?` +
			`(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?` +
			`(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?$`),
	}
})

// plainScalar is what PyYAML makes of an unquoted scalar.
func plainScalar(s string) (any, error) {
	re := pyyamlRes()
	switch {
	case re["bool"].MatchString(s):
		return pyBool(s)
	case re["float"].MatchString(s):
		return pyFloat(s)
	case re["int"].MatchString(s):
		return pyInt(s)
	case re["null"].MatchString(s):
		return nil, nil
	case re["date"].MatchString(s):
		return pyDate(s)
	case re["timestamp"].MatchString(s):
		return timestamp(s), nil
	case s == "=":
		return nil, errors.New("a plain = is YAML 1.1's value tag, which yaml.safe_load refuses: quote it")
	}
	return s, nil
}

// taggedScalar is what PyYAML's SafeConstructor makes of text under an
// explicit standard tag.
func taggedScalar(tag, s string) (any, error) {
	var v any
	var err error
	switch tag {
	case "!!str":
		return s, nil
	case "!!null":
		return nil, nil
	case "!!bool":
		v, err = pyBool(s)
	case "!!int":
		v, err = pyInt(s)
	case "!!float":
		v, err = pyFloat(s)
	}
	if err != nil {
		return nil, fmt.Errorf("the value under %s is no %s", tag, tag[2:])
	}
	return v, nil
}

func pyBool(s string) (any, error) {
	switch strings.ToLower(s) {
	case "yes", "true", "on":
		return true, nil
	case "no", "false", "off":
		return false, nil
	}
	return nil, errors.New("not a boolean")
}

// pySign splits the sign off s (underscores already gone).
func pySign(s string) (neg bool, rest string) {
	if s != "" && (s[0] == '-' || s[0] == '+') {
		return s[0] == '-', s[1:]
	}
	return false, s
}

// pyInt is construct_yaml_int: 0b binary, 0x hex, a leading 0 octal, a:b:c
// base 60, else decimal; as JSON digits (any size).
func pyInt(s string) (any, error) {
	neg, v := pySign(strings.ReplaceAll(s, "_", ""))
	n := new(big.Int)
	ok := true
	switch {
	case v == "":
		ok = false
	case v == "0":
	case strings.HasPrefix(v, "0b"):
		_, ok = n.SetString(v[2:], 2)
	case strings.HasPrefix(v, "0x"):
		_, ok = n.SetString(v[2:], 16)
	case v[0] == '0':
		_, ok = n.SetString(v, 8)
	case strings.Contains(v, ":"):
		for _, part := range strings.Split(v, ":") {
			d, good := new(big.Int).SetString(part, 10)
			if !good {
				return nil, errors.New("not an integer")
			}
			n.Mul(n, big.NewInt(60)).Add(n, d)
		}
	default:
		_, ok = n.SetString(v, 10)
	}
	if !ok {
		return nil, errors.New("not an integer")
	}
	if neg {
		n.Neg(n)
	}
	return json.Number(n.String()), nil
}

// pyFloat is construct_yaml_float, as JSON: a finite float in Go's 'e'
// format (so it reads back as a float, 1.0 included), an infinite or NaN
// one null, as pydantic's JSON mode stores it.
func pyFloat(s string) (any, error) {
	neg, v := pySign(strings.ToLower(strings.ReplaceAll(s, "_", "")))
	var f float64
	switch {
	case v == ".inf" || v == ".nan":
		return nil, nil
	case strings.Contains(v, ":"):
		parts := strings.Split(v, ":")
		for _, part := range parts {
			d, err := strconv.ParseFloat(part, 64)
			if err != nil {
				return nil, err
			}
			f = f*60 + d
		}
	default:
		var err error
		if f, err = strconv.ParseFloat(v, 64); err != nil && !math.IsInf(f, 0) {
			return nil, err
		}
	}
	if neg {
		f = -f
	}
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return nil, nil
	}
	return json.Number(strconv.FormatFloat(f, 'e', -1, 64)), nil
}

// pyDate is a YAML date, as pydantic stores a datetime.date: its ISO text.
// An impossible date (2001-02-30) fails in PyYAML too.
func pyDate(s string) (any, error) {
	d, err := time.Parse("2006-01-02", s)
	if err != nil {
		return nil, errors.New("not a valid date")
	}
	return d.Format("2006-01-02"), nil
}
