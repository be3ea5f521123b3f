package commands

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"

	"github.com/prefect-secrets/prefect-secrets/resolve"
)

// destination is where export and inject write values: stdout, a file
// (-o), or GitHub Actions' $GITHUB_ENV (export --github-env).
type destination struct {
	File      string // -o FILE; "" for stdout
	Force     bool   // write to a terminal, or replace an existing FILE
	GitHubEnv bool   // append to the file $GITHUB_ENV names
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
// on screen and in its scrollback), an existing FILE without --force.
func (g *globals) checkDestination(cmd string, d destination) error {
	switch {
	case d.GitHubEnv:
		if g.io.Getenv("GITHUB_ENV") == "" {
			return usagef("--github-env is for a GitHub Actions step, where the runner sets GITHUB_ENV; elsewhere use -o FILE", "--github-env: GITHUB_ENV is not set")
		}
	case d.File != "":
		if _, err := os.Lstat(d.File); err == nil && !d.Force {
			return fileExists(fmt.Sprintf("%s exists: %s does not replace a file without --force", d.File, cmd))
		}
	case g.io.OutTTY && !d.Force:
		return usagef("redirect stdout to a file or a pipe, use -o FILE, or give --force to show the values here", "%s refuses to write secret values to a terminal, where they would stay on screen", cmd)
	}
	return nil
}

// write puts data at the destination: stdout as it is, a FILE atomically
// (a temporary file beside it, mode 0600, synced, then renamed), or the
// end of $GITHUB_ENV.
func (g *globals) write(d destination, data []byte) error {
	switch {
	case d.GitHubEnv:
		return appendGitHubEnv(g.io.Getenv("GITHUB_ENV"), data)
	case d.File != "":
		return writeAtomic(d.File, data, d.Force)
	}
	if _, err := g.io.Out.Write(data); err != nil {
		return fmt.Errorf("writing to stdout: %w", err)
	}
	return nil
}

// writeAtomic writes data to path so that path is never seen half
// written: a temporary file in the same directory (mode 0600 from its
// creation, so the values are never readable by others), written and
// synced, then renamed over path, or linked to it when path must not be
// replaced. On any failure the temporary file is removed.
func writeAtomic(path string, data []byte, replace bool) (err error) {
	fail := func(err error) error { return &CantCreateError{Path: path, Err: unwrapPath(err)} }
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
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
		return &CantCreateError{Path: "$GITHUB_ENV (" + path + ")", Err: unwrapPath(err)}
	}
	defer f.Close()
	if info, err := f.Stat(); err == nil && info.Size() > 0 {
		last := make([]byte, 1)
		if _, err := f.ReadAt(last, info.Size()-1); err == nil && last[0] != '\n' {
			data = append([]byte{'\n'}, data...)
		}
	}
	if _, err := f.Write(data); err != nil {
		return &CantCreateError{Path: "$GITHUB_ENV (" + path + ")", Err: unwrapPath(err)}
	}
	if err := f.Sync(); err != nil {
		return &CantCreateError{Path: "$GITHUB_ENV (" + path + ")", Err: unwrapPath(err)}
	}
	return nil
}
