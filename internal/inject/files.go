package inject

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/prefect-secrets/prefect-secrets/internal/envfile"
	"github.com/prefect-secrets/prefect-secrets/resolve"
)

// maxFile bounds a reference file: it lists names, and a wrong file (a
// disk image, /dev/zero) must not fill memory.
const maxFile = 16 << 20

// fileHint is the hint of every malformed reference file.
const fileHint = "each line is VAR=prefect-secret://NAME, VAR=text, a # comment or blank; quoting follows docker compose's .env rules (see docs/ci.md)"

// ReadFiles reads reference files, in order, into definitions whose
// origin is FILE:LINE. Every file is read and checked before any secret is
// resolved.
func ReadFiles(paths []string) ([]Definition, error) {
	var out []Definition
	for _, path := range paths {
		data, err := ReadUserFile("reference file", path, maxFile, "")
		if err != nil {
			return nil, err
		}
		entries, err := envfile.Parse(path, data)
		if err != nil {
			return nil, &resolve.Error{Kind: resolve.ErrBadInput, Msg: "reference file " + err.Error(), Hint: fileHint}
		}
		for _, e := range entries {
			origin := fmt.Sprintf("%s:%d", path, e.Line)
			name, isRef := resolve.ParseRef(e.Value)
			if !isRef {
				out = append(out, Definition{Var: e.Key, Plain: true, Value: e.Value, Given: ByFile, Origin: origin})
				continue
			}
			if err := resolve.CheckNameOrAddress(name); err != nil {
				// The column is the name's, after the scheme.
				return nil, fmt.Errorf("%s:%d:%d: $%s: %w", path, e.Line, e.ValueCol+len(resolve.RefScheme), e.Key, err)
			}
			out = append(out, Definition{Var: e.Key, Name: name, Given: ByFile, Origin: origin})
		}
	}
	return out, nil
}

// ReadUserFile reads a file the user named, what it is ("reference
// file", "template") naming it in errors (see ReadBounded): whole, up to max bytes, whatever
// kind of file it is (a pipe, as <(...) gives, included). Its errors name
// the path, never what the file holds.
func ReadUserFile(what, path string, max int, tooLargeHint string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, &resolve.Error{Kind: openErrorKind(err), Msg: "cannot read " + what + " " + path, Err: UnwrapPath(err)}
	}
	defer f.Close()
	size := int64(0) // what a regular file says it holds, to read it in one buffer
	if info, err := f.Stat(); err == nil && info.Mode().IsRegular() {
		size = min(info.Size(), int64(max)+1)
	}
	return ReadBounded(f, what, path, size, max, tooLargeHint)
}

// ReadBounded reads r whole, up to max bytes; size is what it is expected
// to hold, if known. what and name name it in errors, and tooLargeHint is
// the hint when it holds more than max.
func ReadBounded(r io.Reader, what, name string, size int64, max int, tooLargeHint string) ([]byte, error) {
	buf := bytes.NewBuffer(make([]byte, 0, size+bytes.MinRead))
	_, err := buf.ReadFrom(io.LimitReader(r, int64(max)+1))
	if err != nil {
		return nil, &resolve.Error{Kind: resolve.ErrBadInput, Msg: "cannot read " + what + " " + name, Err: UnwrapPath(err)}
	}
	if buf.Len() > max {
		return nil, &resolve.Error{Kind: resolve.ErrBadInput, Msg: fmt.Sprintf("%s %s is larger than %d MiB", what, name, max>>20), Hint: tooLargeHint}
	}
	return buf.Bytes(), nil
}

// openErrorKind is the kind of failure of opening a file the user named:
// not found (66), denied (77), else bad input (65).
func openErrorKind(err error) error {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return resolve.ErrNotFound
	case errors.Is(err, fs.ErrPermission):
		return resolve.ErrDenied
	}
	return resolve.ErrBadInput
}

// UnwrapPath drops the path from an *fs.PathError, which the message
// already names.
func UnwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
