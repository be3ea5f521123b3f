package api_test

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prefect-secrets/prefect-secrets/internal/prefect"
	"github.com/prefect-secrets/prefect-secrets/internal/prefect/api"
	"github.com/prefect-secrets/prefect-secrets/internal/testkit/prefecttest"
	"github.com/prefect-secrets/prefect-secrets/resolve"
)

// --- CSRF (issue 11, item 4) ---

func TestCSRFTokenFetchedOnlyWhenRefused(t *testing.T) {
	srv, c, r := v2(t, prefecttest.WithCSRF())
	srv.SetBlock("a", "1")
	srv.SetBlock("b", "2")
	// The multi-name read is a POST: refused, a token, tried once more.
	got, err := c.Get(ctx(t), []string{"A", "B"})
	if err != nil || len(got) != 2 {
		t.Fatalf("Get = %v, %v", got, err)
	}
	want := []string{"POST /api/block_documents/filter", "GET /api/csrf-token", "POST /api/block_documents/filter"}
	reqs := srv.Requests()
	if strings.Join(trimQuery(calls(reqs)), ",") != strings.Join(want, ",") {
		t.Fatalf("requests %q, want %q", calls(reqs), want)
	}
	if q := reqs[1].RawQuery; !strings.HasPrefix(q, "client=") || len(q) != len("client=")+36 {
		t.Errorf("token request query %q, want client=<uuid>", q)
	}
	client := strings.TrimPrefix(reqs[1].RawQuery, "client=")
	if h := reqs[2].Header; h.Get("Prefect-Csrf-Client") != client || len(h.Get("Prefect-Csrf-Token")) != 64 {
		t.Errorf("retry headers %v", h)
	}
	// Later change requests carry the token at once: no more refusals.
	if err := c.Set(ctx(t), "NEW", []byte(canaryValue)); err != nil {
		t.Fatalf("Set: %v", err)
	}
	if err := c.Delete(ctx(t), "NEW"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if n := srv.Count("GET", "/csrf-token"); n != 1 {
		t.Errorf("%d token requests, want 1", n)
	}
	for i, q := range srv.Requests() {
		if q.Status == 403 && i != 0 {
			t.Errorf("%s %s refused after the token was known", q.Method, q.Path)
		}
		if q.Method == "GET" && q.Header.Get("Prefect-Csrf-Token") != "" {
			t.Errorf("a GET carries the CSRF token")
		}
	}
	noLeak(t, nil, r)
}

func trimQuery(l []string) []string {
	out := make([]string, len(l))
	for i, s := range l {
		out[i], _, _ = strings.Cut(s, "?")
	}
	return out
}

// A server without CSRF protection costs nothing: one request.
func TestCSRFOffCostsNothing(t *testing.T) {
	for name, opts := range map[string][]prefecttest.V2Option{"off": nil, "older server": {prefecttest.WithoutCSRFRoute()}} {
		t.Run(name, func(t *testing.T) {
			srv, c, _ := v2(t, opts...)
			srv.SetBlock("a", "1")
			if _, err := c.Get(ctx(t), []string{"A", "B"}); err != nil {
				t.Fatal(err)
			}
			if err := c.Set(ctx(t), "A", []byte("2")); err != nil {
				t.Fatal(err)
			}
			for _, q := range srv.Requests() {
				if strings.Contains(q.Path, "csrf") || q.Header.Get("Prefect-Csrf-Token") != "" {
					t.Errorf("%s %s with CSRF off", q.Method, q.Path)
				}
			}
			if n := len(srv.Requests()); n != 3 {
				t.Errorf("%d requests, want 3 (the filter, the read, the PATCH)", n)
			}
		})
	}
}

// A 403 that mentions CSRF from a server that has none (the token route
// says so, 404 or 422) is the server's answer: a denial, once.
func TestCSRFRefusalWhereNoneIsNeeded(t *testing.T) {
	for name, opts := range map[string][]prefecttest.V2Option{"422 disabled": nil, "404": {prefecttest.WithoutCSRFRoute()}} {
		t.Run(name, func(t *testing.T) {
			srv, c, r := v2(t, opts...)
			srv.Script(prefecttest.Response{Status: 403, Body: `{"detail":"Missing CSRF token."}`})
			_, err := c.Get(ctx(t), []string{"A", "B"})
			wantKind(t, err, resolve.ErrDenied)
			if n := len(srv.Requests()); n != 2 {
				t.Errorf("%d requests, want the refused one and the token route", n)
			}
			noLeak(t, err, r)
		})
	}
}

// An expired token is replaced; a token refused again is a CSRF failure,
// never "check the API key".
func TestCSRFTokenRefusedAgain(t *testing.T) {
	srv, c, r := v2(t, prefecttest.WithCSRF())
	srv.SetBlock("a", "1")
	if _, err := c.Get(ctx(t), []string{"A", "B"}); err != nil {
		t.Fatal(err)
	}
	srv.ExpireCSRFTokens()
	if _, err := c.Get(ctx(t), []string{"A", "B"}); err != nil {
		t.Fatalf("after the token expired: %v", err)
	}
	if n := srv.Count("GET", "/csrf-token"); n != 2 {
		t.Errorf("%d token requests, want 2", n)
	}
	// The new token refused as well: no loop, and the message says CSRF.
	srv.ExpireCSRFTokens()
	srv.Script(prefecttest.Response{}, prefecttest.Response{}, prefecttest.Response{Status: 403, Body: `{"detail":"Invalid CSRF token or client identifier."}`})
	_, err := c.Get(ctx(t), []string{"A", "B"})
	wantKind(t, err, resolve.ErrDenied)
	wantIn(t, "error", err.Error(), "CSRF", "403")
	wantIn(t, "hint", resolve.HintText(err), "PREFECT_SERVER_CSRF_PROTECTION_ENABLED")
	if strings.Contains(resolve.HintText(err), "API key") {
		t.Errorf("a CSRF refusal called a key problem: %s", resolve.HintText(err))
	}
	noLeak(t, err, r)
}

// --- custom headers (issue 11, item 5) ---

func headerCfg(url string, headers map[string]string) *prefect.Config {
	cfg := v2cfg(url)
	cfg.CustomHeaders, cfg.CustomHeadersFrom = map[string]resolve.Secret{}, "env PREFECT_CLIENT_CUSTOM_HEADERS"
	for k, v := range headers {
		cfg.CustomHeaders[k] = resolve.NewSecret([]byte(v))
	}
	return cfg
}

const canaryHeader = "CANARYHEADER-proxy-token-93c1"

func TestCustomHeadersOnEveryRequest(t *testing.T) {
	srv := prefecttest.NewV2(t, prefecttest.WithAPIKey(canaryKey), prefecttest.WithRequiredHeader("X-Proxy-Token", canaryHeader), prefecttest.WithCSRF())
	srv.SetBlock("a", "1")
	c, r := newClient(t, headerCfg(srv.URL(), map[string]string{"x-proxy-token": canaryHeader, "X-Team": "data"}), api.Options{})
	if _, err := c.Get(ctx(t), []string{"A", "B"}); err != nil {
		t.Fatal(err)
	}
	if err := c.Set(ctx(t), "N", []byte(canaryValue)); err != nil {
		t.Fatal(err)
	}
	if err := c.Delete(ctx(t), "N"); err != nil {
		t.Fatal(err)
	}
	if err := c.Check(ctx(t)); err != nil {
		t.Fatal(err)
	}
	for _, q := range srv.Requests() {
		if q.Header.Get("X-Proxy-Token") != canaryHeader || q.Header.Get("X-Team") != "data" || q.Header.Get("Authorization") != "Bearer "+canaryKey {
			t.Errorf("%s %s: headers %v", q.Method, q.Path, q.Header)
		}
	}
	noLeak(t, nil, r, canaryHeader)

	// Without them, the proxy refuses; the hint names the setting.
	c2, r2 := newClient(t, v2cfg(srv.URL()), api.Options{})
	_, err := c2.Get(ctx(t), []string{"a"})
	wantKind(t, err, resolve.ErrDenied)
	c3, _ := newClient(t, headerCfg(srv.URL(), map[string]string{"X-Proxy-Token": "wrong"}), api.Options{})
	_, err = c3.Get(ctx(t), []string{"a"})
	wantKind(t, err, resolve.ErrDenied)
	wantIn(t, "hint", resolve.HintText(err), "PREFECT_CLIENT_CUSTOM_HEADERS")
	noLeak(t, err, r2, canaryHeader)
}

// As in Prefect's client: a custom header wins over the client's own,
// Authorization included, except User-Agent and the CSRF headers, which
// are ignored with a warning.
func TestCustomHeaderConflicts(t *testing.T) {
	srv := prefecttest.NewV2(t, prefecttest.WithAPIKey("pnu_from_the_header"))
	srv.SetBlock("a", "1")
	c, _ := newClient(t, headerCfg(srv.URL(), map[string]string{
		"Authorization":      "Bearer pnu_from_the_header",
		"User-Agent":         "spoof",
		"prefect-csrf-token": "spoof",
	}), api.Options{})
	if _, err := c.Get(ctx(t), []string{"a"}); err != nil {
		t.Fatalf("the custom Authorization was not the one sent: %v", err)
	}
	h := srv.Requests()[0].Header
	if h.Get("User-Agent") != "prefect-secrets" || h.Get("Prefect-Csrf-Token") != "" || len(h.Values("Authorization")) != 1 {
		t.Errorf("headers %v", h)
	}
	if len(c.Warnings) != 2 {
		t.Errorf("warnings %q, want one per ignored header", c.Warnings)
	}
	for _, w := range c.Warnings {
		wantIn(t, "warning", w, "PREFECT_CLIENT_CUSTOM_HEADERS", "ignored")
		if strings.Contains(w, "spoof") {
			t.Errorf("a warning shows a header's value: %s", w)
		}
	}
}

func TestCustomHeadersRefused(t *testing.T) {
	for name, h := range map[string]map[string]string{
		"bad name":        {"X Bad": canaryHeader},
		"value with a LF": {"X-Ok": canaryHeader + "\nX-Injected: 1"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := api.New(headerCfg("https://prefect.example.com/api", h), api.Options{})
			wantKind(t, err, resolve.ErrConfig)
			wantIn(t, "error", err.Error(), "PREFECT_CLIENT_CUSTOM_HEADERS")
			noLeak(t, err, nil, canaryHeader)
		})
	}
	// A custom header is a credential: not over plain HTTP to another host.
	_, err := api.New(&prefect.Config{Version: prefect.V2, URL: "http://prefect.example.com/api",
		CustomHeaders: map[string]resolve.Secret{"X-Proxy-Token": resolve.NewSecret([]byte(canaryHeader))}}, api.Options{})
	wantKind(t, err, resolve.ErrConfig)
	noLeak(t, err, nil, canaryHeader)
}

