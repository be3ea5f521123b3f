package api_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prefect-secrets/prefect-secrets/internal/prefect"
	"github.com/prefect-secrets/prefect-secrets/internal/prefect/api"
	"github.com/prefect-secrets/prefect-secrets/internal/testkit/prefecttest"
	"github.com/prefect-secrets/prefect-secrets/resolve"
)

// --- authentication headers ---

func TestAuthHeaders(t *testing.T) {
	t.Run("bearer key", func(t *testing.T) {
		srv, c, _ := v2(t)
		if _, err := c.Get(ctx(t), []string{"x"}); err != nil {
			t.Fatal(err)
		}
		if h := srv.Requests()[0].Header.Get("Authorization"); h != "Bearer "+canaryKey {
			t.Errorf("Authorization %q", h)
		}
	})
	t.Run("basic auth string wins over the key", func(t *testing.T) {
		srv := prefecttest.NewV2(t, prefecttest.WithAuthString(canaryAuth))
		srv.SetBlock("x", "1")
		cfg := v2cfg(srv.URL())
		cfg.AuthString, cfg.AuthStringFrom = resolve.NewSecret([]byte(canaryAuth)), authFrom
		c, r := newClient(t, cfg, api.Options{})
		got, err := c.Get(ctx(t), []string{"x"})
		if v, _ := reveal(got, "x"); err != nil || v != "1" {
			t.Fatalf("Get = %q, %v", v, err)
		}
		want := "Basic " + base64.StdEncoding.EncodeToString([]byte(canaryAuth))
		for _, req := range srv.Requests() {
			if h := req.Header.Values("Authorization"); len(h) != 1 || h[0] != want {
				t.Errorf("Authorization %q, want %q", h, want)
			}
		}
		noLeak(t, nil, r, base64.StdEncoding.EncodeToString([]byte(canaryAuth)))
	})
	t.Run("no credentials, no header", func(t *testing.T) {
		srv := prefecttest.NewV2(t)
		c, _ := newClient(t, &prefect.Config{Version: prefect.V2, URL: srv.URL()}, api.Options{})
		if _, err := c.Get(ctx(t), []string{"x"}); err != nil {
			t.Fatal(err)
		}
		h := srv.Requests()[0].Header
		if v, ok := h["Authorization"]; ok {
			t.Errorf("Authorization %q with no credentials", v)
		}
	})
	t.Run("V1 tenant", func(t *testing.T) {
		srv := prefecttest.NewV1(t, prefecttest.WithV1APIKey(canaryKey), prefecttest.WithTenant("t-1"))
		cfg := v1cfg(srv.URL())
		cfg.TenantID = "t-1"
		c, _ := newClient(t, cfg, api.Options{})
		if _, err := c.Names(ctx(t)); err != nil {
			t.Fatal(err)
		}
		h := srv.Requests()[0].Header
		if h.Get("Authorization") != "Bearer "+canaryKey || h.Get("X-PREFECT-TENANT-ID") != "t-1" {
			t.Errorf("headers %v", h)
		}
	})
}

// --- denied ---

