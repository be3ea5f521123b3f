package commands

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func onlyFiles(t *testing.T, dir string, want ...string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("the directory holds %q, want %q (no temporary file left)", got, want)
	}
}

func TestWriteAtomicNewFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out")
	if err := writeAtomic(path, []byte("v1"), false); err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" && info.Mode().Perm() != 0o600 {
		t.Errorf("mode %#o, want 0600", info.Mode().Perm())
	}
	if data, _ := os.ReadFile(path); string(data) != "v1" {
		t.Errorf("holds %q", data)
	}
	onlyFiles(t, dir, "out")
}

// A file that appears between the check and the write (another process)
// is left as it is unless replacing was asked for.
func TestWriteAtomicNoClobber(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out")
	if err := os.WriteFile(path, []byte("theirs"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := writeAtomic(path, []byte("ours"), false)
	if ExitCode(err) != ExitExists || !strings.Contains(err.Error(), "exists") {
		t.Fatalf("err = %v (exit %d), want one saying it exists (73)", err, ExitCode(err))
	}
	if data, _ := os.ReadFile(path); string(data) != "theirs" {
		t.Errorf("the file was changed to %q", data)
	}
	onlyFiles(t, dir, "out")

	if err := writeAtomic(path, []byte("ours"), true); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(path); string(data) != "ours" {
		t.Errorf("not replaced: %q", data)
	}
	if info, _ := os.Stat(path); runtime.GOOS != "windows" && info.Mode().Perm() != 0o600 {
		t.Errorf("the replaced file has mode %#o, want 0600", info.Mode().Perm())
	}
	onlyFiles(t, dir, "out")
}

func TestWriteAtomicFailures(t *testing.T) {
	dir := t.TempDir()
	// Into a directory that is not there.
	err := writeAtomic(filepath.Join(dir, "no", "out"), []byte("v"), false)
	var ce *CantCreateError
	if !errors.As(err, &ce) || ExitCode(err) != ExitExists {
		t.Errorf("err = %v (exit %d), want a CantCreateError (73)", err, ExitCode(err))
	}
	// Over a directory: the rename fails, the temporary file goes.
	if err := os.Mkdir(filepath.Join(dir, "adir"), 0o755); err != nil {
		t.Fatal(err)
	}
	err = writeAtomic(filepath.Join(dir, "adir"), []byte("v"), true)
	if !errors.As(err, &ce) {
		t.Errorf("err = %v, want a CantCreateError", err)
	}
	onlyFiles(t, dir, "adir")
}

// No error names the temporary file (the user never asked for it), and a
// failure leaves what was at the path as it was.
func TestWriteAtomicErrorsNameOnlyThePath(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "full")
	if err := os.MkdirAll(filepath.Join(path, "inside"), 0o755); err != nil {
		t.Fatal(err)
	}
	err := writeAtomic(path, []byte("v"), true) // a rename over a directory that is not empty
	if err == nil {
		t.Fatal("a rename over a directory succeeded")
	}
	if msg := err.Error(); !strings.HasPrefix(msg, "cannot write "+path+": ") || strings.Contains(msg, ".prefect-secrets-") || strings.Count(msg, dir) != 1 {
		t.Errorf("err = %q, want it to name %s once and no temporary file", msg, path)
	}
	if _, err := os.Stat(filepath.Join(path, "inside")); err != nil {
		t.Errorf("the directory was changed: %v", err)
	}
	onlyFiles(t, dir, "full")
}

// A long name: the temporary name does not grow with it.
func TestWriteAtomicLongName(t *testing.T) {
	dir := t.TempDir()
	name := strings.Repeat("n", 250)
	if err := writeAtomic(filepath.Join(dir, name), []byte("v"), false); err != nil {
		t.Fatal(err)
	}
	onlyFiles(t, dir, name)
}

func TestOutputKind(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if k, err := outputKind(filepath.Join(dir, "new")); k != newFile || err != nil {
		t.Errorf("a path that is not there: %d, %v; want a new file", k, err)
	}
	if k, err := outputKind(file); k != regularFile || err != nil {
		t.Errorf("a regular file: %d, %v; want a file to replace", k, err)
	}
	if _, err := outputKind(dir); ExitCode(err) != ExitExists || !strings.Contains(err.Error(), "is a directory") {
		t.Errorf("a directory: %v (exit %d), want 73 saying it is a directory", err, ExitCode(err))
	}
	if runtime.GOOS == "windows" {
		return // symbolic links need a privilege there; devices are not files
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(file, link); err != nil {
		t.Fatal(err)
	}
	_, err := outputKind(link)
	if ExitCode(err) != ExitExists || !strings.Contains(err.Error(), link+" is a symbolic link to "+file+":") {
		t.Errorf("a link: %v (exit %d), want 73 naming the link and its target", err, ExitCode(err))
	}
	if k, err := outputKind(os.DevNull); k != inPlace || err != nil {
		t.Errorf("%s: %d, %v; want written in place", os.DevNull, k, err)
	}
}

func TestToStdout(t *testing.T) {
	for _, f := range []string{"", "-", "/dev/stdout", "/dev/fd/1", "/proc/self/fd/1"} {
		if !(destination{File: f}).toStdout() {
			t.Errorf("-o %q is not stdout", f)
		}
	}
	for _, f := range []string{"out", "./-", "/dev/stderr", "/dev/fd/10"} {
		if (destination{File: f}).toStdout() {
			t.Errorf("-o %q is taken for stdout", f)
		}
	}
}

func TestAppendGitHubEnv(t *testing.T) {
	path := filepath.Join(t.TempDir(), "github_env")
	for _, step := range []struct{ before, add, want string }{
		{"", "A<<D\nx\nD\n", "A<<D\nx\nD\n"},
		{"X=1", "A=2\n", "X=1\nA=2\n"},
		{"X=1\n", "A=2\n", "X=1\nA=2\n"},
	} {
		if err := os.WriteFile(path, []byte(step.before), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := appendGitHubEnv(path, []byte(step.add)); err != nil {
			t.Fatal(err)
		}
		if data, _ := os.ReadFile(path); string(data) != step.want {
			t.Errorf("after %q, appending %q gave %q, want %q", step.before, step.add, data, step.want)
		}
	}
}

func TestStructuredStrings(t *testing.T) {
	got := structuredStrings([]byte(`{"b":{"pw":"p1","n":5,"list":["p2",true,null,{"k":"p3"}]},"a":"p0"}`))
	var s []string
	for _, g := range got {
		s = append(s, string(g))
	}
	if want := "p1,p2,p3,p0"; strings.Join(s, ",") != want {
		t.Errorf("leaves = %q, want %s (in the order of the text, only strings)", s, want)
	}
	if got := structuredStrings([]byte(`42`)); len(got) != 0 {
		t.Errorf("a number has string leaves: %q", got)
	}
	if got := structuredStrings([]byte(`{broken`)); len(got) != 0 {
		t.Errorf("broken JSON has string leaves: %q", got)
	}
}
