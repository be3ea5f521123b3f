package prefect

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"

	"github.com/prefect-secrets/prefect-secrets/internal/conffile"
)

// readTOML reads the TOML file at path, which is Prefect's kind file
// ("Prefect profiles file"); a missing file is (nil, nil). With skipDir, a
// directory is taken as no file, as Prefect does for the files it looks
// for in the working directory (a virtualenv named .env is common). Errors
// say where a file breaks, never what it holds.
func readTOML(kind, path string, skipDir bool) (map[string]any, error) {
	data, err := readFile(kind, path, skipDir)
	if err != nil || data == nil {
		return nil, err
	}
	doc, err := conffile.ParseTOML(data)
	if err != nil {
		return nil, configErr(fmt.Sprintf("%s %s %v", kind, path, err), "fix the file", nil)
	}
	return doc, nil
}

// readFile reads a configuration file through conffile: only a regular
// file, at most conffile.MaxSize bytes; a missing one is (nil, nil).
func readFile(kind, path string, skipDir bool) ([]byte, error) {
	data, err := conffile.Read(path)
	var fe *conffile.Error
	switch {
	case err == nil:
		if data == nil {
			data = []byte{}
		}
		return data, nil
	case errors.Is(err, fs.ErrNotExist):
		return nil, nil
	case skipDir && errors.Is(err, conffile.ErrIsDir):
		return nil, nil
	case errors.As(err, &fe) && fe.Err != nil:
		return nil, configErr(fmt.Sprintf("%s %s cannot be read", kind, path), "check its permissions", fe.Err)
	case errors.As(err, &fe):
		return nil, configErr(fmt.Sprintf("%s %s %s", kind, path, fe.What), "point the setting at the file Prefect writes, or remove what is there", nil)
	}
	return nil, configErr(fmt.Sprintf("%s %s cannot be read", kind, path), "check its permissions", err)
}

// table walks doc down keys; a key that is missing gives (nil, nil), one
// that holds something other than a table is a configuration error, as it
// breaks Prefect too.
func table(doc map[string]any, path string, keys ...string) (map[string]any, error) {
	for i, k := range keys {
		if doc == nil {
			return nil, nil
		}
		v, ok := doc[k]
		if !ok {
			return nil, nil
		}
		t, ok := v.(map[string]any)
		if !ok {
			return nil, configErr(fmt.Sprintf("%s in %s is not a table", strings.Join(keys[:i+1], "."), path),
				"make it a table (["+strings.Join(keys[:i+1], ".")+"]) or remove it", nil)
		}
		doc = t
	}
	return doc, nil
}

// inDir is name in the working directory dir ("" for the process's), made
// absolute where possible so messages say which file.
func inDir(dir, name string) string {
	p := filepath.Join(dir, name)
	if abs, err := filepath.Abs(p); err == nil {
		return abs
	}
	return p
}
