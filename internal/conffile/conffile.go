// Package conffile reads the configuration files Prefect keeps (TOML, and
// .env files) without trusting them: only regular files, at most MaxSize
// bytes, and TOML no deeper than MaxDepth levels, so that no file can hang
// the tool or make it use unbounded memory. Its errors never quote the
// file's text, which may hold a secret.
package conffile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// MaxSize is the largest file read: no real Prefect configuration file comes
// near it.
const MaxSize = 2 << 20

// Error is a file that is there but cannot be used. Its message is a phrase
// that follows the file's name ("is a directory"), so callers can say what
// the file is for: "Prefect config file ~/.prefect/config.toml is a
// directory".
type Error struct {
	Path string
	What string // "is a directory", "is larger than 2 MiB", "cannot be read"
	Err  error  // the system's reason, if any

	isDir bool
}

func (e *Error) Error() string {
	if e.Err != nil {
		return e.What + ": " + e.Err.Error()
	}
	return e.What
}

func (e *Error) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrIsDir) true for a directory.
func (e *Error) Is(target error) bool { return target == ErrIsDir && e.isDir }

// ErrIsDir is in the tree of the error for a path that is a directory:
// some callers skip those, as Prefect does.
var ErrIsDir = errors.New("is a directory")

// Read returns the contents of the regular file at path. A missing file is
// an error matching fs.ErrNotExist. A directory, a FIFO, a device or a
// socket is refused without reading from it (opening never blocks), and so
// is a file larger than MaxSize.
func Read(path string) ([]byte, error) { return ReadMax(path, MaxSize) }

// ReadMax is Read for a file that may be up to max bytes: a setting that
// names a file of another kind (a CA bundle) is read as safely.
func ReadMax(path string, max int) ([]byte, error) {
	// A first look by name refuses a device without opening it (opening some
	// has effects); the look at the open file below closes the race.
	info, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		return nil, &Error{Path: path, What: "cannot be read", Err: unwrapPath(err)}
	}
	if err := checkMode(path, info, max); err != nil {
		return nil, err
	}
	f, err := openNoBlock(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		return nil, &Error{Path: path, What: "cannot be read", Err: unwrapPath(err)}
	}
	defer f.Close()
	info, err = f.Stat()
	if err != nil {
		return nil, &Error{Path: path, What: "cannot be read", Err: unwrapPath(err)}
	}
	if err := checkMode(path, info, max); err != nil {
		return nil, err
	}
	// The size can lie (files in /proc say 0) or change: the read itself is
	// bounded too.
	data, err := io.ReadAll(io.LimitReader(f, int64(max)+1))
	if err != nil {
		return nil, &Error{Path: path, What: "cannot be read", Err: unwrapPath(err)}
	}
	if len(data) > max {
		return nil, tooLarge(path, max)
	}
	return data, nil
}

func checkMode(path string, info fs.FileInfo, max int) error {
	m := info.Mode()
	switch {
	case m.IsRegular():
		if info.Size() > int64(max) {
			return tooLarge(path, max)
		}
		return nil
	case m.IsDir():
		return &Error{Path: path, What: "is a directory", isDir: true}
	case m&fs.ModeNamedPipe != 0:
		return &Error{Path: path, What: "is a named pipe (FIFO), not a regular file"}
	case m&fs.ModeSocket != 0:
		return &Error{Path: path, What: "is a socket, not a regular file"}
	case m&fs.ModeDevice != 0:
		return &Error{Path: path, What: "is a device, not a regular file"}
	}
	return &Error{Path: path, What: "is not a regular file"}
}

func tooLarge(path string, max int) error {
	what := fmt.Sprintf("is larger than %d MiB", max>>20)
	if max == MaxSize {
		what += ", more than any Prefect configuration file"
	}
	return &Error{Path: path, What: what}
}

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