func TestDenied(t *testing.T) {
	type op struct {
		name string
		do   func(c *api.Client) error
	}
	ops := []op{
		{"get one", func(c *api.Client) error { _, err := c.Get(ctx(t), []string{"A"}); return err }},
		{"get many", func(c *api.Client) error { _, err := c.Get(ctx(t), []string{"A", "B"}); return err }},
		{"names", func(c *api.Client) error { _, err := c.Names(ctx(t)); return err }},
		{"set", func(c *api.Client) error { return c.Set(ctx(t), "A", []byte(canaryValue)) }},
		{"delete", func(c *api.Client) error { return c.Delete(ctx(t), "A") }},
		{"check", func(c *api.Client) error { return c.Check(ctx(t)) }},
	}
	for _, o := range ops {
		t.Run("401 wrong key/"+o.name, func(t *testing.T) {
			srv := prefecttest.NewV2(t, prefecttest.WithAPIKey("pnu_the_right_one"))
			srv.SetBlock("a", "x")
			c, r := newClient(t, v2cfg(srv.URL()), api.Options{})
			err := o.do(c)
			wantKind(t, err, resolve.ErrDenied)
			wantIn(t, "error", err.Error(), "401")
			wantIn(t, "hint", resolve.HintText(err), keyFrom)
			noLeak(t, err, r)
			if n := len(srv.Requests()); n != 1 {
				t.Errorf("%d requests: a 401 is not retried", n)
			}
		})
		t.Run("403 forbidden/"+o.name, func(t *testing.T) {
			srv := prefecttest.NewV2(t, prefecttest.WithAPIKey(canaryKey), prefecttest.WithForbidden())
			c, r := newClient(t, v2cfg(srv.URL()), api.Options{})
			err := o.do(c)
			wantKind(t, err, resolve.ErrDenied)
			wantIn(t, "error", err.Error(), "403")
			wantIn(t, "hint", resolve.HintText(err), keyFrom)
			noLeak(t, err, r)
		})
		t.Run("V1 UNAUTHENTICATED/"+o.name, func(t *testing.T) {
			srv := prefecttest.NewV1(t, prefecttest.WithV1APIKey("right"))
			cfg := v1cfg(srv.URL())
			c, r := newClient(t, cfg, api.Options{})
			err := o.do(c)
			wantKind(t, err, resolve.ErrDenied)
			wantIn(t, "hint", resolve.HintText(err), cfg.KeyFrom)
			noLeak(t, err, r)
		})
	}
	t.Run("401 wrong auth string", func(t *testing.T) {
		srv := prefecttest.NewV2(t, prefecttest.WithAuthString("admin:right"))
		cfg := v2cfg(srv.URL())
		cfg.AuthString, cfg.AuthStringFrom = resolve.NewSecret([]byte(canaryAuth)), authFrom
		c, r := newClient(t, cfg, api.Options{})
		_, err := c.Get(ctx(t), []string{"a"})
		wantKind(t, err, resolve.ErrDenied)
		wantIn(t, "hint", resolve.HintText(err), authFrom)
		noLeak(t, err, r)
	})
	t.Run("401 no key", func(t *testing.T) {
		srv := prefecttest.NewV2(t, prefecttest.WithAPIKey("right"))
		c, r := newClient(t, &prefect.Config{Version: prefect.V2, URL: srv.URL()}, api.Options{})
		_, err := c.Get(ctx(t), []string{"a"})
		wantKind(t, err, resolve.ErrDenied)
		wantIn(t, "hint", resolve.HintText(err), "PREFECT_API_KEY")
		noLeak(t, err, r)
	})
	t.Run("V1 HTTP 401", func(t *testing.T) {
		srv, c, r := v1(t)
		srv.Script(prefecttest.Response{Status: 401, Body: `{"message":"Unauthorized"}`})
		_, err := c.Names(ctx(t))
		wantKind(t, err, resolve.ErrDenied)
		noLeak(t, err, r)
	})
}

// --- retries ---

