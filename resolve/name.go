package resolve

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// CheckName reports whether name can be a secret name. Prefect 1 keys its
// secrets by the part of PREFECT__CONTEXT__SECRETS__<NAME> after the prefix,
// split on "__", so a name cannot hold "__"; it also has to travel in an
// environment variable's name, so it cannot hold "=" or NUL. Names keep their
// case and may hold '-', '.', leading digits and non-ASCII letters.
func CheckName(name string) error {
	bad := func(why, hint string) error {
		return &Error{Kind: ErrBadInput, Msg: fmt.Sprintf("invalid secret name %s: %s", QuoteName(name), why), Hint: hint}
	}
	switch {
	case name == "":
		return bad("it is empty", "give the name of a secret, e.g. prefect-secrets get SLACK_WEBHOOK_URL")
	case !utf8.ValidString(name):
		return bad("it is not valid UTF-8", "")
	case strings.Contains(name, "="):
		return bad(`it contains "="`, "in exec, -s VAR=NAME injects secret NAME as variable VAR")
	case strings.Contains(name, "__"):
		return bad(`it contains "__"`, `Prefect reads PREFECT__CONTEXT__SECRETS__A__B as key "B" inside secret "A": ask for the outer name`)
	}
	for _, r := range name {
		switch {
		case unicode.IsSpace(r):
			return bad("it contains whitespace", "")
		case unicode.IsControl(r) || r == utf8.RuneError:
			return bad("it contains a control character", "")
		}
	}
	return nil
}

// QuoteName quotes a name (never a value) for a message, escaping control
// characters and invalid UTF-8 so a message cannot drive the terminal.
func QuoteName(name string) string {
	return strconv.Quote(name)
}
