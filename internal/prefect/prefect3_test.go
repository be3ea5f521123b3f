package prefect

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prefect-secrets/prefect-secrets/internal/conffile"
	"github.com/prefect-secrets/prefect-secrets/resolve"
)

func (w *world) absent() *resolve.AbsentError {
	w.t.Helper()
	_, err := w.load()
	var ae *resolve.AbsentError
	if !errors.As(err, &ae) {
		w.t.Fatalf("Load: %v, want the API not configured", err)
	}
	return ae
}

func (w *world) origins() map[string]Origin {
	w.t.Helper()
	list, err := Origins(w.settings())
	if err != nil {
		w.t.Fatalf("Origins: %v", err)
	}
	m := map[string]Origin{}
	for _, o := range list {
		m[o.Name] = o
	}
	return m
}

// prefect profile use local writes active = "local" and no table: Prefect's
// settings then come from its default profile, with no API URL, and no
// warning (local is one of Prefect's own profiles).
func TestBuiltinProfileNotInFileFallsBack(t *testing.T) {
	for _, name := range []string{"local", "ephemeral", "cloud", "test"} {
		t.Run(name, func(t *testing.T) {
			w := newWorld(t)
			w.file(".prefect/profiles.toml", "active = \""+name+"\"\n")
			ae := w.absent()
			if !strings.Contains(ae.Reason, `profile "`+name+`", active in `) || !strings.Contains(ae.Hint, "[profiles."+name+"]") {
				t.Errorf("reason: %s\nhint: %s", ae.Reason, ae.Hint)
			}
			if len(w.warnings) != 0 {
				t.Errorf("warned for one of Prefect's own profiles: %q", w.warnings)
			}
			w.setenv("PREFECT_API_URL=http://127.0.0.1:4200/api")
			if c := w.mustLoad(); c.URLFrom != "env PREFECT_API_URL" {
				t.Errorf("URL from %q", c.URLFrom)
			}
		})
	}
}

// With no profiles file at all Prefect reads its own profiles.toml, where
// "local" does set an API URL; a profiles file named but missing gives the
// default profile whatever the name.
func TestNoProfilesFileUsesPrefectsOwn(t *testing.T) {
	w := newWorld(t)
	w.setenv("PREFECT_PROFILE=local")
	c := w.mustLoad()
	if c.URL != "http://127.0.0.1:4200/api" || c.URLFrom != `PREFECT_API_URL of Prefect's built-in profile "local"` {
		t.Fatalf("got %q from %q", c.URL, c.URLFrom)
	}
	w.setenv("PREFECT_HOME=" + filepath.Join(w.home, "elsewhere"))
	if ae := w.absent(); !strings.Contains(ae.Reason, "profiles.toml does not exist") {
		t.Errorf("reason: %s", ae.Reason)
	}
}

// Prefect's order: env, .env, prefect.toml, pyproject.toml, profile. Each
// pair is checked, and where the loser is listed as shadowed.
func TestPrecedenceOfSources(t *testing.T) {
	w := newWorld(t)
	w.file(".prefect/profiles.toml", "active = \"p\"\n[profiles.p]\nPREFECT_API_URL = \"http://profile/api\"\n")
	steps := []struct {
		add  func()
		want string
		from string
	}{
		{func() {}, "http://profile/api", `PREFECT_API_URL of profile "p" in `},
		{func() { w.workFile("pyproject.toml", "[tool.prefect.api]\nurl = \"http://pyproject/api\"\n") }, "http://pyproject/api", "tool.prefect.api.url in "},
		{func() { w.workFile("prefect.toml", "[api]\nurl = \"http://prefect-toml/api\"\n") }, "http://prefect-toml/api", "api.url in "},
		{func() { w.workFile(".env", "PREFECT_API_URL=http://dotenv/api\n") }, "http://dotenv/api", "PREFECT_API_URL in "},
		{func() { w.setenv("PREFECT_API_URL=http://env/api") }, "http://env/api", "env PREFECT_API_URL"},
	}
	for i, s := range steps {
		s.add()
		c := w.mustLoad()
		if c.URL != s.want || !strings.HasPrefix(c.URLFrom, s.from) {
			t.Fatalf("step %d: URL %q from %q, want %q from %q...", i, c.URL, c.URLFrom, s.want, s.from)
		}
		o := w.origins()["PREFECT_API_URL"]
		if len(o.Shadowed) != i {
			t.Errorf("step %d: shadows %q, want the %d sources below", i, o.Shadowed, i)
		}
	}
}

