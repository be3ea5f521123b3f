//go:build unix

package commands_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/prefect-secrets/prefect-secrets/internal/testkit/prefecttest"
)

// TestLoadConcurrentExecs starts 8 prefect-secrets exec processes per CPU
// at once against one local API that answers 429 (Retry-After: 1) to what
// arrives while one request per CPU is in flight, the first burst
// overlapping on any machine (HoldFirst). Every exec must succeed, each
// with exactly one successful request, and without a retry storm: every
// retry after a 429 came at least the Retry-After later.
//
// The execs run a plain build of the tool (CGO_ENABLED=0, no race
// detector), as users run it: under -race each process costs many times
// the CPU and memory, and on CI's 2 busy cores that cost, not the tool,
// is what broke this test. The race detector still watches this test's
// side (the fake server) and every other test's processes.
func TestLoadConcurrentExecs(t *testing.T) {
	bin := plainBinary(t)
	cpus := runtime.NumCPU()
	n := 8 * cpus
	srv := prefecttest.NewV2(t)
	srv.SetBlock("db-password", "load-pw")
	srv.SetBlock("api-token", "load-token")
	srv.Throttle(cpus, "1")
	srv.HoldFirst(2 * cpus)

	env := []string{"HOME=" + t.TempDir(), "PATH=" + os.Getenv("PATH"), "PREFECT_API_URL=" + srv.URL()}
	// Only a guard against a hang: each exec's own deadline (3m14s by
	// default) ends it first.
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			cmd := exec.CommandContext(ctx, bin, "exec", "-s", "DB_PASSWORD", "-s", "API_TOKEN", "--",
				"sh", "-c", `test "$DB_PASSWORD" = load-pw && test "$API_TOKEN" = load-token`)
			cmd.Env = env
			if out, err := cmd.CombinedOutput(); err != nil {
				errs <- fmt.Errorf("exec %d: %v\n%s", i, err, out)
			}
		}()
	}
	close(start)
	wg.Wait()
	close(errs)
	failed := 0
	for err := range errs {
		if failed < 5 {
			t.Error(err)
		}
		failed++
	}
	if failed > 0 {
		t.Fatalf("%d of %d execs failed", failed, n)
	}

	reqs := srv.Requests()
	ok, throttled, other := 0, 0, 0
	for _, r := range reqs {
		switch {
		case r.Method != "POST" || r.Path != "/api/block_documents/filter":
			other++
		case r.Status == 200:
			ok++
		case r.Status == 429:
			throttled++
		default:
			other++
		}
	}
	t.Logf("%d execs on %d CPUs: %d successful requests, %d answered 429 and retried", n, cpus, ok, throttled)
	if ok != n || other != 0 {
		t.Errorf("%d successful filter requests and %d others for %d execs; want exactly one each", ok, other, n)
	}
	if throttled < cpus {
		t.Errorf("%d requests throttled, want at least %d: the burst did not test retries", throttled, cpus)
	}
	// A client keeps its connection between tries: the request after a
	// 429 on the same connection is its retry.
	last := map[string]prefecttest.Request{}
	pairs := 0
	for _, r := range reqs {
		if prev, seen := last[r.RemoteAddr]; seen && prev.Status == 429 {
			pairs++
			if gap := r.Arrived.Sub(prev.Done); gap < time.Second {
				t.Errorf("a retry came %v after its 429, before the server's Retry-After: 1", gap)
			}
		}
		last[r.RemoteAddr] = r
	}
	if pairs == 0 {
		t.Errorf("no retry came on the connection of its 429: the wait was not checked")
	}
}

// plainBinary builds the tool as users get it: static, without the race
// detector, whatever flags this test binary was built with.
func plainBinary(t *testing.T) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		goTool = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	bin := filepath.Join(t.TempDir(), "prefect-secrets")
	cmd := exec.Command(goTool, "build", "-o", bin, "github.com/prefect-secrets/prefect-secrets")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOFLAGS=")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building the tool without -race: %v\n%s", err, out)
	}
	return bin
}
