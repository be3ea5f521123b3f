package mask_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/prefect-secrets/prefect-secrets/internal/mask"
)

func leafList(leaves []mask.Secret) []string {
	var out []string
	for _, l := range leaves {
		out = append(out, l.Name+"="+string(l.Value))
	}
	return out
}

func TestLeaves(t *testing.T) {
	for _, c := range []struct {
		json string
		want []string
	}{
		{`{"SECRET_KEY":"abc"}`, []string{"S.SECRET_KEY=abc"}},
		// Nested objects and arrays, in the order of the text; numbers,
		// booleans and null are not leaves.
		{`{"b":{"x":"1","n":2,"t":true,"z":null,"l":[3,"y",{"d":"z"},["w"]]},"a":"first?"}`,
			[]string{"S.b.x=1", "S.b.l[1]=y", "S.b.l[2].d=z", "S.b.l[3][0]=w", "S.a=first?"}},
		{`["p",["q"],{"k":"r"}]`, []string{"S[0]=p", "S[1][0]=q", "S[2].k=r"}},
		// Strings are decoded; keys of anything but letters, digits, '_'
		// and '-' are quoted, so a key cannot end a marker early or drive
		// the terminal.
		{`{"k":"line\nbreak \u00e9 \"q\" \\"}`, []string{"S.k=line\nbreak é \"q\" \\"}},
		{`{"a.b":"1","":"2","x y":"3","\u001b[31m":"4",">":"5","é":"6","kebab-case_9":"7"}`,
			[]string{`S["a.b"]=1`, `S[""]=2`, `S["x y"]=3`, `S["\x1b[31m"]=4`, `S["\x3e"]=5`, `S["é"]=6`, `S.kebab-case_9=7`}},
		// A key given twice is two leaves: the text holds both.
		{`{"k":"one","k":"two"}`, []string{"S.k=one", "S.k=two"}},
		{`{}`, nil},
		{`[]`, nil},
		{`42`, nil},
		{` {"k" : [ "v" ] } `, []string{"S.k[0]=v"}},
	} {
		leaves, err := mask.Leaves("S", []byte(c.json))
		if err != nil {
			t.Errorf("Leaves(%s): %v", c.json, err)
			continue
		}
		if got := leafList(leaves); !slices.Equal(got, c.want) {
			t.Errorf("Leaves(%s)\n got %q\nwant %q", c.json, got, c.want)
		}
	}
	for _, bad := range []string{``, `{`, `[{"a":"b"}`, `{"a":}`, `{"a":"b"} {"c":"d"}`, `"unterminated`, `{"a":"b"}x`} {
		if leaves, err := mask.Leaves("S", []byte(bad)); err == nil {
			t.Errorf("Leaves(%q) = %q, want an error", bad, leafList(leaves))
		}
	}
}

