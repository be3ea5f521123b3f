package api_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/prefect-secrets/prefect-secrets/internal/prefect/api"
	"github.com/prefect-secrets/prefect-secrets/internal/testkit/prefecttest"
	"github.com/prefect-secrets/prefect-secrets/resolve"
)

// Rate limits (ratelimit.go): a 429, or a 503 with Retry-After, waits
// Retry-After + U(0, W_k), W_k = min(30 s, max(12 s, Retry-After) * 2^(k-1)),
// and is tried again until the call's deadline. The clock is rec's: each
// sleep is instant and moves it on.

func limited(status int, ra string) prefecttest.Response {
	r := prefecttest.Response{Status: status, Header: map[string]string{}, Body: `{"detail":"Too Many Requests"}`}
	if ra != "" {
		r.Header["Retry-After"] = ra
	}
	return r
}

func times(n int, r prefecttest.Response) []prefecttest.Response {
	out := make([]prefecttest.Response, n)
	for i := range out {
		out[i] = r
	}
	return out
}

// pinned is a jitter source that always draws u.
func pinned(u float64) func() float64 { return func() float64 { return u } }

// The wait is never below the server's Retry-After: not at the bottom of
// the window (the draw pinned at 0), nor for any draw.
func TestRateLimitWaitNeverBelowRetryAfter(t *testing.T) {
	for _, ra := range []string{"0", "1", "2.5", "7"} {
		var floor float64
		fmt.Sscan(ra, &floor)
		want := time.Duration(floor * float64(time.Second))
		for _, draw := range []func() float64{pinned(0), nil} {
			srv, _, _ := v2(t)
			srv.SetBlock("k", "v")
			srv.Script(times(8, limited(429, ra))...)
			c, r := newClient(t, v2cfg(srv.URL()), api.Options{Timeout: time.Hour, Rand: draw})
			if _, err := c.Get(ctx(t), []string{"k"}); err != nil {
				t.Fatal(err)
			}
			s := r.Sleeps()
			if len(s) != 8 {
				t.Fatalf("Retry-After %s: waits %v, want 8", ra, s)
			}
			for i, d := range s {
				if d < want || (draw != nil && d != want) {
					t.Errorf("Retry-After %s, wait %d: %v, want %v%s", ra, i+1, d, want, map[bool]string{true: "", false: " or more"}[draw != nil])
				}
			}
		}
	}
}

// Above Retry-After the window doubles with each rate-limited try, from
// 12 s (or Retry-After, if longer) to 30 s: the draw pinned at the top of
// the window shows its width.
func TestRateLimitWindowGrows(t *testing.T) {
	for _, v := range []struct {
		ra      string
		windows []time.Duration // above Retry-After, try by try
	}{
		{"1", []time.Duration{12, 24, 30, 30, 30}},
		{"", []time.Duration{12, 24, 30, 30}},
		{"20", []time.Duration{20, 30, 30}},
		{"45", []time.Duration{30, 30}},
	} {
		srv, _, _ := v2(t)
		srv.SetBlock("k", "v")
		srv.Script(times(len(v.windows), limited(429, v.ra))...)
		c, r := newClient(t, v2cfg(srv.URL()), api.Options{Timeout: time.Hour, Rand: pinned(1)})
		if _, err := c.Get(ctx(t), []string{"k"}); err != nil {
			t.Fatal(err)
		}
		var floor float64
		fmt.Sscan(v.ra, &floor)
		s := r.Sleeps()
		if len(s) != len(v.windows) {
			t.Fatalf("Retry-After %q: waits %v", v.ra, s)
		}
		for i, w := range v.windows {
			want := time.Duration(floor*float64(time.Second)) + w*time.Second
			if s[i] != want {
				t.Errorf("Retry-After %q, wait %d: %v, want %v (Retry-After + a window of %v)", v.ra, i+1, s[i], want, w*time.Second)
			}
		}
	}
	// A draw in the middle is the middle of the window.
	srv, _, _ := v2(t)
	srv.SetBlock("k", "v")
	srv.Script(limited(429, "1"), limited(429, "1"))
	c, r := newClient(t, v2cfg(srv.URL()), api.Options{Rand: pinned(0.5)})
	if _, err := c.Get(ctx(t), []string{"k"}); err != nil {
		t.Fatal(err)
	}
	if s := r.Sleeps(); len(s) != 2 || s[0] != 7*time.Second || s[1] != 13*time.Second {
		t.Errorf("waits %v, want [7s 13s]", s)
	}
}

