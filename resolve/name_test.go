package resolve

import (
	"errors"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestCheckName(t *testing.T) {
	valid := []string{
		"SLACK_WEBHOOK_URL",
		"mY_KeY",
		"a",
		"_LEAD",
		"_",
		"x_",
		"slack-webhook",
		"db.password",
		"1ST_KEY",
		"123",
		"clé_ñandú",
		"秘密",
		"🔑",
		"a/b",
		"a:b",
		"$HOME",
		"it's",
		strings.Repeat("N", 4096),
	}
	for _, n := range valid {
		if err := CheckName(n); err != nil {
			t.Errorf("CheckName(%q) = %v, want nil", n, err)
		}
	}

	invalid := []struct {
		name string
		why  string
	}{
		{"", "it is empty"},
		{"A=B", `it contains "="`},
		{"=", `it contains "="`},
		{"A__B", `it contains "__"`},
		{"__X", `it contains "__"`},
		{"X__", `it contains "__"`},
		{"___", `it contains "__"`},
		{"MY KEY", "it contains whitespace"},
		{" X", "it contains whitespace"},
		{"X ", "it contains whitespace"},
		{"A\tB", "it contains whitespace"},
		{"A\nB", "it contains whitespace"},
		{"A\rB", "it contains whitespace"},
		{"A\u00a0B", "it contains whitespace"},
		{"A\u2028B", "it contains whitespace"},
		{"A\u3000B", "it contains whitespace"},
		{"A\x00B", "it contains a control character"},
		{"A\x01B", "it contains a control character"},
		{"A\x1b[31mB", "it contains a control character"},
		{"A\x7fB", "it contains a control character"},
		{"A\u0085B", "it contains whitespace"}, // NEL: whitespace and a control character
		{"A\u009bB", "it contains a control character"},
		{"A\xffB", "it is not valid UTF-8"},
		{"\xc3", "it is not valid UTF-8"},
		{"\xed\xa0\x80", "it is not valid UTF-8"}, // a surrogate half
	}
	for _, c := range invalid {
		err := CheckName(c.name)
		if err == nil {
			t.Errorf("CheckName(%q) = nil, want an error", c.name)
			continue
		}
		if !errors.Is(err, ErrBadInput) {
			t.Errorf("CheckName(%q) = %v, not ErrBadInput", c.name, err)
		}
		var e *Error
		if !errors.As(err, &e) || e.Kind != ErrBadInput {
			t.Errorf("CheckName(%q) is not an *Error of kind ErrBadInput: %#v", c.name, err)
		}
		msg := err.Error()
		if !strings.HasSuffix(msg, ": "+c.why) {
			t.Errorf("CheckName(%q) = %q, want it to end in %q", c.name, msg, c.why)
		}
		if !strings.HasPrefix(msg, "invalid secret name "+QuoteName(c.name)+": ") {
			t.Errorf("CheckName(%q) = %q, want it to name %s", c.name, msg, QuoteName(c.name))
		}
		if !checkNameTestPrintable(msg) || !checkNameTestPrintable(HintText(err)) {
			t.Errorf("CheckName(%q): the message or hint carries raw control bytes or invalid UTF-8: %q", c.name, msg)
		}
	}
}

func TestCheckNameHints(t *testing.T) {
	for name, want := range map[string]string{
		"":     "give the name of a secret",
		"A=B":  "-s VAR=NAME",
		"A__B": "ask for the outer name",
	} {
		if got := HintText(CheckName(name)); !strings.Contains(got, want) {
			t.Errorf("hint for %q = %q, want it to contain %q", name, got, want)
		}
	}
}

func TestQuoteName(t *testing.T) {
	for in, want := range map[string]string{
		"PLAIN":     `"PLAIN"`,
		"A\tB":      `"A\tB"`,
		"A\x1b[31m": `"A\x1b[31m"`,
		"A\xffB":    `"A\xffB"`,
		`say "hi"`:  `"say \"hi\""`,
		"秘密":        `"秘密"`,
	} {
		if got := QuoteName(in); got != want {
			t.Errorf("QuoteName(%q) = %s, want %s", in, got, want)
		}
	}
}

func checkNameTestPrintable(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r != '\n' && unicode.IsControl(r) {
			return false
		}
	}
	return true
}

// FuzzCheckName: CheckName never panics; what it accepts can be a secret
// name (non-empty valid UTF-8 without "=", "__", whitespace or control
// characters); its message never carries raw control bytes. (That an
// accepted name round-trips through the local context's variable name is
// FuzzAcceptedNameReadsBack, in internal/prefect/localcontext.)
func FuzzCheckName(f *testing.F) {
	for _, s := range []string{"", "A", "A=B", "A__B", "a b", "a\tb", "\xff", "秘密", "_LEAD", "x-y.z", "A\x1bB", "\u2028", "A_", "_"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		err := CheckName(name)
		if err != nil {
			if !errors.Is(err, ErrBadInput) {
				t.Fatalf("CheckName(%q) = %v, not ErrBadInput", name, err)
			}
			if !checkNameTestPrintable(err.Error()) || !checkNameTestPrintable(HintText(err)) {
				t.Fatalf("CheckName(%q): message %q carries raw control bytes or invalid UTF-8", name, err.Error())
			}
			return
		}
		switch {
		case name == "":
			t.Fatal("accepted the empty name")
		case !utf8.ValidString(name):
			t.Fatalf("accepted invalid UTF-8 %q", name)
		case strings.Contains(name, "="):
			t.Fatalf("accepted %q with =", name)
		case strings.Contains(name, "__"):
			t.Fatalf("accepted %q with __", name)
		}
		for _, r := range name {
			if unicode.IsSpace(r) || unicode.IsControl(r) || r == utf8.RuneError {
				t.Fatalf("accepted %q with %U", name, r)
			}
		}
	})
}