func TestRetryAfterHonoured(t *testing.T) {
	for _, ra := range []string{"3", "1"} {
		t.Run("V2 Retry-After "+ra, func(t *testing.T) {
			srv, c, r := v2(t)
			srv.SetBlock("k", "v")
			srv.Script(prefecttest.Response{Status: 429, Header: map[string]string{"Retry-After": ra}, Body: `{"detail":"Too Many Requests"}`})
			got, err := c.Get(ctx(t), []string{"k"})
			if v, _ := reveal(got, "k"); err != nil || v != "v" {
				t.Fatalf("Get = %q, %v", v, err)
			}
			sleeps := r.Sleeps()
			secs := map[string]time.Duration{"3": 3 * time.Second, "1": time.Second}[ra]
			if len(sleeps) != 1 || sleeps[0] < secs {
				t.Errorf("waits %v, want one of at least %v", sleeps, secs)
			}
			if n := len(srv.Requests()); n != 2 {
				t.Errorf("%d requests, want 2", n)
			}
			wantLogLines(t, r, 2)
		})
	}
	t.Run("HTTP date", func(t *testing.T) {
		srv, c, r := v2(t)
		when := time.Now().Add(5 * time.Second).UTC().Format(http.TimeFormat)
		srv.Script(prefecttest.Response{Status: 429, Header: map[string]string{"Retry-After": when}})
		if _, err := c.Get(ctx(t), []string{"k"}); err != nil {
			t.Fatal(err)
		}
		if s := r.Sleeps(); len(s) != 1 || s[0] < 3*time.Second {
			t.Errorf("waits %v, want one of about 4-5s", s)
		}
	})
	t.Run("V1", func(t *testing.T) {
		srv, c, r := v1(t)
		srv.SetSecret("K", "v")
		srv.Script(prefecttest.Response{Status: 429, Header: map[string]string{"Retry-After": "2"}})
		got, err := c.Get(ctx(t), []string{"K"})
		if v, _ := reveal(got, "K"); err != nil || v != "v" {
			t.Fatalf("Get = %q, %v", v, err)
		}
		if s := r.Sleeps(); len(s) != 1 || s[0] < 2*time.Second {
			t.Errorf("waits %v", s)
		}
	})
	t.Run("throttled burst, real backoff", func(t *testing.T) {
		srv := prefecttest.NewV2(t, prefecttest.WithAPIKey(canaryKey))
		realSleep := func(ctx context.Context, d time.Duration) error {
			select {
			case <-time.After(d):
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		// The draw pinned at the window's start: each wait is Retry-After.
		c, _ := newClient(t, v2cfg(srv.URL()), api.Options{Sleep: realSleep, Rand: func() float64 { return 0 }})
		srv.SetBlock("k", "v")
		srv.Throttle(1, "0.2")
		srv.SetLatency(20 * time.Millisecond)
		const n = 3
		errs := make(chan error, n)
		for range n {
			go func() {
				got, err := c.Get(ctx(t), []string{"k"})
				if err == nil && string(got["k"].Reveal()) != "v" {
					err = fmt.Errorf("k = %q", got["k"].Reveal())
				}
				errs <- err
			}()
		}
		for range n {
			if err := <-errs; err != nil {
				t.Error(err)
			}
		}
	})
}

func TestRetriedStatusesThenSuccess(t *testing.T) {
	// Prefect's client retries 408, 429, 502 and 503 (client/base.py).
	for _, status := range []int{408, 429, 502, 503} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			srv, c, r := v2(t)
			srv.SetBlock("a", "1")
			srv.SetBlock("b", "2")
			srv.Script(prefecttest.Response{Status: status, Body: `{"detail":"oops"}`},
				prefecttest.Response{Status: status, Body: "<html>bad gateway</html>", Header: map[string]string{"Content-Type": "text/html"}})
			got, err := c.Get(ctx(t), []string{"A", "B"})
			if err != nil || len(got) != 2 {
				t.Fatalf("Get = %d values, %v", len(got), err)
			}
			if n := srv.Count("POST", "/block_documents/filter"); n != 3 {
				t.Errorf("%d requests, want 3", n)
			}
			if s := r.Sleeps(); len(s) != 2 || s[0] <= 0 || s[1] <= 0 {
				t.Errorf("waits %v: want 2 backoffs", s)
			}
			wantLogLines(t, r, 3)
			noLeak(t, nil, r)
		})
	}
	t.Run("V1 500 then success", func(t *testing.T) {
		srv, c, _ := v1(t)
		srv.SetSecret("A", "1")
		srv.Script(prefecttest.Response{Status: 500, Body: `{"message":"Internal Server Error"}`})
		got, err := c.Get(ctx(t), []string{"A"})
		if v, _ := reveal(got, "A"); err != nil || v != "1" {
			t.Fatalf("Get = %q, %v", v, err)
		}
		if srv.Count() != 2 {
			t.Errorf("%d requests", srv.Count())
		}
	})
}