// --- redaction of every form on the wire (issue 10, item 1) ---

func TestEchoedCredentialsAreRedacted(t *testing.T) {
	basic := base64.StdEncoding.EncodeToString([]byte(canaryAuth))
	cases := []struct {
		name  string
		srv   func(t *testing.T) *prefecttest.V2
		cfg   func(url string) *prefect.Config
		echo  []string
		forms []string
	}{
		{"basic auth", func(t *testing.T) *prefecttest.V2 {
			return prefecttest.NewV2(t, prefecttest.WithAuthString(canaryAuth))
		},
			func(url string) *prefect.Config {
				cfg := v2cfg(url)
				cfg.AuthString, cfg.AuthStringFrom = resolve.NewSecret([]byte(canaryAuth)), authFrom
				return cfg
			}, []string{"Authorization"}, []string{basic, strings.TrimRight(basic, "="), "YWRtaW46"}},
		{"bearer key", func(t *testing.T) *prefecttest.V2 { return prefecttest.NewV2(t, prefecttest.WithAPIKey(canaryKey)) },
			v2cfg, []string{"Authorization"}, []string{canaryKey}},
		{"custom header", func(t *testing.T) *prefecttest.V2 { return prefecttest.NewV2(t, prefecttest.WithAPIKey(canaryKey)) },
			func(url string) *prefect.Config {
				return headerCfg(url, map[string]string{"X-Proxy-Token": canaryHeader})
			},
			[]string{"X-Proxy-Token"}, []string{canaryHeader}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := tc.srv(t)
			srv.Script(prefecttest.Response{Status: 404, Echo: tc.echo})
			c, r := newClient(t, tc.cfg(srv.URL()), api.Options{})
			_, err := c.Get(ctx(t), []string{"k"})
			wantKind(t, err, resolve.ErrUnavailable)
			// The server's words are shown, with the credential cut out.
			wantIn(t, "error", err.Error(), "404", "you sent", tc.echo[0]+": ", resolve.Redacted)
			noLeak(t, err, r, tc.forms...)
		})
	}
	t.Run("CSRF token", func(t *testing.T) {
		srv, c, r := v2(t, prefecttest.WithCSRF())
		if _, err := c.Get(ctx(t), []string{"a", "b"}); err != nil {
			t.Fatal(err)
		}
		token := srv.Requests()[2].Header.Get("Prefect-Csrf-Token")
		srv.Script(prefecttest.Response{Status: 418, Echo: []string{"Prefect-Csrf-Token"}})
		_, err := c.Get(ctx(t), []string{"a", "b"})
		wantKind(t, err, resolve.ErrUnavailable)
		wantIn(t, "error", err.Error(), "418", "Prefect-Csrf-Token: "+resolve.Redacted)
		noLeak(t, err, r, token)
	})
}

