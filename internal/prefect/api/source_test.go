package api_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/prefect-secrets/prefect-secrets/internal/prefect"
	"github.com/prefect-secrets/prefect-secrets/internal/prefect/api"
	"github.com/prefect-secrets/prefect-secrets/internal/testkit/prefecttest"
	"github.com/prefect-secrets/prefect-secrets/resolve"
)

// source is a Source configured from the environment env, as commands
// build it, with its log and warnings recorded.
func source(t *testing.T, env ...string) (*api.Source, *rec, *[]string) {
	t.Helper()
	r := &rec{}
	var warnings []string
	s := &api.Source{
		Settings: prefect.Settings{Environ: env, Home: t.TempDir()},
		Timeout:  30 * time.Second,
		Log:      r.log,
		Warn:     func(line string) { warnings = append(warnings, line) },
	}
	return s, r, &warnings
}

func TestSourceRoundTripV2(t *testing.T) {
	srv := prefecttest.NewV2(t, prefecttest.WithAPIKey(canaryKey))
	srv.SetBlock("my-api-key", canaryValue)
	srv.SetBlock("cfg", map[string]any{"a": 1})
	s, r, warnings := source(t, "PREFECT_API_URL="+srv.URL(), "PREFECT_API_KEY="+canaryKey)

	got, err := s.Lookup(ctx(t), []string{"MY_API_KEY", "CFG", "MISSING"})
	if err != nil {
		t.Fatalf("Lookup: %v", err)
	}
	if v := got["MY_API_KEY"]; string(v.Reveal()) != canaryValue || v.IsJSON() {
		t.Errorf("MY_API_KEY = %q json %v", v.Reveal(), v.IsJSON())
	}
	if v := got["CFG"]; string(v.Reveal()) != `{"a":1}` || !v.IsJSON() {
		t.Errorf("CFG = %q json %v", v.Reveal(), v.IsJSON())
	}
	if _, ok := got["MISSING"]; ok || len(got) != 2 {
		t.Errorf("values for %d names", len(got))
	}
	if n := srv.Count("POST", "/block_documents/filter"); n != 1 {
		t.Errorf("%d filter requests for three names, want 1", n)
	}
	if logs := r.Logs(); len(logs) != 1 || !logLineRE.MatchString(logs[0]) {
		t.Errorf("log %q", logs)
	}

	names, err := s.Names(ctx(t))
	if err != nil || strings.Join(names, ",") != "cfg,my-api-key" {
		t.Errorf("Names: %q, %v", names, err)
	}
	if has, err := s.Has(ctx(t), "MY_API_KEY"); err != nil || !has {
		t.Errorf("Has(MY_API_KEY) = %v, %v", has, err)
	}
	if has, err := s.Has(ctx(t), "NOPE"); err != nil || has {
		t.Errorf("Has(NOPE) = %v, %v", has, err)
	}
	if err := s.Set(ctx(t), "NEW_ONE", resolve.NewSecret([]byte(canaryValue))); err != nil {
		t.Fatalf("Set: %v", err)
	}
	if v, _ := srv.Block("new-one"); v != canaryValue {
		t.Errorf("new-one = %v", v)
	}
	if err := s.Delete(ctx(t), "NEW_ONE"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if _, ok := srv.Block("new-one"); ok {
		t.Errorf("new-one not deleted")
	}
	if err := s.Check(ctx(t)); err != nil {
		t.Errorf("Check: %v", err)
	}
	if len(*warnings) != 0 {
		t.Errorf("warnings for a loopback API: %q", *warnings)
	}
	noLeak(t, nil, r)
}

func TestSourceV1(t *testing.T) {
	srv := prefecttest.NewV1(t, prefecttest.WithV1APIKey(canaryKey), prefecttest.WithTenant("t1"))
	srv.SetSecret("A", map[string]any{"x": true})
	s, _, _ := source(t, "PREFECT__BACKEND=cloud", "PREFECT__CLOUD__USE_LOCAL_SECRETS=false",
		"PREFECT__CLOUD__API="+srv.URL(), "PREFECT__CLOUD__API_KEY="+canaryKey, "PREFECT__CLOUD__TENANT_ID=t1")
	got, err := s.Lookup(ctx(t), []string{"A", "B"})
	if err != nil {
		t.Fatalf("Lookup: %v", err)
	}
	if v := got["A"]; string(v.Reveal()) != `{"x":true}` || !v.IsJSON() || len(got) != 1 {
		t.Errorf("A = %q json %v, %d values", v.Reveal(), v.IsJSON(), len(got))
	}
	if srv.Count() != 1 {
		t.Errorf("%d requests for two names, want 1", srv.Count())
	}
}

// A configuration that stops the client (a key over plain HTTP to another
// host) is an error of its kind before any request; an allowed one warns
// whatever the verbosity, once.
func TestSourcePlainHTTPRuleAndWarning(t *testing.T) {
	s, _, warnings := source(t, "PREFECT_API_URL=http://prefect.example.com/api", "PREFECT_API_KEY="+canaryKey)
	_, err := s.Lookup(ctx(t), []string{"A"})
	wantKind(t, err, resolve.ErrConfig)
	noLeak(t, err, nil)

	s, _, warnings = source(t, "PREFECT_API_URL=http://prefect.example.com/api", "PREFECT_API_KEY="+canaryKey)
	s.AllowHTTP = true
	// A bad value is refused before any request, so no other host is reached.
	err = s.Set(ctx(t), "A", resolve.NewSecret([]byte{0xff}))
	wantKind(t, err, resolve.ErrBadInput)
	_ = s.Set(ctx(t), "A", resolve.NewSecret([]byte{0xff}))
	if len(*warnings) != 1 || !strings.Contains((*warnings)[0], "plain HTTP") {
		t.Errorf("warnings %q, want one about plain HTTP", *warnings)
	}
}

func TestSourceNotConfigured(t *testing.T) {
	s, _, _ := source(t)
	_, err := s.Lookup(ctx(t), []string{"A"})
	var absent *resolve.AbsentError
	if !errors.As(err, &absent) {
		t.Fatalf("Lookup with no API configured: %v, want an AbsentError", err)
	}
	if w := s.Where(); !strings.Contains(w, "not configured") {
		t.Errorf("Where = %q", w)
	}
}

func TestSourceTimeoutIsTheDeadline(t *testing.T) {
	srv := prefecttest.NewV2(t)
	srv.Script(prefecttest.Response{Hang: true})
	s, _, _ := source(t, "PREFECT_API_URL="+srv.URL())
	s.Timeout = 200 * time.Millisecond
	_, err := s.Names(ctx(t))
	wantKind(t, err, resolve.ErrUnavailable)
	if !strings.Contains(err.Error(), "200ms") {
		t.Errorf("error %q does not name the deadline", err)
	}
}

// The settings come from the environment as Prefect reads them, and the
// user's --timeout (Source.Timeout) is left zero when not given: then the
// request timeout of the settings bounds each try.
func TestSourceClientSettingsFromEnv(t *testing.T) {
	srv := prefecttest.NewV2TLS(t, prefecttest.WithRequiredHeader("X-Proxy-Token", canaryHeader))
	srv.SetBlock("k", "v")
	caFile := writeCA(t, srv.CertPEM())
	s, r, warnings := source(t, "PREFECT_API_URL="+srv.URL(), "PREFECT_API_SSL_CERT_FILE="+caFile,
		`PREFECT_CLIENT_CUSTOM_HEADERS={"X-Proxy-Token": "`+canaryHeader+`"}`)
	s.Timeout = 0
	got, err := s.Lookup(ctx(t), []string{"K"})
	if err != nil || len(got) != 1 {
		t.Fatalf("Lookup = %v, %v", got, err)
	}
	if len(*warnings) != 0 {
		t.Errorf("warnings %q", *warnings)
	}
	noLeak(t, nil, r, canaryHeader)

	// The request timeout of the settings, with no --timeout.
	srv.Script(prefecttest.Response{Hang: true})
	s2, r2, _ := source(t, "PREFECT_API_URL="+srv.URL(), "PREFECT_API_SSL_CERT_FILE="+caFile,
		`PREFECT_CLIENT_CUSTOM_HEADERS={"X-Proxy-Token": "`+canaryHeader+`"}`,
		"PREFECT_API_REQUEST_TIMEOUT=0.3", "PREFECT_CLIENT_MAX_RETRIES=0")
	s2.Timeout = 0
	_, err = s2.Lookup(ctx(t), []string{"K"})
	wantKind(t, err, resolve.ErrUnavailable)
	wantIn(t, "error", err.Error(), "within 300ms (the request timeout: env PREFECT_API_REQUEST_TIMEOUT)")
	noLeak(t, err, r2, canaryHeader)
}

// PREFECT_API_TLS_INSECURE_SKIP_VERIFY warns on every run (each command
// makes its own Source).
func TestSourceInsecureWarnsEveryTime(t *testing.T) {
	srv := prefecttest.NewV2TLS(t)
	for run := range 2 {
		s, _, warnings := source(t, "PREFECT_API_URL="+srv.URL(), "PREFECT_API_TLS_INSECURE_SKIP_VERIFY=true")
		if _, err := s.Lookup(ctx(t), []string{"K"}); err != nil {
			t.Fatal(err)
		}
		_, _ = s.Names(ctx(t))
		if len(*warnings) != 1 || !strings.Contains((*warnings)[0], "TLS certificate checks are off") {
			t.Errorf("run %d: warnings %q, want the TLS one, once", run+1, *warnings)
		}
	}
}

// Over plain HTTP there is no certificate to check: the setting changes
// nothing, and no warning says it does.
func TestSourceInsecureSilentOverHTTP(t *testing.T) {
	srv := prefecttest.NewV2(t)
	s, _, warnings := source(t, "PREFECT_API_URL="+srv.URL(), "PREFECT_API_TLS_INSECURE_SKIP_VERIFY=true")
	if _, err := s.Lookup(ctx(t), []string{"K"}); err != nil {
		t.Fatal(err)
	}
	if len(*warnings) != 0 {
		t.Errorf("warnings %q for an http:// API", *warnings)
	}
}

// CheckValue refuses the mask before any request, as Set does.
func TestSourceCheckValue(t *testing.T) {
	srv := prefecttest.NewV2(t)
	s, _, _ := source(t, "PREFECT_API_URL="+srv.URL())
	err := s.CheckValue("K", resolve.NewSecret([]byte("********")))
	wantKind(t, err, resolve.ErrBadInput)
	if err := s.CheckValue("K", resolve.NewSecret([]byte("fine"))); err != nil {
		t.Errorf("CheckValue(fine) = %v", err)
	}
	wantKind(t, s.Set(ctx(t), "K", resolve.NewSecret([]byte("********"))), resolve.ErrBadInput)
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("%d requests", n)
	}
	// Not configured: nothing to say before Set.
	s2, _, _ := source(t)
	if err := s2.CheckValue("K", resolve.NewSecret([]byte("********"))); err != nil {
		t.Errorf("CheckValue without an API = %v", err)
	}
}
