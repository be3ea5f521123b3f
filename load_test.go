//go:build unix

package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/prefect-secrets/prefect-secrets/internal/prefecttest"
)

// TestLoad200ConcurrentExecs starts 200 prefect-secrets exec processes at
// once against one local API that answers 429 (Retry-After: 0) to bursts:
// every one must succeed, each with exactly one successful request plus
// its retries.
func TestLoad200ConcurrentExecs(t *testing.T) {
	if testing.Short() {
		t.Skip("a load test")
	}
	bin, err := exec.LookPath("prefect-secrets") // testscript.Main put it on PATH
	if err != nil {
		t.Fatal(err)
	}
	srv := prefecttest.NewV2(t)
	srv.SetBlock("db-password", "load-pw")
	srv.SetBlock("api-token", "load-token")
	srv.Throttle(12, "0")
	srv.SetLatency(20 * time.Millisecond)

	env := []string{"HOME=" + t.TempDir(), "PATH=" + os.Getenv("PATH"), "PREFECT_API_URL=" + srv.URL(), "GORACE=atexit_sleep_ms=0"}
	const n = 200
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
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
	ok, throttled, other := 0, 0, 0
	for _, r := range srv.Requests() {
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
	t.Logf("%d execs: %d successful requests, %d answered 429 and retried", n, ok, throttled)
	if ok != n || other != 0 {
		t.Errorf("%d successful filter requests and %d others for %d execs; want exactly one each", ok, other, n)
	}
	if throttled == 0 {
		t.Errorf("the server never throttled: the test did not test retries")
	}
}
