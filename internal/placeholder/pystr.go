package placeholder

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"strings"
)

// ErrNotScalar is a dict or a list where text is wanted: Prefect refuses
// one inline for blocks, and gives a Python repr for variables, which this
// tool refuses too.
var ErrNotScalar = errors.New("an object or a list has no text to put inside other text")

// PyStr is the text Prefect puts inline for a value: Python's str() of
// what json.loads makes of it. text is the value's text when isJSON is
// false (a string), else its JSON. Strings are themselves, true and false
// True and False, null None, an integer its digits ("-0" is 0), any other
// number the float's shortest repr ("1.0", "1e+16", "1e-05", "inf").
func PyStr(text []byte, isJSON bool) (string, error) {
	if !isJSON {
		return string(text), nil
	}
	t := bytes.TrimSpace(text)
	switch {
	case len(t) == 0:
		return "", errors.New("an empty value")
	case t[0] == '"':
		var s string
		if err := json.Unmarshal(t, &s); err != nil {
			return "", err
		}
		return s, nil
	case t[0] == '{' || t[0] == '[':
		return "", ErrNotScalar
	case string(t) == "true":
		return "True", nil
	case string(t) == "false":
		return "False", nil
	case string(t) == "null":
		return "None", nil
	}
	if !json.Valid(t) {
		return "", errors.New("not a JSON value")
	}
	return pyNumber(string(t)), nil
}

// pyNumber is str() of the Python number json.loads makes of a JSON
// number: an int when it has no fraction or exponent, else a float.
func pyNumber(n string) string {
	if !strings.ContainsAny(n, ".eE") {
		digits := strings.TrimPrefix(n, "-")
		if strings.Trim(digits, "0") == "" {
			return "0"
		}
		return n
	}
	f, err := strconv.ParseFloat(n, 64)
	if err != nil && !math.IsInf(f, 0) {
		return n
	}
	return pyFloatRepr(f)
}

// pyFloatRepr is Python's repr() of a float: the shortest digits that
// read back as it, in fixed notation with at least one decimal when the
// decimal point falls within -4 < point <= 16 of the digits, else as
// d.ddde+XX with a two-digit exponent at least.
func pyFloatRepr(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	case math.IsNaN(f):
		return "nan"
	}
	sign := ""
	if math.Signbit(f) {
		sign, f = "-", -f
	}
	if f == 0 {
		return sign + "0.0"
	}
	// Shortest digits and exponent: d.ddde±X.
	e := strconv.FormatFloat(f, 'e', -1, 64)
	mant, expText, _ := strings.Cut(e, "e")
	exp, _ := strconv.Atoi(expText)
	digits := strings.Replace(mant, ".", "", 1)
	point := exp + 1 // where the decimal point falls among digits
	if point > -4 && point <= 16 {
		var s string
		switch {
		case point <= 0:
			s = "0." + strings.Repeat("0", -point) + digits
		case point >= len(digits):
			s = digits + strings.Repeat("0", point-len(digits)) + ".0"
		default:
			s = digits[:point] + "." + digits[point:]
		}
		return sign + s
	}
	m := digits[:1]
	if len(digits) > 1 {
		m += "." + digits[1:]
	}
	es := "+"
	if exp < 0 {
		es, exp = "-", -exp
	}
	x := strconv.Itoa(exp)
	if len(x) < 2 {
		x = "0" + x
	}
	return sign + m + "e" + es + x
}
