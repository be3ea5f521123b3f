package mask_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/prefect-secrets/prefect-secrets/internal/mask"
)

// ---------------------------------------------------------------------------
// The reference: a slow, obviously correct masker the tests compare with.

// refPattern is one byte string that is masked, and the secret it names.
type refPattern struct {
	name string
	b    []byte
}

// refVariants are the forms of a value that are masked, as documented: the
// value, each of its lines (split at \n and \r, empty lines dropped), and for
// each of those the base64 encodings (standard and URL alphabet, unpadded: a
// padded encoding is the unpadded one followed by "=", which is not secret),
// with what stays of them inside a longer text at each offset mod 3 (for
// a multi-line value, only its lines'), URL
// escaping (query, path, strict, Python's quote, encodeURIComponent), JSON
// string escaping with and without HTML escaping and with ensure_ascii, and
// the shell's and Python's quoted forms. Forms shorter than minLen are
// dropped.
func refVariants(v []byte, minLen int) [][]byte {
	forms := [][]byte{v}
	lines := strings.FieldsFunc(string(v), func(r rune) bool { return r == '\n' || r == '\r' })
	if bytes.ContainsAny(v, "\r\n") {
		for _, l := range lines {
			forms = append(forms, []byte(l))
		}
	}
	var out [][]byte
	for i, f := range forms {
		out = append(out, f)
		for _, enc := range []*base64.Encoding{base64.RawStdEncoding, base64.RawURLEncoding} {
			out = append(out, []byte(enc.EncodeToString(f)))
			// A multi-line value inside a longer base64 text is masked by
			// its lines.
			for shift := 0; shift < 3 && (i > 0 || len(forms) == 1); shift++ {
				out = append(out, refBase64Inside(enc, f, shift))
			}
		}
		q := url.QueryEscape(string(f))
		strict := strings.ReplaceAll(q, "+", "%20")
		out = append(out, []byte(q), []byte(url.PathEscape(string(f))), []byte(strict),
			[]byte(strings.ReplaceAll(strict, "%2F", "/")),
			[]byte(strings.NewReplacer("%21", "!", "%27", "'", "%28", "(", "%29", ")", "%2A", "*").Replace(strict)))
		out = append(out, jsonEscape(f, true), jsonEscape(f, false), mask.JSONASCII(f))
		out = append(out, mask.ShellForms(f)...)
		for _, quote := range []byte{'\'', 0} {
			out = append(out, mask.PythonRepr(f, quote, false), mask.PythonRepr(f, quote, true))
		}
	}
	return slices.DeleteFunc(out, func(b []byte) bool { return len(b) < minLen })
}

// refBase64Inside is what the base64 of f shows inside a longer text, f
// starting at a byte offset of shift mod 3: the characters of its
// encoding that come out the same whatever bytes surround f (tried with
// all zero bits and all one bits around it).
func refBase64Inside(enc *base64.Encoding, f []byte, shift int) []byte {
	with := func(fill byte) string {
		b := bytes.Repeat([]byte{fill}, shift)
		b = append(b, f...)
		return enc.EncodeToString(append(b, fill, fill, fill))
	}
	a, b := with(0), with(0xff)
	var out []byte
	for i := range a {
		if a[i] == b[i] {
			out = append(out, a[i])
		} else if len(out) > 0 {
			break
		}
	}
	return out
}

// jsonEscape is f as the inside of a JSON string (no quotes).
func jsonEscape(f []byte, html bool) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(html)
	if err := enc.Encode(string(f)); err != nil {
		panic(err)
	}
	j := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	return j[1 : len(j)-1]
}

// refPatterns are every masked form of every secret long enough; a form
// that two secrets share names the first of them.
func refPatterns(secrets []mask.Secret, minLen int) []refPattern {
	if minLen <= 0 {
		minLen = 4
	}
	seen := map[string]bool{}
	var pats []refPattern
	for _, s := range secrets {
		if len(s.Value) < minLen {
			continue
		}
		for _, v := range refVariants(s.Value, minLen) {
			if !seen[string(v)] {
				seen[string(v)] = true
				pats = append(pats, refPattern{s.Name, v})
			}
		}
	}
	return pats
}

// refMask masks in as a whole: every occurrence of every pattern (including
// overlapping occurrences of the same pattern) covers its bytes; an
// occurrence inside another one is dropped (it adds no marker); a maximal run
// of overlapping occurrences (adjacent ones do not overlap) is replaced by the
// markers of the distinct secrets of its occurrences, in the order they start.
func refMask(in []byte, pats []refPattern) []byte {
	type occ struct {
		from, to int
		name     string
	}
	var occs []occ
	for _, p := range pats {
		for i := 0; i+len(p.b) <= len(in); {
			j := bytes.Index(in[i:], p.b)
			if j < 0 {
				break
			}
			occs = append(occs, occ{i + j, i + j + len(p.b), p.name})
			i += j + 1
		}
	}
	// Drop occurrences inside another one: in order of start, longest
	// first, one is inside an earlier one if it ends no later than the
	// furthest end so far. (Two different patterns never have the same
	// span: patterns are distinct byte strings.)
	sort.Slice(occs, func(a, b int) bool {
		if occs[a].from != occs[b].from {
			return occs[a].from < occs[b].from
		}
		return occs[a].to > occs[b].to
	})
	kept := occs[:0:0]
	furthest := -1
	for _, x := range occs {
		if x.to > furthest {
			kept = append(kept, x)
			furthest = x.to
		}
	}
	var out []byte
	pos := 0
	for k := 0; k < len(kept); {
		from, to := kept[k].from, kept[k].to
		names := []string{kept[k].name}
		for k++; k < len(kept) && kept[k].from < to; k++ {
			to = max(to, kept[k].to)
			if !slices.Contains(names, kept[k].name) {
				names = append(names, kept[k].name)
			}
		}
		out = append(out, in[pos:from]...)
		for _, n := range names {
			out = append(out, mask.Marker(n)...)
		}
		pos = to
	}
	return append(out, in[pos:]...)
}