// Every retried answer but a rate limit (a 429, a 503 with Retry-After:
// ratelimit_test.go) counts against PREFECT_CLIENT_MAX_RETRIES.
func TestBoundedRetries(t *testing.T) {
	for _, tc := range []struct {
		status int
		ra     string
	}{{502, "1"}, {503, ""}, {408, "1"}} {
		status := tc.status
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			srv, c, r := v2(t)
			// Prefect's own client: 5 retries, 6 tries in all.
			resp := prefecttest.Response{Status: status, Header: map[string]string{}, Body: `{"detail":"` + canaryKey + `"}`}
			if tc.ra != "" {
				resp.Header["Retry-After"] = tc.ra
			}
			srv.Script(resp, resp, resp, resp, resp, resp)
			start := time.Now()
			_, err := c.Get(ctx(t), []string{"k"})
			wantKind(t, err, resolve.ErrUnavailable)
			wantIn(t, "error", err.Error(), fmt.Sprint(status), "6 tries", "127.0.0.1", "GET")
			if n := len(srv.Requests()); n != 6 {
				t.Errorf("%d requests, want 6", n)
			}
			if s := r.Sleeps(); len(s) != 5 {
				t.Errorf("waits %v, want 5", s)
			} else {
				for i := 1; i < len(s); i++ {
					if s[i] > 40*time.Second {
						t.Errorf("wait %d is %v", i, s[i])
					}
				}
			}
			if time.Since(start) > 5*time.Second {
				t.Errorf("took %v with instant sleeps", time.Since(start))
			}
			noLeak(t, err, r)
		})
	}
	t.Run("Options.Retries", func(t *testing.T) {
		srv := prefecttest.NewV2(t, prefecttest.WithAPIKey(canaryKey))
		c, _ := newClient(t, v2cfg(srv.URL()), api.Options{Retries: 2})
		resp := prefecttest.Response{Status: 502}
		srv.Script(resp, resp, resp)
		_, err := c.Names(ctx(t))
		wantKind(t, err, resolve.ErrUnavailable)
		wantIn(t, "error", err.Error(), "502", "3 tries")
		if n := len(srv.Requests()); n != 3 {
			t.Errorf("%d requests, want 3", n)
		}
	})
	t.Run("the real sleep honours the context", func(t *testing.T) {
		srv := prefecttest.NewV2(t, prefecttest.WithAPIKey(canaryKey))
		srv.Script(prefecttest.Response{Status: 429, Header: map[string]string{"Retry-After": "20"}})
		c, err := api.New(v2cfg(srv.URL()), api.Options{})
		if err != nil {
			t.Fatal(err)
		}
		cx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err = c.Get(cx, []string{"k"})
		wantKind(t, err, resolve.ErrUnavailable)
		if d := time.Since(start); d > 3*time.Second {
			t.Errorf("a cancelled wait took %v", d)
		}
	})
}

// --- deadline ---