// --- TLS (issue 11, item 3) ---

func writeCA(t *testing.T, pem []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(path, pem, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestTLSPrivateCA(t *testing.T) {
	srv := prefecttest.NewV2TLS(t, prefecttest.WithAPIKey(canaryKey))
	srv.SetBlock("k", canaryValue)
	caFile := writeCA(t, srv.CertPEM())

	t.Run("trusted through PREFECT_API_SSL_CERT_FILE", func(t *testing.T) {
		cfg := v2cfg(srv.URL())
		cfg.SSLCertFile, cfg.SSLCertFileFrom = caFile, "env PREFECT_API_SSL_CERT_FILE"
		c, r := newClient(t, cfg, api.Options{})
		got, err := c.Get(ctx(t), []string{"k"})
		if v, _ := reveal(got, "k"); err != nil || v != canaryValue {
			t.Fatalf("Get: %v", err)
		}
		if len(c.Warnings) != 0 {
			t.Errorf("warnings %q", c.Warnings)
		}
		noLeak(t, nil, r)
	})
	t.Run("refused without it, naming the setting", func(t *testing.T) {
		before := len(srv.Requests())
		c, r := newClient(t, v2cfg(srv.URL()), api.Options{})
		_, err := c.Get(ctx(t), []string{"k"})
		wantKind(t, err, resolve.ErrUnavailable)
		wantIn(t, "error", err.Error(), "not trusted", "certificate", srv.Addr())
		wantIn(t, "hint", resolve.HintText(err), "PREFECT_API_SSL_CERT_FILE")
		if n := len(srv.Requests()) - before; n != 0 {
			t.Errorf("%d requests reached a server whose certificate was refused", n)
		}
		if len(r.Logs()) != 1 {
			t.Errorf("log %q: a certificate refusal is not retried", r.Logs())
		}
		noLeak(t, err, r)
	})
	t.Run("another CA's bundle is the only one trusted", func(t *testing.T) {
		other := prefecttest.NewV2TLS(t)
		cfg := v2cfg(srv.URL())
		cfg.SSLCertFile, cfg.SSLCertFileFrom = writeCA(t, other.CertPEM()), "env PREFECT_API_SSL_CERT_FILE"
		c, _ := newClient(t, cfg, api.Options{})
		_, err := c.Get(ctx(t), []string{"k"})
		wantKind(t, err, resolve.ErrUnavailable)
		wantIn(t, "hint", resolve.HintText(err), "PREFECT_API_SSL_CERT_FILE (from env PREFECT_API_SSL_CERT_FILE) is the only CA bundle trusted")
	})
	t.Run("insecure skip verify connects, and warns", func(t *testing.T) {
		cfg := v2cfg(srv.URL())
		cfg.InsecureSkipVerify, cfg.InsecureSkipVerifyFrom = true, "env PREFECT_API_TLS_INSECURE_SKIP_VERIFY"
		c, _ := newClient(t, cfg, api.Options{})
		if _, err := c.Get(ctx(t), []string{"k"}); err != nil {
			t.Fatal(err)
		}
		if len(c.Warnings) != 1 {
			t.Fatalf("warnings %q, want one", c.Warnings)
		}
		wantIn(t, "warning", c.Warnings[0], "PREFECT_API_TLS_INSECURE_SKIP_VERIFY", "env PREFECT_API_TLS_INSECURE_SKIP_VERIFY", "off")
	})
	t.Run("a bundle that cannot be used is a configuration error", func(t *testing.T) {
		dir := t.TempDir()
		notPEM := filepath.Join(dir, "not.pem")
		os.WriteFile(notPEM, []byte("not a certificate"), 0o644)
		for _, path := range []string{filepath.Join(dir, "missing.pem"), notPEM, dir} {
			cfg := v2cfg(srv.URL())
			cfg.SSLCertFile, cfg.SSLCertFileFrom = path, "env PREFECT_API_SSL_CERT_FILE"
			_, err := api.New(cfg, api.Options{})
			wantKind(t, err, resolve.ErrConfig)
			wantIn(t, "error", err.Error(), "PREFECT_API_SSL_CERT_FILE")
		}
	})
}

// --- Prefect 1 (issue 11, item 7) ---

func TestV1AsksTheTenantOnce(t *testing.T) {
	srv := prefecttest.NewV1(t, prefecttest.WithV1APIKey(canaryKey), prefecttest.WithTenant("t-77"))
	srv.SetSecret("A", "a")
	cfg := v1cfg(srv.URL())
	cfg.TenantID, cfg.TenantIDFrom = "", ""
	c, r := newClient(t, cfg, api.Options{})
	for range 2 {
		if got, err := c.Get(ctx(t), []string{"A"}); err != nil || len(got) != 1 {
			t.Fatalf("Get = %v, %v", got, err)
		}
	}
	reqs := srv.Requests()
	if len(reqs) != 3 {
		t.Fatalf("%d requests, want auth_info then two reads", len(reqs))
	}
	if q, _ := gql(t, reqs[0]); q != "query { auth_info { tenant_id } }" || reqs[0].Header.Get("X-Prefect-Tenant-Id") != "" {
		t.Errorf("first request %q (tenant %q)", q, reqs[0].Header.Get("X-Prefect-Tenant-Id"))
	}
	for _, q := range reqs[1:] {
		if h := q.Header.Get("X-Prefect-Tenant-Id"); h != "t-77" {
			t.Errorf("tenant header %q, want the key's t-77", h)
		}
	}
	noLeak(t, nil, r)

	// No key: nothing to ask, no tenant.
	open := prefecttest.NewV1(t)
	c2, _ := newClient(t, &prefect.Config{Version: prefect.V1, URL: open.URL()}, api.Options{})
	if _, err := c2.Names(ctx(t)); err != nil {
		t.Fatal(err)
	}
	if n := open.Count(); n != 1 {
		t.Errorf("%d requests without a key, want 1", n)
	}
	// An old API token has no tenant (null): no header, no error.
	tok := prefecttest.NewV1(t, prefecttest.WithV1APIKey(canaryKey))
	tok.Script(prefecttest.Response{Body: `{"data":{"auth_info":{"tenant_id":null}}}`})
	c3, _ := newClient(t, cfg3(tok.URL()), api.Options{})
	if _, err := c3.Names(ctx(t)); err != nil {
		t.Fatal(err)
	}
	if h := tok.Requests()[1].Header.Get("X-Prefect-Tenant-Id"); h != "" {
		t.Errorf("tenant header %q for a token", h)
	}
}

func cfg3(url string) *prefect.Config {
	cfg := v1cfg(url)
	cfg.TenantID = ""
	return cfg
}

// GraphQL answers whose errors say API_ERROR are tried again, as Prefect
// 1.4.1 does, waiting 0.25 s, then 0.5 s, ...
func TestV1APIErrorRetried(t *testing.T) {
	apiErr := prefecttest.Response{Body: `{"data":null,"errors":[{"message":"API_ERROR: try again","extensions":{"code":"API_ERROR"}}]}`}
	srv, c, r := v1(t)
	srv.SetSecret("A", "a")
	srv.Script(apiErr, apiErr)
	got, err := c.Get(ctx(t), []string{"A"})
	if v, _ := reveal(got, "A"); err != nil || v != "a" {
		t.Fatalf("Get = %q, %v", v, err)
	}
	s := r.Sleeps()
	if len(s) != 2 || s[0] < 200_000_000 || s[0] > 300_000_000 || s[1] < 400_000_000 || s[1] > 600_000_000 {
		t.Errorf("waits %v, want about 0.25s then 0.5s", s)
	}
	// Always API_ERROR: bounded, and said.
	srv2, c2, r2 := v1(t)
	for range 7 {
		srv2.Script(apiErr)
	}
	_, err = c2.Get(ctx(t), []string{"A"})
	wantKind(t, err, resolve.ErrUnavailable)
	wantIn(t, "error", err.Error(), "API_ERROR")
	if n := srv2.Count(); n != 7 {
		t.Errorf("%d requests, want 7", n)
	}
	noLeak(t, err, r2)
}

// --- the mask (issue 11, item 8) ---

func TestSettingTheMaskIsRefused(t *testing.T) {
	srv, c, r := v2(t)
	srv.SetBlock("k", "old")
	err := c.Set(ctx(t), "K", []byte(api.Obfuscated))
	wantKind(t, err, resolve.ErrBadInput)
	wantIn(t, "error", err.Error(), "********", "keeps the old value")
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("%d requests before refusing", n)
	}
	noLeak(t, err, r)
	// Near misses are values like any other.
	for _, v := range []string{"*******", "*********", "********\n", " ********"} {
		if err := c.Set(ctx(t), "K", []byte(v)); err != nil {
			t.Errorf("Set(%q): %v", v, err)
		}
		if got, _ := srv.Block("k"); got != v {
			t.Errorf("k = %q, want %q", got, v)
		}
	}
	// Prefect 1 has no mask: stored as given.
	srv1, c1, _ := v1(t)
	if err := c1.Set(ctx(t), "K", []byte(api.Obfuscated)); err != nil {
		t.Fatal(err)
	}
	if v, _ := srv1.Secret("K"); v != api.Obfuscated {
		t.Errorf("V1 K = %v", v)
	}
}

// Requests of one client at once, each refused for want of a token: one
// token is fetched, and every request goes through with it (the server
// keeps one token per client id, so a second fetch would void the first).
func TestCSRFConcurrentRequestsShareOneToken(t *testing.T) {
	srv, c, r := v2(t, prefecttest.WithCSRF())
	srv.SetBlock("a", "1")
	srv.SetBlock("b", "2")
	const n = 8
	srv.HoldFirst(n) // all n are refused together, before any token exists
	errs := make(chan error, n)
	for range n {
		go func() {
			_, err := c.Get(ctx(t), []string{"A", "B"})
			errs <- err
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	if got := srv.Count("GET", "/csrf-token"); got != 1 {
		t.Errorf("%d token requests for %d requests at once, want 1", got, n)
	}
	noLeak(t, nil, r)
}
