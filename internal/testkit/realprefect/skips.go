//go:build unix

package realprefect

import (
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
)

// What Need skipped in this test binary, for one line at its end: `go
// test ./...` shows a skip only with -v, so without this line a machine
// without the virtualenvs would pass the real-Prefect tests silently.
var (
	skipsMu sync.Mutex
	skips   []skip
)

type skip struct{ test, version, dir string }

func recordSkip(test string, missing *NotInstalledError) {
	skipsMu.Lock()
	defer skipsMu.Unlock()
	skips = append(skips, skip{test, missing.Version, missing.Dir})
}

// Runner is what a TestMain runs: *testing.M, or testscript's TestingM.
type Runner interface{ Run() int }

// ReportingSkips runs m and then, if Need skipped tests because Prefect is
// not installed, says so in one line: on the terminal when there is one,
// since `go test` drops everything a passing package's test binary writes
// unless -v is given; else on stderr (shown with -v, or when the package
// fails).
func ReportingSkips(m Runner) Runner { return reporting{m, terminalOrStderr} }

type reporting struct {
	m   Runner
	out func() io.WriteCloser
}

func (r reporting) Run() int {
	code := r.m.Run()
	w := r.out()
	writeSkips(w)
	w.Close()
	return code
}

// terminalOrStderr is the controlling terminal, else stderr (left open).
func terminalOrStderr() io.WriteCloser {
	if tty, err := os.OpenFile("/dev/tty", os.O_WRONLY, 0); err == nil {
		return tty
	}
	return nopCloser{os.Stderr}
}

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }

// writeSkips writes the line about the skipped tests, if any were.
func writeSkips(w io.Writer) {
	skipsMu.Lock()
	defer skipsMu.Unlock()
	if len(skips) == 0 {
		return
	}
	var tests, versions, dirs []string
	for _, s := range skips {
		tests = append(tests, s.test)
		versions = append(versions, s.version)
		if d := strings.TrimSuffix(s.dir, string(os.PathSeparator)+"prefect-"+s.version); !slices.Contains(dirs, d) {
			dirs = append(dirs, d)
		}
	}
	fmt.Fprintf(w, "note: skipped %s: Prefect %s not installed in %s; run .ci/install-prefect, then go test again (with %s=1, as CI sets, a missing install fails)\n",
		strings.Join(tests, ", "), strings.Join(versions, " and "), strings.Join(dirs, ", "), RequireVar)
}
