// Command gendocs writes prefect-secrets' reference docs from its command
// definitions (commands.New): a man page, docs/prefect-secrets.1, and a
// Markdown reference, docs/reference.md. Run it from the module root:
//
//	go generate ./...        (or: go run ./internal/gendocs)
//
// The test beside it fails when the checked-in docs are stale.
//
// urfave/cli/v2 has ToMan and ToMarkdown, but they leave out each
// command's description, where the examples are; so the docs are written
// here, from the same definitions help is.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/prefect-secrets/prefect-secrets/commands"
)

// files are the docs, by name, and how each is written.
var files = map[string]func(*reference) []byte{
	"prefect-secrets.1": (*reference).man,
	"reference.md":      (*reference).markdown,
}

func main() {
	dir := flag.String("dir", "docs", "the directory to write the docs to")
	flag.Parse()
	ref := load(commands.New(&commands.IO{}, "").CLI())
	for name, render := range files {
		path := filepath.Join(*dir, name)
		if err := os.WriteFile(path, render(ref), 0o644); err != nil {
			fmt.Fprintf(os.Stderr, "gendocs: %v\n", err)
			os.Exit(1)
		}
	}
}
