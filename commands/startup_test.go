//go:build unix

package commands_test

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// Every call of the tool runs every linked package's initialisation
// before its work, so start-up work stays lazy: no package-level tables,
// regexps or clients built for a command that may not need them. The
// budget is in bytes allocated by init, which depend on the code, not on
// how busy the machine is; speed itself is measured in bench/.
const (
	// initBudget is what all packages' init may allocate, in bytes. The
	// tool's is about 68 KB (Go's runtime, net/http, TLS, urfave/cli); a
	// Markdown parser built at init (urfave's docs, without the build tag)
	// alone would add 214 KB.
	initBudget = 96 << 10
	// initPackageBudget is what one package's init may allocate.
	initPackageBudget = 16 << 10
)

// TestStartupInitStaysSmall builds the binary as the README does and
// reads what each package's init allocated (GODEBUG=inittrace=1) on a
// `get` the local context answers.
func TestStartupInitStaysSmall(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "prefect-secrets")
	build := exec.Command("go", "build", "-tags", "urfave_cli_no_docs", "-o", bin, "github.com/prefect-secrets/prefect-secrets")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build (the README's build command): %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "get", "FOO")
	cmd.Env = []string{"HOME=" + t.TempDir(), "PATH=" + os.Getenv("PATH"), "GODEBUG=inittrace=1", "PREFECT__CONTEXT__SECRETS__FOO=bar"}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil || stdout.String() != "bar" {
		t.Fatalf("get FOO: %v, stdout %q\n%s", err, stdout.String(), stderr.String())
	}
	type pkgInit struct {
		name  string
		bytes int
	}
	var inits []pkgInit
	total := 0
	sc := bufio.NewScanner(&stderr)
	for sc.Scan() {
		// init PKG @0.59 ms, 0.016 ms clock, 11400 bytes, 16 allocs
		f := strings.Fields(sc.Text())
		if len(f) < 11 || f[0] != "init" || f[8] != "bytes," {
			continue
		}
		n, err := strconv.Atoi(f[7])
		if err != nil {
			t.Fatalf("inittrace line %q: %v", sc.Text(), err)
		}
		inits = append(inits, pkgInit{f[1], n})
		total += n
	}
	if len(inits) < 10 {
		t.Fatalf("GODEBUG=inittrace=1 reported %d packages; is the trace's format still as parsed here?\n%s", len(inits), stderr.String())
	}
	sort.Slice(inits, func(i, j int) bool { return inits[i].bytes > inits[j].bytes })
	var top strings.Builder
	for _, p := range inits[:min(8, len(inits))] {
		fmt.Fprintf(&top, "  %-60s %7d bytes\n", p.name, p.bytes)
	}
	t.Logf("init allocates %d bytes in %d packages; the most:\n%s", total, len(inits), top.String())
	if total > initBudget {
		t.Errorf("init allocates %d bytes, over the budget of %d: keep start-up work lazy (the most:\n%s)", total, initBudget, top.String())
	}
	for _, p := range inits {
		if p.bytes > initPackageBudget {
			t.Errorf("%s's init allocates %d bytes, over the per-package budget of %d", p.name, p.bytes, initPackageBudget)
		}
	}
}
