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

// loadV1 reads Prefect 1's settings as its configuration.py merges them:
// environment variables PREFECT__... over backend.toml over the user
// config (over Prefect's defaults). A key or tenant set nowhere comes from
// auth.toml's table for the API's host.
func loadV1(s Settings) (*prefect1, error) {
	p := &prefect1{}
	// The last variable for a key wins, as Prefect walks os.environ.
	env := func(want string) (value, name string, ok bool) {
		for _, kv := range s.Environ {
			if k, v, isKV := strings.Cut(kv, "="); isKV && prefect1Key(k, want) {
				value, name, ok = v, k, true
			}
		}
		return value, name, ok
	}
	user, err := readTOML("Prefect config file", s.UserConfigPath, false)
	if err != nil {
		return nil, err
	}
	backendPath := s.Getenv("PREFECT__BACKEND_CONFIG_PATH")
	if backendPath == "" {
		backendPath = filepath.Join(s.Home, ".prefect", "backend.toml")
	}
	backendPath = expandHome(backendPath, s.Home)
	backendDoc, err := readTOML("Prefect backend file", backendPath, false)
	if err != nil {
		return nil, err
	}
	// setting is a config key (e.g. "cloud.api") from the environment, then
	// backend.toml, then the user config.
	setting := func(key string) (value any, from string, ok bool) {
		if v, name, ok := env(key); ok {
			return v, "env " + name, true
		}
		parts := strings.Split(key, ".")
		for _, f := range []struct {
			doc  map[string]any
			path string
		}{{backendDoc, backendPath}, {user, s.UserConfigPath}} {
			if v, ok := nested(f.doc, parts); ok {
				return v, key + " in " + f.path, true
			}
		}
		return nil, "", false
	}
	text := func(v any) string {
		if s, ok := v.(string); ok {
			return s
		}
		return fmt.Sprint(v)
	}

	backend, backendFrom := any("cloud"), "Prefect 1's default"
	if v, from, ok := setting("backend"); ok {
		backend, backendFrom = v, from
	}
	useLocal, useLocalFrom := any(true), "Prefect 1's default"
	if v, from, ok := setting("cloud.use_local_secrets"); ok {
		useLocal, useLocalFrom = v, from
	}
	// Prefect asks its API only when backend == "cloud", exactly, and
	// use_local_secrets is False: a TOML false, or text that is "false" in
	// any case (Prefect casts it), nothing else.
	isFalse := useLocal == false
	if t, ok := useLocal.(string); ok && strings.EqualFold(t, "false") {
		isFalse = true
	}
	switch {
	case backend != "cloud":
		p.whyOff = fmt.Sprintf("backend is not \"cloud\" (%s)", backendFrom)
	case !isFalse:
		p.whyOff = "cloud.use_local_secrets is not false"
	}
	if backendFrom != "Prefect 1's default" || useLocalFrom != "Prefect 1's default" {
		p.origins = append(p.origins,
			Origin{Name: "backend (Prefect 1)", Value: fmt.Sprintf("%q", text(backend)), From: backendFrom},
			Origin{Name: "cloud.use_local_secrets (Prefect 1)", Value: text(useLocal), From: useLocalFrom})
	}
	if p.whyOff != "" {
		return p, nil
	}

	c := &Config{Version: V1}
	str := func(key string) (string, string) {
		v, from, ok := setting(key)
		if !ok {
			return "", ""
		}
		return text(v), from
	}
	if v, name, ok := env("cloud.api"); ok && v != "" {
		c.URL, c.URLFrom = v, "env "+name
	} else if v, from := str("cloud.api"); v != "" && !strings.Contains(v, "${") {
		c.URL, c.URLFrom = v, from
	} else if v, from := str("cloud.endpoint"); v != "" {
		c.URL, c.URLFrom = v, from
	} else {
		c.URL, c.URLFrom = "https://api.prefect.io", "Prefect 1's default"
	}
	if s.URLFlag != "" {
		c.URL, c.URLFrom = s.URLFlag, "--api-url"
	}
	p.origins = append(p.origins, Origin{Name: "cloud.api (Prefect 1)", Value: c.URL, From: c.URLFrom})

	key, keyFrom := str("cloud.api_key")
	c.TenantID, c.TenantIDFrom = str("cloud.tenant_id")
	if c.TenantID == "" {
		c.TenantIDFrom = ""
	}
	if key == "" || c.TenantID == "" {
		if err := p.fromAuthFile(s, c, setting, &key, &keyFrom); err != nil {
			return nil, err
		}
	}
	if key != "" {
		c.Key, c.KeyFrom = resolve.NewSecret([]byte(key)), keyFrom
		p.origins = append(p.origins, Origin{Name: "cloud.api_key (Prefect 1)", Value: "(set, not shown)", From: keyFrom})
	}
	if c.TenantID != "" {
		p.origins = append(p.origins, Origin{Name: "cloud.tenant_id (Prefect 1)", Value: c.TenantID, From: c.TenantIDFrom})
	}
	if v, from, ok := setting("cloud.request_timeout"); ok {
		secs, good := prefect1Seconds(v)
		if !good {
			return nil, configErr(fmt.Sprintf("Prefect 1 setting cloud.request_timeout from %s is not a positive number of seconds", from),
				"set it to seconds, e.g. 15 (Prefect 1's default)", nil)
		}
		c.RequestTimeout, c.RequestTimeoutFrom = seconds(secs), from
		p.origins = append(p.origins, Origin{Name: "cloud.request_timeout (Prefect 1)", Value: fmt.Sprint(secs), From: from})
	}
	p.cfg = c
	return p, nil
}

// fromAuthFile fills what is missing from Prefect 1's cached logins:
// auth.toml in its home_dir (default ~/.prefect), one table per API
// server, named by the slug of the URL's host and port.
func (p *prefect1) fromAuthFile(s Settings, c *Config, setting func(string) (any, string, bool), key, keyFrom *string) error {
	home, homeFrom := "~/.prefect", "Prefect 1's default"
	if v, from, ok := setting("home_dir"); ok {
		home, homeFrom = fmt.Sprint(v), from
	}
	home = expandUserVars(home, s)
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

// expandUserVars expands a path as Prefect 1 does every config value:
// $VAR and ${VAR} from the environment (an unset one stays as written) and
// a leading ~, again until nothing changes (at most 10 times).
func expandUserVars(p string, s Settings) string {
	for i := 0; i < 10; i++ {
		next := expandHome(pyExpandVars(p, s.Environ), s.Home)
		if next == p {
			break
		}
		p = next
	}
	return p
}

var pyVar = lazyRegexp(`\$([A-Za-z0-9_]+|\{[^}]*\})`)

// pyExpandVars is Python's os.path.expandvars.
func pyExpandVars(p string, environ []string) string {
	return pyVar().ReplaceAllStringFunc(p, func(m string) string {
		name := strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(m, "$"), "{"), "}")
		if v, ok := getenvExact(environ, name); ok {
			return v
		}
		return m
	})
}
