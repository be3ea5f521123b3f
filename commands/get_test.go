package commands

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/prefect-secrets/prefect-secrets/internal/format"
	"github.com/prefect-secrets/prefect-secrets/resolve"
)

func TestJSONValue(t *testing.T) {
	got, err := jsonValue("S", resolve.NewSecret([]byte("line\n\"q\"")))
	if err != nil || string(got) != `"line\n\"q\""` {
		t.Errorf("string value = %s, %v", got, err)
	}
	// A structured value is its JSON text, unchanged (not a string).
	structured := `{"a":[1,true,null],"b":"<&>"}`
	got, err = jsonValue("S", resolve.NewJSONSecret([]byte(structured)))
	if err != nil || string(got) != structured {
		t.Errorf("structured value = %s, %v", got, err)
	}
	// A string that looks like JSON stays a string.
	got, err = jsonValue("S", resolve.NewSecret([]byte(`{"a":1}`)))
	if err != nil || string(got) != `"{\"a\":1}"` {
		t.Errorf("JSON-looking string = %s, %v", got, err)
	}
	got, err = jsonValue("S", resolve.NewSecret(nil))
	if err != nil || string(got) != `""` {
		t.Errorf("empty value = %s, %v", got, err)
	}
	// The result is a copy: changing it does not change the secret.
	v := resolve.NewJSONSecret([]byte(`[1]`))
	got, _ = jsonValue("S", v)
	got[0] = 'X'
	if string(v.Reveal()) != `[1]` {
		t.Error("jsonValue returned the secret's own bytes")
	}

	// Not UTF-8: refused as bad input, naming the secret, never the value.
	const value = "canary-\xff-bytes"
	_, err = jsonValue("BIN", resolve.NewSecret([]byte(value)))
	if !errors.Is(err, resolve.ErrBadInput) || ExitCode(err) != ExitDataErr {
		t.Fatalf("non-UTF-8 = %v (exit %d), want bad input (65)", err, ExitCode(err))
	}
	if !strings.Contains(err.Error(), `"BIN"`) || strings.Contains(err.Error(), "canary") || strings.Contains(Hint(err), "canary") {
		t.Errorf("non-UTF-8 error = %q, hint %q", err, Hint(err))
	}
	if !strings.Contains(Hint(err), "without --json") {
		t.Errorf("hint %q, want it to suggest get without --json", Hint(err))
	}
}

// FuzzJSONValue: get --json of a valid UTF-8 text value is exactly the one
// JSON string encoder's output.
func FuzzJSONValue(f *testing.F) {
	for _, s := range []string{"", "a", "\"\\", "\n\r\t", "\x00\x1f\x7f", "<>&", "é🔑", "\u2028\u2029"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		if !utf8.Valid(in) {
			return
		}
		jv, err := jsonValue("N", resolve.NewSecret(in))
		if want := format.AppendJSONString(nil, in); err != nil || !bytes.Equal(jv, want) {
			t.Fatalf("jsonValue(%q) = %q, %v; want %q", in, jv, err, want)
		}
	})
}
