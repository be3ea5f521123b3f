package resolve

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"strings"
	"testing"
)

// secretTestCanary is planted as a value; nothing but Reveal may show it.
const secretTestCanary = "canary-secret-type-5e1d"

// secretTestLeaks reports whether out shows the planted value in any of the
// forms a printing path could use: the text, hex, quoted or as byte numbers.
func secretTestLeaks(out string) bool {
	b := []byte(secretTestCanary)
	forms := []string{
		secretTestCanary,
		fmt.Sprintf("%x", b),
		fmt.Sprintf("% x", b),
		fmt.Sprintf("%X", b),
		fmt.Sprintf("%d", b[:4]),
		fmt.Sprintf("%v", b[:4]),
		strings.Trim(fmt.Sprintf("%d", b[:4]), "[]"),
		fmt.Sprintf("%#v", b[:4]),
		"canary",
	}
	for _, f := range forms {
		if strings.Contains(out, f) {
			return true
		}
	}
	return false
}

func TestSecretFmtVerbs(t *testing.T) {
	for _, s := range []Secret{NewSecret([]byte(secretTestCanary)), NewJSONSecret([]byte(`{"k":"` + secretTestCanary + `"}`))} {
		for _, verb := range []string{"%s", "%v", "%+v", "%#v", "%q", "%x", "%X", "% x", "%d", "%T", "%10s", "%-20v", "%.3s", "%p", "%t", "%c", "%U", "%b", "%o", "%e", "%08d"} {
			out := fmt.Sprintf(verb, s)
			if secretTestLeaks(out) {
				t.Errorf("fmt %s of a Secret shows the value: %q", verb, out)
			}
			// %T names the type; fmt handles %p itself (an address at most).
			if verb != "%T" && verb != "%p" && !strings.Contains(out, Redacted) {
				t.Errorf("fmt %s of a Secret = %q, want the marker %q", verb, out, Redacted)
			}
		}
		// Pointers to a Secret and Secrets inside other containers.
		for _, v := range []any{&s, []Secret{s}, map[string]Secret{"k": s}, [1]Secret{s}, []any{s}} {
			for _, verb := range []string{"%s", "%v", "%+v", "%#v", "%q", "%x", "%d"} {
				if out := fmt.Sprintf(verb, v); secretTestLeaks(out) {
					t.Errorf("fmt %s of %T holding a Secret shows the value: %q", verb, v, out)
				}
			}
		}
		if out := fmt.Sprint(s); out != Redacted {
			t.Errorf("fmt.Sprint(secret) = %q, want %q", out, Redacted)
		}
		if out := fmt.Sprintln(s, s); secretTestLeaks(out) {
			t.Errorf("fmt.Sprintln shows the value: %q", out)
		}
		if got := s.String(); got != Redacted {
			t.Errorf("String() = %q, want %q", got, Redacted)
		}
		if got := s.GoString(); got != Redacted {
			t.Errorf("GoString() = %q, want %q", got, Redacted)
		}
	}
}

type secretTestHolder struct {
	Name    string
	Value   Secret
	private Secret
	Ptr     *Secret
	Inner   struct{ S Secret }
	Any     any
}

func secretTestNewHolder() secretTestHolder {
	s := NewSecret([]byte(secretTestCanary))
	h := secretTestHolder{Name: "DB_PASSWORD", Value: s, private: s, Ptr: &s, Any: s}
	h.Inner.S = s
	return h
}

func TestSecretInStruct(t *testing.T) {
	h := secretTestNewHolder()
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%d"} {
		for _, v := range []any{h, &h} {
			out := fmt.Sprintf(verb, v)
			if secretTestLeaks(out) {
				t.Errorf("fmt %s of a struct holding a Secret shows the value: %s", verb, out)
			}
		}
	}
	// The exported field shows the marker; the name around it still prints.
	out := fmt.Sprintf("%+v", h)
	if !strings.Contains(out, "Value:"+Redacted) || !strings.Contains(out, "DB_PASSWORD") {
		t.Errorf("%%+v = %s, want Value:%s and the name", out, Redacted)
	}
	// A struct holding only an unexported Secret: fmt walks the fields
	// without calling methods, and must still not reach the bytes.
	type onlyPrivate struct{ s Secret }
	p := onlyPrivate{s: NewSecret([]byte(secretTestCanary))}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x", "%d", "%q"} {
		if out := fmt.Sprintf(verb, p); secretTestLeaks(out) {
			t.Errorf("fmt %s of a struct with an unexported Secret shows the value: %s", verb, out)
		}
	}
}