// refPending is how much of the end of in could still start a pattern: the
// longest suffix of in that is a proper prefix of a pattern.
func refPending(in []byte, pats []refPattern) int {
	best := 0
	for _, p := range pats {
		for k := min(len(p.b)-1, len(in)); k > best; k-- {
			if bytes.HasPrefix(p.b, in[len(in)-k:]) {
				best = k
				break
			}
		}
	}
	return best
}

// ---------------------------------------------------------------------------
// Helpers.

// recorder is an io.Writer that keeps everything, and counts its calls. It
// is not synchronized: concurrent calls into it are a race the detector
// reports.
type recorder struct {
	buf    bytes.Buffer
	writes int
}

func (r *recorder) Write(p []byte) (int, error) {
	r.writes++
	return r.buf.Write(p)
}

// run writes chunks through a Writer of m and closes it. It checks every
// Write's result; with want given, that what has come out after each one is
// a prefix of want (nothing is ever emitted that a later write would have
// to change) and that the whole output is want.
func run(t testing.TB, m *mask.Masker, chunks [][]byte, want []byte) []byte {
	t.Helper()
	var rec recorder
	w := m.Writer(&rec)
	for i, c := range chunks {
		n, err := w.Write(c)
		if n != len(c) || err != nil {
			t.Fatalf("Write #%d (%d bytes) = %d, %v", i, len(c), n, err)
		}
		if want != nil && !bytes.HasPrefix(want, rec.buf.Bytes()) {
			t.Fatalf("after write #%d the output is not a prefix of the expected:\n got %q\nwant %q", i, rec.buf.Bytes(), want)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatalf("Close = %v", err)
	}
	if w.Pending() != 0 {
		t.Errorf("Pending after Close = %d", w.Pending())
	}
	if want != nil && !bytes.Equal(rec.buf.Bytes(), want) {
		t.Fatalf("in %d writes, the output after Close differs from the expected:\n got %.300q\nwant %.300q", len(chunks), rec.buf.Bytes(), want)
	}
	return rec.buf.Bytes()
}

func whole(in []byte) [][]byte { return [][]byte{in} }

func splitAt(in []byte, offs ...int) [][]byte {
	var out [][]byte
	prev := 0
	for _, o := range offs {
		out = append(out, in[prev:o])
		prev = o
	}
	return append(out, in[prev:])
}

func bytewise(in []byte) [][]byte {
	out := make([][]byte, len(in))
	for i := range in {
		out[i] = in[i : i+1]
	}
	return out
}

// randomChunks splits in into chunks of 1..maxChunk bytes (an empty chunk
// now and then too).
func randomChunks(rng *rand.Rand, in []byte, maxChunk int) [][]byte {
	var out [][]byte
	for len(in) > 0 {
		if rng.IntN(20) == 0 {
			out = append(out, in[:0])
		}
		n := min(len(in), 1+rng.IntN(maxChunk))
		out = append(out, in[:n])
		in = in[n:]
	}
	return out
}

// check masks in with every chunking in splits and compares with the
// reference.
func check(t *testing.T, secrets []mask.Secret, opts mask.Options, in []byte, want string) {
	t.Helper()
	m, _ := mask.New(secrets, opts)
	pats := refPatterns(secrets, opts.MinLen)
	ref := refMask(in, pats)
	if want != "" && string(ref) != want {
		t.Fatalf("test bug: reference masks %q to %q, test expects %q", in, ref, want)
	}
	for _, chunks := range [][][]byte{whole(in), bytewise(in)} {
		if got := run(t, m, chunks, ref); !bytes.Equal(got, ref) {
			t.Fatalf("mask(%q) in %d writes\n got %q\nwant %q", in, len(chunks), got, ref)
		}
	}
	for i := 0; i <= len(in); i++ {
		if got := run(t, m, splitAt(in, i), ref); !bytes.Equal(got, ref) {
			t.Fatalf("mask(%q) split at %d\n got %q\nwant %q", in, i, got, ref)
		}
	}
}

func sec(name, value string) mask.Secret { return mask.Secret{Name: name, Value: []byte(value)} }

// ---------------------------------------------------------------------------
// Tests of the reference itself (so a bug in it is not blamed on the code).

func TestReference(t *testing.T) {
	pats := []refPattern{{"A", []byte("abcd")}, {"B", []byte("abcdef")}, {"C", []byte("bcde")}, {"D", []byte("cdefgh")}, {"E", []byte("xyxy")}}
	for _, c := range []struct{ in, want string }{
		{"", ""},
		{"abcd", "<prefect-secret:A>"},
		{"abcde", "<prefect-secret:A><prefect-secret:C>"}, // C [1,5) overlaps A: one region, A then C
		{"abcdef", "<prefect-secret:B>"},                  // A and C inside B
		{"abcdefgh", "<prefect-secret:B><prefect-secret:D>"},
		{"xbcdex", "x<prefect-secret:C>x"},
		{"abcdabcd", "<prefect-secret:A><prefect-secret:A>"},     // adjacent: two regions
		{"xyxyxyx", "<prefect-secret:E>x"},                       // overlapping occurrences of one pattern
		{"abcdxyxy", "<prefect-secret:A><prefect-secret:E>"},     // adjacent, different
		{"zabcdefghz", "z<prefect-secret:B><prefect-secret:D>z"}, // D overlaps B
	} {
		if got := refMask([]byte(c.in), pats); string(got) != c.want {
			t.Errorf("refMask(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	if got := refPending([]byte("zzab"), pats); got != 2 {
		t.Errorf("refPending = %d", got)
	}
}

// ---------------------------------------------------------------------------
// New, Marker, MinLen.

func TestMarker(t *testing.T) {
	if got := mask.Marker("DB_PASSWORD"); got != "<prefect-secret:DB_PASSWORD>" {
		t.Errorf("Marker = %q", got)
	}
}

func TestNewTooShort(t *testing.T) {
	secrets := []mask.Secret{sec("Z3", "abc"), sec("OK4", "abcd"), sec("EMPTY", ""), sec("A1", "x"), sec("LONG", "a-long-value")}
	m, short := mask.New(secrets, mask.Options{})
	slices.Sort(short)
	if want := []string{"A1", "EMPTY", "Z3"}; !slices.Equal(short, want) {
		t.Errorf("too short = %q, want %q", short, want)
	}
	in := "abc x abcd a-long-value"
	want := "abc x <prefect-secret:OK4> <prefect-secret:LONG>"
	if got := run(t, m, whole([]byte(in)), nil); string(got) != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestNewNames(t *testing.T) {
	// The returned names never contain values.
	_, short := mask.New([]mask.Secret{sec("N", "v")}, mask.Options{})
	if !slices.Equal(short, []string{"N"}) {
		t.Errorf("too short = %q", short)
	}
	_, short = mask.New(nil, mask.Options{})
	if len(short) != 0 {
		t.Errorf("no secrets: too short = %q", short)
	}
}

func TestMinLen(t *testing.T) {
	secrets := []mask.Secret{sec("S7", "seven77"), sec("S8", "eight888"), sec("S2", "xy")}
	m, short := mask.New(secrets, mask.Options{MinLen: 8})
	slices.Sort(short)
	if want := []string{"S2", "S7"}; !slices.Equal(short, want) {
		t.Errorf("MinLen 8: too short = %q, want %q", short, want)
	}
	if got := run(t, m, whole([]byte("seven77 eight888 xy")), nil); string(got) != "seven77 <prefect-secret:S8> xy" {
		t.Errorf("MinLen 8: got %q", got)
	}

	m, short = mask.New(secrets, mask.Options{MinLen: 2})
	if len(short) != 0 {
		t.Errorf("MinLen 2: too short = %q", short)
	}
	if got := run(t, m, whole([]byte("seven77 eight888 xy")), nil); string(got) != "<prefect-secret:S7> <prefect-secret:S8> <prefect-secret:S2>" {
		t.Errorf("MinLen 2: got %q", got)
	}

	// The default is 4.
	check(t, []mask.Secret{sec("F", "four"), sec("T", "thr")}, mask.Options{}, []byte("three four thr"), "three <prefect-secret:F> thr")
}

// ---------------------------------------------------------------------------
// Masking, whole and split.

func TestBasic(t *testing.T) {
	secrets := []mask.Secret{sec("TOKEN", "hunter2-secret")}
	for _, c := range []struct{ in, want string }{
		{"", ""},
		{"nothing here\n", "nothing here\n"},
		{"hunter2-secret", "<prefect-secret:TOKEN>"},                                   // the whole output
		{"hunter2-secret at the start", "<prefect-secret:TOKEN> at the start"},         // very start
		{"at the very end: hunter2-secret", "at the very end: <prefect-secret:TOKEN>"}, // very end: Close emits it
		{"a hunter2-secret b hunter2-secret c", "a <prefect-secret:TOKEN> b <prefect-secret:TOKEN> c"},
		{"hunter2-secrethunter2-secret", "<prefect-secret:TOKEN><prefect-secret:TOKEN>"},
		{"hunter2-secre", "hunter2-secre"}, // a prefix only, at the end: released by Close
		{"hunter2-secrex", "hunter2-secrex"},
		{"hhunter2-secret", "h<prefect-secret:TOKEN>"},
		{"unter2-secret", "unter2-secret"},
	} {
		check(t, secrets, mask.Options{}, []byte(c.in), c.want)
	}
}

// overlapping secrets that share prefixes, nest, and chain.
var overlapSecrets = []mask.Secret{
	sec("A", "abcd"),
	sec("B", "abcdef"),
	sec("C", "bcde"),
	sec("D", "cdefgh"),
	sec("E", "abab"),
	sec("F", "ababab"),
	sec("G", "efgh"),
	sec("H", "aaaa"),
	sec("I", "xabcdefghx"),
}

func TestOverlapping(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"abcd", "<prefect-secret:A>"},
		{"abcdef", "<prefect-secret:B>"},                           // A, C nested in B: no markers of their own
		{"abcde", "<prefect-secret:A><prefect-secret:C>"},          // overlap: one region, in order of start
		{"abcdefgh", "<prefect-secret:B><prefect-secret:D>"},       // B and D overlap; G nested in D
		{"xabcdefghx", "<prefect-secret:I>"},                       // all nested in I
		{"xabcdefghxabcd", "<prefect-secret:I><prefect-secret:A>"}, // adjacent
		{"zbcdefz", "z<prefect-secret:C>fz"},
		{"ababababab", "<prefect-secret:F>"}, // chained overlapping occurrences of one secret
		{"abababx", "<prefect-secret:F>x"},   // E nested
		{"aaaaaaaaa", "<prefect-secret:H>"},  // a run
		{"aaa aaaa aaaaa", "aaa <prefect-secret:H> <prefect-secret:H>"},
		{"abcdabcdef", "<prefect-secret:A><prefect-secret:B>"},
		{"cdefghabcd", "<prefect-secret:D><prefect-secret:A>"},
		{"abcdefghxabcdefgh", "<prefect-secret:B><prefect-secret:D>x<prefect-secret:B><prefect-secret:D>"},
		{"ababcdefgh", "<prefect-secret:E><prefect-secret:B><prefect-secret:D>"},
	} {
		t.Run("", func(t *testing.T) {
			check(t, overlapSecrets, mask.Options{}, []byte(c.in), c.want)
		})
	}
}

// TestOverlappingRandom builds outputs from fragments of the secrets and
// filler, and masks them in many chunkings.
func TestOverlappingRandom(t *testing.T) {
	m, _ := mask.New(overlapSecrets, mask.Options{})
	pats := refPatterns(overlapSecrets, 0)
	rng := rand.New(rand.NewPCG(1, 2))
	frags := []string{"a", "b", "c", "x", "ab", "cd", "ef", "gh", " ", "\n", "\xff", "\x00"}
	for _, s := range overlapSecrets {
		frags = append(frags, string(s.Value), string(s.Value[:len(s.Value)-1]), string(s.Value[1:]))
	}
	for iter := range 300 {
		var b []byte
		for range rng.IntN(40) {
			b = append(b, frags[rng.IntN(len(frags))]...)
		}
		want := refMask(b, pats)
		for k := range 5 {
			chunks := randomChunks(rng, b, 1+rng.IntN(8))
			if got := run(t, m, chunks, want); !bytes.Equal(got, want) {
				t.Fatalf("iteration %d/%d: mask(%q) in chunks %q\n got %q\nwant %q", iter, k, b, chunks, got, want)
			}
		}
		if got := run(t, m, bytewise(b), want); !bytes.Equal(got, want) {
			t.Fatalf("iteration %d: mask(%q) byte by byte\n got %q\nwant %q", iter, b, got, want)
		}
	}
}

// TestSplitEveryOffset: a secret split at every byte offset across two
// writes, and at every pair of offsets across three.
func TestSplitEveryOffset(t *testing.T) {
	secrets := []mask.Secret{sec("API_KEY", "sk-live-0123456789abcdef"), sec("PW", "correct horse battery staple")}
	m, _ := mask.New(secrets, mask.Options{})
	in := []byte("key=sk-live-0123456789abcdef; pw=correct horse battery staple.\nsk-live-0123456789abcdef")
	want := []byte("key=<prefect-secret:API_KEY>; pw=<prefect-secret:PW>.\n<prefect-secret:API_KEY>")
	if ref := refMask(in, refPatterns(secrets, 0)); !bytes.Equal(ref, want) {
		t.Fatalf("test bug: reference %q", ref)
	}
	for i := 0; i <= len(in); i++ {
		if got := run(t, m, splitAt(in, i), want); !bytes.Equal(got, want) {
			t.Fatalf("split at %d: got %q", i, got)
		}
		for j := i; j <= len(in); j++ {
			if got := run(t, m, splitAt(in, i, j), want); !bytes.Equal(got, want) {
				t.Fatalf("split at %d and %d: got %q", i, j, got)
			}
		}
	}
	if got := run(t, m, bytewise(in), want); !bytes.Equal(got, want) {
		t.Fatalf("byte by byte: got %q", got)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for range 500 {
		chunks := randomChunks(rng, in, 1+rng.IntN(10))
		if got := run(t, m, chunks, want); !bytes.Equal(got, want) {
			t.Fatalf("chunks %q: got %q", chunks, got)
		}
	}
}

// ---------------------------------------------------------------------------
// Multi-line values and encodings.

func TestMultiLine(t *testing.T) {
	secrets := []mask.Secret{sec("CERT", "line-one\nline-two\nab\n\nline-three")}
	check(t, secrets, mask.Options{}, []byte("line-one\nline-two\nab\n\nline-three"), "<prefect-secret:CERT>")
	check(t, secrets, mask.Options{}, []byte("line-one line-two ab line-three"), "<prefect-secret:CERT> <prefect-secret:CERT> ab <prefect-secret:CERT>")
	check(t, secrets, mask.Options{}, []byte("> line-two\r\n> line-one\r\n"), "> <prefect-secret:CERT>\r\n> <prefect-secret:CERT>\r\n")
	// A short line alone is not masked; "ab" is shorter than 4.
	check(t, secrets, mask.Options{}, []byte("ab abc\n"), "ab abc\n")
	// With MinLen 2 it is.
	check(t, secrets, mask.Options{MinLen: 2}, []byte("ab abc\n"), "<prefect-secret:CERT> <prefect-secret:CERT>c\n")

	// CRLF in the value: lines without the \r.
	crlf := []mask.Secret{sec("K", "-----BEGIN KEY-----\r\nMIIEvQIBADANBg\r\n-----END KEY-----\r\n")}
	check(t, crlf, mask.Options{}, []byte("-----BEGIN KEY-----\nMIIEvQIBADANBg\n-----END KEY-----\n"), "<prefect-secret:K>\n<prefect-secret:K>\n<prefect-secret:K>\n")
	// The value as a JSON string (a multi-line value printed by a JSON logger).
	check(t, crlf, mask.Options{}, []byte(`{"key":"-----BEGIN KEY-----\r\nMIIEvQIBADANBg\r\n-----END KEY-----\r\n"}`), `{"key":"<prefect-secret:K>"}`)
}

func TestEncodings(t *testing.T) {
	values := []string{
		"s3cr3t/value+with?odd&chars=1",
		"p@ss w0rd <html> & \"quotes\" \\ back",
		"abcdef", // base64 of length divisible by 3: no padding either way
		"abcdefg",
		"héllo wörld ✓",
		"tab\there\x01ctl",
		"\u2028line sep\u2029",
	}
	for _, v := range values {
		b := []byte(v)
		secrets := []mask.Secret{sec("S", v)}
		m, _ := mask.New(secrets, mask.Options{})
		mk := mask.Marker("S")
		encs := map[string]string{
			"value":          v,
			"base64 std raw": base64.RawStdEncoding.EncodeToString(b),
			"base64 url raw": base64.RawURLEncoding.EncodeToString(b),
			"query":          url.QueryEscape(v),
			"path":           url.PathEscape(v),
			"json":           string(jsonEscape(b, true)),
			"json no html":   string(jsonEscape(b, false)),
		}
		for what, e := range encs {
			in := []byte("[" + e + "]")
			want := "[" + mk + "]"
			for _, chunks := range [][][]byte{whole(in), bytewise(in)} {
				if got := run(t, m, chunks, nil); string(got) != want {
					t.Errorf("%q as %s %q: got %q, want %q", v, what, e, got, want)
				}
			}
		}
		// Padded base64: the encoding is masked; the padding ("=" or "==",
		// which only tells the length modulo 3) may stay.
		for what, e := range map[string]string{
			"base64 std": base64.StdEncoding.EncodeToString(b),
			"base64 url": base64.URLEncoding.EncodeToString(b),
		} {
			in := []byte("[" + e + "]")
			got := string(run(t, m, whole(in), nil))
			pad := strings.Repeat("=", strings.Count(e, "="))
			if got != "["+mk+"]" && got != "["+mk+pad+"]" {
				t.Errorf("%q as %s %q: got %q, want %q", v, what, e, got, "["+mk+pad+"]")
			}
		}
	}
}

// The json.Marshal default (HTML-escaped) and SetEscapeHTML(false) forms
// differ for <, > and &; both are masked.
func TestEncodingsJSONHTML(t *testing.T) {
	v := "a<b>&c"
	m, _ := mask.New([]mask.Secret{sec("H", v)}, mask.Options{})
	j, _ := json.Marshal(v)
	j = j[1 : len(j)-1]
	if string(j) != `a\u003cb\u003e\u0026c` {
		t.Fatalf("test bug: %s", j)
	}
	for _, in := range []string{string(j), string(jsonEscape([]byte(v), false)), v} {
		if got := run(t, m, bytewise([]byte(in+"\n")), nil); string(got) != "<prefect-secret:H>\n" {
			t.Errorf("%s: got %q", in, got)
		}
	}
}

// ---------------------------------------------------------------------------
// Binary data.

func TestBinary(t *testing.T) {
	secrets := []mask.Secret{
		{Name: "BIN", Value: []byte{0x00, 0xff, 0xfe, 0x00, 0x80, 0x01}},
		{Name: "NUL", Value: []byte("a\x00b\x00c")},
		sec("TXT", "text-secret"),
	}
	rng := rand.New(rand.NewPCG(5, 6))
	noise := make([]byte, 4096)
	for i := range noise {
		noise[i] = byte(rng.Uint32())
	}
	in := slices.Concat([]byte("\xff\xfe\xc3("), secrets[0].Value, noise[:100], secrets[1].Value, []byte("\xe2\x82"), secrets[2].Value, noise[100:], secrets[0].Value)
	check(t, secrets, mask.Options{}, in, "")

	// Invalid UTF-8 and random bytes with no secret pass through unchanged.
	m, _ := mask.New(secrets, mask.Options{})
	clean := bytes.ReplaceAll(noise, []byte{0}, []byte{1}) // no NUL: cannot contain BIN or NUL
	clean = slices.Concat(clean, []byte("\xc0\xaf\xed\xa0\x80\xf8\x88\x80\x80\x80"))
	for _, chunks := range [][][]byte{whole(clean), bytewise(clean), randomChunks(rng, clean, 100)} {
		if got := run(t, m, chunks, clean); !bytes.Equal(got, clean) {
			t.Fatalf("binary noise changed")
		}
	}
	// After invalid UTF-8, a secret is still masked (teller's bug).
	got := run(t, m, whole([]byte("\xff\xff\xff\ntext-secret\n")), nil)
	if string(got) != "\xff\xff\xff\n<prefect-secret:TXT>\n" {
		t.Errorf("after invalid UTF-8: got %q", got)
	}
}

// ---------------------------------------------------------------------------
// Streaming: what is held back, and when it comes out.

func TestPending(t *testing.T) {
	secrets := []mask.Secret{sec("S", "secret-value-1"), sec("T", "token-XYZ")}
	m, _ := mask.New(secrets, mask.Options{})
	pats := refPatterns(secrets, 0)
	var rec recorder
	w := m.Writer(&rec)

	step := func(p string, wantOut string, wantPending int) {
		t.Helper()
		if n, err := w.Write([]byte(p)); n != len(p) || err != nil {
			t.Fatalf("Write(%q) = %d, %v", p, n, err)
		}
		if got := rec.buf.String(); got != wantOut {
			t.Fatalf("after Write(%q): output %q, want %q", p, got, wantOut)
		}
		if got := w.Pending(); got != wantPending {
			t.Fatalf("after Write(%q): Pending = %d, want %d", p, got, wantPending)
		}
	}
	// Nothing that can start a secret: out at once, before Write returns.
	step("hello, world\n", "hello, world\n", 0)
	// A prefix of a secret: exactly it is held.
	step("x: secr", "hello, world\nx: ", 4)
	step("et-val", "hello, world\nx: ", 10)
	// An unrelated byte: all out.
	step("!", "hello, world\nx: secret-val!", 0)
	// "s" could start a secret, "t" too: only the tail that still could.
	step(" s", "hello, world\nx: secret-val! ", 1)
	step("ss to", "hello, world\nx: secret-val! sss ", 2)
	step("ken-XY", "hello, world\nx: secret-val! sss ", 8)
	step("Z done", "hello, world\nx: secret-val! sss <prefect-secret:T> done", 0)
	// Encodings are secrets too: "c2Vj" starts base64 of "secret-value-1".
	enc := base64.RawStdEncoding.EncodeToString([]byte("secret-value-1"))
	step(" "+enc[:5], "hello, world\nx: secret-val! sss <prefect-secret:T> done ", 5)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if got, want := rec.buf.String(), "hello, world\nx: secret-val! sss <prefect-secret:T> done "+enc[:5]; got != want {
		t.Fatalf("after Close: %q, want %q", got, want)
	}

	// With random data that contains no secret, what is held is exactly the
	// longest tail that could start one, and everything else is out.
	rng := rand.New(rand.NewPCG(7, 8))
	alphabet := "secrtvalu-1okenXYZ c2V "
	for range 200 {
		var in []byte
		for range 60 {
			in = append(in, alphabet[rng.IntN(len(alphabet))])
		}
		if !bytes.Equal(refMask(in, pats), in) {
			continue
		}
		var rec recorder
		w := m.Writer(&rec)
		for n := 1; n <= len(in); n++ {
			w.Write(in[n-1 : n])
			p := refPending(in[:n], pats)
			if w.Pending() != p || !bytes.Equal(rec.buf.Bytes(), in[:n-p]) {
				t.Fatalf("after %q: Pending %d, out %q; want %d, %q", in[:n], w.Pending(), rec.buf.Bytes(), p, in[:n-p])
			}
		}
	}
}

// A write that cannot start any secret reaches the underlying writer in one
// call, before Write returns.
func TestPassThroughAtOnce(t *testing.T) {
	m, _ := mask.New([]mask.Secret{sec("S", "zzzz-secret")}, mask.Options{})
	var rec recorder
	w := m.Writer(&rec)
	for i, p := range []string{"prompt> ", "Password: ", "\x1b[31mred\x1b[0m", "\xff\x00binary"} {
		w.Write([]byte(p))
		if rec.buf.String() != p || w.Pending() != 0 {
			t.Fatalf("write %d %q: underlying got %q, pending %d", i, p, rec.buf.String(), w.Pending())
		}
		rec.buf.Reset()
	}
	// No secrets at all: everything passes.
	m, _ = mask.New(nil, mask.Options{})
	w = m.Writer(&rec)
	w.Write([]byte("abc"))
	if rec.buf.String() != "abc" || w.Pending() != 0 {
		t.Fatalf("no secrets: %q", rec.buf.String())
	}
}

// TestFlush: an idle Flush writes what is held, but for the end of the
// stream that could still be the start of a masked form: that waits until
// the match breaks or Close.
func TestFlush(t *testing.T) {
	m, _ := mask.New([]mask.Secret{sec("S", "abcdef"), sec("A", "wxyz"), sec("B", "wxyz12")}, mask.Options{})
	pats := refPatterns([]mask.Secret{sec("S", "abcdef"), sec("A", "wxyz"), sec("B", "wxyz12")}, 0)

	t.Run("a prefix waits", func(t *testing.T) {
		var rec recorder
		w := m.Writer(&rec)
		w.Write([]byte("Password: ab"))
		for range 3 {
			if err := w.Flush(); err != nil {
				t.Fatal(err)
			}
			if rec.buf.String() != "Password: " || w.Pending() != 2 {
				t.Fatalf("Flush released the start of a secret: %q, pending %d", rec.buf.String(), w.Pending())
			}
		}
		w.Write([]byte("cd"))
		w.Flush()
		if rec.buf.String() != "Password: " {
			t.Fatalf("a piece of the secret came out: %q", rec.buf.String())
		}
		w.Write([]byte("ef\n"))
		w.Close()
		if got, want := rec.buf.String(), "Password: <prefect-secret:S>\n"; got != want {
			t.Fatalf("got %q, want %q", got, want)
		}
	})

	t.Run("the match breaks", func(t *testing.T) {
		var rec recorder
		w := m.Writer(&rec)
		w.Write([]byte("abc"))
		w.Flush()
		w.Write([]byte("dx abcd"))
		if got, want := rec.buf.String(), "abcdx "; got != want {
			t.Fatalf("once the match broke: %q, want %q", got, want)
		}
		w.Write([]byte("ef"))
		w.Close()
		if got, want := rec.buf.String(), "abcdx <prefect-secret:S>"; got != want {
			t.Fatalf("got %q, want %q", got, want)
		}
	})

	t.Run("the stream ends", func(t *testing.T) {
		var rec recorder
		w := m.Writer(&rec)
		w.Write([]byte("almost: abcde"))
		w.Flush()
		if got := rec.buf.String(); got != "almost: " {
			t.Fatalf("after Flush: %q", got)
		}
		w.Close()
		if got := rec.buf.String(); got != "almost: abcde" || w.Pending() != 0 {
			t.Fatalf("after Close: %q, pending %d", got, w.Pending())
		}
	})

	t.Run("flush after every byte", func(t *testing.T) {
		// What stays held is never more than the longest end of the
		// output that starts a form, and nothing of a value comes out.
		in := []byte("1 abcdef 2 wxyz12 3 wxyz 4 abcdabcdef 5 ab")
		var rec recorder
		w := m.Writer(&rec)
		for i := range in {
			w.Write(in[i : i+1])
			w.Flush()
			if p := refPending(in[:i+1], pats); w.Pending() > p {
				t.Fatalf("after %q and Flush: %d bytes held, want at most %d", in[:i+1], w.Pending(), p)
			}
		}
		w.Close()
		if got, want := rec.buf.String(), string(refMask(in, pats)); got != want {
			t.Fatalf("got %q, want %q", got, want)
		}
	})

	t.Run("complete but could grow", func(t *testing.T) {
		// "wxyz" is complete, and could still become "wxyz12": both wait.
		var rec recorder
		w := m.Writer(&rec)
		w.Write([]byte("wxyz"))
		w.Flush()
		if rec.buf.Len() != 0 || w.Pending() != 4 {
			t.Fatalf("after Flush: %q, pending %d", rec.buf.String(), w.Pending())
		}
		w.Write([]byte("12 "))
		w.Close()
		if got, want := rec.buf.String(), "<prefect-secret:B> "; got != want {
			t.Fatalf("got %q, want %q", got, want)
		}
	})

	t.Run("a region reaching into a prefix", func(t *testing.T) {
		// "abcd" is complete and its "cd" starts "cdefgh": Flush writes
		// the marker of the first, the second is masked from there on.
		secrets := []mask.Secret{sec("A", "abcd"), sec("C", "cdefgh")}
		m, _ := mask.New(secrets, mask.Options{})
		var rec recorder
		w := m.Writer(&rec)
		w.Write([]byte("xxabcd"))
		if rec.buf.String() != "xx" {
			t.Fatalf("before Flush: %q", rec.buf.String())
		}
		w.Flush()
		if got := rec.buf.String(); got != "xx<prefect-secret:A>" {
			t.Fatalf("after Flush: %q", got)
		}
		w.Write([]byte("efgh."))
		w.Close()
		if got, want := rec.buf.String(), string(refMask([]byte("xxabcdefgh."), refPatterns(secrets, 0))); got != want {
			t.Fatalf("got %q, want %q", got, want)
		}
	})
}

// assertNoSecret fails if a value survives in out, outside the markers.
func assertNoSecret(t testing.TB, out []byte, values ...string) {
	t.Helper()
	for _, piece := range splitMarkers(out) {
		for _, v := range values {
			if bytes.Contains(piece, []byte(v)) {
				t.Fatalf("%q survives in %q", v, out)
			}
		}
	}
}

// splitMarkers is out with every marker taken as a separator: the pieces
// of the output that are not markers.
func splitMarkers(out []byte) [][]byte {
	var pieces [][]byte
	for {
		i := bytes.Index(out, []byte("<prefect-secret:"))
		if i < 0 {
			return append(pieces, out)
		}
		j := bytes.IndexByte(out[i:], '>')
		if j < 0 {
			return append(pieces, out)
		}
		pieces = append(pieces, out[:i])
		out = out[i+j+1:]
	}
}

// A long run of overlapping occurrences (a secret "====" and a line of
// "=" signs, or "0000" and a zeroed buffer) is masked whole, and in work
// linear in its length: 16 times the run costs at most 64 times the bytes
// and CPU time (quadratic work: 256), within one region (4 and 64 KiB) and
// over many (64 KiB and 1 MiB).
func TestLongRun(t *testing.T) {
	m, _ := mask.New([]mask.Secret{sec("EQ", "====")}, mask.Options{})
	job := func(n int) func() any {
		in := bytes.Repeat([]byte("="), n)
		return func() any {
			var rec recorder
			w := m.Writer(&rec)
			for c := range slices.Chunk(in, 4096) {
				w.Write(c)
			}
			w.Close()
			return rec.buf.String()
		}
	}
	check := func(n int) {
		t.Helper()
		// A run longer than what a region may hold (64 KiB) is released in
		// pieces, each its marker: nothing of the run shows.
		got := job(n)().(string)
		if strings.Trim(strings.ReplaceAll(got, "<prefect-secret:EQ>", ""), "") != "" || !strings.HasPrefix(got, "<prefect-secret:EQ>") {
			t.Fatalf("run of %d: got %.60q", n, got)
		}
		if n <= 1<<16 && got != "<prefect-secret:EQ>" {
			t.Fatalf("run of %d: got %.60q, want one marker", n, got)
		}
	}
	for _, n := range []int{1 << 10, 1 << 12, 1 << 14, 1 << 16} {
		check(n)
	}
	// Shorter first: work that is not linear shows there, and stops the
	// test before the longer runs take forever.
	checkGrowth(t, "a run of '=' within a region", 16, 64, job(4<<10), job(64<<10))
	check(1 << 20)
	checkGrowth(t, "a run of '=' over many regions", 16, 64, job(64<<10), job(1<<20))
}

// ---------------------------------------------------------------------------
// Errors and concurrency.

type errWriter struct{}

var errBroken = errors.New("broken pipe")

func (errWriter) Write(p []byte) (int, error) { return 0, errBroken }

func TestWriteError(t *testing.T) {
	m, _ := mask.New([]mask.Secret{sec("S", "secret")}, mask.Options{})
	w := m.Writer(errWriter{})
	_, err := w.Write([]byte("plain text\n"))
	if err == nil {
		_, err = w.Write([]byte("more\n"))
	}
	if !errors.Is(err, errBroken) {
		t.Fatalf("Write into a broken writer = %v", err)
	}
	w = m.Writer(errWriter{})
	w.Write([]byte("secr"))
	if err := w.Close(); !errors.Is(err, errBroken) {
		t.Fatalf("Close into a broken writer = %v", err)
	}
}

func TestConcurrentWriteFlush(t *testing.T) {
	secrets := []mask.Secret{sec("K1", "KEY-ONE-1111"), sec("K2", "KEY-TWO-2222"), sec("K3", "KEY-ONE-1111-EXT")}
	m, _ := mask.New(secrets, mask.Options{})
	rng := rand.New(rand.NewPCG(9, 10))
	var in []byte
	occurrences := 0
	for range 2000 {
		for range rng.IntN(20) {
			in = append(in, "x.\n"[rng.IntN(3)])
		}
		in = append(in, secrets[rng.IntN(2)].Value...)
		in = append(in, '.')
		occurrences++
	}
	var rec recorder // unsynchronized: the Writer must not call it concurrently
	w := m.Writer(&rec)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case <-done:
				return
			default:
			}
			if err := w.Flush(); err != nil {
				t.Error(err)
				return
			}
			_ = w.Pending()
		}
	})
	for _, c := range randomChunks(rng, in, 7) {
		if n, err := w.Write(c); n != len(c) || err != nil {
			t.Fatalf("Write = %d, %v", n, err)
		}
	}
	close(done)
	wg.Wait()
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	out := rec.buf.Bytes()
	assertNoSecret(t, out, "KEY-ONE-1111", "KEY-TWO-2222")
	if got := bytes.Count(out, []byte("<prefect-secret:")); got != occurrences {
		t.Errorf("%d markers for %d occurrences", got, occurrences)
	}
	// The filler is all there, in order.
	keep := func(b []byte) []byte {
		return bytes.Map(func(r rune) rune {
			if strings.ContainsRune("x.\n", r) {
				return r
			}
			return -1
		}, b)
	}
	if got, want := keep(bytes.Join(splitMarkers(out), nil)), keep(in); !bytes.Equal(got, want) {
		t.Errorf("filler changed: %d bytes, want %d", len(got), len(want))
	}
}

