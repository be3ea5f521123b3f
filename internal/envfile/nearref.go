package envfile

import (
	"strings"

	"github.com/xrash/smetrics"
)

// A value that is almost a reference (VAR=prefect-secrets://NAME) would be
// passed on as text: the program would get a scheme and a name where it
// wants a password, and nothing would say why. A template refuses any {{
// that is not a reference; a reference file refuses such a value the same
// way, with its line and column.
//
// Text of that shape is still written as it is by single-quoting it:
// VAR='prefect-secrets://NAME'. In this grammar, as in compose's, a
// single-quoted value is taken literally (no $, no escapes but \'), so a
// single-quoted value is never checked for a near reference; unquoted and
// double-quoted values are. (Nothing else in the grammar can tell text from
// a slip: the value read is the same whichever way it is written.)

// reference is the scheme of a reference, exactly.
const reference = "prefect-secret"

// NearReference reports whether value, a plain value of a reference file
// (unquoted or double-quoted), is almost a reference: the scheme spelt
// otherwise (prefect-secrets://, prefect_secret://, Prefect-Secret://, a
// letter or two off), the slashes off (prefect-secret:/NAME,
// prefect-secret:NAME, prefect-secret//NAME), a template's braces around
// it ({{ prefect-secret://NAME }}), or whitespace before it. what says
// what is off, in words: it never quotes the value. A reference itself
// (prefect-secret://...) is not a near one.
func NearReference(value string) (what string, ok bool) {
	if strings.HasPrefix(value, reference+"://") {
		return "", false // a reference: its name is checked as a name
	}
	core := strings.TrimLeft(value, " \t")
	spaced := core != value
	braced := false
	if inner, ok := strings.CutPrefix(core, "{{"); ok {
		braced = true
		core = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(inner), "}}"))
	}
	scheme, sep := splitScheme(core)
	lower := strings.ToLower(scheme)
	if sep == "" || smetrics.WagnerFischer(lower, reference, 1, 1, 1) > 2 {
		return "", false
	}
	var why []string
	switch {
	case braced:
		why = append(why, "{{ }} are a template's (inject), not a reference file's")
	case spaced:
		why = append(why, "it starts with whitespace")
	}
	switch {
	case scheme == reference:
	case lower == reference:
		why = append(why, "the scheme prefect-secret is lower-case")
	default:
		why = append(why, "the scheme is spelt prefect-secret (one dash, no s at the end)")
	}
	if sep != "://" {
		why = append(why, "the scheme is followed by :// (a colon and two slashes)")
	}
	return strings.Join(why, ", and "), true
}

// NearReferenceMessage is the error for a near reference, what being
// NearReference's answer: what is off, what a reference is, and how to
// write the text as it is.
func NearReferenceMessage(what string) string {
	return "this value is almost a reference to a secret: " + what +
		"; a reference is VAR=prefect-secret://NAME, and to pass such text as it is, single-quote it (VAR='...' is taken literally)"
}

// splitScheme splits s into what a scheme would be (letters, digits, and
// - _ . as a mistyped scheme may hold) and the run of : / \ after it;
// sep is "" when s does not start so.
func splitScheme(s string) (scheme, sep string) {
	i := 0
	for i < len(s) && isSchemeChar(s[i]) {
		i++
	}
	j := i
	for j < len(s) && (s[j] == ':' || s[j] == '/' || s[j] == '\\') {
		j++
	}
	if i == 0 {
		return "", ""
	}
	return s[:i], s[i:j]
}

func isSchemeChar(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.'
}