func TestServerThatNeverAnswers(t *testing.T) {
	run := func(t *testing.T, srv interface{ Script(...prefecttest.Response) }, cfg *prefect.Config, do func(*api.Client) error) {
		srv.Script(prefecttest.Response{Hang: true})
		c, r := newClient(t, cfg, api.Options{Timeout: 200 * time.Millisecond})
		start := time.Now()
		err := do(c)
		elapsed := time.Since(start)
		wantKind(t, err, resolve.ErrUnavailable)
		if elapsed > 2*time.Second {
			t.Errorf("gave up after %v, want about 200ms", elapsed)
		}
		if elapsed < 150*time.Millisecond {
			t.Errorf("gave up after %v, before the deadline", elapsed)
		}
		wantIn(t, "error", err.Error(), "did not answer", "within 200ms", "127.0.0.1")
		noLeak(t, err, r)
	}
	t.Run("V2 get", func(t *testing.T) {
		srv := prefecttest.NewV2(t, prefecttest.WithAPIKey(canaryKey))
		run(t, srv, v2cfg(srv.URL()), func(c *api.Client) error { _, err := c.Get(ctx(t), []string{"k"}); return err })
	})
	t.Run("V2 set", func(t *testing.T) {
		srv := prefecttest.NewV2(t, prefecttest.WithAPIKey(canaryKey))
		run(t, srv, v2cfg(srv.URL()), func(c *api.Client) error { return c.Set(ctx(t), "k", []byte(canaryValue)) })
	})
	t.Run("V1 get", func(t *testing.T) {
		srv := prefecttest.NewV1(t, prefecttest.WithV1APIKey(canaryKey))
		run(t, srv, v1cfg(srv.URL()), func(c *api.Client) error { _, err := c.Get(ctx(t), []string{"k"}); return err })
	})
	t.Run("headers then a stalled body", func(t *testing.T) {
		srv := prefecttest.NewV2(t, prefecttest.WithAPIKey(canaryKey))
		// The status and headers come at once; the body never ends.
		srv.Script(prefecttest.Response{StallBody: true, Status: 200, Body: `[{"id": "x", "name": "k"}]`})
		c, r := newClient(t, v2cfg(srv.URL()), api.Options{Timeout: 200 * time.Millisecond})
		start := time.Now()
		_, err := c.Names(ctx(t))
		wantKind(t, err, resolve.ErrUnavailable)
		if d := time.Since(start); d > 20*time.Second {
			t.Errorf("took %v", d)
		}
		wantIn(t, "error", err.Error(), "within 200ms", "the deadline for the whole call")
		// The body's own failure was seen: the headers had come.
		logs := r.Logs()
		if len(logs) != 1 || !strings.Contains(logs[0], "POST /api/block_documents/filter 200, reading the body failed") {
			t.Errorf("log %q, want the body read failing after a 200", logs)
		}
		noLeak(t, err, r)
	})
}

// --- connection resets ---

func TestConnectionResetRetried(t *testing.T) {
	t.Run("V2 get one", func(t *testing.T) {
		srv, c, r := v2(t)
		srv.SetBlock("k", "v")
		srv.Script(prefecttest.Response{Reset: true})
		got, err := c.Get(ctx(t), []string{"k"})
		if v, _ := reveal(got, "k"); err != nil || v != "v" {
			t.Fatalf("Get = %q, %v", v, err)
		}
		if n := len(srv.Requests()); n != 2 {
			t.Errorf("%d requests", n)
		}
		if len(r.Sleeps()) != 1 {
			t.Errorf("waits %v", r.Sleeps())
		}
		noLeak(t, nil, r)
	})
	t.Run("V2 filter (POST)", func(t *testing.T) {
		srv, c, _ := v2(t)
		srv.SetBlock("a", "1")
		srv.Script(prefecttest.Response{Reset: true}, prefecttest.Response{Reset: true})
		got, err := c.Get(ctx(t), []string{"a", "b"})
		if err != nil || len(got) != 1 {
			t.Fatalf("Get = %v, %v", got, err)
		}
	})
	t.Run("V1", func(t *testing.T) {
		srv, c, _ := v1(t)
		srv.SetSecret("A", "1")
		srv.Script(prefecttest.Response{Reset: true})
		got, err := c.Get(ctx(t), []string{"A"})
		if err != nil || len(got) != 1 {
			t.Fatalf("Get = %v, %v", got, err)
		}
	})
	t.Run("always reset: bounded", func(t *testing.T) {
		srv, c, r := v2(t)
		rs := prefecttest.Response{Reset: true}
		srv.Script(rs, rs, rs, rs, rs, rs)
		_, err := c.Get(ctx(t), []string{"k"})
		wantKind(t, err, resolve.ErrUnavailable)
		wantIn(t, "error", err.Error(), "6 tries", "127.0.0.1")
		noLeak(t, err, r)
	})
}