// The environment and .env match names in any case (pydantic-settings
// lowers them, as Python does); a profile and prefect.toml do not.
func TestNameCase(t *testing.T) {
	w := newWorld(t)
	w.setenv("prefect_api_url=http://lower/api", "Prefect_Api_\u212aey=k")
	c := w.mustLoad()
	if c.URL != "http://lower/api" || string(c.Key.Reveal()) != "k" || c.KeyFrom != "env Prefect_Api_\u212aey" {
		t.Fatalf("got %q, key from %q", c.URL, c.KeyFrom)
	}
	w2 := newWorld(t)
	w2.workFile(".env", "prefect_api_url=http://dotenv/api\n")
	if c := w2.mustLoad(); c.URL != "http://dotenv/api" {
		t.Errorf(".env lower case: %q", c.URL)
	}
	w3 := newWorld(t)
	w3.file(".prefect/profiles.toml", "active = \"p\"\n[profiles.p]\nprefect_api_url = \"http://x/api\"\n")
	w3.workFile("prefect.toml", "PREFECT_API_URL = \"http://x/api\"\n[api]\nURL = \"http://x/api\"\n")
	w3.absent()
}

// A variable set to "" is set: it shadows the sources below it, as in
// Prefect (pydantic-settings does not ignore empty values).
func TestEmptyVariableShadows(t *testing.T) {
	w := newWorld(t)
	w.file(".prefect/profiles.toml", "active = \"p\"\n[profiles.p]\nPREFECT_API_URL = \"http://profile/api\"\nPREFECT_API_KEY = \"pk\"\n")
	w.setenv("PREFECT_API_KEY=")
	if c := w.mustLoad(); c.Key.Len() != 0 || c.KeyFrom != "" {
		t.Errorf("an empty PREFECT_API_KEY should leave no key, got one from %q", c.KeyFrom)
	}
	w.setenv("PREFECT_API_URL=")
	if ae := w.absent(); !strings.Contains(ae.Reason, "PREFECT_API_URL is set but empty (env PREFECT_API_URL)") {
		t.Errorf("reason: %s", ae.Reason)
	}
}

// PREFECT_PROFILES_PATH may come from .env (that exact name),
// prefect.toml's profiles_path and pyproject's [tool.prefect]
// profiles_path, relative to the working directory.
func TestProfilesPathFromFiles(t *testing.T) {
	prof := "active = \"p\"\n[profiles.p]\nPREFECT_API_URL = \"http://moved/api\"\n"
	for name, files := range map[string]map[string]string{
		".env":           {".env": "PREFECT_PROFILES_PATH=p.toml\n"},
		"prefect.toml":   {"prefect.toml": "profiles_path = \"p.toml\"\n"},
		"pyproject.toml": {"pyproject.toml": "[tool.prefect]\nprofiles_path = \"p.toml\"\n"},
	} {
		t.Run(name, func(t *testing.T) {
			w := newWorld(t)
			w.workFile("p.toml", prof)
			for f, content := range files {
				w.workFile(f, content)
			}
			c := w.mustLoad()
			if c.URL != "http://moved/api" {
				t.Fatalf("profiles path from %s not followed: %+v", name, c)
			}
			o := w.origins()["PREFECT_PROFILES_PATH"]
			if o.Value != filepath.Join(w.dir, "p.toml") || !strings.HasSuffix(o.From, filepath.Join(w.dir, name)) {
				t.Errorf("origin: %+v", o)
			}
		})
	}
	// Prefect reads .env's PREFECT_PROFILES_PATH by its exact name.
	w := newWorld(t)
	w.workFile("p.toml", prof)
	w.workFile(".env", "prefect_profiles_path=p.toml\n")
	w.absent()
}

