//go:build unix

package realprefect

import (
	"bytes"
	"io"
	"strings"
	"testing"
)

type runs struct{ code int }

func (r runs) Run() int { return r.code }

// A test Need skips is named at the end, in one line saying how to run it;
// nothing skipped, nothing said.
func TestReportingSkips(t *testing.T) {
	skipsMu.Lock()
	saved := skips
	skips = nil
	skipsMu.Unlock()
	t.Cleanup(func() {
		skipsMu.Lock()
		skips = saved
		skipsMu.Unlock()
	})
	var out bytes.Buffer
	writeSkips(&out)
	if out.Len() != 0 {
		t.Errorf("with nothing skipped: %q, want nothing", out.String())
	}

	venvs := t.TempDir()
	t.Setenv(VenvsVar, venvs)
	t.Setenv(RequireVar, "")
	// Fakes of a test, so that the skips are Need's and not this test's
	// own: CI fails a run with a skipped test in it.
	for _, c := range []struct{ name, version string }{{"TestReportingSkips/Three", Prefect3}, {"TestReportingSkips/One", Prefect1}} {
		ft := &skipT{name: c.name}
		Need(ft, c.version)
		if !ft.skipped {
			t.Errorf("Need(%s) did not skip", c.version)
		}
	}
	out.Reset()
	if code := (reporting{runs{3}, func() io.WriteCloser { return nopCloser{&out} }}).Run(); code != 3 {
		t.Errorf("Run() = %d, want the tests' own 3", code)
	}
	want := "note: skipped TestReportingSkips/Three, TestReportingSkips/One: Prefect 3.9.1 and 1.4.1 not installed in " + venvs +
		"; run .ci/install-prefect, then go test again (with PREFECT_SECRETS_REQUIRE_PREFECT=1, as CI sets, a missing install fails)\n"
	if out.String() != want {
		t.Errorf("the line:\n%q\nwant\n%q", out.String(), want)
	}
	if strings.Count(out.String(), "\n") != 1 {
		t.Errorf("not one line: %q", out.String())
	}
}

// skipT is a test that Need can skip: it records the skip.
type skipT struct {
	testing.TB
	name    string
	skipped bool
}

func (t *skipT) Helper()               {}
func (t *skipT) Name() string          { return t.name }
func (t *skipT) Skip(args ...any)      { t.skipped = true }
func (t *skipT) Fatalf(string, ...any) { panic("Need failed: not a missing install") }
func (t *skipT) Fatal(...any)          { panic("Need failed") }
