package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prefect-secrets/prefect-secrets/commands"
)

// TestDocsAreCurrent fails when the checked-in reference docs differ from
// what the command definitions give.
func TestDocsAreCurrent(t *testing.T) {
	ref := load(commands.New(&commands.IO{}, "").CLI())
	for name, render := range files {
		got, err := os.ReadFile(filepath.Join("..", "..", "docs", name))
		if err != nil {
			t.Errorf("docs/%s: %v; write the docs with `go generate ./...` (runs go run ./internal/gendocs) and commit them", name, err)
			continue
		}
		if !bytes.Equal(got, render(ref)) {
			t.Errorf("docs/%s is stale: it differs from the command definitions; regenerate it with `go generate ./...` (runs go run ./internal/gendocs) and commit it", name)
		}
	}
}

// Every command and every option is in both docs, with its examples.
func TestDocsCoverEveryCommand(t *testing.T) {
	app := commands.New(&commands.IO{}, "").CLI()
	ref := load(app)
	man, md := string(ref.man()), string(ref.markdown())
	for _, c := range app.VisibleCommands() {
		if !strings.Contains(md, "### "+c.Name+"\n") || !strings.Contains(man, ".SS "+c.Name+"\n") {
			t.Errorf("command %s is missing from the docs", c.Name)
		}
		for _, f := range c.VisibleFlags() {
			if long := "--" + f.Names()[0]; !strings.Contains(md, "`"+long) || !strings.Contains(man, roff(long)) {
				t.Errorf("option %s of %s is missing from the docs", long, c.Name)
			}
		}
	}
	for _, want := range []string{"prefect-secrets get SLACK_WEBHOOK_URL", "PREFECT_SECRETS_TIMEOUT", "78   bad configuration"} {
		if !strings.Contains(md, want) || !strings.Contains(man, roff(want)) {
			t.Errorf("%q is missing from the docs", want)
		}
	}
}

func TestRoffEscapes(t *testing.T) {
	cases := map[string]string{
		`a\b`:             `a\eb`,
		"--json":          `\-\-json`,
		".starts a line":  `\&.starts a line`,
		"x\n'quoted":      "x\n\\&'quoted",
		"plain, \"text\"": "plain, \"text\"",
	}
	for in, want := range cases {
		if got := roff(in); got != want {
			t.Errorf("roff(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMarkdownEscapes(t *testing.T) {
	if got, want := mdEscape("PREFECT__CONTEXT__SECRETS__<NAME> *x* [a]"), `PREFECT\_\_CONTEXT\_\_SECRETS\_\_\<NAME\> \*x\* \[a\]`; got != want {
		t.Errorf("mdEscape = %q, want %q", got, want)
	}
}