// PREFECT_HOME moves profiles.toml only from the environment: Prefect's
// profile source reads it there alone. From a file it is listed, saying so.
func TestPrefectHomeFromEnvOnly(t *testing.T) {
	w := newWorld(t)
	w.file("ph/profiles.toml", "active = \"p\"\n[profiles.p]\nPREFECT_API_URL = \"http://ph/api\"\n")
	w.workFile(".env", "PREFECT_HOME="+filepath.Join(w.home, "ph")+"\n")
	w.absent()
	o := w.origins()["PREFECT_HOME"]
	if !strings.Contains(o.From, "from the environment only") {
		t.Errorf("origin: %+v", o)
	}
	w.setenv("PREFECT_HOME=" + filepath.Join(w.home, "ph"))
	if c := w.mustLoad(); c.URL != "http://ph/api" {
		t.Errorf("PREFECT_HOME from env: %+v", c)
	}
}

// Every client setting, from each kind of source, lands in its Config
// field with where it came from.
func TestClientSettings(t *testing.T) {
	w := newWorld(t)
	w.setenv("PREFECT_API_URL=http://127.0.0.1:4200/api",
		"PREFECT_API_TLS_INSECURE_SKIP_VERIFY=Yes",
		`PREFECT_CLIENT_CUSTOM_HEADERS={"X-Proxy-Auth": "hdr-secret"}`)
	w.workFile(".env", "PREFECT_API_REQUEST_TIMEOUT=1_5.5\nPREFECT_API_SSL_CERT_FILE=ca.pem\n")
	w.workFile("prefect.toml", "[client]\nmax_retries = 2\n")
	w.workFile("pyproject.toml", "[tool.prefect.client]\nretry_extra_codes = [504, \"500\"]\n")
	c := w.mustLoad()
	if !c.InsecureSkipVerify || c.InsecureSkipVerifyFrom != "env PREFECT_API_TLS_INSECURE_SKIP_VERIFY" {
		t.Errorf("insecure: %v from %q", c.InsecureSkipVerify, c.InsecureSkipVerifyFrom)
	}
	if c.RequestTimeout != 15500*time.Millisecond || !strings.HasPrefix(c.RequestTimeoutFrom, "PREFECT_API_REQUEST_TIMEOUT in ") {
		t.Errorf("timeout: %v from %q", c.RequestTimeout, c.RequestTimeoutFrom)
	}
	if c.SSLCertFile != "ca.pem" {
		t.Errorf("cert file: %q", c.SSLCertFile)
	}
	if c.MaxRetries == nil || *c.MaxRetries != 2 || !strings.HasPrefix(c.MaxRetriesFrom, "client.max_retries in ") {
		t.Errorf("retries from %q", c.MaxRetriesFrom)
	}
	if len(c.RetryExtraCodes) != 2 || c.RetryExtraCodes[0] != 500 || c.RetryExtraCodes[1] != 504 {
		t.Errorf("codes: %v from %q", c.RetryExtraCodes, c.RetryExtraCodesFrom)
	}
	if v := c.CustomHeaders["X-Proxy-Auth"]; string(v.Reveal()) != "hdr-secret" {
		t.Errorf("headers: %v", c.CustomHeaders)
	}
	// Nothing lists a header's value or the key.
	list, _ := Origins(w.settings())
	for _, o := range list {
		if strings.Contains(o.String(), "hdr-secret") {
			t.Errorf("origin shows a header's value: %s", o)
		}
	}
	if o := w.origins()["PREFECT_CLIENT_CUSTOM_HEADERS"]; o.Value != "X-Proxy-Auth (values not shown)" {
		t.Errorf("headers origin: %+v", o)
	}
	if got := w.origins()["PREFECT_API_TLS_INSECURE_SKIP_VERIFY"].Value; got != "true" {
		t.Errorf("insecure origin: %q", got)
	}
}

