package prefect

import (
	"fmt"
	"math"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/prefect-secrets/prefect-secrets/resolve"
)

// prefect1 is what Prefect 1's configuration says about its Cloud API.
type prefect1 struct {
	cfg     *Config // nil when Prefect 1 would not ask its API for secrets
	whyOff  string  // why, then
	origins []Origin
}

// prefect1Key says whether the environment variable key sets Prefect 1's
// config key want (e.g. "cloud.api"): after PREFECT__ the rest is
// lower-cased and split on "__", as Prefect does for every key but secrets.
func prefect1Key(key, want string) bool {
	rest, ok := strings.CutPrefix(key, "PREFECT__")
	return ok && strings.ReplaceAll(strings.ToLower(rest), "__", ".") == want
}

// v1Settings are Prefect 1's settings as its configuration.py merges them:
// environment variables PREFECT__... over backend.toml over the user
// config (over Prefect's defaults, which the callers know).
type v1Settings struct {
	environ               []string
	user, backend         map[string]any
	userPath, backendPath string
}

// readV1Settings reads the user config and backend.toml. The backend
// file's path (PREFECT__BACKEND_CONFIG_PATH, default
// ~/.prefect/backend.toml) has only its ~ expanded, not $VAR as Prefect
// does.
func readV1Settings(s Settings) (*v1Settings, error) {
	v := &v1Settings{environ: s.Environ, userPath: s.UserConfigPath}
	var err error
	if v.user, err = readTOML("Prefect config file", v.userPath, false); err != nil {
		return nil, err
	}
	v.backendPath = s.Getenv("PREFECT__BACKEND_CONFIG_PATH")
	if v.backendPath == "" {
		v.backendPath = filepath.Join(s.Home, ".prefect", "backend.toml")
	}
	v.backendPath = expandHome(v.backendPath, s.Home)
	if v.backend, err = readTOML("Prefect backend file", v.backendPath, false); err != nil {
		return nil, err
	}
	return v, nil
}

// env is the environment variable that sets the config key want (e.g.
// "cloud.api"): the last one wins, as Prefect walks os.environ.
func (v *v1Settings) env(want string) (value, name string, ok bool) {
	for _, kv := range v.environ {
		if k, val, isKV := strings.Cut(kv, "="); isKV && prefect1Key(k, want) {
			value, name, ok = val, k, true
		}
	}
	return value, name, ok
}

// setting is a config key (e.g. "cloud.api") from the environment, then
// backend.toml, then the user config.
func (v *v1Settings) setting(key string) (value any, from string, ok bool) {
	if val, name, ok := v.env(key); ok {
		return val, "env " + name, true
	}
	parts := strings.Split(key, ".")
	for _, f := range []struct {
		doc  map[string]any
		path string
	}{{v.backend, v.backendPath}, {v.user, v.userPath}} {
		if val, ok := nested(f.doc, parts); ok {
			return val, key + " in " + f.path, true
		}
	}
	return nil, "", false
}

// str is a setting as text ("" where none sets it).
func (v *v1Settings) str(key string) (value, from string) {
	val, from, ok := v.setting(key)
	if !ok {
		return "", ""
	}
	return v1Text(val), from
}

// v1Text is a setting's value as text.
func v1Text(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return fmt.Sprint(v)
}

// loadV1 reads Prefect 1's settings (v1Settings): whether it would ask its
// Cloud API for secrets, and if so which API, with which credentials and
// timeout. A key or tenant set nowhere comes from auth.toml's table for
// the API's host.
func loadV1(s Settings) (*prefect1, error) {
	v, err := readV1Settings(s)
	if err != nil {
		return nil, err
	}
	p := &prefect1{}
	if p.whyOff = p.usesAPI(v); p.whyOff != "" {
		return p, nil
	}
	c := &Config{Version: V1}
	p.apiURL(c, v, s.URLFlag)
	if err := p.credentials(c, v, s); err != nil {
		return nil, err
	}
	if err := p.requestTimeout(c, v); err != nil {
		return nil, err
	}
	p.cfg = c
	return p, nil
}

