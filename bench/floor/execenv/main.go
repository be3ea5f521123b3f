// Command execenv is the floor for `prefect-secrets exec`: the least a static
// Go program can do to start a child with one extra env var. It copies the
// value of SRC into DST, looks CMD up in PATH, and replaces itself with it.
//
//	execenv DST SRC CMD [ARGS...]
package main

import (
	"os"
	"os/exec"
	"syscall"
)

func main() {
	if len(os.Args) < 4 {
		os.Stderr.WriteString("usage: execenv DST SRC CMD [ARGS...]\n")
		os.Exit(64)
	}
	path, err := exec.LookPath(os.Args[3])
	if err != nil {
		os.Stderr.WriteString(err.Error() + "\n")
		os.Exit(127)
	}
	env := append(os.Environ(), os.Args[1]+"="+os.Getenv(os.Args[2]))
	err = syscall.Exec(path, os.Args[3:], env)
	os.Stderr.WriteString(err.Error() + "\n")
	os.Exit(126)
}
