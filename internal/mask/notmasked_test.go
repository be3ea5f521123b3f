package mask_test

import (
	"encoding/base32"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"html"
	"mime/quotedprintable"
	"net/url"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/prefect-secrets/prefect-secrets/internal/mask"
)

// TestFormsNotMasked pins the forms of a value docs/masking.md lists as
// not masked: each passes through unchanged. When one starts being
// masked, this fails: move it to the page's table of masked forms.
func TestFormsNotMasked(t *testing.T) {
	const v = `it's-a-päss"word/x`
	m, _ := mask.New([]mask.Secret{sec("V", v)}, mask.Options{})
	utf16Of := func(order binary.AppendByteOrder) string {
		var b []byte
		for _, u := range utf16.Encode([]rune(v)) {
			b = order.AppendUint16(b, u)
		}
		return string(b)
	}
	var qp strings.Builder
	w := quotedprintable.NewWriter(&qp)
	w.Write([]byte(v))
	w.Close()
	// A value whose base64 is longer than base64's lines of 76.
	long := strings.Repeat("hunter2-", 8) + v
	wrapped := base64.StdEncoding.EncodeToString([]byte(long))
	wrapped = wrapped[:76] + "\n" + wrapped[76:]
	forms := map[string]string{
		"hex":                               hex.EncodeToString([]byte(v)),
		"hex, upper case":                   strings.ToUpper(hex.EncodeToString([]byte(v))),
		"base32":                            base32.StdEncoding.EncodeToString([]byte(v)),
		"UTF-16LE":                          utf16Of(binary.LittleEndian),
		"UTF-16BE":                          utf16Of(binary.BigEndian),
		"base64 of UTF-16LE":                base64.StdEncoding.EncodeToString([]byte(utf16Of(binary.LittleEndian))),
		"ROT13":                             rot13(v),
		"reversed":                          reverse(v),
		"upper case":                        strings.ToUpper(v),
		"HTML entities":                     html.EscapeString(v),
		"percent-encoding, lower-case hex":  strings.ToLower(url.PathEscape(v)),
		"URL-encoded twice":                 url.QueryEscape(url.QueryEscape(v)),
		`JSON with / as \/ (PHP)`:           strings.ReplaceAll(`it's-a-päss\"word/x`, "/", `\/`),
		"' doubled (SQL, PowerShell, YAML)": strings.ReplaceAll(v, "'", "''"),
		`" doubled (CSV)`:                   strings.ReplaceAll(v, `"`, `""`),
		"quoted-printable":                  qp.String(),
		"split by a colour code":            v[:8] + "\x1b[0m" + v[8:],
		"one character a line":              strings.Join(strings.Split(v, ""), "\n"),
		"a part of it":                      v[:12],
		"base64 wrapped at 76 columns":      wrapped,
	}
	mlong, _ := mask.New([]mask.Secret{sec("L", long)}, mask.Options{})
	for what, form := range forms {
		mm := m
		if what == "base64 wrapped at 76 columns" {
			mm = mlong
		}
		if got := string(mm.Replace([]byte(form))); got != form {
			t.Errorf("%s %q is masked (%q): docs/masking.md lists it as not masked", what, form, got)
		}
	}
	// The same value's forms that are masked, for contrast: the test would
	// pass for a masker that masked nothing.
	if got := string(m.Replace([]byte(url.PathEscape(v)))); got != mask.Marker("V") {
		t.Errorf("the URL form %q is not masked: %q", url.PathEscape(v), got)
	}
	if unwrapped := base64.StdEncoding.EncodeToString([]byte(long)); !strings.Contains(string(mlong.Replace([]byte(unwrapped))), mask.Marker("L")) {
		t.Errorf("the base64 of the long value, on one line, is not masked")
	}
}

func rot13(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z':
			return 'a' + (r-'a'+13)%26
		case r >= 'A' && r <= 'Z':
			return 'A' + (r-'A'+13)%26
		}
		return r
	}, s)
}

func reverse(s string) string {
	r := []rune(s)
	for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
		r[i], r[j] = r[j], r[i]
	}
	return string(r)
}
