//go:build unix

// Package realprefect runs the real Prefect for tests, beside the fakes of
// internal/testkit/prefecttest: Prefect 3's own server (prefect server start on
// loopback, with a home of its own) and Prefect 1's own client, each from a
// virtualenv that .ci/install-prefect makes. The tool itself never needs
// Python; only these tests do.
//
// Where a virtualenv is missing, the tests that need it skip and say why,
// unless RequireVar is set (CI), where that is a failure.
package realprefect

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// The Prefect releases the tests run against; .ci/install-prefect installs
// exactly these.
const (
	Prefect3 = "3.9.1"
	Prefect1 = "1.4.1"
)

const (
	// RequireVar, when set to a non-empty value, turns "Prefect is not
	// installed" from a skip into a failure: CI sets it.
	RequireVar = "PREFECT_SECRETS_REQUIRE_PREFECT"
	// VenvsVar names the directory holding the virtualenvs, one per
	// version (prefect-3.9.1, prefect-1.4.1); the default is
	// DefaultVenvs().
	VenvsVar = "PREFECT_SECRETS_PREFECT_VENVS"
	// installedMark is the file .ci/install-prefect writes into a
	// virtualenv last, once everything in it is installed: a directory
	// without it is an interrupted install, not a usable one.
	installedMark = "prefect-secrets-installed"
)

// DefaultVenvs is where .ci/install-prefect puts the virtualenvs when
// VenvsVar is not set: prefect-secrets/prefect-venvs in the user's cache
// directory ($XDG_CACHE_HOME or ~/.cache on Linux, ~/Library/Caches on
// macOS), so every worktree of the project shares one install.
func DefaultVenvs() (string, error) {
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(cache, "prefect-secrets", "prefect-venvs"), nil
}

// Venvs is the directory holding the virtualenvs: VenvsVar, else
// DefaultVenvs().
func Venvs() (string, error) {
	if d := os.Getenv(VenvsVar); d != "" {
		return d, nil
	}
	return DefaultVenvs()
}

// Venv is a virtualenv holding one release of Prefect.
type Venv struct {
	Dir     string // the virtualenv
	Version string // Prefect's version in it
}

// Bin is the path of a program in the virtualenv, e.g. Bin("python").
func (v Venv) Bin(name string) string { return filepath.Join(v.Dir, "bin", name) }

// Python is the virtualenv's interpreter, which imports that Prefect.
func (v Venv) Python() string { return v.Bin("python") }

// NotInstalledError says a Prefect release has no virtualenv here: a reason
// to skip, not a fault.
type NotInstalledError struct {
	Version, Dir string
}

func (e *NotInstalledError) Error() string {
	return fmt.Sprintf("Prefect %s is not installed in %s (run .ci/install-prefect, or set %s to the directory it installed into)",
		e.Version, e.Dir, VenvsVar)
}

// Find returns the virtualenv of Prefect version. It is a
// *NotInstalledError when there is none; any other error means one is
// there but broken (an interrupted install, a virtualenv whose Python is
// gone), which a test must not skip over.
func Find(version string) (Venv, error) {
	venvs, err := Venvs()
	if err != nil {
		return Venv{}, fmt.Errorf("finding the Prefect virtualenvs: %w (set %s)", err, VenvsVar)
	}
	v := Venv{Dir: filepath.Join(venvs, "prefect-"+version), Version: version}
	if _, err := os.Stat(v.Dir); errors.Is(err, os.ErrNotExist) {
		return Venv{}, &NotInstalledError{Version: version, Dir: v.Dir}
	} else if err != nil {
		return Venv{}, err
	}
	mark, err := os.ReadFile(filepath.Join(v.Dir, installedMark))
	if err != nil {
		return Venv{}, fmt.Errorf("%s holds no finished install of Prefect %s (%v): run .ci/install-prefect again", v.Dir, version, err)
	}
	if got := string(trimNewline(mark)); got != version {
		return Venv{}, fmt.Errorf("%s holds Prefect %q, want %s: run .ci/install-prefect again", v.Dir, got, version)
	}
	// The interpreter is a symlink to the Python the virtualenv was made
	// from; Stat follows it, so a removed Python shows here.
	if _, err := os.Stat(v.Python()); err != nil {
		return Venv{}, fmt.Errorf("the virtualenv of Prefect %s has no working Python (%v): run .ci/install-prefect again", version, err)
	}
	return v, nil
}

// Need returns the virtualenv of Prefect version for t. Where it is not
// installed t is skipped with the reason (and ReportingSkips says so at
// the end), unless RequireVar is set, where t fails; a broken install
// always fails t.
func Need(t testing.TB, version string) Venv {
	t.Helper()
	v, err := Find(version)
	var missing *NotInstalledError
	switch {
	case errors.As(err, &missing) && os.Getenv(RequireVar) == "":
		recordSkip(t.Name(), missing)
		t.Skip(err.Error())
	case errors.As(err, &missing):
		t.Fatalf("%s is set but %v", RequireVar, err)
	case err != nil:
		t.Fatal(err)
	}
	return v
}

func trimNewline(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return b
}
