//go:build unix

package scripts

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/prefect-secrets/prefect-secrets/internal/testkit/unprivileged"
)

// checkoutbuild [-dirty] DIR puts a prefect-secrets binary alone in DIR
// (made empty), built with `go build` (static, as the README builds it) in
// a fresh git checkout of this module's sources, and sets $REV to that
// checkout's revision (12 hex digits). With -dirty, a source file of the
// checkout is changed, uncommitted, before the build.
//
// The checkout is a repository of its own, so the build records a
// revision wherever the tests run: Go records none in a git worktree (its
// .git is a file) or in a tree that is not a checkout at all.
func cmdCheckoutBuild(ts *testscript.TestScript, neg bool, args []string) {
	dirty := len(args) == 2 && args[0] == "-dirty"
	if neg || len(args) != 1 && !dirty {
		ts.Fatalf("usage: checkoutbuild [-dirty] DIR")
	}
	var b *checkoutBinary
	if dirty {
		b = buildCheckout(true)
	} else {
		cleanOnce.Do(func() { clean = buildCheckout(false) })
		b = clean
	}
	if b.err != nil {
		ts.Fatalf("building a checkout: %v", b.err)
	}
	dir := ts.MkAbs(args[len(args)-1])
	ts.Check(os.RemoveAll(dir))
	ts.Check(os.MkdirAll(dir, 0o755))
	// Copied by a process of its own (see unprivileged.Copy): a copy
	// written here could be held open by a child another script forks
	// meanwhile, and the script's exec of it fail with "text file busy".
	_, err := unprivileged.Copy(b.path, dir, "prefect-secrets")
	ts.Check(err)
	ts.Setenv("REV", b.rev)
}

type checkoutBinary struct {
	path, rev string
	err       error
}

var (
	cleanOnce sync.Once
	clean     *checkoutBinary

	checkoutsMu sync.Mutex
	checkouts   []string // temp dirs, removed when TestScripts ends
)

// removeCheckouts removes the checkouts built; a later run of TestScripts
// (go test -count=N) builds again.
func removeCheckouts() {
	checkoutsMu.Lock()
	defer checkoutsMu.Unlock()
	for _, dir := range checkouts {
		os.RemoveAll(dir)
	}
	checkouts = nil
	cleanOnce = sync.Once{}
	clean = nil
}

// buildCheckout copies the module's sources (go.mod, go.sum, the non-test
// .go files) into a new git repository, commits them, and builds there.
func buildCheckout(dirty bool) *checkoutBinary {
	b := &checkoutBinary{}
	root, err := ModuleRoot()
	if err != nil {
		b.err = err
		return b
	}
	dir, err := os.MkdirTemp("", "prefect-secrets-checkout-")
	if err != nil {
		b.err = err
		return b
	}
	checkoutsMu.Lock()
	checkouts = append(checkouts, dir)
	checkoutsMu.Unlock()
	src := filepath.Join(dir, "src")
	if b.err = copySources(root, src); b.err != nil {
		return b
	}
	git := func(args ...string) (string, error) {
		cmd := exec.Command("git", append([]string{"-c", "user.name=test", "-c", "user.email=test@example.com", "-c", "commit.gpgsign=false"}, args...)...)
		cmd.Dir = src
		out, err := cmd.CombinedOutput()
		if err != nil {
			return "", fmt.Errorf("git %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return strings.TrimSpace(string(out)), nil
	}
	for _, args := range [][]string{{"init", "-q"}, {"add", "-A"}, {"commit", "-q", "-m", "checkout"}} {
		if _, b.err = git(args...); b.err != nil {
			return b
		}
	}
	if b.rev, b.err = git("rev-parse", "--short=12", "HEAD"); b.err != nil {
		return b
	}
	if dirty {
		f, err := os.OpenFile(filepath.Join(src, "main.go"), os.O_APPEND|os.O_WRONLY, 0)
		if err == nil {
			_, err = f.WriteString("\n// an uncommitted change\n")
			f.Close()
		}
		if err != nil {
			b.err = err
			return b
		}
	}
	b.path = filepath.Join(dir, "prefect-secrets")
	cmd := exec.Command(goTool(), "build", "-buildvcs=true", "-o", b.path, ".")
	cmd.Dir = src
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		b.err = fmt.Errorf("go build: %v\n%s", err, out)
	}
	return b
}

// goTool is the go command that runs these tests.
func goTool() string {
	if p := filepath.Join(runtime.GOROOT(), "bin", "go"); fileExists(p) {
		return p
	}
	return "go"
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// copySources copies what `go build` of the module needs: go.mod, go.sum
// and the non-test .go files, leaving out nested modules (bench/),
// testdata and dot directories.
func copySources(root, dst string) error {
	return filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if d.IsDir() {
			if rel != "." && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" || fileExists(filepath.Join(path, "go.mod"))) {
				return filepath.SkipDir
			}
			return nil
		}
		keep := rel == "go.mod" || rel == "go.sum" || strings.HasSuffix(rel, ".go") && !strings.HasSuffix(rel, "_test.go")
		if !keep || !d.Type().IsRegular() {
			return nil
		}
		return copyFile(path, filepath.Join(dst, rel), 0o644)
	})
}

func copyFile(from, to string, perm os.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		return err
	}
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, perm)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// ModuleRoot is the directory of this module's go.mod, found upwards from
// the working directory (a test runs in its package's directory).
func ModuleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if data, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil &&
			strings.HasPrefix(string(data), "module github.com/prefect-secrets/prefect-secrets\n") {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod of github.com/prefect-secrets/prefect-secrets above the working directory")
		}
		dir = parent
	}
}