// A rate limit counts against no retries: far more than
// PREFECT_CLIENT_MAX_RETRIES of them are waited out, 429s and 503s with
// Retry-After alike, and the one request then succeeds; a 503 without
// Retry-After is still one of Prefect's retries.
func TestRateLimitIsNotCountedAgainstRetries(t *testing.T) {
	for _, l := range []prefecttest.Response{limited(429, "1"), limited(429, ""), limited(503, "2")} {
		srv, _, _ := v2(t)
		c, r := newClient(t, v2cfg(srv.URL()), api.Options{Timeout: time.Hour})
		srv.SetBlock("k", "v")
		srv.Script(times(20, l)...)
		got, err := c.Get(ctx(t), []string{"k"})
		if v, _ := reveal(got, "k"); err != nil || v != "v" {
			t.Fatalf("%d %v: Get = %q, %v", l.Status, l.Header, v, err)
		}
		if n := len(srv.Requests()); n != 21 {
			t.Errorf("%d %v: %d requests, want 21", l.Status, l.Header, n)
		}
		wantLogLines(t, r, 21)
	}
	srv, c, _ := v2(t)
	srv.Script(times(6, limited(503, ""))...)
	_, err := c.Get(ctx(t), []string{"k"})
	wantKind(t, err, resolve.ErrUnavailable)
	wantIn(t, "error", err.Error(), "with 503 (after 6 tries)")
}

// PREFECT_CLIENT_MAX_RETRIES=0 is no retry of any kind: a rate limit
// fails at its first answer, saying why, as do a 503 and a reset.
func TestMaxRetriesZeroMeansNoRetry(t *testing.T) {
	for _, resp := range []prefecttest.Response{limited(429, "1"), limited(503, "1"), limited(503, ""), {Reset: true}} {
		srv, _, _ := v2(t)
		srv.Script(resp)
		cfg := v2cfg(srv.URL())
		zero := 0
		cfg.MaxRetries, cfg.MaxRetriesFrom = &zero, "env PREFECT_CLIENT_MAX_RETRIES"
		c, r := newClient(t, cfg, api.Options{})
		_, err := c.Get(ctx(t), []string{"k"})
		wantKind(t, err, resolve.ErrUnavailable)
		if n := len(srv.Requests()); n != 1 || len(r.Sleeps()) != 0 {
			t.Errorf("%d %v: %d requests, waits %v; want 1 and none", resp.Status, resp.Header, n, r.Sleeps())
		}
		if resp.Status == 429 || resp.Header["Retry-After"] != "" {
			wantIn(t, "error", err.Error(), "rate limiting", "PREFECT_CLIENT_MAX_RETRIES is 0 (from env PREFECT_CLIENT_MAX_RETRIES), so it was not tried again")
			wantIn(t, "hint", resolve.HintText(err), "PREFECT_CLIENT_MAX_RETRIES=0")
		}
	}
}

// The deadline ends the waiting: when even Retry-After no longer fits,
// the call fails with the rate limit's error, which says how long it
// waited in all and what gives it longer; the last wait is cut to the
// deadline, so what was waited never passes it.
func TestRateLimitDeadlineEndsTheWaiting(t *testing.T) {
	for _, v := range []struct {
		name string
		opts api.Options
		hint []string
	}{
		{"--timeout", api.Options{Timeout: time.Minute}, []string{"a longer --timeout (or PREFECT_SECRETS_TIMEOUT)"}},
		{"default deadline", api.Options{}, []string{"--timeout (or PREFECT_SECRETS_TIMEOUT)", "PREFECT_API_REQUEST_TIMEOUT (now 1m0s, Prefect's default for PREFECT_API_REQUEST_TIMEOUT)"}},
	} {
		t.Run(v.name, func(t *testing.T) {
			srv, _, _ := v2(t)
			srv.RateLimit(0, 0, "1") // every request refused
			v.opts.Rand = pinned(0.5)
			c, r := newClient(t, v2cfg(srv.URL()), v.opts)
			_, err := c.Get(ctx(t), []string{"k"})
			wantKind(t, err, resolve.ErrUnavailable)
			var slept time.Duration
			for _, d := range r.Sleeps() {
				slept += d
			}
			deadline := v.opts.Timeout
			if deadline == 0 {
				deadline = 194400 * time.Millisecond // 2 x 60 s + 1.2 x (2+4+8+16+32) s
			}
			if slept > deadline || slept < deadline-2*time.Second {
				t.Errorf("waited %v in all (%v), want just under the deadline, %v", slept, r.Sleeps(), deadline)
			}
			n := len(srv.Requests())
			wantIn(t, "error", err.Error(), "is rate limiting", "with 429 (Retry-After 1)", fmt.Sprintf("to %d tries", n),
				fmt.Sprintf("waited %.1f s in all", slept.Seconds()), "past the deadline for the whole call ("+deadline.String())
			wantIn(t, "hint", resolve.HintText(err), v.hint...)
			noLeak(t, err, r)
		})
	}
	// A deadline that passes during a try after rate limits is the rate
	// limit's error too.
	t.Run("during a try", func(t *testing.T) {
		srv, _, _ := v2(t)
		srv.Script(limited(429, "0"), prefecttest.Response{Hang: true})
		r := &rec{}
		c, err := api.New(v2cfg(srv.URL()), api.Options{Timeout: 300 * time.Millisecond, Rand: pinned(0), Sleep: r.realSleep, Log: r.log})
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.Get(ctx(t), []string{"k"})
		wantKind(t, err, resolve.ErrUnavailable)
		wantIn(t, "error", err.Error(), "is rate limiting", "with 429 (Retry-After 0) to 1 try", "the deadline for the whole call (300ms, --timeout) passed during try 2")
	})
}

