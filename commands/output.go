package commands

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"golang.org/x/term"

	"github.com/prefect-secrets/prefect-secrets/resolve"
)

// destination is where export and inject write values: stdout, a file
// (-o), or GitHub Actions' $GITHUB_ENV (export --github-env).
type destination struct {
	File      string // -o FILE; "" for stdout
	Force     bool   // write to a terminal, or replace an existing FILE
	GitHubEnv bool   // append to the file $GITHUB_ENV names
}

// toStdout reports whether d writes to this process's standard output:
// no -o, -o - (as for most tools), or -o naming stdout's own descriptor.
// Those are stdout itself, with its rules (no terminal without --force),
// never a file to open again or replace: on Linux /dev/stdout is a link
// that root could replace, and opening it again would start writing at
// the start of a file stdout appends to.
func (d destination) toStdout() bool {
	switch d.File {
	case "", "-", "/dev/stdout", "/dev/fd/1", "/proc/self/fd/1":
		return true
	}
	return false
}

// CantCreateError is an output file that cannot be written: exit 73
// (ExitExists), as sysexits(3) says for "a (user specified) output file
// cannot be created".
type CantCreateError struct {
	Path string
	Err  error
}

func (e *CantCreateError) Error() string { return fmt.Sprintf("cannot write %s: %v", e.Path, e.Err) }
func (e *CantCreateError) Unwrap() error { return e.Err }

// checkDestination refuses, before anything is resolved, a destination that would
// not be written: values for a terminal without --force (they would stay
// on screen and in its scrollback), an existing FILE without --force, a
// FILE that is a symbolic link or a directory.
func (g *globals) checkDestination(cmd string, d destination) error {
	switch {
	case d.GitHubEnv:
		if g.io.Getenv("GITHUB_ENV") == "" {
			return usagef("--github-env is for a GitHub Actions step, where the runner sets GITHUB_ENV; elsewhere use -o FILE", "--github-env: GITHUB_ENV is not set")
		}
	case !d.toStdout():
		kind, err := outputKind(d.File)
		if err != nil {
			return err
		}
		if kind == regularFile && !d.Force {
			return fileExists(fmt.Sprintf("%s exists: %s does not replace a file without --force", d.File, cmd))
		}
	case g.io.OutTTY && !d.Force:
		return terminalRefused(cmd)
	}
	return nil
}

func terminalRefused(cmd string) error {
	return usagef("redirect stdout to a file or a pipe, use -o FILE, or give --force to show the values here", "%s refuses to write secret values to a terminal, where they would stay on screen", cmd)
}

// write puts data at the destination: stdout as it is, a FILE atomically
// (a temporary file beside it, mode 0600, synced, then renamed), a
// device or a FIFO in place, or the end of $GITHUB_ENV.
func (g *globals) write(d destination, data []byte) error {
	switch {
	case d.GitHubEnv:
		return appendGitHubEnv(g.io.Getenv("GITHUB_ENV"), data)
	case !d.toStdout():
		// Again: what is there may have changed while values were resolved.
		kind, err := outputKind(d.File)
		if err != nil {
			return err
		}
		if kind == inPlace {
			return writeInPlace(d, data)
		}
		return writeAtomic(d.File, data, d.Force)
	}
	if _, err := g.io.Out.Write(data); err != nil {
		return fmt.Errorf("writing to stdout: %w", err)
	}
	return nil
}

// How -o FILE is written.
const (
	newFile     = iota // not there: created, atomically
	regularFile        // a regular file: replaced atomically, with --force
	inPlace            // written into as it is, never replaced or created
)

// outputKind says how path is written, or why it is not. A character
// device, a FIFO (a process substitution's /dev/fd/N) or a socket is
// written in place: a rename would put a file where the device was. So is
// whatever a link under /dev or /proc leads to (/dev/stderr, /dev/fd/3):
// those links are the system's, never ours to replace. Any other symbolic
// link is refused, naming where it points: replacing it would cut it, and
// following it would write where the user did not say.
func outputKind(path string) (int, error) {
	info, err := os.Lstat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return newFile, nil
	case err != nil:
		return 0, &CantCreateError{Path: path, Err: fileCause(err)}
	case info.Mode()&fs.ModeSymlink != 0:
		if to, err := os.Stat(path); err == nil && (special(to.Mode()) || systemPath(path)) {
			return inPlace, nil
		}
		target, _ := os.Readlink(path)
		return 0, &resolve.Error{Kind: resolve.ErrExists,
			Msg:  fmt.Sprintf("%s is a symbolic link to %s: -o writes only to a regular file, which it replaces atomically, and never through a link", path, target),
			Hint: "give -o the file the link points to, or remove the link"}
	case info.IsDir():
		return 0, &CantCreateError{Path: path, Err: errors.New("it is a directory")}
	case special(info.Mode()):
		return inPlace, nil
	}
	return regularFile, nil
}