// Prefect's default CA bundle setting is the environment's SSL_CERT_FILE.
func TestSSLCertFileDefault(t *testing.T) {
	w := newWorld(t)
	w.setenv("PREFECT_API_URL=https://prefect.example/api", "SSL_CERT_FILE=/etc/ca.pem")
	c := w.mustLoad()
	if c.SSLCertFile != "/etc/ca.pem" || !strings.HasPrefix(c.SSLCertFileFrom, "env SSL_CERT_FILE") {
		t.Errorf("got %q from %q", c.SSLCertFile, c.SSLCertFileFrom)
	}
	w.setenv("PREFECT_API_SSL_CERT_FILE=/etc/other.pem")
	if c := w.mustLoad(); c.SSLCertFile != "/etc/other.pem" {
		t.Errorf("the setting should win over SSL_CERT_FILE: %q", c.SSLCertFile)
	}
}

// A malformed value is a configuration error that names the setting and
// where it came from, and never shows the value.
func TestMalformedSettings(t *testing.T) {
	for _, c := range []struct{ where, content, name string }{
		{"env", "PREFECT_API_TLS_INSECURE_SKIP_VERIFY=canary-yes", "PREFECT_API_TLS_INSECURE_SKIP_VERIFY"},
		{"env", "PREFECT_API_REQUEST_TIMEOUT=canary", "PREFECT_API_REQUEST_TIMEOUT"},
		{"env", "PREFECT_API_REQUEST_TIMEOUT=0", "PREFECT_API_REQUEST_TIMEOUT"},
		{"env", "PREFECT_API_REQUEST_TIMEOUT=nan", "PREFECT_API_REQUEST_TIMEOUT"},
		{"env", "PREFECT_CLIENT_MAX_RETRIES=-1", "PREFECT_CLIENT_MAX_RETRIES"},
		{"env", "PREFECT_CLIENT_MAX_RETRIES=canary", "PREFECT_CLIENT_MAX_RETRIES"},
		{"env", "PREFECT_CLIENT_RETRY_EXTRA_CODES=429,canary", "PREFECT_CLIENT_RETRY_EXTRA_CODES"},
		{"env", "PREFECT_CLIENT_RETRY_EXTRA_CODES=600", "PREFECT_CLIENT_RETRY_EXTRA_CODES"},
		{"env", "PREFECT_CLIENT_CUSTOM_HEADERS=canary", "PREFECT_CLIENT_CUSTOM_HEADERS"},
		{"env", `PREFECT_CLIENT_CUSTOM_HEADERS={"X": 1}`, "PREFECT_CLIENT_CUSTOM_HEADERS"},
		{"env", `PREFECT_CLIENT_CUSTOM_HEADERS={"Authorization: canary": "v"}`, "PREFECT_CLIENT_CUSTOM_HEADERS"},
		{"env", `PREFECT_CLIENT_CUSTOM_HEADERS={"X": "canary\r\nInjected: 1"}`, "PREFECT_CLIENT_CUSTOM_HEADERS"},
		{"prefect.toml", "[api]\nkey = 12345\n", "PREFECT_API_KEY"},
		{"prefect.toml", "[api]\ntls_insecure_skip_verify = 2\n", "PREFECT_API_TLS_INSECURE_SKIP_VERIFY"},
		{"pyproject.toml", "[tool.prefect.client]\ncustom_headers = {X = 1}\n", "PREFECT_CLIENT_CUSTOM_HEADERS"},
		{"profile", "PREFECT_CLIENT_RETRY_EXTRA_CODES = \"[500]\"\n", "PREFECT_CLIENT_RETRY_EXTRA_CODES"},
	} {
		w := newWorld(t)
		w.setenv("PREFECT_API_URL=http://127.0.0.1:4200/api")
		from := "env " + c.name
		switch c.where {
		case "env":
			w.setenv(c.content)
		case "profile":
			w.setenv("PREFECT_API_URL=")
			p := w.file(".prefect/profiles.toml", "active = \"p\"\n[profiles.p]\nPREFECT_API_URL = \"http://127.0.0.1:4200/api\"\n"+c.content)
			from = c.name + ` of profile "p" in ` + p
		default:
			from = filepath.Join(w.dir, c.where)
			w.workFile(c.where, c.content)
		}
		_, err := w.load()
		if !errors.Is(err, resolve.ErrConfig) || !strings.Contains(err.Error(), "Prefect setting "+c.name+" from ") ||
			!strings.Contains(err.Error(), from) {
			t.Errorf("%s %q: %v, want a config error naming %s and %s", c.where, c.content, err, c.name, from)
			continue
		}
		if strings.Contains(err.Error(), "canary") || strings.Contains(err.Error(), "12345") {
			t.Errorf("%q: the error shows the value: %v", c.content, err)
		}
	}
}