// usesAPI says why Prefect 1 would not ask its API for secrets, "" when it
// would: only when backend == "cloud", exactly, and use_local_secrets is
// False: a TOML false, or text that is "false" in any case (Prefect casts
// it), nothing else. Either set anywhere is an Origin.
func (p *prefect1) usesAPI(v *v1Settings) (whyOff string) {
	backend, backendFrom := any("cloud"), "Prefect 1's default"
	if val, from, ok := v.setting("backend"); ok {
		backend, backendFrom = val, from
	}
	useLocal, useLocalFrom := any(true), "Prefect 1's default"
	if val, from, ok := v.setting("cloud.use_local_secrets"); ok {
		useLocal, useLocalFrom = val, from
	}
	isFalse := useLocal == false
	if t, ok := useLocal.(string); ok && strings.EqualFold(t, "false") {
		isFalse = true
	}
	switch {
	case backend != "cloud":
		whyOff = fmt.Sprintf("backend is not \"cloud\" (%s)", backendFrom)
	case !isFalse:
		whyOff = "cloud.use_local_secrets is not false"
	}
	if backendFrom != "Prefect 1's default" || useLocalFrom != "Prefect 1's default" {
		p.origins = append(p.origins,
			Origin{Name: "backend (Prefect 1)", Value: fmt.Sprintf("%q", v1Text(backend)), From: backendFrom},
			Origin{Name: "cloud.use_local_secrets (Prefect 1)", Value: v1Text(useLocal), From: useLocalFrom})
	}
	return whyOff
}

// apiURL is cloud.api: from the environment if set there, else from a
// file unless it is the default's ${...} reference, else cloud.endpoint,
// else Prefect 1's default; --api-url (urlFlag) wins.
func (p *prefect1) apiURL(c *Config, v *v1Settings, urlFlag string) {
	if val, name, ok := v.env("cloud.api"); ok && val != "" {
		c.URL, c.URLFrom = val, "env "+name
	} else if val, from := v.str("cloud.api"); val != "" && !strings.Contains(val, "${") {
		c.URL, c.URLFrom = val, from
	} else if val, from := v.str("cloud.endpoint"); val != "" {
		c.URL, c.URLFrom = val, from
	} else {
		c.URL, c.URLFrom = "https://api.prefect.io", "Prefect 1's default"
	}
	if urlFlag != "" {
		c.URL, c.URLFrom = urlFlag, "--api-url"
	}
	p.origins = append(p.origins, Origin{Name: "cloud.api (Prefect 1)", Value: c.URL, From: c.URLFrom})
}

// credentials are cloud.api_key and cloud.tenant_id, each from the
// settings, else from the cached logins (fromAuthFile).
func (p *prefect1) credentials(c *Config, v *v1Settings, s Settings) error {
	key, keyFrom := v.str("cloud.api_key")
	c.TenantID, c.TenantIDFrom = v.str("cloud.tenant_id")
	if c.TenantID == "" {
		c.TenantIDFrom = ""
	}
	if key == "" || c.TenantID == "" {
		if err := p.fromAuthFile(s, c, v, &key, &keyFrom); err != nil {
			return err
		}
	}
	if key != "" {
		c.Key, c.KeyFrom = resolve.NewSecret([]byte(key)), keyFrom
		p.origins = append(p.origins, Origin{Name: "cloud.api_key (Prefect 1)", Value: "(set, not shown)", From: keyFrom})
	}
	if c.TenantID != "" {
		p.origins = append(p.origins, Origin{Name: "cloud.tenant_id (Prefect 1)", Value: c.TenantID, From: c.TenantIDFrom})
	}
	return nil
}