// FuzzLeavesNames: whatever the JSON, a leaf's name is the secret's name
// and a path with no control character and no '>', so a marker built from
// it cannot be cut short or drive a terminal.
func FuzzLeavesNames(f *testing.F) {
	for _, s := range []string{`{"a":"b"}`, `{"\u001b":"x","\n":["y"]}`, `{">":{"<":"z"}}`, `[["a"],{"":""}]`, `{"\u2028\u0085":"v"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, text []byte) {
		leaves, err := mask.Leaves("NAME", text)
		if err != nil {
			return
		}
		for _, l := range leaves {
			path, ok := strings.CutPrefix(l.Name, "NAME")
			if !ok || strings.ContainsAny(path, "<>") || strings.ContainsFunc(path, func(r rune) bool { return r < 0x20 || r == 0x7f || r >= 0x80 && r < 0xa0 }) {
				t.Fatalf("leaf name %q", l.Name)
			}
		}
	})
}

// awsJSON is a structured secret as the local context makes it from
// PREFECT__CONTEXT__SECRETS__AWS__* variables, or an API's JSON block.
const awsJSON = `{"ACCESS_KEY":"AKIAIOSFODNN7EXAMPLE","SECRET_KEY":"wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY","port":5432,"ssl":"on","pem":"-----BEGIN KEY-----\nMIIBVQIBADANBgkqhkiG\n-----END KEY-----"}`

// TestStructuredLeavesMasked: with JSON set, every string leaf of the value
// at least MinLen long is masked as a secret of its own, in every form a
// value is (each line, base64, URL-escaped, JSON string), under its path's
// name; the whole text still under the secret's own. It masks exactly as
// if each leaf had been given as a secret by that name.
func TestStructuredLeavesMasked(t *testing.T) {
	structured := []mask.Secret{{Name: "AWS", Value: []byte(awsJSON), JSON: true}}
	m, short := mask.New(structured, mask.Options{})
	if !slices.Equal(short, []string{"AWS.ssl"}) {
		t.Errorf("too short: %q, want the 2-byte leaf AWS.ssl", short)
	}
	key := "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
	mk := mask.Marker("AWS.SECRET_KEY")
	for what, form := range map[string]string{
		"the leaf":         key,
		"base64":           base64.StdEncoding.EncodeToString([]byte(key)),
		"base64 url":       base64.RawURLEncoding.EncodeToString([]byte(key)),
		"query":            url.QueryEscape(key),
		"path":             url.PathEscape(key),
		"json (with html)": string(jsonEscape([]byte(key), true)),
	} {
		// Padding is not secret and may stay.
		pad := strings.Repeat("=", strings.Count(form, "="))
		got := string(run(t, m, bytewise([]byte("k="+form+"\n")), nil))
		if got != "k="+mk+"\n" && got != "k="+mk+pad+"\n" {
			t.Errorf("%s %q: got %q", what, form, got)
		}
	}
	out := string(run(t, m, whole([]byte("access AKIAIOSFODNN7EXAMPLE; whole "+awsJSON+"\nline MIIBVQIBADANBgkqhkiG\n")), nil))
	if want := "access <prefect-secret:AWS.ACCESS_KEY>; whole <prefect-secret:AWS>\nline <prefect-secret:AWS.pem>\n"; out != want {
		t.Errorf("got  %q\nwant %q", out, want)
	}
	// The value printed another way (indented, keys sorted): its leaves
	// are masked, the rest of it shows.
	var v map[string]any
	json.Unmarshal([]byte(awsJSON), &v)
	pretty, _ := json.MarshalIndent(v, "", "  ")
	out = string(run(t, m, randomChunks(rand.New(rand.NewPCG(31, 32)), pretty, 7), nil))
	for _, leaf := range []string{"AKIAIOSFODNN7EXAMPLE", key, "MIIBVQIBADANBgkqhkiG"} {
		if strings.Contains(out, leaf) {
			t.Errorf("%q shows in the indented value:\n%s", leaf, out)
		}
	}
	if !strings.Contains(out, `"SECRET_KEY": "<prefect-secret:AWS.SECRET_KEY>"`) || !strings.Contains(out, `"ssl": "on"`) {
		t.Errorf("indented value masked as\n%s", out)
	}

	// The same as the leaves given one by one, against the reference.
	explicit := []mask.Secret{{Name: "AWS", Value: []byte(awsJSON)}}
	leaves, err := mask.Leaves("AWS", []byte(awsJSON))
	if err != nil {
		t.Fatal(err)
	}
	explicit = append(explicit, leaves...)
	pats := refPatterns(explicit, 0)
	var in []byte
	for i, p := range pats {
		in = fmt.Appendf(in, "%d %s %s|", i, p.b, p.b[:len(p.b)/2])
	}
	in = append(in, pretty...)
	want := refMask(in, pats)
	if got := run(t, m, randomChunks(rand.New(rand.NewPCG(33, 34)), in, 50), want); !bytes.Equal(got, want) {
		t.Errorf("structured masks otherwise than its leaves one by one")
	}

	// Without JSON, the text is one value: a leaf alone is not masked.
	m, _ = mask.New([]mask.Secret{{Name: "AWS", Value: []byte(awsJSON)}}, mask.Options{})
	if got := string(run(t, m, whole([]byte(key)), nil)); got != key {
		t.Errorf("JSON not set: %q", got)
	}
	// Text that is not JSON after all: still masked whole.
	m, _ = mask.New([]mask.Secret{{Name: "X", Value: []byte(`{"not json`), JSON: true}}, mask.Options{})
	if got := string(run(t, m, whole([]byte(`a {"not json b`)), nil)); got != "a <prefect-secret:X> b" {
		t.Errorf("not JSON: %q", got)
	}
}

// TestParts: what a masker of another tool registers (GitHub Actions'
// ::add-mask::) is the value, each line, each string leaf and each line of
// a leaf; New masks every one of them at least MinLen long under the name
// given.
func TestParts(t *testing.T) {
	s := mask.Secret{Name: "AWS", Value: []byte(awsJSON), JSON: true}
	parts := mask.Parts(s)
	want := []string{
		"AWS=" + awsJSON,
		"AWS.ACCESS_KEY=AKIAIOSFODNN7EXAMPLE",
		"AWS.SECRET_KEY=wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
		"AWS.ssl=on",
		"AWS.pem=-----BEGIN KEY-----\nMIIBVQIBADANBgkqhkiG\n-----END KEY-----",
		"AWS.pem=-----BEGIN KEY-----",
		"AWS.pem=MIIBVQIBADANBgkqhkiG",
		"AWS.pem=-----END KEY-----",
	}
	if got := leafList(parts); !slices.Equal(got, want) {
		t.Errorf("Parts\n got %q\nwant %q", got, want)
	}
	lines := mask.Parts(mask.Secret{Name: "CERT", Value: []byte("a-line\r\nb-line\n\nc")})
	if got, want := leafList(lines), []string{"CERT=a-line\r\nb-line\n\nc", "CERT=a-line", "CERT=b-line", "CERT=c"}; !slices.Equal(got, want) {
		t.Errorf("Parts of lines\n got %q\nwant %q", got, want)
	}
	if got := mask.Lines([]byte("one line")); got != nil {
		t.Errorf("Lines of one line = %q", got)
	}
	m, _ := mask.New([]mask.Secret{s}, mask.Options{})
	for _, p := range parts {
		if len(p.Value) < mask.DefaultMinLen {
			continue
		}
		in := slices.Concat([]byte("["), p.Value, []byte("]"))
		if got, want := string(run(t, m, whole(in), nil)), "["+mask.Marker(p.Name)+"]"; got != want {
			t.Errorf("part %s: got %q, want %q", p.Name, got, want)
		}
	}
}
