package format

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestAppendJSONString(t *testing.T) {
	cases := []struct{ in, want string }{
		{"", `""`},
		{"plain", `"plain"`},
		{`q"b\`, `"q\"b\\"`},
		{"n\nr\rt\t", `"n\nr\rt\t"`},
		{"\x00\x01\x08\x0c\x1b\x1f", `"\u0000\u0001\u0008\u000c\u001b\u001f"`},
		{"\x7f", `"\u007f"`},
		{" !#$%&'()*+,-./09:;<=>?@AZ[]^_`az{|}~", `" !#$%&'()*+,-./09:;<=>?@AZ[]^_` + "`" + `az{|}~"`},
		{"<script>&amp;</script>", `"<script>&amp;</script>"`}, // no HTML escaping
		{"/slash", `"/slash"`},
		{"é 🔑 秘密", `"é 🔑 秘密"`},
		{"\u2028\u2029", `"\u2028\u2029"`},
		{"\u0085\u00a0\ufeff", "\"\u0085\u00a0\ufeff\""},
		{"$HOME 0x1F '42' true", `"$HOME 0x1F '42' true"`},
	}
	for _, c := range cases {
		got := AppendJSONString(nil, []byte(c.in))
		if string(got) != c.want {
			t.Errorf("AppendJSONString(%q) = %s, want %s", c.in, got, c.want)
		}
		var back string
		if err := json.Unmarshal(got, &back); err != nil || back != c.in {
			t.Errorf("AppendJSONString(%q) = %s decodes to %q, %v", c.in, got, back, err)
		}
	}
	// It appends to dst and leaves what is there.
	if got := AppendJSONString([]byte("x="), []byte("v")); string(got) != `x="v"` {
		t.Errorf("append to a prefix = %s", got)
	}
}

// FuzzAppendJSONString: for valid UTF-8, encoding/json decodes the output
// back to the exact input; the output is one JSON string with no raw
// control characters, U+2028 or U+2029 in it, and nothing escaped that JSON
// does not require apart from those.
func FuzzAppendJSONString(f *testing.F) {
	for _, s := range []string{"", "a", "\"\\", "\n\r\t", "\x00\x1f\x7f", "<>&", "é🔑", "\u2028\u2029", "\xff", "a\xc3", "\xed\xa0\x80"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		out := AppendJSONString(nil, in)
		if !utf8.Valid(in) {
			// No promise of a round trip, but the output is still one string
			// and encoding/json must accept it.
			if !json.Valid(out) {
				t.Fatalf("AppendJSONString(%q) = %q: not valid JSON", in, out)
			}
			return
		}
		var back string
		if err := json.Unmarshal(out, &back); err != nil {
			t.Fatalf("AppendJSONString(%q) = %q: %v", in, out, err)
		}
		if back != string(in) {
			t.Fatalf("AppendJSONString(%q) = %q decodes to %q", in, out, back)
		}
		if !json.Valid(out) || out[0] != '"' || out[len(out)-1] != '"' {
			t.Fatalf("AppendJSONString(%q) = %q: not one JSON string", in, out)
		}
		for _, b := range out {
			if b < 0x20 || b == 0x7f {
				t.Fatalf("AppendJSONString(%q) = %q holds raw byte %#x", in, out, b)
			}
		}
		if bytes.Contains(out, []byte("\u2028")) || bytes.Contains(out, []byte("\u2029")) {
			t.Fatalf("AppendJSONString(%q) = %q holds a raw line or paragraph separator", in, out)
		}
		// Nothing else escaped: without the escapes the text is as long as
		// the input plus the quotes.
		extra := 0
		for _, b := range in {
			switch {
			case b == '"' || b == '\\' || b == '\n' || b == '\r' || b == '\t':
				extra++
			case b < 0x20 || b == 0x7f:
				extra += 5
			}
		}
		extra += 3 * (strings.Count(string(in), "\u2028") + strings.Count(string(in), "\u2029"))
		if len(out) != len(in)+2+extra {
			t.Fatalf("AppendJSONString(%q) = %q: %d bytes, want %d", in, out, len(out), len(in)+2+extra)
		}
	})
}