// requestTimeout is cloud.request_timeout, if set.
func (p *prefect1) requestTimeout(c *Config, v *v1Settings) error {
	val, from, ok := v.setting("cloud.request_timeout")
	if !ok {
		return nil
	}
	secs, good := prefect1Seconds(val)
	if !good {
		return configErr(fmt.Sprintf("Prefect 1 setting cloud.request_timeout from %s is not a positive number of seconds", from),
			"set it to seconds, e.g. 15 (Prefect 1's default)", nil)
	}
	c.RequestTimeout, c.RequestTimeoutFrom = seconds(secs), from
	p.origins = append(p.origins, Origin{Name: "cloud.request_timeout (Prefect 1)", Value: fmt.Sprint(secs), From: from})
	return nil
}

// fromAuthFile fills what is missing from Prefect 1's cached logins:
// auth.toml in its home_dir (default ~/.prefect, expanded as Prefect
// expands it), one table per API server, named by the slug of the URL's
// host and port.
func (p *prefect1) fromAuthFile(s Settings, c *Config, v *v1Settings, key, keyFrom *string) error {
	home, homeFrom := "~/.prefect", "Prefect 1's default"
	if val, from, ok := v.setting("home_dir"); ok {
		home, homeFrom = fmt.Sprint(val), from
	}
	home, _ = expandPath(home, s.Environ, s.Home)
	path := filepath.Join(home, "auth.toml")
	doc, err := readTOML("Prefect 1 auth file", path, false)
	if err != nil || doc == nil {
		return err
	}
	if homeFrom != "Prefect 1's default" {
		p.origins = append(p.origins, Origin{Name: "home_dir (Prefect 1)", Value: home, From: homeFrom})
	}
	slug := authSlug(c.URL)
	t, _ := doc[slug].(map[string]any)
	from := fmt.Sprintf("[%s] in %s", slug, path)
	if *key == "" {
		if v, ok := t["api_key"].(string); ok && v != "" {
			*key, *keyFrom = v, from
		}
	}
	if c.TenantID == "" {
		if v, ok := t["tenant_id"].(string); ok && v != "" {
			c.TenantID, c.TenantIDFrom = v, from
		}
	}
	return nil
}

// authSlug is the table of auth.toml that holds the logins for the API at
// apiURL, as Prefect 1's Client._api_server_slug names it: python-slugify
// of the URL's network location (user@host:port) with only [-.a-z0-9]
// kept, so "localhost:4200" is "localhost-4200". (python-slugify also
// transliterates letters that are not ASCII; here they become "-".)
func authSlug(apiURL string) string {
	text := apiURL
	if u, err := url.Parse(apiURL); err == nil && u.Host != "" {
		text = u.Host
		if u.User != nil {
			text = u.User.String() + "@" + u.Host
		}
	}
	text = strings.ReplaceAll(text, "'", "-")
	text = strings.ToLower(text)
	text = dropDigitCommas(text)
	text = disallowedSlug().ReplaceAllString(text, "-")
	text = dashes().ReplaceAllString(text, "-")
	return strings.Trim(text, "-")
}

var (
	disallowedSlug = lazyRegexp(`[^-.a-z0-9]+`)
	dashes         = lazyRegexp(`-{2,}`)
)

// dropDigitCommas removes each comma between two digits ("1,000" is
// "1000"), as python-slugify does before the rest.
func dropDigitCommas(s string) string {
	digit := func(i int) bool { return i >= 0 && i < len(s) && s[i] >= '0' && s[i] <= '9' }
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == ',' && digit(i-1) && digit(i+1) {
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// prefect1Seconds reads cloud.request_timeout as Prefect 1 casts it: a
// number, or text that is a Python number literal; it must be positive.
func prefect1Seconds(v any) (float64, bool) {
	var f float64
	switch x := v.(type) {
	case int64:
		f = float64(x)
	case float64:
		f = x
	case string:
		t := strings.TrimSpace(x)
		if n, err := strconv.ParseInt(strings.ReplaceAll(t, "_", ""), 0, 64); err == nil && !strings.Contains(t, "__") {
			f = float64(n)
		} else if g, err := asFloat(raw{value: t}); err == nil {
			f = g
		} else {
			return 0, false
		}
	default:
		return 0, false
	}
	return f, f > 0 && !math.IsInf(f, 0)
}
