package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prefect-secrets/prefect-secrets/internal/prefect"
	"github.com/prefect-secrets/prefect-secrets/internal/prefect/api"
	"github.com/prefect-secrets/prefect-secrets/internal/testkit/prefecttest"
	"github.com/prefect-secrets/prefect-secrets/resolve"
)

// Canaries: no error, hint or log line may ever hold them.
const (
	canaryKey   = "pnu_CANARYKEY0f1e2d3c4b5a69788796a5b4c3d2e1f0"
	canaryValue = "CANARYVALUE-7c1f9e-do-not-print\nsecond line ünïcödé ✓"
	canaryAuth  = "admin:CANARYAUTH-pass-55aa"
	keyFrom     = "env PREFECT_API_KEY"
	authFrom    = `profile "dev" in /home/u/.prefect/profiles.toml`
)

// rec records what a client logs and how long it was told to sleep. Its
// sleep is instant, and its clock (now) is the real one moved on by every
// sleep: a client checks its deadline as if it had waited.
type rec struct {
	mu     sync.Mutex
	logs   []string
	sleeps []time.Duration
	slept  time.Duration
}

func (r *rec) log(line string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.logs = append(r.logs, line)
}

func (r *rec) sleep(ctx context.Context, d time.Duration) error {
	r.mu.Lock()
	r.sleeps = append(r.sleeps, d)
	r.slept += d
	r.mu.Unlock()
	return ctx.Err()
}

func (r *rec) now() time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	return time.Now().Add(r.slept)
}

func (r *rec) Logs() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.logs...)
}

func (r *rec) Sleeps() []time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]time.Duration(nil), r.sleeps...)
}

// v2cfg is a Prefect 2/3 configuration for url with the canary key.
func v2cfg(url string) *prefect.Config {
	return &prefect.Config{Version: prefect.V2, URL: url, URLFrom: "env PREFECT_API_URL",
		Key: resolve.NewSecret([]byte(canaryKey)), KeyFrom: keyFrom}
}

// v1tenant is the tenant v1cfg sets and v1's fake wants.
const v1tenant = "tenant-1"

// v1cfg is a Prefect 1 configuration for url with the canary key and a
// tenant (without one the client first asks the key's tenant).
func v1cfg(url string) *prefect.Config {
	return &prefect.Config{Version: prefect.V1, URL: url, URLFrom: "env PREFECT__CLOUD__API",
		Key: resolve.NewSecret([]byte(canaryKey)), KeyFrom: "env PREFECT__CLOUD__API_KEY",
		TenantID: v1tenant, TenantIDFrom: "env PREFECT__CLOUD__TENANT_ID"}
}

// newClient builds a client whose sleeps are instant and recorded (and
// move its clock on), and whose log is recorded, unless opts sets them.
func newClient(t *testing.T, cfg *prefect.Config, opts api.Options) (*api.Client, *rec) {
	t.Helper()
	r := &rec{}
	if opts.Sleep == nil {
		opts.Sleep = r.sleep
		if opts.Now == nil {
			opts.Now = r.now
		}
	}
	if opts.Log == nil {
		opts.Log = r.log
	}
	c, err := api.New(cfg, opts)
	if err != nil {
		t.Fatalf("api.New(%s): %v", cfg.URL, err)
	}
	return c, r
}

// v2 starts a fake Prefect 2/3 API expecting the canary key, and a client.
func v2(t *testing.T, opts ...prefecttest.V2Option) (*prefecttest.V2, *api.Client, *rec) {
	t.Helper()
	srv := prefecttest.NewV2(t, append([]prefecttest.V2Option{prefecttest.WithAPIKey(canaryKey)}, opts...)...)
	c, r := newClient(t, v2cfg(srv.URL()), api.Options{})
	return srv, c, r
}

// v1 starts a fake Prefect 1 Cloud API expecting the canary key, and a client.
func v1(t *testing.T, opts ...prefecttest.V1Option) (*prefecttest.V1, *api.Client, *rec) {
	t.Helper()
	srv := prefecttest.NewV1(t, append([]prefecttest.V1Option{prefecttest.WithV1APIKey(canaryKey), prefecttest.WithTenant(v1tenant)}, opts...)...)
	c, r := newClient(t, v1cfg(srv.URL()), api.Options{})
	return srv, c, r
}

