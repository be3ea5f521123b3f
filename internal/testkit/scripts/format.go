//go:build unix

package scripts

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/prefect-secrets/prefect-secrets/internal/testkit/formattest"
)

// Script commands for the export, inject and GitHub Actions scenarios
// (export_*, inject_*, github_*, envfile_*): hostile values, and readers of
// each format written from their consumers' rules (internal/testkit/formattest).

// hostile writes the hostile values (formattest.Hostile) where a script
// can use them: hostile/config.toml holds each as a secret of the local
// context ([context.secrets], for PREFECT__USER_CONFIG_PATH),
// hostile/values/NAME its exact bytes, and hostile/refs.env a reference
// file naming each as a variable of the same name.
func cmdHostile(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 0 {
		ts.Fatalf("usage: hostile")
	}
	dir := ts.MkAbs("hostile")
	ts.Check(os.MkdirAll(filepath.Join(dir, "values"), 0o755))
	var toml, refs bytes.Buffer
	toml.WriteString("[context.secrets]\n")
	for _, kv := range formattest.Hostile() {
		fmt.Fprintf(&toml, "%s = %s\n", kv.Name, tomlString(kv.Value))
		fmt.Fprintf(&refs, "%s=prefect-secret://%s\n", kv.Name, kv.Name)
		ts.Check(os.WriteFile(filepath.Join(dir, "values", kv.Name), []byte(kv.Value), 0o644))
	}
	ts.Check(os.WriteFile(filepath.Join(dir, "config.toml"), toml.Bytes(), 0o644))
	ts.Check(os.WriteFile(filepath.Join(dir, "refs.env"), refs.Bytes(), 0o644))
}