// --- malformed answers ---

func TestMalformedResponse(t *testing.T) {
	bodies := []string{"{not json", "<html><body>502 Bad Gateway</body></html>", `"a string"`, `[1,2]`, ""}
	for i, b := range bodies {
		t.Run(fmt.Sprintf("V2 get one %d", i), func(t *testing.T) {
			srv, c, r := v2(t)
			srv.Script(prefecttest.Response{Status: 200, Body: b, Header: map[string]string{"X": "y"}})
			_, err := c.Get(ctx(t), []string{"MY_KEY"})
			wantKind(t, err, resolve.ErrUnavailable)
			wantIn(t, "error", err.Error(), srv.Addr(), "GET", "/api/block_types/slug/secret/block_documents/name/my-key", "malformed")
			noLeak(t, err, r)
		})
	}
	t.Run("V2 get many", func(t *testing.T) {
		srv, c, _ := v2(t)
		srv.Script(prefecttest.Response{Status: 200, Body: "{not json"})
		_, err := c.Get(ctx(t), []string{"A", "B"})
		wantKind(t, err, resolve.ErrUnavailable)
		wantIn(t, "error", err.Error(), srv.Addr(), "POST /api/block_documents/filter", "malformed")
	})
	t.Run("V2 names", func(t *testing.T) {
		srv, c, _ := v2(t)
		srv.Script(prefecttest.Response{Status: 200, Body: `{"detail":"not a list"}`})
		_, err := c.Names(ctx(t))
		wantKind(t, err, resolve.ErrUnavailable)
		wantIn(t, "error", err.Error(), srv.Addr(), "POST /api/block_documents/filter")
	})
	t.Run("V2 set: block type", func(t *testing.T) {
		srv, c, _ := v2(t)
		srv.Script(prefecttest.Response{}, prefecttest.Response{Status: 200, Body: "{not json"})
		err := c.Set(ctx(t), "k", []byte(canaryValue))
		wantKind(t, err, resolve.ErrUnavailable)
		wantIn(t, "error", err.Error(), srv.Addr(), "GET /api/block_types/slug/secret")
	})
	t.Run("V2 check", func(t *testing.T) {
		srv, c, _ := v2(t)
		srv.Script(prefecttest.Response{Status: 200, Body: "true"})
		err := c.Check(ctx(t))
		wantKind(t, err, resolve.ErrUnavailable)
		wantIn(t, "error", err.Error(), srv.Addr(), "GET /api/block_types/slug/secret")
	})
	// A document whose data is not an object, answering a GET by name: the
	// error names that GET, not some other request. (A document with no
	// value is the JSON null: TestV2BlockWithoutValueIsJSONNull.)
	t.Run("V2 get one, document whose data is not an object", func(t *testing.T) {
		srv, c, _ := v2(t)
		srv.Script(prefecttest.Response{Status: 200, Body: `{"id":"0b8f4c1e-8a77-4a4e-9d1c-6b1f9d1f0a11","name":"my-key","data":5}`})
		_, err := c.Get(ctx(t), []string{"MY_KEY"})
		wantKind(t, err, resolve.ErrUnavailable)
		wantIn(t, "error", err.Error(), srv.Addr(), "GET /api/block_types/slug/secret/block_documents/name/my-key")
	})
	t.Run("V1", func(t *testing.T) {
		srv, c, r := v1(t)
		srv.Script(prefecttest.Response{Status: 200, Body: "{not json"})
		_, err := c.Get(ctx(t), []string{"A"})
		wantKind(t, err, resolve.ErrUnavailable)
		wantIn(t, "error", err.Error(), srv.Addr(), "POST", "malformed")
		noLeak(t, err, r)
	})
}

// --- redirects ---