// ctx guards a test against a hang. Its deadline is far: the client's own
// deadline (3m14s by default) must be what ends a call,
// and the recorded sleeps are instant while the client checks each wait
// against the real clock.
func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	t.Cleanup(cancel)
	return c
}

// wantKind fails unless err is of kind.
func wantKind(t *testing.T, err, kind error) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %v", kind)
	}
	if !errors.Is(err, kind) {
		t.Fatalf("error %q is not %v", err, kind)
	}
	for _, k := range []error{resolve.ErrBadInput, resolve.ErrNotFound, resolve.ErrDenied, resolve.ErrConfig, resolve.ErrUnavailable} {
		if k != kind && errors.Is(err, k) {
			t.Errorf("error %q is %v as well as %v", err, k, kind)
		}
	}
}

// wantIn fails unless every part is in s.
func wantIn(t *testing.T, what, s string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(s, p) {
			t.Errorf("%s %q does not say %q", what, s, p)
		}
	}
}

// noLeak fails if a canary (or any of more) is in the error, its hint or
// the log.
func noLeak(t *testing.T, err error, r *rec, more ...string) {
	t.Helper()
	var texts []string
	if err != nil {
		texts = append(texts, "error: "+err.Error(), "hint: "+resolve.HintText(err))
	}
	if r != nil {
		for _, l := range r.Logs() {
			texts = append(texts, "log: "+l)
		}
	}
	secrets := append([]string{canaryKey, canaryValue, canaryAuth, "CANARYKEY", "CANARYVALUE", "CANARYAUTH"}, more...)
	for _, s := range texts {
		for _, c := range secrets {
			if c != "" && strings.Contains(s, c) {
				t.Errorf("a secret leaked: %s (holds %q)", s, c)
			}
		}
	}
}

// logLineRE is a log line: method, path, status and duration; or method,
// path and why it failed, with the duration; or a wait before a retry,
// how long and why.
var logLineRE = regexp.MustCompile(`^((GET|POST|PATCH|DELETE) /\S* (\d{3} [0-9.]+(ns|µs|us|ms|s|m[0-9.]*s)|\d{3}, reading the body failed after [0-9.]+\S*|failed after [0-9.]+\S*: .+)|` +
	`(the API answered \d{3}|the request failed): waiting [0-9.]+ s \(retry \d+ of \d+\)|` +
	`(rate limited by the API|the API is unavailable \(503\) and asks to wait): waiting [0-9.]+ s \(try \d+, (no Retry-After|Retry-After [0-9.]+|Retry-After \w{3}, [0-9]{2} \w{3} [0-9]{4} [0-9:]{8} GMT)\))$`)

// wantLogLines checks every log line's shape and that there is at least n.
func wantLogLines(t *testing.T, r *rec, n int) {
	t.Helper()
	logs := r.Logs()
	if len(logs) < n {
		t.Errorf("%d log lines, want at least %d: %q", len(logs), n, logs)
	}
	for _, l := range logs {
		if !logLineRE.MatchString(l) {
			t.Errorf("log line %q does not show method, path, status and duration", l)
		}
	}
}

// body decodes a recorded request's JSON body.
func body(t *testing.T, req prefecttest.Request) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(req.Body, &m); err != nil {
		t.Fatalf("%s %s: body %q is not a JSON object: %v", req.Method, req.Path, req.Body, err)
	}
	return m
}

// calls lists requests as "METHOD path?query".
func calls(reqs []prefecttest.Request) []string {
	out := make([]string, len(reqs))
	for i, r := range reqs {
		out[i] = r.Method + " " + r.Path
		if r.RawQuery != "" {
			out[i] += "?" + r.RawQuery
		}
	}
	return out
}

func reveal(m map[string]resolve.Secret, name string) (string, bool) {
	s, ok := m[name]
	if !ok {
		return "", false
	}
	return string(s.Reveal()), true
}