// tomlString is s as a TOML basic string: quote, backslash and control
// characters escaped, the rest as it is.
func tomlString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\u%04X`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// readback FORMAT FILE DIR reads FILE as FORMAT's consumer does (dotenv:
// docker compose's documented rules; json; github and github-windows: the
// runner reading $GITHUB_ENV on Linux and on Windows) and checks it holds
// exactly the variables of DIR: one per file, named as the file, with its
// bytes.
func cmdReadback(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: readback dotenv|json|github|github-windows FILE DIR")
	}
	data, err := os.ReadFile(ts.MkAbs(args[1]))
	ts.Check(err)
	var got []formattest.KV
	switch args[0] {
	case "dotenv":
		got, err = formattest.ReadDotenv(data)
	case "json":
		got, err = formattest.ReadJSON(data)
	case "github":
		got, err = formattest.ReadGitHubEnv(data, false)
	case "github-windows":
		got, err = formattest.ReadGitHubEnv(data, true)
	default:
		ts.Fatalf("unknown format %q", args[0])
	}
	if err != nil {
		ts.Fatalf("reading %s as %s: %v", args[1], args[0], err)
	}
	want := dirValues(ts, args[2])
	seen := make(map[string]bool)
	for _, kv := range got {
		w, ok := want[kv.Name]
		switch {
		case !ok:
			ts.Fatalf("%s holds %s, which %s has not", args[1], kv.Name, args[2])
		case seen[kv.Name]:
			ts.Fatalf("%s holds %s twice", args[1], kv.Name)
		case kv.Value != w:
			ts.Fatalf("%s: %s reads back as %d bytes %s, want %d bytes %s", args[1], kv.Name, len(kv.Value), firstDiff(kv.Value, w), len(w), clipQuote(w))
		}
		seen[kv.Name] = true
	}
	for name := range want {
		if !seen[name] {
			ts.Fatalf("%s lacks %s", args[1], name)
		}
	}
	ts.Logf("%s: %d variables read back exactly as %s", args[1], len(got), args[0])
}

func dirValues(ts *testscript.TestScript, dir string) map[string]string {
	entries, err := os.ReadDir(ts.MkAbs(dir))
	ts.Check(err)
	values := make(map[string]string)
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(ts.MkAbs(dir), e.Name()))
		ts.Check(err)
		values[e.Name()] = string(data)
	}
	return values
}

func firstDiff(got, want string) string {
	i := 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		i++
	}
	return fmt.Sprintf("(first difference at byte %d: %s)", i, clipQuote(got[i:]))
}

func clipQuote(s string) string {
	if len(s) > 80 {
		return strconv.Quote(s[:80]) + "..."
	}
	return strconv.Quote(s)
}

// samedir DIR1 DIR2 checks both directories hold the same files with the
// same bytes.
func cmdSamedir(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: samedir DIR1 DIR2")
	}
	a, b := dirValues(ts, args[0]), dirValues(ts, args[1])
	for name, v := range b {
		got, ok := a[name]
		if !ok {
			ts.Fatalf("%s lacks %s", args[0], name)
		}
		if got != v {
			ts.Fatalf("%s/%s is %d bytes %s, want %d bytes %s", args[0], name, len(got), firstDiff(got, v), len(v), clipQuote(v))
		}
	}
	for name := range a {
		if _, ok := b[name]; !ok {
			ts.Fatalf("%s holds %s, which %s has not", args[0], name, args[1])
		}
	}
}

// runnermasks FILE DIR [MINLEN] reads FILE (a step's stderr) as the
// GitHub Actions runner does, and checks that no line of it would reach
// the log but our own messages (warnings, which name secrets, never values:
// the leak tests see to that), and that
// every line of every value in DIR (as the runner splits output into
// lines) that is MINLEN bytes or more (4) and not blank is registered with
// the log masking.
func cmdRunnermasks(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 || len(args) > 3 {
		ts.Fatalf("usage: runnermasks FILE DIR [MINLEN]")
	}
	minLen := 4
	if len(args) == 3 {
		n, err := strconv.Atoi(args[2])
		ts.Check(err)
		minLen = n
	}
	data, err := os.ReadFile(ts.MkAbs(args[0]))
	ts.Check(err)
	masks, logged := formattest.RunnerMasks(data)
	for _, line := range logged {
		if !strings.HasPrefix(line, "prefect-secrets: ") {
			ts.Fatalf("a line of %s that is neither a workflow command nor a message of ours would reach the log: %s", args[0], clipQuote(line))
		}
	}
	registered := make(map[string]bool)
	for _, m := range masks {
		registered[m] = true
	}
	lines := 0
	for name, v := range dirValues(ts, args[1]) {
		for _, line := range formattest.RunnerLines([]byte(v)) {
			if len(line) < minLen || strings.TrimSpace(line) == "" {
				continue
			}
			if !registered[line] {
				ts.Fatalf("line %s of %s is not registered", clipQuote(line), name)
			}
			lines++
		}
	}
	ts.Logf("%d lines registered, %d masks", lines, len(masks))
}

// filemode FILE MODE checks FILE's permission bits, e.g. 0600.
func cmdFilemode(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: filemode FILE MODE")
	}
	want, err := strconv.ParseUint(args[1], 8, 32)
	ts.Check(err)
	info, err := os.Stat(ts.MkAbs(args[0]))
	ts.Check(err)
	if got := info.Mode().Perm(); uint64(got) != want {
		ts.Fatalf("%s has mode %#o, want %#o", args[0], got, want)
	}
}

// bigtemplate FILE BYTES writes a template of exactly BYTES bytes: lines
// of text, with {{ prefect-secret://BIG_REF }} at its very end.
func cmdBigtemplate(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: bigtemplate FILE BYTES")
	}
	size, err := strconv.Atoi(args[1])
	ts.Check(err)
	ref := []byte("{{ prefect-secret://BIG_REF }}")
	line := []byte("some config text, and a literal {{{{ in it\n")
	var b bytes.Buffer
	for b.Len()+len(line) <= size-len(ref) {
		b.Write(line)
	}
	b.Write(bytes.Repeat([]byte("x"), size-len(ref)-b.Len()))
	b.Write(ref)
	ts.Check(os.WriteFile(ts.MkAbs(args[0]), b.Bytes(), 0o644))
}
