package commands

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"github.com/prefect-secrets/prefect-secrets/internal/envfile"
	"github.com/prefect-secrets/prefect-secrets/resolve"
)

const envFileUsage = "read variables from the reference `FILE`: VAR=prefect-secret://NAME lines are secrets, VAR=text lines plain values (repeatable; a later definition wins)"

// maxEnvFile bounds a reference file: it lists names, and a wrong file
// (a disk image, /dev/zero) must not fill memory.
const maxEnvFile = 16 << 20

// How a definition was given, for which wins: -s over a reference file,
// a reference file over the environment, and within files the later one.
const (
	rankEnv = iota
	rankFile
	rankFlag
)

func rank(inj injection) int {
	switch {
	case strings.HasPrefix(inj.Origin, "-s "):
		return rankFlag
	case strings.HasPrefix(inj.Origin, "reference in $"):
		return rankEnv
	}
	return rankFile
}

// secretNames lists the secrets the injections need, without plain values.
func secretNames(wanted []injection) []string {
	names := make([]string, 0, len(wanted))
	for _, w := range wanted {
		if !w.Plain {
			names = append(names, w.Name)
		}
	}
	return names
}

// readEnvFiles reads reference files, in order, into injections whose
// origin is FILE:LINE. Every file is read and checked before any secret is
// resolved.
func readEnvFiles(paths []string) ([]injection, error) {
	var out []injection
	for _, path := range paths {
		data, err := readEnvFile(path)
		if err != nil {
			return nil, err
		}
		entries, err := envfile.Parse(path, data)
		if err != nil {
			return nil, &resolve.Error{Kind: resolve.ErrBadInput, Msg: "reference file " + err.Error(),
				Hint: "each line is VAR=prefect-secret://NAME, VAR=text, a # comment or blank; quoting follows docker compose's .env rules (see the README)"}
		}
		for _, e := range entries {
			origin := fmt.Sprintf("%s:%d", path, e.Line)
			name, isRef := strings.CutPrefix(e.Value, ReferencePrefix)
			if !isRef {
				out = append(out, injection{Var: e.Key, Origin: origin, Plain: true, Value: e.Value})
				continue
			}
			if err := resolve.CheckName(name); err != nil {
				return nil, fmt.Errorf("%s: $%s: %w", origin, e.Key, err)
			}
			out = append(out, injection{Var: e.Key, Name: name, Origin: origin})
		}
	}
	return out, nil
}

func readEnvFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		kind := resolve.ErrBadInput
		switch {
		case errors.Is(err, fs.ErrNotExist):
			kind = resolve.ErrNotFound
		case errors.Is(err, fs.ErrPermission):
			kind = resolve.ErrDenied
		}
		return nil, &resolve.Error{Kind: kind, Msg: "cannot read reference file " + path, Err: unwrapPath(err)}
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxEnvFile+1))
	if err != nil {
		return nil, &resolve.Error{Kind: resolve.ErrBadInput, Msg: "cannot read reference file " + path, Err: unwrapPath(err)}
	}
	if len(data) > maxEnvFile {
		return nil, &resolve.Error{Kind: resolve.ErrBadInput, Msg: fmt.Sprintf("reference file %s is larger than %d MiB", path, maxEnvFile>>20)}
	}
	return data, nil
}

// unwrapPath drops the path from an *fs.PathError, which the message
// already names.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