// Several Writers of one Masker in parallel (the Masker is shared by stdout
// and stderr).
func TestWritersShareMasker(t *testing.T) {
	secrets := []mask.Secret{sec("S", "shared-secret")}
	m, _ := mask.New(secrets, mask.Options{})
	in := bytes.Repeat([]byte("out shared-secret and more\n"), 200)
	want := refMask(in, refPatterns(secrets, 0))
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(i), 1))
			var rec recorder
			w := m.Writer(&rec)
			for _, c := range randomChunks(rng, in, 13) {
				w.Write(c)
			}
			w.Close()
			if !bytes.Equal(rec.buf.Bytes(), want) {
				t.Errorf("writer %d: wrong output", i)
			}
		})
	}
	wg.Wait()
}

func ExampleMasker_Writer() {
	m, short := mask.New([]mask.Secret{
		{Name: "DB_PASSWORD", Value: []byte("hunter2!")},
		{Name: "PIN", Value: []byte("123")},
	}, mask.Options{})
	fmt.Println("not masked:", short)
	var out bytes.Buffer
	w := m.Writer(&out)
	w.Write([]byte("connecting with hun"))
	w.Write([]byte("ter2! and pin 123\n"))
	w.Close()
	fmt.Print(out.String())
	// Output:
	// not masked: [PIN]
	// connecting with <prefect-secret:DB_PASSWORD> and pin 123
}
