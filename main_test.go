//go:build unix

// The rules every test of this project keeps (docs/testing.md says
// why): CI runs `go test -race ./...` on 2 busy cores as root, so
//
//   - no test depends on wall-clock speed or an idle machine: no fixed time
//     budgets (speed is measured in bench/), deadlines only guard against
//     hangs, waits poll for a condition;
//   - no test skips in CI: where a part is missing a test skips with the
//     reason, and CI installs the part and turns that skip into a failure;
//     permission tests run as an ordinary user under root.

package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/prefect-secrets/prefect-secrets/internal/testkit/realprefect"
	"github.com/prefect-secrets/prefect-secrets/internal/testkit/scripts"
)

// TestMain makes this test binary the tool, under the name prefect-secrets,
// and the scripts' helper programs (internal/testkit/scripts). After the
// tests, one line says which real-Prefect tests were skipped, if any, and
// how to run them: go test shows a skip only with -v.
func TestMain(m *testing.M) {
	scripts.Main(realprefect.ReportingSkips(m), func() { os.Exit(run(os.Args)) })
}

// TestScripts runs the scenarios in testdata/*.txtar against the real
// binary (this test binary, re-executed as prefect-secrets).
func TestScripts(t *testing.T) {
	t.Cleanup(scripts.Cleanup)
	testscript.Run(t, testscript.Params{
		Dir: "testdata",
		Setup: func(env *testscript.Env) error {
			_, err := scripts.Home(env)
			return err
		},
		Cmds:                scripts.Commands(),
		Condition:           scripts.Condition,
		RequireExplicitExec: true,
	})
}

// serverStartLimit only guards against a server that never comes up: a
// Prefect server starts in about ten seconds on an idle machine, and far
// slower on two busy cores under -race.
const serverStartLimit = 5 * time.Minute

// TestRealPrefect3 runs the scenarios in testdata/prefect3/*.txtar against
// the real Prefect 3 server, twice: a default server, and one with CSRF
// protection on. Each server starts once and serves every script; scripts
// keep apart by block names of their own. Prefect's own Python client
// (testdata/prefect3/blocks.py) is the other side: it writes blocks the
// tool reads, and reads blocks the tool writes.
func TestRealPrefect3(t *testing.T) {
	venv := realprefect.Need(t, realprefect.Prefect3)
	kinds := []struct {
		name string
		opts realprefect.Options
	}{
		{"default", realprefect.Options{}},
		{"csrf", realprefect.Options{CSRF: true}},
	}
	// Both start at once: the second comes up while the first's scripts run.
	type started struct {
		srv  *realprefect.Server
		err  error
		took time.Duration
	}
	ready := make([]chan started, len(kinds))
	ctx, cancel := context.WithTimeout(context.Background(), serverStartLimit)
	defer cancel()
	for i, k := range kinds {
		ready[i] = make(chan started, 1)
		dir := t.TempDir()
		go func() {
			begin := time.Now()
			s, err := realprefect.Start(ctx, venv, dir, k.opts)
			ready[i] <- started{s, err, time.Since(begin)}
		}()
	}
	for i, k := range kinds {
		t.Run(k.name, func(t *testing.T) {
			st := <-ready[i]
			ready[i] <- st // for the cleanup below
			if st.err != nil {
				t.Fatal(st.err)
			}
			t.Logf("Prefect %s server at %s answered /api/health %s after it was started", venv.Version, st.srv.URL, st.took.Round(time.Millisecond))
			runPrefect3Scripts(t, venv, st.srv)
		})
	}
	for i := range kinds {
		if st := <-ready[i]; st.srv != nil {
			if err := st.srv.Stop(); err != nil {
				t.Errorf("stopping the Prefect server: %v", err)
			}
		}
	}
}

func runPrefect3Scripts(t *testing.T, venv realprefect.Venv, srv *realprefect.Server) {
	helpers, err := filepath.Abs("testdata/prefect3")
	if err != nil {
		t.Fatal(err)
	}
	testscript.Run(t, testscript.Params{
		Dir: "testdata/prefect3",
		Setup: func(env *testscript.Env) error {
			home, err := scripts.Home(env)
			if err != nil {
				return err
			}
			// The tool and Prefect's Python client share one Prefect home
			// and one API URL, as on a user's machine.
			env.Setenv("PREFECT_HOME", filepath.Join(home, ".prefect"))
			env.Setenv("PREFECT_API_URL", srv.URL)
			// Prefect's Python client waits 60s per request by default; a
			// server on two busy cores may need longer. (The tool's commands
			// carry --timeout 2m in the scripts.)
			env.Setenv("PREFECT_API_REQUEST_TIMEOUT", "300")
			env.Setenv("PREFECT3_PYTHON", venv.Python())
			env.Setenv("BLOCKS_PY", filepath.Join(helpers, "blocks.py"))
			return os.MkdirAll(filepath.Join(home, ".prefect"), 0o755)
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"chomp": scripts.Chomp,
		},
		RequireExplicitExec: true,
	})
}

// TestRealPrefect1 runs the scenarios in testdata/prefect1/*.txtar, where
// flows run by Prefect 1's own client read the secrets prefect-secrets
// hands them.
func TestRealPrefect1(t *testing.T) {
	venv := realprefect.Need(t, realprefect.Prefect1)
	flow, err := filepath.Abs("testdata/prefect1/flow.py")
	if err != nil {
		t.Fatal(err)
	}
	testscript.Run(t, testscript.Params{
		Dir: "testdata/prefect1",
		Setup: func(env *testscript.Env) error {
			env.Setenv("PREFECT1_PYTHON", venv.Python())
			env.Setenv("FLOW_PY", flow)
			_, err := scripts.Home(env)
			return err
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"chomp": scripts.Chomp,
		},
		RequireExplicitExec: true,
	})
}