// [api] or [client] that is not a table breaks Prefect, and is a
// configuration error here.
func TestSectionNotATable(t *testing.T) {
	w := newWorld(t)
	w.workFile("prefect.toml", "api = \"http://x/api\"\n")
	if _, err := w.load(); !errors.Is(err, resolve.ErrConfig) || !strings.Contains(err.Error(), "api in ") {
		t.Fatalf("got %v", err)
	}
}

// A directory named .env (a virtualenv, often) is no .env file, as for
// Prefect; any other file that is not a regular one, or too large, is a
// configuration error naming it.
func TestWorkingDirectoryFiles(t *testing.T) {
	w := newWorld(t)
	for _, name := range []string{".env", "prefect.toml", "pyproject.toml"} {
		if err := os.Mkdir(filepath.Join(w.dir, name), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	w.setenv("PREFECT_API_URL=http://127.0.0.1:4200/api")
	w.mustLoad()
	for _, name := range []string{".env", "prefect.toml", "pyproject.toml"} {
		w := newWorld(t)
		w.workFile(name, strings.Repeat("#", conffile.MaxSize+1))
		_, err := w.load()
		if !errors.Is(err, resolve.ErrConfig) || !strings.Contains(err.Error(), filepath.Join(w.dir, name)+" is larger than") {
			t.Errorf("%s over conffile.MaxSize: %v", name, err)
		}
	}
}

func TestOriginsNeverShowCredentials(t *testing.T) {
	w := newWorld(t)
	w.file(".prefect/profiles.toml", "active = \"p\"\n[profiles.p]\nPREFECT_API_KEY = \"pnu_canary\"\n")
	w.setenv("PREFECT_API_URL=http://127.0.0.1:4200/api", "PREFECT_API_AUTH_STRING=admin:canary-pw")
	list, err := Origins(w.settings())
	if err != nil {
		t.Fatal(err)
	}
	var all []string
	for _, o := range list {
		all = append(all, o.String())
	}
	text := strings.Join(all, "\n")
	if strings.Contains(text, "canary") {
		t.Fatalf("origins show a credential:\n%s", text)
	}
	for _, want := range []string{"PREFECT_API_KEY = (set, not shown) (PREFECT_API_KEY of profile \"p\" in ", "PREFECT_API_AUTH_STRING = (set, not shown) (env PREFECT_API_AUTH_STRING)", "PREFECT_PROFILE = p (active in "} {
		if !strings.Contains(text, want) {
			t.Errorf("origins lack %q:\n%s", want, text)
		}
	}
}
