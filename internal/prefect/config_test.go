package prefect

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prefect-secrets/prefect-secrets/resolve"
)

// A world is a user's machine: a home directory, a working directory
// (where Prefect 3 reads .env, prefect.toml and pyproject.toml) and the
// environment.
type world struct {
	t        *testing.T
	home     string
	dir      string
	env      []string
	warnings []string
}

func newWorld(t *testing.T) *world {
	root := t.TempDir()
	w := &world{t: t, home: filepath.Join(root, "home"), dir: filepath.Join(root, "work")}
	for _, d := range []string{w.home, w.dir} {
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	return w
}

// workFile writes a file in the working directory.
func (w *world) workFile(rel, content string) string {
	w.t.Helper()
	p := filepath.Join(w.dir, rel)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		w.t.Fatal(err)
	}
	return p
}

func (w *world) settings() Settings {
	return Settings{Environ: w.env, Home: w.home, Dir: w.dir,
		UserConfigPath: filepath.Join(w.home, ".prefect", "config.toml"),
		Warn:           func(line string) { w.warnings = append(w.warnings, line) }}
}

func (w *world) file(rel, content string) string {
	w.t.Helper()
	p := filepath.Join(w.home, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		w.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		w.t.Fatal(err)
	}
	return p
}

func (w *world) setenv(kv ...string) { w.env = append(w.env, kv...) }

func (w *world) load() (*Config, error) {
	return Load(w.settings())
}

func (w *world) mustLoad() *Config {
	w.t.Helper()
	c, err := w.load()
	if err != nil {
		w.t.Fatalf("Load: %v", err)
	}
	return c
}

const profiles = `active = "dev"

[profiles.dev]
PREFECT_API_URL = "http://127.0.0.1:4200/api"

[profiles.prod]
PREFECT_API_URL = "https://api.prefect.cloud/api/accounts/a/workspaces/w"
PREFECT_API_KEY = "pnu_profile_key"
`

func TestNothingConfiguredIsAbsent(t *testing.T) {
	w := newWorld(t)
	_, err := w.load()
	var ae *resolve.AbsentError
	if !errors.As(err, &ae) || ae.KindIfNamed != resolve.ErrConfig {
		t.Fatalf("Load with nothing configured: %v, want an AbsentError that is a config error when named", err)
	}
}

func TestV2ActiveProfile(t *testing.T) {
	w := newWorld(t)
	path := w.file(".prefect/profiles.toml", profiles)
	c := w.mustLoad()
	if c.Version != V2 || c.URL != "http://127.0.0.1:4200/api" || c.Profile != "dev" {
		t.Fatalf("got %+v", c)
	}
	if !strings.Contains(c.URLFrom, `profile "dev" in `+path) {
		t.Errorf("URLFrom = %q", c.URLFrom)
	}
	if c.Key.Len() != 0 || c.KeyFrom != "" {
		t.Errorf("no key expected, got one from %q", c.KeyFrom)
	}
}

func TestV2ProfileFromEnvAndEnvOverProfile(t *testing.T) {
	w := newWorld(t)
	w.file(".prefect/profiles.toml", profiles)
	w.setenv("PREFECT_PROFILE=prod")
	c := w.mustLoad()
	if c.URL != "https://api.prefect.cloud/api/accounts/a/workspaces/w" || string(c.Key.Reveal()) != "pnu_profile_key" {
		t.Fatalf("PREFECT_PROFILE=prod: URL %q key from %q", c.URL, c.KeyFrom)
	}
	w.setenv("PREFECT_API_KEY=pnu_env_key", "PREFECT_API_URL=https://example.test/api")
	c = w.mustLoad()
	if c.URL != "https://example.test/api" || c.URLFrom != "env PREFECT_API_URL" {
		t.Errorf("env URL should win: %q from %q", c.URL, c.URLFrom)
	}
	if string(c.Key.Reveal()) != "pnu_env_key" || c.KeyFrom != "env PREFECT_API_KEY" {
		t.Errorf("env key should win, from %q", c.KeyFrom)
	}
	if strings.Contains(c.Describe(), "pnu_") {
		t.Errorf("Describe shows the key: %s", c.Describe())
	}
}

// A profile that the file does not define is not an error: as Prefect's
// Settings() does, the built-in default profile (which sets no API URL) is
// used, with Prefect's warning.
func TestV2UnknownProfileFallsBack(t *testing.T) {
	w := newWorld(t)
	w.file(".prefect/profiles.toml", profiles)
	w.setenv("PREFECT_PROFILE=staging")
	_, err := w.load()
	var ae *resolve.AbsentError
	if !errors.As(err, &ae) || !strings.Contains(ae.Reason, `profile "staging" (env PREFECT_PROFILE) is not defined in`) {
		t.Fatalf("unknown profile: %v, want the API not configured, saying why", err)
	}
	if len(w.warnings) != 1 || !strings.Contains(w.warnings[0], `Prefect profile "staging" (env PREFECT_PROFILE) is not in `) {
		t.Errorf("warnings: %q", w.warnings)
	}
	w.setenv("PREFECT_API_URL=http://127.0.0.1:4200/api")
	if c := w.mustLoad(); c.URL != "http://127.0.0.1:4200/api" {
		t.Errorf("with PREFECT_API_URL in the env: %+v", c)
	}
}

func TestV2ProfilesPathAndHome(t *testing.T) {
	w := newWorld(t)
	p := w.file("elsewhere/p.toml", profiles)
	w.setenv("PREFECT_PROFILES_PATH=" + p)
	if c := w.mustLoad(); c.URL != "http://127.0.0.1:4200/api" {
		t.Errorf("PREFECT_PROFILES_PATH not read: %+v", c)
	}
	w2 := newWorld(t)
	w2.file("ph/profiles.toml", profiles)
	w2.setenv("PREFECT_HOME=" + filepath.Join(w2.home, "ph"))
	if c := w2.mustLoad(); c.URL != "http://127.0.0.1:4200/api" {
		t.Errorf("PREFECT_HOME not read: %+v", c)
	}
}

