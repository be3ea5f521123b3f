package conffile

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
)

func nested(open, close string, n int) string {
	return strings.Repeat(open, n) + "1" + strings.Repeat(close, n)
}

func TestParseTOMLValid(t *testing.T) {
	doc, err := ParseTOML([]byte("[context.secrets]\nX = \"v\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, _ := doc["context"].(map[string]any)
	secrets, _ := ctx["secrets"].(map[string]any)
	if secrets["X"] != "v" {
		t.Fatalf("got %#v", doc)
	}
}

func TestParseTOMLErrorSaysWhereNotWhat(t *testing.T) {
	_, err := ParseTOML([]byte("[context.secrets]\nX = canary-NOT-QUOTED\n"))
	var se *SyntaxError
	if !errors.As(err, &se) || se.Line != 2 || se.Col == 0 || se.TooDeep {
		t.Fatalf("got %v, want a syntax error on line 2", err)
	}
	if strings.Contains(err.Error(), "canary") || strings.Contains(err.Error(), "NOT-QUOTED") {
		t.Fatalf("the error quotes the file: %v", err)
	}
}

// Nesting up to MaxDepth parses; one more level is refused before the
// parser sees it, for every way TOML nests.
func TestParseTOMLDepthLimit(t *testing.T) {
	for _, c := range []struct {
		name string
		doc  func(depth int) string
	}{
		{"arrays", func(d int) string { return "a = " + nested("[", "]", d-1) }},
		{"inline tables", func(d int) string { return "a = " + nested("{b=", "}", d-1) }},
		{"header", func(d int) string { return "[" + strings.TrimPrefix(strings.Repeat(".t", d), ".") + "]\n" }},
		{"array of tables", func(d int) string { return "[[" + strings.TrimPrefix(strings.Repeat(".t", d), ".") + "]]\n" }},
		{"dotted key", func(d int) string { return strings.TrimPrefix(strings.Repeat(".k", d), ".") + " = 1\n" }},
		{"header and dotted key", func(d int) string {
			return "[" + strings.TrimPrefix(strings.Repeat(".t", d/2), ".") + "]\n" +
				strings.TrimPrefix(strings.Repeat(".k", d-d/2), ".") + " = 1\n"
		}},
		{"dotted keys in inline tables", func(d int) string {
			// a.b = {c.d = {c.d = {e = 1}}}
			n := d / 3
			return "a.b = " + strings.Repeat("{c.d = ", n) + "{e = 1" + strings.Repeat("}", n+1) + "\n"
		}},
		{"array of inline tables", func(d int) string {
			return "a = " + strings.Repeat("[{b = ", (d-1)/3) + "1" + strings.Repeat("}]", (d-1)/3) + "\n"
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			// The deepest document within the limit parses.
			within := -1
			for d := 1; d <= MaxDepth+8; d++ {
				if checkNesting([]byte(c.doc(d)), MaxDepth, maxWork) == nil {
					within = d
				}
			}
			if within < 1 {
				t.Fatalf("no depth of %q passes", c.doc(1))
			}
			if _, err := ParseTOML([]byte(c.doc(within))); err != nil {
				t.Fatalf("%d levels: %v", within, err)
			}
			// Somewhere past it, the document is refused as too deep, not
			// as invalid TOML: the check ran before the parser.
			_, err := ParseTOML([]byte(c.doc(MaxDepth + 8)))
			var se *SyntaxError
			if !errors.As(err, &se) || !se.TooDeep {
				t.Fatalf("%d levels: %v, want refused as too deep", MaxDepth+8, err)
			}
		})
	}
}

// Brackets, dots and "=" inside strings and comments are text, not nesting.
func TestParseTOMLStringsAndCommentsDoNotNest(t *testing.T) {
	deep := strings.Repeat("[{.", 100)
	for _, doc := range []string{
		`a = "` + deep + `"`,
		`a = "\"` + deep + `\\"`,
		`a = '` + deep + `\'`,
		"a = \"\"\"\n" + deep + "\n\"\"\"\"\"",
		"a = '''" + deep + "\n'''",
		"a = \"\"\"\\\n" + deep + "\"\"\"",
		"# " + deep,
		"a = 1 # " + deep,
		`"` + deep + `" = 1`,
		`['` + deep + `']`,
		"a = [\n # " + deep + "\n 1,\n]",
	} {
		if _, err := ParseTOML([]byte(doc + "\n")); err != nil {
			t.Errorf("%q: %v", doc, err)
		}
	}
}

// Bombs of nested arrays, inline tables and header components are refused
// before the parser starts: without the check, 1,000 nested inline tables
// took the parser 90 MB and 100,000 nested arrays 140 MB. The bound is on
// bytes allocated, not on time.
func TestParseTOMLBombsCostNothing(t *testing.T) {
	for name, doc := range map[string]string{
		"nested arrays":        "a = " + nested("[", "]", 100_000),
		"nested inline tables": "a = " + nested("{b=", "}", 1_000),
		"deep header":          "[" + strings.Repeat("a.", 3_000) + "a]",
		"deep dotted key":      strings.Repeat("a.", 3_000) + "a = 1",
	} {
		data := []byte(doc)
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err := ParseTOML(data)
		runtime.ReadMemStats(&after)
		var se *SyntaxError
		if !errors.As(err, &se) || !se.TooDeep {
			t.Errorf("%s: %v, want refused as too deep", name, err)
		}
		if got := after.TotalAlloc - before.TotalAlloc; got > 64<<10 {
			t.Errorf("%s: refusing it allocated %d bytes, want under 64 KiB", name, got)
		}
	}
}

// The same at the size cap: the check alone (safe to run even if
// ParseTOML stopped calling it) refuses 1 MiB bombs.
func TestCheckNestingRefusesMiBBombs(t *testing.T) {
	for name, doc := range map[string]string{
		"nested arrays":        "a = " + nested("[", "]", MaxSize/2-4),
		"nested inline tables": "a = " + nested("{b=", "}", MaxSize/4-2),
		"deep header":          "[" + strings.Repeat("a.", MaxSize/2-2) + "a]",
	} {
		if err := checkNesting([]byte(doc), MaxDepth, maxWork); err == nil || !err.TooDeep {
			t.Errorf("%s: %v, want refused as too deep", name, err)
		}
	}
}

// Many keys each within the depth limit add up: past a budget no real
// configuration comes near, the document is refused.
func TestParseTOMLManyDeepKeysRefused(t *testing.T) {
	var b strings.Builder
	for i := 0; b.Len() < MaxSize-100; i++ {
		fmt.Fprintf(&b, "[t%d.a.b.c.d.e.f.g.h.i.j.k]\n", i)
	}
	_, err := ParseTOML([]byte(b.String()))
	var se *SyntaxError
	if !errors.As(err, &se) || !se.TooBig {
		t.Fatalf("1 MiB of 12-level headers: %v, want refused", err)
	}
	if !strings.Contains(err.Error(), "more deeply nested keys than any Prefect configuration file") {
		t.Errorf("message: %v", err)
	}
}

// A configuration as busy as real ones (a pyproject.toml with tools'
// tables, inline tables and arrays) is far from both limits.
func TestParseTOMLRealisticDocument(t *testing.T) {
	var b strings.Builder
	b.WriteString("[project]\nname = \"flows\"\ndependencies = [\"prefect>=3\", \"httpx[http2]>=0.27\"]\n")
	for i := 0; i < 300; i++ {
		fmt.Fprintf(&b, "[tool.t%d.group.dev.dependencies]\npkg = {version = \"^1\", extras = [\"a\", \"b\"], markers = {os = [\"linux\"]}}\n", i)
		fmt.Fprintf(&b, "[[tool.t%d.overrides]]\nmodule = [\"a.*\", \"b.c\"]\nignore.missing.imports = true\n", i)
	}
	b.WriteString("[tool.prefect.api]\nurl = \"http://127.0.0.1:4200/api\"\n")
	if _, err := ParseTOML([]byte(b.String())); err != nil {
		t.Fatalf("a %d-byte realistic document: %v", b.Len(), err)
	}
}

func TestCheckNestingReportsPosition(t *testing.T) {
	doc := "ok = 1\nb = " + nested("[", "]", MaxDepth+3)
	err := checkNesting([]byte(doc), MaxDepth, maxWork)
	if err == nil || err.Line != 2 || err.Col != 5+MaxDepth-1 {
		t.Fatalf("got %+v, want line 2, column %d", err, 5+MaxDepth-1)
	}
}