// special is a file that is written into, not replaced: a device, a
// FIFO, a socket.
func special(m fs.FileMode) bool {
	return m&(fs.ModeDevice|fs.ModeCharDevice|fs.ModeNamedPipe|fs.ModeSocket) != 0
}

// systemPath is a path in the system's own trees of devices and
// processes, where the links belong to the system.
func systemPath(path string) bool {
	abs, err := filepath.Abs(path)
	if err != nil {
		return false
	}
	return strings.HasPrefix(abs, "/dev/") || strings.HasPrefix(abs, "/proc/")
}

// writeInPlace writes data into what is at path, as a shell's >> would:
// opened for appending, never created, truncated or replaced. A terminal
// gets values only with --force, as stdout does.
func writeInPlace(d destination, data []byte) error {
	f, err := os.OpenFile(d.File, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return &CantCreateError{Path: d.File, Err: fileCause(err)}
	}
	defer f.Close()
	if !d.Force && term.IsTerminal(int(f.Fd())) {
		return usagef("give --force to show the values there", "%s is a terminal: values go to a terminal only with --force, as they would stay on screen", d.File)
	}
	if _, err := f.Write(data); err != nil {
		return &CantCreateError{Path: d.File, Err: fileCause(err)}
	}
	if err := f.Close(); err != nil {
		return &CantCreateError{Path: d.File, Err: fileCause(err)}
	}
	return nil
}

// writeAtomic writes data to path so that path is never seen half
// written: a temporary file in the same directory (mode 0600 from its
// creation, so the values are never readable by others), written and
// synced, then renamed over path, or linked to it when path must not be
// replaced. On any failure the temporary file is removed, and what was at
// path is left as it was. The temporary name is short whatever path's
// (a name of 250 bytes must still work), and no error names it.
func writeAtomic(path string, data []byte, replace bool) (err error) {
	fail := func(err error) error { return &CantCreateError{Path: path, Err: fileCause(err)} }
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, ".prefect-secrets-*.tmp")
	if err != nil {
		return fail(err)
	}
	defer func() {
		tmp.Close()
		os.Remove(tmp.Name()) // after a rename or a link, only the temporary name
	}()
	if err := tmp.Chmod(0o600); err != nil {
		return fail(err)
	}
	if _, err := tmp.Write(data); err != nil {
		return fail(err)
	}
	if err := tmp.Sync(); err != nil {
		return fail(err)
	}
	if err := tmp.Close(); err != nil {
		return fail(err)
	}
	if replace {
		if err := os.Rename(tmp.Name(), path); err != nil {
			return fail(err)
		}
	} else if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fileExists(path + " exists: it was created while the values were resolved, and is left as it is")
		}
		// A file system without hard links: check, then rename.
		if _, statErr := os.Lstat(path); statErr == nil {
			return fileExists(path + " exists, and is left as it is")
		}
		if err := os.Rename(tmp.Name(), path); err != nil {
			return fail(err)
		}
	}
	syncDir(dir)
	return nil
}

// fileCause is err without the paths it carries (the temporary file's
// among them): the message names the user's path itself.
func fileCause(err error) error {
	var le *os.LinkError
	if errors.As(err, &le) {
		return le.Err
	}
	return unwrapPath(err)
}

// fileExists is an -o FILE that is there without --force: 73, as set
// says of a name that is there.
func fileExists(msg string) error {
	return &resolve.Error{Kind: resolve.ErrExists, Msg: msg, Hint: "give --force to replace it"}
}

// syncDir makes a rename durable where the system allows it.
func syncDir(dir string) {
	if runtime.GOOS == "windows" {
		return
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}

// appendGitHubEnv adds data to the end of the $GITHUB_ENV file in one
// write, after a line break if the file does not end in one (else the
// runner would read our first line as part of the last one there).
func appendGitHubEnv(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return &CantCreateError{Path: "$GITHUB_ENV (" + path + ")", Err: fileCause(err)}
	}
	defer f.Close()
	if info, err := f.Stat(); err == nil && info.Size() > 0 {
		last := make([]byte, 1)
		if _, err := f.ReadAt(last, info.Size()-1); err == nil && last[0] != '\n' {
			data = append([]byte{'\n'}, data...)
		}
	}
	if _, err := f.Write(data); err != nil {
		return &CantCreateError{Path: "$GITHUB_ENV (" + path + ")", Err: fileCause(err)}
	}
	if err := f.Sync(); err != nil {
		return &CantCreateError{Path: "$GITHUB_ENV (" + path + ")", Err: fileCause(err)}
	}
	return nil
}