func TestRedirectNotFollowed(t *testing.T) {
	targets := map[string]func(o *prefecttest.V2) string{
		"another host name": func(o *prefecttest.V2) string { return o.URLWithHost("localhost") },
		"another port":      func(o *prefecttest.V2) string { return o.URL() },
	}
	ops := map[string]func(c *api.Client) error{
		"get one": func(c *api.Client) error { _, err := c.Get(ctx(t), []string{"k"}); return err },
		"get many": func(c *api.Client) error {
			_, err := c.Get(ctx(t), []string{"k", "j"})
			return err
		},
		"set": func(c *api.Client) error { return c.Set(ctx(t), "k", []byte(canaryValue)) },
	}
	for tn, target := range targets {
		for on, op := range ops {
			t.Run(tn+"/"+on, func(t *testing.T) {
				srv, c, r := v2(t)
				other := prefecttest.NewV2(t)
				srv.RedirectTo(target(other))
				err := op(c)
				wantKind(t, err, resolve.ErrUnavailable)
				wantIn(t, "error", strings.ToLower(err.Error()), "redirect", "not followed")
				for _, req := range other.Requests() {
					t.Errorf("the redirect reached the other server: %s %s (Authorization %q)", req.Method, req.Path, req.Header.Get("Authorization"))
				}
				if n := len(srv.Requests()); n != 1 {
					t.Errorf("%d requests to the API, want 1", n)
				}
				noLeak(t, err, r)
			})
		}
	}
	t.Run("V1", func(t *testing.T) {
		srv, c, r := v1(t)
		other := prefecttest.NewV1(t)
		srv.RedirectTo(other.URLWithHost("localhost"))
		_, err := c.Get(ctx(t), []string{"A"})
		wantKind(t, err, resolve.ErrUnavailable)
		wantIn(t, "error", strings.ToLower(err.Error()), "redirect")
		if n := other.Count(); n != 0 {
			t.Errorf("%d requests reached the other server", n)
		}
		noLeak(t, err, r)
	})
}

// --- HTTPS rules ---

func TestPlainHTTPRules(t *testing.T) {
	key := resolve.NewSecret([]byte(canaryKey))
	auth := resolve.NewSecret([]byte(canaryAuth))
	for _, u := range []string{"http://prefect.example.com/api", "http://10.0.0.5:4200/api", "http://api.prefect.io"} {
		for _, cfg := range []*prefect.Config{
			{Version: prefect.V2, URL: u, Key: key, KeyFrom: keyFrom},
			{Version: prefect.V2, URL: u, AuthString: auth, AuthStringFrom: authFrom},
			{Version: prefect.V1, URL: u, Key: key, KeyFrom: keyFrom},
		} {
			c, err := api.New(cfg, api.Options{})
			if c != nil {
				t.Errorf("New(%s) gave a client for plain HTTP with credentials", u)
			}
			wantKind(t, err, resolve.ErrConfig)
			wantIn(t, "error", err.Error(), "HTTP")
			noLeak(t, err, nil)

			c, err = api.New(cfg, api.Options{AllowHTTP: true})
			if err != nil {
				t.Errorf("New(%s, AllowHTTP): %v", u, err)
				continue
			}
			if len(c.Warnings) == 0 {
				t.Errorf("New(%s, AllowHTTP): no warning", u)
			}
			for _, w := range c.Warnings {
				noLeak(t, fmt.Errorf("%s", w), nil)
			}
		}
		// No credentials: nothing to protect.
		c, err := api.New(&prefect.Config{Version: prefect.V2, URL: u}, api.Options{})
		if err != nil || len(c.Warnings) != 0 {
			t.Errorf("New(%s) without a key: %v, %q", u, err, c.Warnings)
		}
	}
	for _, u := range []string{"http://127.0.0.1:4200/api", "http://localhost:4200/api", "http://[::1]:4200/api", "http://127.0.0.2/api", "https://api.prefect.cloud/api/accounts/a/workspaces/w"} {
		c, err := api.New(&prefect.Config{Version: prefect.V2, URL: u, Key: key}, api.Options{})
		if err != nil || len(c.Warnings) != 0 {
			t.Errorf("New(%s): %v, %q", u, err, c.Warnings)
		}
	}
	for _, u := range []string{"ftp://x/api", "not a url", "https:///api", "https://user:" + canaryKey + "@api.prefect.cloud/api"} {
		_, err := api.New(&prefect.Config{Version: prefect.V2, URL: u, Key: key}, api.Options{})
		wantKind(t, err, resolve.ErrConfig)
		noLeak(t, err, nil)
	}
	// And a loopback plain HTTP server really works.
	srv, c, _ := v2(t)
	srv.SetBlock("k", "v")
	if got, err := c.Get(ctx(t), []string{"k"}); err != nil || len(got) != 1 {
		t.Errorf("loopback HTTP: %v, %v", got, err)
	}
}

