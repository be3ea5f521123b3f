//go:build unix

package proc

import (
	"errors"
	"io/fs"
	"syscall"

	"golang.org/x/sys/unix"
)

func candidates(path string) []string { return []string{path} }

func isExecutable(path string, info fs.FileInfo) bool {
	// access(2) answers for this user, root's rules and ACLs included.
	return info.Mode().IsRegular() && unix.Access(path, unix.X_OK) == nil
}

// Exec replaces this process with the command (execve): the child keeps our
// pid, our terminal, stdin, stdout and stderr, receives every signal sent to
// us exactly once, and its exit status or fatal signal is ours. It returns
// only if the exec failed.
func Exec(path string, argv, env []string) error {
	restore := childLimits()
	err := syscall.Exec(path, argv, env)
	restore()
	code := CodeNotExecutable
	if errors.Is(err, syscall.ENOENT) {
		code = CodeNotFound // e.g. a #! line naming a missing interpreter
	}
	se := &StartError{Command: path, Code: code, Reason: err.Error()}
	if errors.Is(err, syscall.ENOEXEC) {
		se.Hint = "a script needs a #! line naming its interpreter"
	} else if errors.Is(err, syscall.ENOENT) {
		se.Hint = "if it is a script, check the interpreter on its #! line"
	}
	return se
}
