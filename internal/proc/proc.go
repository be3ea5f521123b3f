// Package proc runs the child command of exec and keeps this process
// fit to hold secrets. It owns:
//
//   - finding the program as a shell would (LookPath: 126 and 127);
//   - handing our process over to it (Exec, execve);
//   - supervising it when its output is filtered (Supervise): pipes or a
//     pseudo-terminal as the caller says our streams are, signals passed on
//     once, job control (Ctrl-Z, fg, through a monitor process for a child
//     with a terminal of its own), and ending as the child ended;
//   - what every run does first (AtStart): keep our memory out of core
//     files (and, on Linux, away from other processes of the user), and
//     be the monitor when this process was started as one.
//
// It knows nothing of secrets, names or masking: it is handed the child's
// environment and the filters (Flusher) its output goes through.
package proc

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Shell conventions for a command that cannot be run.
const (
	CodeNotExecutable = 126
	CodeNotFound      = 127
)

// StartError says why the command could not be started. Code is the exit
// status a shell would give for it (126 or 127).
type StartError struct {
	Command string
	Code    int
	Reason  string
	Hint    string
}

func (e *StartError) Error() string {
	return fmt.Sprintf("cannot run %q: %s", e.Command, e.Reason)
}

// ExitStatus carries a child's exit code where the process could not be
// replaced by the child (Windows) and had to wait for it.
type ExitStatus struct{ Code int }

func (e *ExitStatus) Error() string { return fmt.Sprintf("child exited with status %d", e.Code) }

// CodeOutputLost is the exit status when the child ended well but part of
// its output could not be written (sysexits' EX_IOERR).
const CodeOutputLost = 74

// OutputError says that the child's output could not be written where it
// was going (a full disk, a device error), so part of it is lost. The
// child ran to its end; Code is its exit status, or CodeOutputLost when
// that was 0, since lost output is not a success.
type OutputError struct {
	Stream string // "stdout" or "stderr"
	Err    error
	Code   int
}

func (e *OutputError) Error() string {
	return fmt.Sprintf("cannot write the command's %s: %s", e.Stream, reason(e.Err))
}

func (e *OutputError) Unwrap() error { return e.Err }

// Hint says what was lost.
func (e *OutputError) Hint() string {
	return "the command ran to its end, but what it wrote to " + e.Stream + " from then on is lost"
}

// LookPath finds file the way a POSIX shell does, in the PATH the child will
// have (pathEnv), not in ours: a name with a slash is taken as it is; else
// each PATH entry is tried in order (an empty entry is the current
// directory) and the first executable regular file wins. A match that is
// not executable gives 126, no match at all 127.
func LookPath(file, pathEnv string) (string, error) {
	if file == "" {
		return "", &StartError{Command: file, Code: CodeNotFound, Reason: "the command is empty"}
	}
	if strings.ContainsRune(file, os.PathSeparator) || (os.PathSeparator != '/' && strings.ContainsRune(file, '/')) {
		return file, checkExecutable(file)
	}
	var firstErr error
	for _, dir := range filepath.SplitList(pathEnv) {
		if dir == "" {
			dir = "."
		}
		for _, candidate := range candidates(filepath.Join(dir, file)) {
			err := checkExecutable(candidate)
			if err == nil {
				return candidate, nil
			}
			// A file that is there but not executable is remembered (126, as
			// a shell says); a directory of that name is passed over, as
			// bash and dash do.
			var se *StartError
			if firstErr == nil && errors.As(err, &se) && se.Code == CodeNotExecutable && !isDir(candidate) {
				firstErr = err
			}
		}
	}
	if firstErr != nil {
		return "", firstErr
	}
	return "", &StartError{Command: file, Code: CodeNotFound, Reason: "command not found in PATH",
		Hint: "check the spelling, or give its path (./flow.py); with --pristine the child's PATH is the one you had"}
}

func checkExecutable(path string) error {
	info, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return &StartError{Command: path, Code: CodeNotFound, Reason: "no such file"}
	case err != nil:
		return &StartError{Command: path, Code: CodeNotExecutable, Reason: reason(err)}
	case info.IsDir():
		return &StartError{Command: path, Code: CodeNotExecutable, Reason: "it is a directory"}
	case !isExecutable(path, info):
		return &StartError{Command: path, Code: CodeNotExecutable, Reason: "permission denied (not executable)",
			Hint: "make it executable (chmod +x) or run it through its interpreter"}
	}
	return nil
}

func isDir(path string) bool {
	info, err := os.Stat(path)
	return err == nil && info.IsDir()
}

// reason is an OS error without the path it repeats.
func reason(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}