func TestTLS(t *testing.T) {
	t.Run("V2", func(t *testing.T) {
		srv := prefecttest.NewV2TLS(t, prefecttest.WithAPIKey(canaryKey))
		srv.SetBlock("k", canaryValue)
		if !strings.HasPrefix(srv.URL(), "https://") {
			t.Fatalf("URL %s", srv.URL())
		}
		c, r := newClient(t, v2cfg(srv.URL()), api.Options{HTTP: srv.Client()})
		got, err := c.Get(ctx(t), []string{"k"})
		if v, _ := reveal(got, "k"); err != nil || v != canaryValue {
			t.Fatalf("Get: %v", err)
		}
		if err := c.Set(ctx(t), "new", []byte("n")); err != nil {
			t.Fatal(err)
		}
		if err := c.Delete(ctx(t), "new"); err != nil {
			t.Fatal(err)
		}
		noLeak(t, nil, r)
	})
	t.Run("V1", func(t *testing.T) {
		srv := prefecttest.NewV1TLS(t, prefecttest.WithV1APIKey(canaryKey))
		srv.SetSecret("K", "v")
		c, _ := newClient(t, v1cfg(srv.URL()), api.Options{HTTP: srv.Client()})
		if got, err := c.Get(ctx(t), []string{"K"}); err != nil || len(got) != 1 {
			t.Fatalf("Get: %v, %v", got, err)
		}
	})
	t.Run("untrusted certificate", func(t *testing.T) {
		srv := prefecttest.NewV2TLS(t, prefecttest.WithAPIKey(canaryKey))
		c, r := newClient(t, v2cfg(srv.URL()), api.Options{})
		_, err := c.Get(ctx(t), []string{"k"})
		wantKind(t, err, resolve.ErrUnavailable)
		wantIn(t, "error", err.Error(), srv.Addr())
		noLeak(t, err, r)
		if n := len(srv.Requests()); n != 0 {
			t.Errorf("%d requests reached a server whose certificate was refused", n)
		}
	})
	t.Run("a redirect from HTTPS to HTTP on the same host is refused", func(t *testing.T) {
		srv := prefecttest.NewV2TLS(t, prefecttest.WithAPIKey(canaryKey))
		plain := prefecttest.NewV2(t)
		srv.RedirectTo(plain.URL())
		c, r := newClient(t, v2cfg(srv.URL()), api.Options{HTTP: srv.Client()})
		_, err := c.Get(ctx(t), []string{"k"})
		wantKind(t, err, resolve.ErrUnavailable)
		if n := len(plain.Requests()); n != 0 {
			t.Errorf("the key followed a redirect to plain HTTP")
		}
		noLeak(t, err, r)
	})
}

func TestConnectionRefused(t *testing.T) {
	srv := prefecttest.NewV2(t)
	url := srv.URL()
	c, r := newClient(t, v2cfg(strings.Replace(url, srv.Addr(), "127.0.0.1:1", 1)), api.Options{Timeout: time.Second})
	_, err := c.Get(ctx(t), []string{"k"})
	wantKind(t, err, resolve.ErrUnavailable)
	wantIn(t, "error", err.Error(), "127.0.0.1:1")
	noLeak(t, err, r)
}
