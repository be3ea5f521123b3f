// Command prefect-secrets resolves Prefect secrets by name and hands them to
// stdout or to a child process, never echoing them anywhere else.
package main

import (
	"os"

	"github.com/prefect-secrets/prefect-secrets/commands"
	"github.com/prefect-secrets/prefect-secrets/proc"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	os.Exit(run(os.Args))
}

// run builds the app, runs it, reports a failure once, and turns it into
// the documented exit code.
func run(args []string) int {
	proc.AtStart() // before anything else: secrets may pass through memory
	io := commands.System()
	err := commands.New(io, version).Run(args)
	if err != nil {
		io.Report(err)
	}
	return commands.ExitCode(err)
}