func TestSecretJSON(t *testing.T) {
	h := secretTestNewHolder()
	for _, v := range []any{h, &h, h.Value, []Secret{h.Value}, map[string]Secret{"k": h.Value}, map[string]any{"k": h.Value}} {
		out, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("json.Marshal(%T): %v", v, err)
		}
		if secretTestLeaks(string(out)) {
			t.Errorf("json.Marshal(%T) shows the value: %s", v, out)
		}
		if !bytes.Contains(out, []byte(`"`+Redacted+`"`)) {
			t.Errorf("json.Marshal(%T) = %s, want the marker as a string", v, out)
		}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	if err := enc.Encode(h); err != nil {
		t.Fatal(err)
	}
	if secretTestLeaks(buf.String()) {
		t.Errorf("json.Encoder shows the value: %s", buf.String())
	}
	// As a map key (MarshalText).
	out, err := json.Marshal(map[Secret]int{h.Value: 1})
	if err != nil {
		t.Fatal(err)
	}
	if secretTestLeaks(string(out)) {
		t.Errorf("json.Marshal of a map keyed by a Secret shows the value: %s", out)
	}
	// A JSON-structured value is redacted as well.
	out, err = json.Marshal(NewJSONSecret([]byte(`{"k":"` + secretTestCanary + `"}`)))
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != `"`+Redacted+`"` {
		t.Errorf("json.Marshal(NewJSONSecret) = %s, want the marker", out)
	}
}

func TestSecretInPanic(t *testing.T) {
	s := NewSecret([]byte(secretTestCanary))
	for _, v := range []any{s, &s, secretTestNewHolder(), fmt.Errorf("wrapped: %v", s)} {
		got := func() (r any) {
			defer func() { r = recover() }()
			panic(v)
		}()
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%d"} {
			if out := fmt.Sprintf(verb, got); secretTestLeaks(out) {
				t.Errorf("fmt %s of a recovered panic(%T) shows the value: %s", verb, v, out)
			}
		}
	}
}

func TestSecretInLogAndErrors(t *testing.T) {
	s := NewSecret([]byte(secretTestCanary))
	var buf bytes.Buffer
	l := log.New(&buf, "", 0)
	l.Printf("value=%v %s %q %+v", s, s, s, secretTestNewHolder())
	l.Println(s)
	err := fmt.Errorf("lookup of %s failed: %w", s, errors.New("boom"))
	buf.WriteString(err.Error())
	if secretTestLeaks(buf.String()) {
		t.Errorf("log or error shows the value: %s", buf.String())
	}
}

func TestSecretReveal(t *testing.T) {
	in := []byte("exact\x00bytes\n\xff")
	s := NewSecret(in)
	if got := s.Reveal(); !bytes.Equal(got, in) {
		t.Errorf("Reveal() = %q, want %q", got, in)
	}
	if s.Len() != len(in) {
		t.Errorf("Len() = %d, want %d", s.Len(), len(in))
	}
	if s.IsJSON() {
		t.Error("NewSecret: IsJSON() = true")
	}
	// The bytes are copied: changing the input afterwards does not change
	// the secret.
	in[0] = 'X'
	if s.Reveal()[0] != 'e' {
		t.Error("NewSecret kept a reference to its input")
	}

	j := NewJSONSecret([]byte(`{"a":1}`))
	if !j.IsJSON() || string(j.Reveal()) != `{"a":1}` {
		t.Errorf("NewJSONSecret: IsJSON=%v Reveal=%q", j.IsJSON(), j.Reveal())
	}

	var zero Secret
	if zero.Reveal() != nil || zero.Len() != 0 || zero.IsJSON() {
		t.Error("the zero Secret is not empty")
	}
	if fmt.Sprint(zero) != Redacted {
		t.Errorf("zero Secret prints %q", fmt.Sprint(zero))
	}

	empty := NewSecret(nil)
	if empty.Len() != 0 || fmt.Sprintf("%v", empty) != Redacted {
		t.Errorf("empty Secret: Len=%d, prints %q", empty.Len(), fmt.Sprintf("%v", empty))
	}
}
