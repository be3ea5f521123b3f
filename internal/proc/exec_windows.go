//go:build windows

package proc

import (
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
)

func candidates(path string) []string {
	if filepath.Ext(path) != "" {
		return []string{path}
	}
	exts := strings.Split(os.Getenv("PATHEXT"), ";")
	if len(exts) == 1 && exts[0] == "" {
		exts = []string{".com", ".exe", ".bat", ".cmd"}
	}
	out := []string{}
	for _, e := range exts {
		out = append(out, path+strings.ToLower(e))
	}
	return out
}

func isExecutable(path string, info fs.FileInfo) bool { return info.Mode().IsRegular() }

// Exec runs the command and waits for it: Windows has no execve. Ctrl-C goes
// to every process on the console, so it is ignored here and left to the
// child. The child's exit code comes back as an *ExitStatus.
func Exec(path string, argv, env []string) error {
	signal.Ignore(os.Interrupt)
	cmd := exec.Command(path, argv[1:]...)
	cmd.Env = env
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return &ExitStatus{Code: 0}
	case errors.As(err, &ee):
		return &ExitStatus{Code: ee.ExitCode()}
	}
	return &StartError{Command: path, Code: CodeNotExecutable, Reason: reason(err)}
}
