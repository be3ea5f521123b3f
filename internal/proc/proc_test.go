//go:build unix

package proc

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prefect-secrets/prefect-secrets/internal/testkit/unprivileged"
)

// tree makes files under a temporary directory: a path ending in "/" is a
// directory, else a file with the given mode. It returns the directory.
func tree(t *testing.T, files map[string]os.FileMode) string {
	t.Helper()
	root := t.TempDir()
	for name, mode := range files {
		p := filepath.Join(root, name)
		if strings.HasSuffix(name, "/") {
			if err := os.MkdirAll(p, 0o755); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("#!/bin/sh\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil { // not subject to the umask
			t.Fatal(err)
		}
	}
	return root
}

// chdir changes to dir for the rest of the test.
func chdir(t *testing.T, dir string) {
	t.Helper()
	old, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chdir(dir); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.Chdir(old) })
}

func startError(t *testing.T, err error) *StartError {
	t.Helper()
	var se *StartError
	if !errors.As(err, &se) {
		t.Fatalf("error %v (%T) is not a *StartError", err, err)
	}
	return se
}

func list(dirs ...string) string { return strings.Join(dirs, string(os.PathListSeparator)) }

func TestLookPathFound(t *testing.T) {
	root := tree(t, map[string]os.FileMode{
		"a/tool":      0o755,
		"b/tool":      0o755,
		"b/other":     0o700,
		"c/only-x":    0o100,
		"c/group-x":   0o754,
		"d/notexec":   0o644,
		"e/notexec":   0o755,
		"f/tool/":     0,
		"g/flow.py":   0o755,
		"h/dirfirst":  0o755,
		"i/dirfirst/": 0,
	})
	dir := func(d string) string { return filepath.Join(root, d) }
	for _, tc := range []struct {
		name, file, path, want string
	}{
		{"first PATH entry wins", "tool", list(dir("a"), dir("b")), filepath.Join(root, "a/tool")},
		{"order is PATH's", "tool", list(dir("b"), dir("a")), filepath.Join(root, "b/tool")},
		{"later entry", "other", list(dir("a"), dir("b")), filepath.Join(root, "b/other")},
		{"owner-only execute bit", "only-x", dir("c"), filepath.Join(root, "c/only-x")},
		{"missing directory skipped", "tool", list(dir("nope"), dir("a")), filepath.Join(root, "a/tool")},
		{"non-executable match skipped for a later executable", "notexec", list(dir("d"), dir("e")), filepath.Join(root, "e/notexec")},
		{"directory of that name skipped", "tool", list(dir("f"), dir("b")), filepath.Join(root, "b/tool")},
		{"directory later in PATH does not matter", "dirfirst", list(dir("h"), dir("i")), filepath.Join(root, "h/dirfirst")},
		{"directory earlier in PATH skipped", "dirfirst", list(dir("i"), dir("h")), filepath.Join(root, "h/dirfirst")},
		{"name with a dot", "flow.py", dir("g"), filepath.Join(root, "g/flow.py")},
		{"absolute path taken as it is", filepath.Join(root, "a/tool"), "", filepath.Join(root, "a/tool")},
		{"absolute path ignores PATH", filepath.Join(root, "b/tool"), dir("a"), filepath.Join(root, "b/tool")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := LookPath(tc.file, tc.path)
			if err != nil {
				t.Fatalf("LookPath(%q, %q): %v", tc.file, tc.path, err)
			}
			if got != tc.want {
				t.Errorf("LookPath(%q, %q) = %q, want %q", tc.file, tc.path, got, tc.want)
			}
		})
	}
}

func TestLookPathRelative(t *testing.T) {
	root := tree(t, map[string]os.FileMode{
		"bin/tool":   0o755,
		"here":       0o755,
		"sub/script": 0o755,
	})
	chdir(t, root)

	// A name with a slash is taken as it is, relative to the working
	// directory, and PATH is not consulted.
	for _, file := range []string{"./here", "sub/script", "bin/tool", "./bin/../here"} {
		got, err := LookPath(file, "/nonexistent")
		if err != nil || got != file {
			t.Errorf("LookPath(%q) = %q, %v; want %q, nil", file, got, err, file)
		}
	}

	// An empty PATH entry is the current directory, wherever it stands.
	for _, path := range []string{":/nonexistent", "/nonexistent:", "/nonexistent::/also-not"} {
		got, err := LookPath("here", path)
		if err != nil || got != "here" {
			t.Errorf("LookPath(here, %q) = %q, %v; want \"here\", nil", path, got, err)
		}
	}

	// A relative PATH entry is relative to the working directory.
	got, err := LookPath("tool", "bin")
	if want := filepath.Join("bin", "tool"); err != nil || got != want {
		t.Errorf("LookPath(tool, bin) = %q, %v; want %q, nil", got, err, want)
	}

	// A bare name is not looked for in the current directory unless PATH
	// says so, as in a shell.
	if _, err := LookPath("here", "/nonexistent"); err == nil {
		t.Error("LookPath(here, /nonexistent) found ./here; want not found")
	} else if se := startError(t, err); se.Code != CodeNotFound {
		t.Errorf("code %d, want %d", se.Code, CodeNotFound)
	}
}

