//go:build unix

package mask_test

import (
	"bytes"
	"encoding/base64"
	"os"
	"os/exec"
	"regexp"
	"testing"

	"github.com/prefect-secrets/prefect-secrets/internal/mask"
)

// quotedValues are values with what the quoted forms escape: quotes,
// backslashes, non-ASCII text, controls, characters Python will not print,
// a character past U+FFFF, a byte that is not UTF-8, and the # and ~ the
// shell escapes only where a word starts.
var quotedValues = []string{
	`it's-a-päss"word`,
	`back\slash 'and' "both"`,
	"tab\tand\x01ctl\x7fdel",
	"astral-\U0001F600-zero\u200bwidth",
	"nbsp\u00a0soft\u00adhyphen",
	"bad-\xff-utf8",
	"#hash~tilde",
	"~/home dir",
	"a/b+c=d&e?f (x) *!",
	"plain-token-123",
}

// program runs argv with V=value (C.UTF-8 unless locale says) and returns
// its output, stdout and stderr together.
func program(t *testing.T, value, locale string, argv ...string) []byte {
	t.Helper()
	if _, err := exec.LookPath(argv[0]); err != nil {
		t.Fatalf("%s is needed to check the forms it writes: %v", argv[0], err)
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), "V="+value, "LC_ALL="+locale, "PYTHONIOENCODING=utf-8:surrogateescape")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%q: %v\n%s", argv, err, out)
	}
	return out
}

// TestQuotedForms runs bash and python3 on each value and checks that what
// they print is masked: each prints the value's form between [ and ] with
// the program's own quotes, and the masked line must be those quotes around
// the marker alone.
func TestQuotedForms(t *testing.T) {
	const py = `import os, sys, json, shlex, urllib.parse as u
v, b = os.environ["V"], os.environb[b"V"]
for f in (repr(v), repr(b), repr("'" + v), repr('"' + v), json.dumps(v), json.dumps("<" + v), shlex.quote(v),
          u.quote(b), u.quote(b, safe=""), u.quote_plus(b), u.urlencode({"k": b})):
    sys.stdout.write("[" + f + "]\n")
`
	for _, v := range quotedValues {
		m, _ := mask.New([]mask.Secret{sec("V", v)}, mask.Options{})
		var lines [][]byte
		for _, locale := range []string{"C.UTF-8", "C"} {
			out := program(t, v, locale, "bash", "-c", `set -x; : "$V"; { set +x; } 2>/dev/null; printf '[%q]\n' "$V"; printf '[%s]\n' "${V@Q}"`)
			lines = append(lines, bytes.SplitAfter(out, []byte("\n"))...)
		}
		lines = append(lines, bytes.SplitAfter(program(t, v, "C.UTF-8", "python3", "-c", py), []byte("\n"))...)
		for _, line := range lines {
			if len(line) == 0 || bytes.HasPrefix(line, []byte("+ set +x")) {
				continue
			}
			if got := m.Replace(line); !maskedQuoted.Match(got) {
				t.Errorf("value %q: %q is masked as %q, want the marker alone in the program's quotes", v, line, got)
			}
		}
	}
}

// maskedQuoted is what a line of TestQuotedForms must be once masked: the
// marker alone, in the quotes the program put around the form (none, '
// '...', $'...', b'...', "...") and after the character the script put
// before the value (a quote, <, or their escapes), with nothing of the
// value left.
var maskedQuoted = regexp.MustCompile(`^(\+ : (\$?')?<prefect-secret:V>'?|\[(\$'|b?'|b?"|k=)?(\\'|'|"|\\"|<|%27|%22)?<prefect-secret:V>['"]?\])\n$`)

// TestBase64Inside: the base64 of user:VALUE, for user names of every
// length mod 3, shows the value masked, with at most the characters that
// mix its bits with those around it in clear.
func TestBase64Inside(t *testing.T) {
	for _, v := range []string{"hunter2-canary", "pw12", "it's-a-päss\"word", "\x00\xff\xfe\x01binary"} {
		m, _ := mask.New([]mask.Secret{sec("V", v)}, mask.Options{})
		for _, user := range []string{"", "u", "us", "usr", "deploy", "deploy1"} {
			for _, tail := range []string{"", "\n", "tail"} {
				for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding} {
					text := user + v + tail
					e := enc.EncodeToString([]byte(text))
					got := m.Replace([]byte("Basic " + e))
					before, after, ok := bytes.Cut(got, []byte(mask.Marker("V")))
					if !ok || bytes.Contains(after, []byte(mask.Marker("V"))) {
						t.Errorf("%q in %q: masked as %q, want one marker", v, text, got)
						continue
					}
					// The characters with bits of user (and of the value)
					// before the marker; those with bits of tail, and the
					// padding, after it.
					if maxBefore := len("Basic ") + (8*len(user)+5)/6; len(before) > maxBefore {
						t.Errorf("%q in %q: %q before the marker, want at most %d bytes", v, text, before, maxBefore)
					}
					if maxAfter := len(e) - 8*(len(user)+len(v))/6; len(after) > maxAfter {
						t.Errorf("%q in %q: %q after the marker, want at most %d bytes", v, text, after, maxAfter)
					}
				}
			}
		}
	}
}
