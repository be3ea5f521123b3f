package format

import (
	"bytes"
	"errors"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/prefect-secrets/prefect-secrets/internal/envfile"
	"github.com/prefect-secrets/prefect-secrets/internal/testkit/formattest"
)

func hostileVars() []Var {
	var vars []Var
	for _, kv := range formattest.Hostile() {
		vars = append(vars, Var{Name: kv.Name, Value: []byte(kv.Value)})
	}
	return vars
}

// readBack reads an encoding with the consumer's own rules.
func readBack(t *testing.T, f Format, out []byte) [][]formattest.KV {
	t.Helper()
	var reads [][]formattest.KV
	add := func(kvs []formattest.KV, err error) {
		if err != nil {
			t.Fatalf("reading the %s output back: %v", f, err)
		}
		reads = append(reads, kvs)
	}
	switch f {
	case Dotenv:
		add(formattest.ReadDotenv(out))
		// Our own reference files read it the same way.
		entries, err := envfile.Parse("out", out)
		var kvs []formattest.KV
		for _, e := range entries {
			kvs = append(kvs, formattest.KV{Name: e.Key, Value: e.Value})
		}
		add(kvs, err)
	case JSON:
		add(formattest.ReadJSON(out))
	case GitHub:
		add(formattest.ReadGitHubEnv(out, false))
		add(formattest.ReadGitHubEnv(out, true))
	default:
		t.Fatalf("no reader for %s", f)
	}
	return reads
}

func sameVars(t *testing.T, f Format, got []formattest.KV, want []Var) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: read back %d variables, want %d", f, len(got), len(want))
	}
	for i, w := range want {
		if got[i].Name != w.Name || got[i].Value != string(w.Value) {
			t.Errorf("%s: variable %d read back as %s=%q, want %s=%q", f, i, got[i].Name, clip(got[i].Value), w.Name, clip(string(w.Value)))
		}
	}
}

func clip(s string) string {
	if len(s) > 200 {
		return s[:200] + "..."
	}
	return s
}

func TestRoundTripHostile(t *testing.T) {
	vars := hostileVars()
	for _, f := range []Format{Dotenv, JSON, GitHub} {
		out, err := Encode(f, vars)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, got := range readBack(t, f, out) {
			sameVars(t, f, got, vars)
		}
	}
}

// TestShellEval runs the shell output through eval in every POSIX shell
// installed here, and reads each variable back with printf.
func TestShellEval(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no POSIX shell on Windows")
	}
	vars := hostileVars()
	out, err := Encode(Shell, vars)
	if err != nil {
		t.Fatal(err)
	}
	var script strings.Builder
	script.WriteString(`eval "$(cat)"` + "\n")
	for _, v := range vars {
		// Each value, then a NUL to end it (no value holds one).
		script.WriteString(`printf '%s\0' "$` + v.Name + `"` + "\n")
	}
	ran := 0
	for _, sh := range []string{"bash", "dash", "zsh", "sh"} {
		path, err := exec.LookPath(sh)
		if err != nil {
			continue
		}
		ran++
		cmd := exec.Command(path, "-c", script.String())
		cmd.Stdin = bytes.NewReader(out)
		got, err := cmd.Output()
		if err != nil {
			t.Fatalf("%s: %v", sh, err)
		}
		values := strings.Split(strings.TrimSuffix(string(got), "\x00"), "\x00")
		if len(values) != len(vars) {
			t.Fatalf("%s printed %d values, want %d", sh, len(values), len(vars))
		}
		for i, v := range vars {
			if values[i] != string(v.Value) {
				t.Errorf("%s: $%s = %q, want %q", sh, v.Name, clip(values[i]), clip(string(v.Value)))
			}
		}
	}
	if ran < 2 {
		t.Fatalf("found only %d of bash, dash, zsh, sh: install them", ran)
	}
}

func TestEncodeShapes(t *testing.T) {
	vars := []Var{{"A", []byte("x")}, {"B", []byte("it's $x \"q\"\n")}}
	cases := map[Format]string{
		Dotenv: "A=\"x\"\nB=\"it's $$x \\\"q\\\"\\n\"\n",
		Shell:  "export A='x'\nexport B='it'\\''s $x \"q\"\n'\n",
		JSON:   "{\n  \"A\": \"x\",\n  \"B\": \"it's $x \\\"q\\\"\\n\"\n}\n",
	}
	for f, want := range cases {
		got, err := Encode(f, vars)
		if err != nil || string(got) != want {
			t.Errorf("Encode(%s) = %q, %v; want %q", f, got, err, want)
		}
	}
	if got, _ := Encode(JSON, nil); string(got) != "{}\n" {
		t.Errorf("Encode(json, none) = %q, want {}", got)
	}
	if got, _ := Encode(Dotenv, nil); len(got) != 0 {
		t.Errorf("Encode(dotenv, none) = %q, want nothing", got)
	}
}

