package api_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/prefect-secrets/prefect-secrets/internal/prefect/api"
	"github.com/prefect-secrets/prefect-secrets/internal/testkit/prefecttest"
	"github.com/prefect-secrets/prefect-secrets/resolve"
)

// realSleep waits for real, recording what it was asked.
func (r *rec) realSleep(ctx context.Context, d time.Duration) error {
	r.mu.Lock()
	r.sleeps = append(r.sleeps, d)
	r.mu.Unlock()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// A Retry-After past the call's deadline fails at once, naming the
// server's wait: no sleep, no second request (issue 10, item 8).
func TestRetryAfterPastTheDeadlineFailsAtOnce(t *testing.T) {
	for _, v := range []struct{ name, retryAfter string }{
		{"seconds", "999999"},
		{"HTTP date", time.Now().Add(48 * time.Hour).UTC().Format("Mon, 02 Jan 2006 15:04:05 GMT")},
	} {
		t.Run(v.name, func(t *testing.T) {
			srv, _, _ := v2(t)
			srv.SetBlock("k", "v")
			srv.Script(prefecttest.Response{Status: 429, Header: map[string]string{"Retry-After": v.retryAfter}, Body: `{"detail":"Too Many Requests"}`})
			c, r := newClient(t, v2cfg(srv.URL()), api.Options{Timeout: time.Second})
			_, err := c.Get(ctx(t), []string{"k"})
			wantKind(t, err, resolve.ErrUnavailable)
			wantIn(t, "error", err.Error(), "rate limiting", "429", "Retry-After "+v.retryAfter, "past the deadline", "1s", "--timeout")
			if s := r.Sleeps(); len(s) != 0 {
				t.Errorf("waited %v before failing", s)
			}
			if n := len(srv.Requests()); n != 1 {
				t.Errorf("%d requests, want 1", n)
			}
			noLeak(t, err, r)
		})
	}
	// Within the deadline, the same answer is waited for.
	t.Run("within the deadline", func(t *testing.T) {
		srv, _, _ := v2(t)
		srv.SetBlock("k", "v")
		srv.Script(prefecttest.Response{Status: 429, Header: map[string]string{"Retry-After": "30"}})
		c, r := newClient(t, v2cfg(srv.URL()), api.Options{Timeout: time.Minute})
		if _, err := c.Get(ctx(t), []string{"k"}); err != nil {
			t.Fatal(err)
		}
		if s := r.Sleeps(); len(s) != 1 || s[0] < 30*time.Second {
			t.Errorf("waits %v, want one of at least 30s", s)
		}
	})
}

// The waits of a call, however many, fit in its one deadline: what is
// slept never adds up past it, on any machine.
func TestRetriesAndWaitsFitInTheDeadline(t *testing.T) {
	srv, _, _ := v2(t)
	var script []prefecttest.Response
	for range 6 {
		script = append(script, prefecttest.Response{Status: 503, Header: map[string]string{"Retry-After": "0.2"}})
	}
	srv.Script(script...)
	r := &rec{}
	// Long enough that the first answer comes well within it on a busy
	// machine: the property holds for any deadline.
	const deadline = 5 * time.Second
	c, err := api.New(v2cfg(srv.URL()), api.Options{Timeout: deadline, Sleep: r.realSleep, Log: r.log})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Get(ctx(t), []string{"k"})
	wantKind(t, err, resolve.ErrUnavailable)
	var slept time.Duration
	for _, d := range r.Sleeps() {
		slept += d
	}
	if slept >= deadline {
		t.Errorf("slept %v in all, past the %v deadline: %v", slept, deadline, r.Sleeps())
	}
	n := len(srv.Requests())
	if n < 1 || n >= 6 {
		t.Errorf("%d requests: the deadline should stop the retries before Prefect's 6 tries", n)
	}
	wantIn(t, "error", err.Error(), "503")
	// Whatever ended it names the deadline of the whole call.
	wantIn(t, "error", err.Error(), "the whole call")
	drain(srv, 6-n) // the deadline left these unused, as it should
}

// drain answers n scripted responses so the fake does not report them
// unused: the test meant to leave them.
func drain(srv *prefecttest.V2, n int) {
	for range n {
		_, _ = srv.Client().Get(srv.URL() + "/health")
	}
}

// A read whose try timed out is tried again, like a 5xx, within the
// call's deadline (issue 8, item 1); a write is not: it may have been
// applied.
func TestTimedOutReadIsRetriedWriteIsNot(t *testing.T) {
	t.Run("read", func(t *testing.T) {
		srv, _, _ := v2(t)
		srv.SetBlock("k", "v")
		srv.SetBlock("j", "w")
		srv.Script(prefecttest.Response{Hang: true}, prefecttest.Response{StallBody: true, Body: `[]`})
		cfg := v2cfg(srv.URL())
		cfg.RequestTimeout, cfg.RequestTimeoutFrom = 300*time.Millisecond, "env PREFECT_API_REQUEST_TIMEOUT"
		c, r := newClient(t, cfg, api.Options{Timeout: time.Minute})
		got, err := c.Get(ctx(t), []string{"k", "j"})
		if err != nil || len(got) != 2 {
			t.Fatalf("Get = %d values, %v", len(got), err)
		}
		if n := srv.Count("POST", "/block_documents/filter"); n != 3 {
			t.Errorf("%d filter requests, want 3 (a hang, a stalled body, an answer)", n)
		}
		logs := strings.Join(r.Logs(), "\n")
		wantIn(t, "log", logs, "failed after", "reading the body failed")
		if len(r.Sleeps()) != 2 {
			t.Errorf("waits %v, want 2", r.Sleeps())
		}
	})
	t.Run("read, every try timing out", func(t *testing.T) {
		srv, _, _ := v2(t)
		h := prefecttest.Response{Hang: true}
		srv.Script(h, h, h)
		cfg := v2cfg(srv.URL())
		max := 2
		cfg.MaxRetries, cfg.MaxRetriesFrom = &max, "env PREFECT_CLIENT_MAX_RETRIES"
		cfg.RequestTimeout, cfg.RequestTimeoutFrom = 200*time.Millisecond, "env PREFECT_API_REQUEST_TIMEOUT"
		c, r := newClient(t, cfg, api.Options{Timeout: time.Minute})
		_, err := c.Get(ctx(t), []string{"k"})
		wantKind(t, err, resolve.ErrUnavailable)
		wantIn(t, "error", err.Error(), "within 200ms", "the request timeout", "PREFECT_API_REQUEST_TIMEOUT", "3 tries")
		wantIn(t, "hint", resolve.HintText(err), "PREFECT_API_REQUEST_TIMEOUT", "--timeout")
		noLeak(t, err, r)
	})
	t.Run("write", func(t *testing.T) {
		srv, _, _ := v2(t)
		srv.Script(prefecttest.Response{}, prefecttest.Response{}, prefecttest.Response{}, prefecttest.Response{Hang: true})
		cfg := v2cfg(srv.URL())
		cfg.RequestTimeout, cfg.RequestTimeoutFrom = 300*time.Millisecond, "env PREFECT_API_REQUEST_TIMEOUT"
		c, r := newClient(t, cfg, api.Options{Timeout: time.Minute})
		err := c.Set(ctx(t), "k", []byte(canaryValue))
		wantKind(t, err, resolve.ErrUnavailable)
		wantIn(t, "error", err.Error(), "POST /api/block_documents/", "within 300ms", "whether the server applied it is not known")
		if n := srv.Count("POST", "/block_documents/"); n != 1 {
			t.Errorf("the create was sent %d times, want once", n)
		}
		noLeak(t, err, r)
	})
}

// A hang ends at the call's deadline, not after a request timeout per try.
func TestHangEndsAtTheCallDeadline(t *testing.T) {
	srv, _, _ := v2(t)
	srv.Script(prefecttest.Response{Hang: true})
	c, r := newClient(t, v2cfg(srv.URL()), api.Options{Timeout: 300 * time.Millisecond})
	start := time.Now()
	_, err := c.Get(ctx(t), []string{"k"})
	wantKind(t, err, resolve.ErrUnavailable)
	if d := time.Since(start); d > 30*time.Second {
		t.Errorf("took %v with a 300ms deadline (the request timeout is 60s)", d)
	}
	wantIn(t, "error", err.Error(), "did not answer GET", "within 300ms", "the deadline for the whole call: --timeout")
	noLeak(t, err, r)
}

// Prefect's wait: 2^n seconds with clamped Poisson jitter (about 0.82x to
// 1.2x); a Retry-After (of an answer that is not a rate limit) is the
// floor, jitter lengthening it by up to 20%; Retry-After: 0 is no wait at
// all.
func TestBackoffAsPrefect(t *testing.T) {
	srv, c, r := v2(t)
	srv.SetBlock("k", "v")
	var script []prefecttest.Response
	for range 4 {
		script = append(script, prefecttest.Response{Status: 503})
	}
	srv.Script(script...)
	if _, err := c.Get(ctx(t), []string{"k"}); err != nil {
		t.Fatal(err)
	}
	s := r.Sleeps()
	if len(s) != 4 {
		t.Fatalf("waits %v, want 4", s)
	}
	for i, d := range s {
		avg := time.Duration(1<<(i+1)) * time.Second
		lo, hi := time.Duration(float64(avg)*0.8), time.Duration(float64(avg)*1.2)+time.Millisecond
		if d < lo || d > hi {
			t.Errorf("wait %d is %v, want %v to %v (2^%d s, jittered)", i+1, d, lo, hi, i+1)
		}
	}

	for _, ra := range []string{"0", "2", "0.5"} {
		srv2, c2, r2 := v2(t)
		srv2.Script(prefecttest.Response{Status: 502, Header: map[string]string{"Retry-After": ra}}, prefecttest.Response{Status: 502, Header: map[string]string{"Retry-After": ra}})
		if _, err := c2.Get(ctx(t), []string{"k"}); err != nil {
			t.Fatal(err)
		}
		var secs float64
		fmt.Sscan(ra, &secs)
		floor := time.Duration(secs * float64(time.Second))
		for _, d := range r2.Sleeps() {
			if d < floor || d > time.Duration(float64(floor)*1.2)+time.Millisecond {
				t.Errorf("Retry-After %s: wait %v, want %v to 1.2x that", ra, d, floor)
			}
		}
	}
}

// PREFECT_CLIENT_MAX_RETRIES and PREFECT_CLIENT_RETRY_EXTRA_CODES, and the
// statuses Prefect does not retry.
func TestRetrySettings(t *testing.T) {
	run := func(t *testing.T, status int, mod func(*api.Options, *[]int, **int), script int) (int, error) {
		srv, _, _ := v2(t)
		srv.SetBlock("k", "v")
		var resps []prefecttest.Response
		for range script {
			resps = append(resps, prefecttest.Response{Status: status, Body: `{"detail":"scripted"}`})
		}
		srv.Script(resps...)
		cfg := v2cfg(srv.URL())
		var opts api.Options
		mod(&opts, &cfg.RetryExtraCodes, &cfg.MaxRetries)
		c, _ := newClient(t, cfg, opts)
		_, err := c.Get(ctx(t), []string{"k"})
		return len(srv.Requests()), err
	}
	none := func(*api.Options, *[]int, **int) {}
	for _, status := range []int{500, 504, 404, 400} {
		t.Run(fmt.Sprintf("%d is not retried", status), func(t *testing.T) {
			n, err := run(t, status, none, 1)
			if n != 1 || err == nil {
				t.Errorf("%d requests, err %v; want 1 and an error", n, err)
			}
		})
	}
	t.Run("extra codes", func(t *testing.T) {
		n, err := run(t, 500, func(_ *api.Options, codes *[]int, _ **int) { *codes = []int{500, 504} }, 2)
		if n != 3 || err != nil {
			t.Errorf("%d requests, err %v; want 3 and success", n, err)
		}
	})
	t.Run("max retries 0", func(t *testing.T) {
		zero := 0
		n, err := run(t, 503, func(_ *api.Options, _ *[]int, m **int) { *m = &zero }, 1)
		if n != 1 || err == nil {
			t.Errorf("%d requests, err %v; want 1 and an error", n, err)
		}
	})
	t.Run("max retries 2", func(t *testing.T) {
		two := 2
		n, err := run(t, 503, func(_ *api.Options, _ *[]int, m **int) { *m = &two }, 3)
		if n != 3 || err == nil || !strings.Contains(err.Error(), "3 tries") {
			t.Errorf("%d requests, err %v; want 3 and an error after 3 tries", n, err)
		}
	})
	t.Run("Prefect-Maintenance does not count", func(t *testing.T) {
		srv, c, _ := v2(t)
		srv.SetBlock("k", "v")
		var resps []prefecttest.Response
		for range 8 {
			resps = append(resps, prefecttest.Response{Status: 503, Header: map[string]string{"Prefect-Maintenance": "true", "Retry-After": "0"}})
		}
		srv.Script(resps...)
		got, err := c.Get(ctx(t), []string{"k"})
		if v, _ := reveal(got, "k"); err != nil || v != "v" {
			t.Errorf("Get = %q, %v after 8 maintenance answers", v, err)
		}
	})
	t.Run("V1: 500 and 504 retried, up to 6 times", func(t *testing.T) {
		srv, c, _ := v1(t)
		var resps []prefecttest.Response
		for _, st := range []int{500, 504, 500, 504, 500, 504, 500} {
			resps = append(resps, prefecttest.Response{Status: st, Header: map[string]string{"Retry-After": "0"}})
		}
		srv.Script(resps...)
		_, err := c.Get(ctx(t), []string{"A"})
		wantKind(t, err, resolve.ErrUnavailable)
		wantIn(t, "error", err.Error(), "7 tries")
	})
}