// --verbose says each wait, how long and why, with no value in it.
func TestRateLimitWaitsLogged(t *testing.T) {
	srv, _, _ := v2(t)
	srv.SetBlock("k", canaryValue)
	srv.Script(limited(429, "1"), limited(429, "1"), limited(503, "2"), limited(429, ""), limited(502, ""))
	c, r := newClient(t, v2cfg(srv.URL()), api.Options{Rand: pinned(0.2)})
	if _, err := c.Get(ctx(t), []string{"k"}); err != nil {
		t.Fatal(err)
	}
	var waits []string
	for _, l := range r.Logs() {
		if strings.Contains(l, "waiting") {
			waits = append(waits, l)
		}
	}
	want := []string{
		"rate limited by the API: waiting 3.4 s (try 1, Retry-After 1)",
		"rate limited by the API: waiting 5.8 s (try 2, Retry-After 1)",
		"the API is unavailable (503) and asks to wait: waiting 8.0 s (try 3, Retry-After 2)",
		"rate limited by the API: waiting 6.0 s (try 4, no Retry-After)",
	}
	if len(waits) != 5 || strings.Join(waits[:4], "\n") != strings.Join(want, "\n") || !strings.HasPrefix(waits[4], "the API answered 502: waiting ") || !strings.HasSuffix(waits[4], " s (retry 1 of 5)") {
		t.Errorf("waits logged:\n%s\nwant:\n%s\nthe API answered 502: waiting ... s (retry 1 of 5)", strings.Join(waits, "\n"), strings.Join(want, "\n"))
	}
	wantLogLines(t, r, 11)
	noLeak(t, nil, r)
}

// PREFECT_CLIENT_RETRY_JITTER_FACTOR is Prefect's: 0 is no jitter at all
// (2^n seconds, or Retry-After, exactly); a factor f lengthens a
// Retry-After by up to f times it.
func TestJitterFactorAsPrefect(t *testing.T) {
	for _, f := range []float64{0, 1} {
		srv, _, _ := v2(t)
		srv.SetBlock("k", "v")
		srv.Script(limited(502, ""), limited(502, ""), limited(502, "3"), limited(502, "3"))
		cfg := v2cfg(srv.URL())
		cfg.RetryJitterFactor = &f
		c, r := newClient(t, cfg, api.Options{})
		if _, err := c.Get(ctx(t), []string{"k"}); err != nil {
			t.Fatal(err)
		}
		s := r.Sleeps()
		if len(s) != 4 {
			t.Fatalf("factor %v: waits %v", f, s)
		}
		for i, avg := range []time.Duration{2 * time.Second, 4 * time.Second} {
			if f == 0 && s[i] != avg {
				t.Errorf("factor 0: wait %d is %v, want exactly %v", i+1, s[i], avg)
			}
		}
		for _, d := range s[2:] {
			if f == 0 && d != 3*time.Second || d < 3*time.Second || d > time.Duration((1+f)*3*float64(time.Second)) {
				t.Errorf("factor %v: a Retry-After: 3 waited %v", f, d)
			}
		}
	}
}
