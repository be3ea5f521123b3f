//go:build unix

// Package unprivileged runs a test, or a program of a test, as an ordinary
// user when the tests run as root, as CI does. Root reads a file without
// read permission and searches a directory without search permission, so
// a test of those errors proves nothing as root; run as uid 65534
// ("nobody") the permission checks are real, and the test runs everywhere
// instead of skipping where it matters most.
package unprivileged

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
)

// UID and GID are the ordinary user tests run as under root.
const UID, GID = 65534, 65534

// childVar marks the re-run of a test as the ordinary user.
const childVar = "PREFECT_SECRETS_TEST_UNPRIVILEGED"

// Root reports whether this process runs as root.
func Root() bool { return os.Geteuid() == 0 }

// Test makes the top-level test t run as an ordinary user. As root it runs
// t again in a copy of the test binary as UID, fails t if that run fails
// or does not run it, and returns false: the caller returns at once. As
// anyone else it returns true and the test goes on in this process.
func Test(t *testing.T) bool {
	t.Helper()
	if !Root() {
		return true
	}
	if os.Getenv(childVar) != "" {
		t.Fatalf("the re-run of %s as uid %d still runs as root", t.Name(), UID)
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := Dir(t)
	bin, err := Copy(exe, dir, filepath.Base(exe))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-test.run=^"+regexp.QuoteMeta(t.Name())+"$", "-test.v", "-test.count=1")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), childVar+"=1", "GORACE=atexit_sleep_ms=0")
	As(cmd)
	out, err := cmd.CombinedOutput()
	t.Logf("run as uid %d:\n%s", UID, out)
	if err != nil {
		t.Fatalf("%s as uid %d: %v", t.Name(), UID, err)
	}
	if !bytes.Contains(out, []byte("--- PASS: "+t.Name()+" ")) {
		t.Fatalf("%s as uid %d did not pass (was it run?)", t.Name(), UID)
	}
	return false
}

// As makes cmd run as the ordinary user when this process is root.
func As(cmd *exec.Cmd) {
	if !Root() {
		return
	}
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Credential = &syscall.Credential{Uid: UID, Gid: GID}
}

// Dir is a new directory the ordinary user can use, removed after t.
func Dir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "unprivileged-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	return dir
}

// Copy copies the program at src into dir as name (which must not be
// there), executable by anyone, and returns its path.
//
// The copy is made by cp(1), a process of its own, so that no descriptor
// of the new file is ever open in this one. A test process forks all the
// time (other tests' programs), and a child forked while this process
// held the file open for writing inherits that descriptor until it execs:
// running the copy in that moment fails with ETXTBSY, "text file busy".
// After cp has exited, nothing holds the file open.
func Copy(src, dir, name string) (string, error) {
	dst := filepath.Join(dir, name)
	if _, err := os.Lstat(dst); err == nil {
		return "", fmt.Errorf("copying %s: %s is already there", src, dst)
	}
	if out, err := exec.Command("cp", src, dst).CombinedOutput(); err != nil {
		return "", fmt.Errorf("cp %s %s: %v: %s", src, dst, err, bytes.TrimSpace(out))
	}
	return dst, os.Chmod(dst, 0o755)
}

// Reach lets the ordinary user search dir and every directory above it up
// to, not including, top: the search bit only, on directories a test made.
func Reach(dir, top string) error {
	rel, err := filepath.Rel(top, dir)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return fmt.Errorf("%s is not below %s", dir, top)
	}
	for d := dir; d != top && d != filepath.Dir(d); d = filepath.Dir(d) {
		info, err := os.Stat(d)
		if err != nil {
			return err
		}
		if err := os.Chmod(d, info.Mode().Perm()|0o001); err != nil {
			return err
		}
	}
	return nil
}
