// Command prefect-secrets resolves Prefect secrets by name and hands them to
// stdout or to a child process, never echoing them anywhere else.
package main

//go:generate go run ./internal/gendocs

import (
	"os"

	"github.com/prefect-secrets/prefect-secrets/commands"
)

// version is stamped in at release with -ldflags "-X main.version=...".
// Without it, the version comes from the build's own information: the
// module version for `go install ...@v1.2.3`, the VCS revision for a build
// in a checkout.
var version string

func main() {
	os.Exit(run(os.Args))
}

// run is the whole tool: see commands.Main.
func run(args []string) int { return commands.Main(args, version) }
