package prefect

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prefect-secrets/prefect-secrets/resolve"
)

// Expected slugs are python-slugify 8's, as Prefect 1's client calls it.
func TestAuthSlug(t *testing.T) {
	for in, want := range map[string]string{
		"http://localhost:4200":          "localhost-4200",
		"https://api.prefect.io":         "api.prefect.io",
		"https://API.Prefect.IO/graphql": "api.prefect.io",
		"http://127.0.0.1:4200/api":      "127.0.0.1-4200",
		"http://[::1]:4200/":             "1-4200",
		"http://user@host:8080/":         "user-host-8080",
		"http://it's.example/":           "it-s.example",
		"http://host..x--y/":             "host..x-y",
	} {
		if got := authSlug(in); got != want {
			t.Errorf("authSlug(%q) = %q, want %q", in, got, want)
		}
	}
	if got := dropDigitCommas("1,2,3,a,4"); got != "123,a,4" {
		t.Errorf("dropDigitCommas = %q", got)
	}
}

// auth.toml is keyed by the slug: a server on localhost:4200 has its
// logins under ["localhost-4200"], not ["localhost:4200"].
func TestV1AuthTomlSlug(t *testing.T) {
	w := newWorld(t)
	w.file(".prefect/auth.toml", `["localhost:4200"]
api_key = "wrong-table"

[localhost-4200]
api_key = "slug-key"
tenant_id = "slug-tenant"
`)
	w.setenv("PREFECT__CLOUD__USE_LOCAL_SECRETS=false", "PREFECT__CLOUD__API=http://localhost:4200")
	c := w.mustLoad()
	if string(c.Key.Reveal()) != "slug-key" || c.TenantID != "slug-tenant" || !strings.HasPrefix(c.KeyFrom, "[localhost-4200] in ") {
		t.Fatalf("key from %q, tenant %q", c.KeyFrom, c.TenantID)
	}
}

// auth.toml is in home_dir, which the user config (or PREFECT__HOME_DIR)
// may move; $VARS and ~ in it expand as Prefect 1 expands them.
func TestV1HomeDir(t *testing.T) {
	w := newWorld(t)
	w.file("p1home/auth.toml", "[\"api.prefect.io\"]\napi_key = \"moved-key\"\n")
	w.file(".prefect/config.toml", "home_dir = \"$MYBASE/p1home\"\n[cloud]\nuse_local_secrets = false\n")
	w.setenv("MYBASE=" + w.home)
	c := w.mustLoad()
	if string(c.Key.Reveal()) != "moved-key" || !strings.Contains(c.KeyFrom, filepath.Join(w.home, "p1home", "auth.toml")) {
		t.Fatalf("key from %q", c.KeyFrom)
	}
	w2 := newWorld(t)
	w2.file("other/auth.toml", "[\"api.prefect.io\"]\napi_key = \"env-home-key\"\n")
	w2.setenv("PREFECT__CLOUD__USE_LOCAL_SECRETS=false", "PREFECT__HOME_DIR=~/other")
	if c := w2.mustLoad(); string(c.Key.Reveal()) != "env-home-key" {
		t.Fatalf("PREFECT__HOME_DIR: key from %q", c.KeyFrom)
	}
}

// Prefect 1 asks its API only for backend == "cloud", exactly, and
// use_local_secrets False (the TOML false, or "false" in any case).
func TestV1BackendAndUseLocalExact(t *testing.T) {
	for _, c := range []struct {
		env []string
		on  bool
	}{
		{[]string{"PREFECT__CLOUD__USE_LOCAL_SECRETS=false"}, true},
		{[]string{"PREFECT__CLOUD__USE_LOCAL_SECRETS=FALSE"}, true},
		{[]string{"PREFECT__CLOUD__USE_LOCAL_SECRETS= false"}, false},
		{[]string{"PREFECT__CLOUD__USE_LOCAL_SECRETS=0"}, false},
		{[]string{"PREFECT__CLOUD__USE_LOCAL_SECRETS=false", "PREFECT__BACKEND=cloud"}, true},
		{[]string{"PREFECT__CLOUD__USE_LOCAL_SECRETS=false", "PREFECT__BACKEND=Cloud"}, false},
		{[]string{"PREFECT__CLOUD__USE_LOCAL_SECRETS=false", "PREFECT__BACKEND="}, false},
		{[]string{"PREFECT__CLOUD__USE_LOCAL_SECRETS=false", "PREFECT__BACKEND=server"}, false},
	} {
		w := newWorld(t)
		w.setenv(c.env...)
		_, err := w.load()
		if on := err == nil; on != c.on {
			t.Errorf("%q: API on = %v (%v), want %v", c.env, on, err, c.on)
		}
	}
}

// cloud.request_timeout (default 15) fills RequestTimeout for Prefect 1.
func TestV1RequestTimeout(t *testing.T) {
	w := newWorld(t)
	w.setenv("PREFECT__CLOUD__USE_LOCAL_SECRETS=false")
	if c := w.mustLoad(); c.RequestTimeout != 0 || c.RequestTimeoutFrom != "" {
		t.Errorf("default: %v from %q, want zero (Prefect 1's 15 s)", c.RequestTimeout, c.RequestTimeoutFrom)
	}
	p := w.file(".prefect/config.toml", "[cloud]\nrequest_timeout = 30\n")
	if c := w.mustLoad(); c.RequestTimeout != 30*time.Second || c.RequestTimeoutFrom != "cloud.request_timeout in "+p {
		t.Errorf("file: %v from %q", c.RequestTimeout, c.RequestTimeoutFrom)
	}
	w.setenv("PREFECT__CLOUD__REQUEST_TIMEOUT=2.5")
	if c := w.mustLoad(); c.RequestTimeout != 2500*time.Millisecond || c.RequestTimeoutFrom != "env PREFECT__CLOUD__REQUEST_TIMEOUT" {
		t.Errorf("env: %v from %q", c.RequestTimeout, c.RequestTimeoutFrom)
	}
	w.setenv("PREFECT__CLOUD__REQUEST_TIMEOUT=soon")
	if _, err := w.load(); !errors.Is(err, resolve.ErrConfig) || !strings.Contains(err.Error(), "cloud.request_timeout from env PREFECT__CLOUD__REQUEST_TIMEOUT") {
		t.Errorf("malformed: %v", err)
	}
}