func TestV2BrokenProfilesFile(t *testing.T) {
	w := newWorld(t)
	w.file(".prefect/profiles.toml", "active = \n PREFECT_API_KEY = pnu_leak")
	_, err := w.load()
	if !errors.Is(err, resolve.ErrConfig) || strings.Contains(err.Error(), "pnu_leak") {
		t.Fatalf("broken profiles.toml: %v", err)
	}
}

func TestV2AuthStringAndURLFlag(t *testing.T) {
	w := newWorld(t)
	w.setenv("PREFECT_API_URL=http://127.0.0.1:4200/api", "PREFECT_API_AUTH_STRING=admin:pass")
	st := w.settings()
	st.URLFlag = "http://localhost:9999/api"
	c, err := Load(st)
	if err != nil {
		t.Fatal(err)
	}
	if c.URL != "http://localhost:9999/api" || c.URLFrom != "--api-url" || string(c.AuthString.Reveal()) != "admin:pass" {
		t.Errorf("got URL %q from %q, auth from %q", c.URL, c.URLFrom, c.AuthStringFrom)
	}
}

func TestV2BadURL(t *testing.T) {
	w := newWorld(t)
	w.setenv("PREFECT_API_URL=api.prefect.cloud")
	if _, err := w.load(); !errors.Is(err, resolve.ErrConfig) {
		t.Fatalf("a URL without scheme: %v, want a config error", err)
	}
}

func TestV1UseLocalSecrets(t *testing.T) {
	w := newWorld(t)
	w.file(".prefect/config.toml", "[cloud]\nuse_local_secrets = true\napi_key = \"k1\"\n")
	if _, err := w.load(); err == nil {
		t.Fatal("use_local_secrets = true must leave the API off")
	}
	w.setenv("PREFECT__CLOUD__USE_LOCAL_SECRETS=false")
	c := w.mustLoad()
	if c.Version != V1 || c.URL != "https://api.prefect.io" || string(c.Key.Reveal()) != "k1" {
		t.Fatalf("env use_local_secrets=false: %+v", c)
	}
	// The key Prefect lower-cases: any case of the variable's name counts.
	w2 := newWorld(t)
	w2.setenv("PREFECT__cloud__USE_LOCAL_SECRETS=False")
	if c := w2.mustLoad(); c.Version != V1 {
		t.Fatal("PREFECT__cloud__USE_LOCAL_SECRETS=False not read")
	}
}

func TestV1BackendServerHasNoSecrets(t *testing.T) {
	w := newWorld(t)
	w.file(".prefect/backend.toml", "backend = \"server\"\n")
	w.setenv("PREFECT__CLOUD__USE_LOCAL_SECRETS=false")
	if _, err := w.load(); err == nil {
		t.Fatal("backend server must leave the API off (Prefect Server has no secrets)")
	}
}

func TestV1AuthTomlPerHost(t *testing.T) {
	w := newWorld(t)
	path := w.file(".prefect/auth.toml", `["api.prefect.io"]
api_key = "key-for-prefect-io"
tenant_id = "tenant-a"

["api.other.test"]
api_key = "key-for-other"
tenant_id = "tenant-b"
`)
	w.setenv("PREFECT__CLOUD__USE_LOCAL_SECRETS=false")
	c := w.mustLoad()
	if string(c.Key.Reveal()) != "key-for-prefect-io" || c.TenantID != "tenant-a" || !strings.Contains(c.KeyFrom, path) {
		t.Fatalf("default host: key from %q, tenant %q", c.KeyFrom, c.TenantID)
	}
	w.setenv("PREFECT__CLOUD__API=https://api.other.test")
	c = w.mustLoad()
	if string(c.Key.Reveal()) != "key-for-other" || c.TenantID != "tenant-b" {
		t.Fatalf("other host: key from %q, tenant %q", c.KeyFrom, c.TenantID)
	}
	w.setenv("PREFECT__CLOUD__API_KEY=explicit")
	if c := w.mustLoad(); string(c.Key.Reveal()) != "explicit" || c.KeyFrom != "env PREFECT__CLOUD__API_KEY" {
		t.Errorf("an explicit key must win over auth.toml, got one from %q", c.KeyFrom)
	}
}

func TestV2WinsOverV1(t *testing.T) {
	w := newWorld(t)
	w.setenv("PREFECT__CLOUD__USE_LOCAL_SECRETS=false", "PREFECT_API_URL=http://127.0.0.1:4200/api")
	if c := w.mustLoad(); c.Version != V2 {
		t.Fatalf("with both configured, Prefect 2/3 wins: got %v", c.Version)
	}
}

func TestBlockName(t *testing.T) {
	for in, want := range map[string]string{"MY_API_KEY": "my-api-key", "slack-url": "slack-url", "Db2": "db2"} {
		if got, ok := BlockName(in); !ok || got != want {
			t.Errorf("BlockName(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, in := range []string{"a.b", "über", ""} {
		if _, ok := BlockName(in); ok {
			t.Errorf("BlockName(%q) ok, want no valid block name", in)
		}
	}
}

func TestLoopback(t *testing.T) {
	for u, want := range map[string]bool{
		"http://127.0.0.1:4200/api": true, "http://localhost/api": true, "http://[::1]:80/": true,
		"http://example.com/api": false, "http://127.example.com/": false, "http://10.0.0.1/": false,
	} {
		if got := Loopback(u); got != want {
			t.Errorf("Loopback(%q) = %v", u, got)
		}
	}
}