func TestLookPathSymlinks(t *testing.T) {
	root := tree(t, map[string]os.FileMode{
		"real/tool":    0o755,
		"real/plain":   0o644,
		"links/":       0,
		"real/subdir/": 0,
	})
	links := filepath.Join(root, "links")
	for name, target := range map[string]string{
		"tool":   filepath.Join(root, "real/tool"),
		"plain":  filepath.Join(root, "real/plain"),
		"broken": filepath.Join(root, "real/missing"),
		"subdir": filepath.Join(root, "real/subdir"),
	} {
		if err := os.Symlink(target, filepath.Join(links, name)); err != nil {
			t.Fatal(err)
		}
	}

	got, err := LookPath("tool", links)
	if want := filepath.Join(links, "tool"); err != nil || got != want {
		t.Errorf("symlink to an executable: LookPath = %q, %v; want %q, nil (the link, as found)", got, err, want)
	}
	for _, tc := range []struct {
		file string
		code int
	}{
		{"plain", CodeNotExecutable},
		{"subdir", CodeNotFound}, // bash and dash pass over a directory on PATH
		{"broken", CodeNotFound},
	} {
		_, err := LookPath(tc.file, links)
		if se := startError(t, err); se.Code != tc.code {
			t.Errorf("symlink %s: code %d, want %d (%v)", tc.file, se.Code, tc.code, err)
		}
	}
}

func TestLookPathNotFound(t *testing.T) {
	root := tree(t, map[string]os.FileMode{"a/tool": 0o755})
	for _, tc := range []struct {
		name, file, path string
	}{
		{"not in any entry", "flowtool", list(filepath.Join(root, "a"), "/nonexistent")},
		{"empty PATH", "tool", ""},
		{"PATH of missing directories", "tool", list("/nonexistent", filepath.Join(root, "nope"))},
		{"path to a missing file", filepath.Join(root, "a/missing"), filepath.Join(root, "a")},
		{"missing directory in the path", filepath.Join(root, "nope/tool"), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := LookPath(tc.file, tc.path)
			if err == nil {
				t.Fatalf("LookPath(%q, %q) = %q, want an error", tc.file, tc.path, got)
			}
			se := startError(t, err)
			if se.Code != CodeNotFound {
				t.Errorf("code %d, want %d (%v)", se.Code, CodeNotFound, err)
			}
			if !strings.Contains(err.Error(), tc.file) {
				t.Errorf("error %q does not name %q", err, tc.file)
			}
		})
	}

	// PATH search names the command as given, and hints at what to do.
	_, err := LookPath("flowtool", filepath.Join(root, "a"))
	se := startError(t, err)
	if se.Command != "flowtool" {
		t.Errorf("Command = %q, want %q", se.Command, "flowtool")
	}
	if se.Hint == "" {
		t.Error("no hint for a command not found in PATH")
	}
}

func TestLookPathEmpty(t *testing.T) {
	_, err := LookPath("", "/bin:/usr/bin")
	if se := startError(t, err); se.Code != CodeNotFound {
		t.Errorf("code %d, want %d (%v)", se.Code, CodeNotFound, err)
	}
}

func TestLookPathNotExecutable(t *testing.T) {
	root := tree(t, map[string]os.FileMode{
		"a/plain":  0o644,
		"a/nobits": 0o000,
		"b/plain":  0o644,
		"c/tool/":  0,
	})
	dir := func(d string) string { return filepath.Join(root, d) }
	for _, tc := range []struct {
		name, file, path, command, reason string
	}{
		{"only match not executable", "plain", list(dir("a")), dir("a/plain"), "not executable"},
		{"first of several non-executable matches is named", "plain", list(dir("b"), dir("a")), dir("b/plain"), "not executable"},
		{"not-executable beats not found", "plain", list("/nonexistent", dir("a")), dir("a/plain"), "not executable"},
		{"no mode bits at all", "nobits", dir("a"), dir("a/nobits"), "not executable"},
		{"path to a non-executable file", dir("a/plain"), "", dir("a/plain"), "not executable"},
		{"path to a directory", dir("c/tool"), "", dir("c/tool"), "directory"},
		{"path to a directory with a slash", dir("c") + "/", "", dir("c") + "/", "directory"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := LookPath(tc.file, tc.path)
			if err == nil {
				t.Fatalf("LookPath(%q, %q) = %q, want an error", tc.file, tc.path, got)
			}
			se := startError(t, err)
			if se.Code != CodeNotExecutable {
				t.Errorf("code %d, want %d (%v)", se.Code, CodeNotExecutable, err)
			}
			if se.Command != tc.command {
				t.Errorf("Command = %q, want %q", se.Command, tc.command)
			}
			if !strings.Contains(se.Reason, tc.reason) {
				t.Errorf("Reason = %q, want it to say %q", se.Reason, tc.reason)
			}
			if !strings.Contains(err.Error(), tc.command) {
				t.Errorf("error %q does not name %q", err, tc.command)
			}
		})
	}

	// A directory of that name on PATH alone is "not found", not 126: a
	// shell skips directories in its search.
	_, err := LookPath("tool", dir("c"))
	if se := startError(t, err); se.Code != CodeNotFound {
		t.Errorf("directory on PATH: code %d, want %d (%v)", se.Code, CodeNotFound, err)
	}
}

// An unreadable directory on PATH (search permission denied) is skipped
// like a missing one, as a shell does, so a later entry can still match.
func TestLookPathUnsearchableDirectory(t *testing.T) {
	if !unprivileged.Test(t) {
		return // run again as an ordinary user: root searches any directory
	}
	root := tree(t, map[string]os.FileMode{"locked/tool": 0o755, "open/tool": 0o755})
	locked := filepath.Join(root, "locked")
	if err := os.Chmod(locked, 0o000); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.Chmod(locked, 0o755) })
	got, err := LookPath("tool", list(locked, filepath.Join(root, "open")))
	if want := filepath.Join(root, "open/tool"); err != nil || got != want {
		t.Errorf("LookPath = %q, %v; want %q, nil", got, err, want)
	}
}

func TestStartErrorMessage(t *testing.T) {
	err := &StartError{Command: "./flow.py", Code: CodeNotExecutable, Reason: "permission denied (not executable)"}
	if got, want := err.Error(), `cannot run "./flow.py": permission denied (not executable)`; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}
