package envfile

import (
	"strings"
	"testing"
)

func TestNearReference(t *testing.T) {
	const scheme = "the scheme is spelt prefect-secret (one dash, no s at the end)"
	const slashes = "the scheme is followed by :// (a colon and two slashes)"
	for _, c := range []struct{ value, what string }{
		{"prefect-secret:/NAME", slashes},
		{"prefect-secret:NAME", slashes},
		{"prefect-secret//NAME", slashes},
		{"prefect-secret:\\\\NAME", slashes},
		{"prefect-secrets://NAME", scheme},
		{"prefect_secret://NAME", scheme},
		{"prefectsecret://NAME", scheme},
		{"prefect-secert://NAME", scheme},
		{"prefect.secrets://NAME", scheme},
		{"PREFECT-SECRET://NAME", "the scheme prefect-secret is lower-case"},
		{"Prefect-Secret://NAME", "the scheme prefect-secret is lower-case"},
		{"prefect-secrets:/NAME", scheme + ", and " + slashes},
		{"prefect-secrets://", scheme},
		{"{{ prefect-secret://NAME }}", "{{ }} are a template's (inject), not a reference file's"},
		{"{{prefect-secrets://NAME}}", "{{ }} are a template's (inject), not a reference file's, and " + scheme},
		{" prefect-secret://NAME", "it starts with whitespace"},
	} {
		what, ok := NearReference(c.value)
		if !ok || what != c.what {
			t.Errorf("NearReference(%q) = %q, %v; want %q, true", c.value, what, ok, c.what)
		}
		if strings.Contains(what, "NAME") {
			t.Errorf("NearReference(%q) quotes the value: %q", c.value, what)
		}
	}
	for _, v := range []string{
		"prefect-secret://NAME",  // a reference
		"prefect-secret:///NAME", // a reference too, to "/NAME": the name is judged as a name
		"https://prefect-secret.example/x",
		"prefect-server://host",   // three letters off
		"prefect://NAME",          // not a secret's scheme
		"secret://NAME",           //
		"prefect-secrets-manager", // no : or /
		"prefect-secret",          // the word alone
		"prefect-secrets",
		"", "plain text", "://", "{{ not a reference }}", "hunter2",
	} {
		if what, ok := NearReference(v); ok {
			t.Errorf("NearReference(%q) = %q, true; want false", v, what)
		}
	}
}

func TestNearReferenceMessage(t *testing.T) {
	msg := NearReferenceMessage("it starts with whitespace")
	for _, want := range []string{"almost a reference to a secret: it starts with whitespace;", "VAR=prefect-secret://NAME", "single-quote it"} {
		if !strings.Contains(msg, want) {
			t.Errorf("%q does not say %q", msg, want)
		}
	}
}

func FuzzNearReference(f *testing.F) {
	for _, s := range []string{"prefect-secret:/A", "{{ prefect-secrets://B }}", " prefect-secret://C", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		what, ok := NearReference(v)
		if ok == (what == "") {
			t.Fatalf("NearReference(%q) = %q, %v: a near reference says what is off, and only one", v, what, ok)
		}
		if ok && strings.HasPrefix(v, "prefect-secret://") {
			t.Fatalf("NearReference(%q): a reference taken for a near one", v)
		}
	})
}