func TestGitHubDelimiter(t *testing.T) {
	defer func(r func([]byte) (int, error)) { randomRead = r }(randomRead)
	// The first random delimiter is inside a value: a new one is drawn.
	draws := 0
	randomRead = func(b []byte) (int, error) {
		draws++
		for i := range b {
			b[i] = byte(draws)
		}
		return len(b), nil
	}
	first := "PREFECT_SECRETS_EOF_" + strings.Repeat("01", 16)
	vars := []Var{{"A", []byte("x\n" + first + "\ny")}}
	out, err := Encode(GitHub, vars)
	if err != nil {
		t.Fatal(err)
	}
	if draws != 2 {
		t.Errorf("drew %d delimiters, want 2", draws)
	}
	want := "A<<PREFECT_SECRETS_EOF_" + strings.Repeat("02", 16) + "\nx\n" + first + "\ny\nPREFECT_SECRETS_EOF_" + strings.Repeat("02", 16) + "\n"
	if string(out) != want {
		t.Errorf("got %q\nwant %q", out, want)
	}
	sameVars(t, GitHub, readBack(t, GitHub, out)[0], vars)
}

func TestGitHubDelimiterIsRandom(t *testing.T) {
	a, _ := Encode(GitHub, []Var{{"A", []byte("x")}})
	b, _ := Encode(GitHub, []Var{{"A", []byte("x")}})
	if bytes.Equal(a, b) {
		t.Errorf("two encodings used the same delimiter: %q", a)
	}
}

func TestUnfit(t *testing.T) {
	cases := []struct {
		f     Format
		v     Var
		why   string
		valid bool
	}{
		{Dotenv, Var{"NUL", []byte("a\x00b")}, "NUL", false},
		{Shell, Var{"NUL", []byte("a\x00b")}, "NUL", false},
		{JSON, Var{"NUL", []byte("a\x00b")}, "NUL", false},
		{GitHub, Var{"NUL", []byte("a\x00b")}, "NUL", false},
		{JSON, Var{"BIN", []byte("a\xffb")}, "UTF-8", false},
		{GitHub, Var{"BIN", []byte("a\xffb")}, "UTF-8", false},
		{Dotenv, Var{"BIN", []byte("a\xffb")}, "", true},
		{Shell, Var{"BIN", []byte("a\xffb")}, "", true},
		{GitHub, Var{"CR", []byte("line\r")}, "carriage return", false},
		{GitHub, Var{"CR", []byte("a\rb\r\n")}, "", true},
		{GitHub, Var{"A=B", []byte("x")}, "name", false},
		{GitHub, Var{"A<<B", []byte("x")}, "name", false},
		{GitHub, Var{"node_options", []byte("x")}, "NODE_OPTIONS", false},
		{Shell, Var{"1X", []byte("x")}, "shell variable", false},
		{Shell, Var{"A.B", []byte("x")}, "shell variable", false},
		{Shell, Var{"A-B", []byte("x")}, "shell variable", false},
		{Shell, Var{"_ok1", []byte("x")}, "", true},
		{Dotenv, Var{"A B", []byte("x")}, "dotenv name", false},
		{Dotenv, Var{"A=B", []byte("x")}, "dotenv name", false},
		{Dotenv, Var{"db.host-1", []byte("x")}, "", true},
		{JSON, Var{"\xff", []byte("x")}, "UTF-8", false},
	}
	for _, tc := range cases {
		out, err := Encode(tc.f, []Var{{"FIRST", []byte("fine")}, tc.v})
		if tc.valid {
			if err != nil {
				t.Errorf("%s %q: %v, want it written", tc.f, tc.v.Name, err)
			}
			continue
		}
		var ue *UnfitError
		if !errors.As(err, &ue) || ue.Var != tc.v.Name || !strings.Contains(err.Error(), tc.why) {
			t.Errorf("%s %q: got %v, want an UnfitError naming it (%s)", tc.f, tc.v.Name, err, tc.why)
		}
		if out != nil {
			t.Errorf("%s %q: wrote %q though a variable is unfit", tc.f, tc.v.Name, out)
		}
		if strings.Contains(err.Error(), "a\x00b") || strings.Contains(err.Error(), "line\r") {
			t.Errorf("the error shows the value: %v", err)
		}
	}
	if _, err := Encode(Dotenv, []Var{{"A", nil}, {"A", nil}}); err == nil {
		t.Error("a name given twice was written")
	}
}

// FuzzRoundTrip checks every format against its reader for any value: it
// is either read back exactly or refused for a reason the format states.
func FuzzRoundTrip(f *testing.F) {
	for _, kv := range formattest.Hostile() {
		if len(kv.Value) < 1000 {
			f.Add([]byte(kv.Value))
		}
	}
	f.Add([]byte("a\xff\x00"))
	f.Add([]byte("x\r"))
	f.Fuzz(func(t *testing.T, value []byte) {
		vars := []Var{{"V", value}, {"W", []byte("after")}}
		for _, format := range []Format{Dotenv, JSON, GitHub} {
			out, err := Encode(format, vars)
			refuse := bytes.IndexByte(value, 0) >= 0 ||
				(format == JSON || format == GitHub) && !utf8.Valid(value) ||
				format == GitHub && bytes.HasSuffix(value, []byte("\r"))
			if refuse != (err != nil) {
				t.Fatalf("%s: refused=%v (%v) for %q", format, err != nil, err, value)
			}
			if err != nil {
				continue
			}
			for _, got := range readBack(t, format, out) {
				sameVars(t, format, got, vars)
			}
		}
	})
}
