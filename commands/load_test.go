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

// The herd TestLoadConcurrentExecs runs: loadRuns execs released at once
// against an API that takes loadRate requests a second, loadBurst at once
// (a token bucket, each refusal a 429 with Retry-After: 1), as Prefect
// Cloud limits an account and a CI fan-out meets the limit. Each exec
// needs one filter request for its two names; the refused ones come back
// after the rate limit's wait (internal/prefect/api/ratelimit.go). A
// simulation of this bucket and policy (200 herds each, the runs released
// together or over 0.5 s or 2 s) gives 1.8 to 2.1 requests a run on
// average, 2.22 at the worst; a run that came back after exactly
// Retry-After, the herd in step, costs 3.9 to 8.5; one whose window does
// not grow past 1 s, 2.9 to 4.1. A slower machine only spreads the herd.
const (
	loadRuns        = 32
	loadRate        = 4
	loadBurst       = 2
	loadMaxPerRun   = 2.5 // requests a run, at most, on average
	loadRetryAfter  = "1"
	loadRetryAfterD = time.Second
)

// TestLoadConcurrentExecs runs a herd of prefect-secrets exec processes
// into a rate-limited API (see loadRuns). Every exec must succeed, each
// with exactly one successful request; the server must have refused some
// (else the herd tested nothing), the requests per run stay within
// loadMaxPerRun, and every retry after a 429 came at least the
// Retry-After later. No time is measured against a budget: only the
// bucket's refill is real time, and the wall time goes to the log.
//
// The execs run a plain build of the tool (CGO_ENABLED=0, no race
// detector), as users run it: under -race each process costs many times
// the CPU and memory, and on CI's 2 busy cores that cost, not the tool,
// is what broke this test. The race detector still watches this test's
// side (the fake server) and every other test's processes.
func TestLoadConcurrentExecs(t *testing.T) {
	bin := plainBinary(t)
	srv := prefecttest.NewV2(t)
	srv.SetBlock("db-password", "load-pw")
	srv.SetBlock("api-token", "load-token")
	srv.RateLimit(loadRate, loadBurst, loadRetryAfter)

	env := []string{"HOME=" + t.TempDir(), "PATH=" + os.Getenv("PATH"), "PREFECT_API_URL=" + srv.URL()}
	// Only a guard against a hang: each exec's own deadline (3m14s by
	// default) ends it first.
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	var wg sync.WaitGroup
	errs := make(chan error, loadRuns)
	start := make(chan struct{})
	for i := range loadRuns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := exec.CommandContext(ctx, bin, "exec", "-s", "DB_PASSWORD", "-s", "API_TOKEN", "--",
				"sh", "-c", `test "$DB_PASSWORD" = load-pw && test "$API_TOKEN" = load-token`)
			cmd.Env = env
			<-start
			if out, err := cmd.CombinedOutput(); err != nil {
				errs <- fmt.Errorf("exec %d: %v\n%s", i, err, out)
			}
		}()
	}
	began := time.Now()
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
		t.Fatalf("%d of %d execs failed", failed, loadRuns)
	}
	checkLoadRequests(t, srv.Requests(), time.Since(began))
}

// checkLoadRequests checks what the herd asked of the server.
func checkLoadRequests(t *testing.T, reqs []prefecttest.Request, took time.Duration) {
	t.Helper()
	ok, refused, other := 0, 0, 0
	for _, r := range reqs {
		switch {
		case r.Method != "POST" || r.Path != "/api/block_documents/filter":
			other++
		case r.Status == 200:
			ok++
		case r.Status == 429:
			refused++
		default:
			other++
		}
	}
	perRun := float64(len(reqs)) / loadRuns
	t.Logf("%d execs: %d requests (%.2f a run), %d answered 429 and retried; %.1f s in all (%d a second would take %.1f s)",
		loadRuns, len(reqs), perRun, refused, took.Seconds(), loadRate, float64(loadRuns)/loadRate)
	if ok != loadRuns || other != 0 {
		t.Errorf("%d successful filter requests and %d others for %d execs; want exactly one each", ok, other, loadRuns)
	}
	if refused < loadRuns/4 {
		t.Errorf("%d requests refused, want at least %d: the herd did not meet the rate limit", refused, loadRuns/4)
	}
	if perRun > loadMaxPerRun {
		t.Errorf("%.2f requests a run, want at most %.1f: the retries storm the server", perRun, loadMaxPerRun)
	}
	// A client keeps its connection between tries: the request after a
	// 429 on the same connection is its retry.
	last := map[string]prefecttest.Request{}
	pairs := 0
	for _, r := range reqs {
		if prev, seen := last[r.RemoteAddr]; seen && prev.Status == 429 {
			pairs++
			if gap := r.Arrived.Sub(prev.Done); gap < loadRetryAfterD {
				t.Errorf("a retry came %v after its 429, before the server's Retry-After: %s", gap, loadRetryAfter)
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
