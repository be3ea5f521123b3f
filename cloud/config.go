// Package cloud is which Prefect API the user's Prefect configuration
// points at, read as Prefect reads it. Package cloud/api reaches it.
package cloud

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/prefect-secrets/prefect-secrets/resolve"
)

// Version says which API a Config points at.
type Version int

const (
	// V2 is Prefect 2/3: Secret blocks over REST (Prefect Cloud or a
	// self-hosted server).
	V2 Version = 2
	// V1 is Prefect 1 Cloud's GraphQL API.
	V1 Version = 1
)

// DefaultTimeout is Prefect's own request_timeout.
const DefaultTimeout = 15 * time.Second

// Config is the API in use and where each setting came from. Credentials
// are Secrets: they print as a redaction marker.
type Config struct {
	Version Version
	URL     string
	URLFrom string
	// Key is sent as "Authorization: Bearer <key>".
	Key     resolve.Secret
	KeyFrom string
	// AuthString (Prefect 2/3, self-hosted basic auth) is sent as
	// "Authorization: Basic base64(<string>)" and wins over Key.
	AuthString     resolve.Secret
	AuthStringFrom string
	// TenantID (Prefect 1) is sent as X-PREFECT-TENANT-ID.
	TenantID     string
	TenantIDFrom string
	// Profile is the Prefect 2/3 profile read, if any.
	Profile string

	// Client settings, as Prefect's own client takes them; each From says
	// where the setting came from ("" when it is Prefect's default).

	// SSLCertFile is PREFECT_API_SSL_CERT_FILE: the CA bundle to trust.
	SSLCertFile, SSLCertFileFrom string
	// InsecureSkipVerify is PREFECT_API_TLS_INSECURE_SKIP_VERIFY.
	InsecureSkipVerify     bool
	InsecureSkipVerifyFrom string
	// CustomHeaders is PREFECT_CLIENT_CUSTOM_HEADERS (a JSON object): sent
	// on every request. Their values may be credentials.
	CustomHeaders     map[string]resolve.Secret
	CustomHeadersFrom string
	// RequestTimeout is PREFECT_API_REQUEST_TIMEOUT (Prefect 2/3, default
	// 60s) or Prefect 1's cloud.request_timeout (default 15s); zero means
	// the default for Version.
	RequestTimeout     time.Duration
	RequestTimeoutFrom string
	// MaxRetries is PREFECT_CLIENT_MAX_RETRIES; nil means Prefect's default.
	MaxRetries     *int
	MaxRetriesFrom string
	// RetryExtraCodes is PREFECT_CLIENT_RETRY_EXTRA_CODES: statuses retried
	// beside 408, 429, 502 and 503.
	RetryExtraCodes     []int
	RetryExtraCodesFrom string
}

// Describe says which API c is and where its settings came from, never a
// credential.
func (c *Config) Describe() string {
	api := "Prefect 2/3 API"
	if c.Version == V1 {
		api = "Prefect 1 Cloud API (GraphQL)"
	}
	parts := []string{fmt.Sprintf("%s at %s (URL from %s", api, c.URL, c.URLFrom)}
	switch {
	case c.AuthString.Len() > 0:
		parts = append(parts, "basic auth from "+c.AuthStringFrom)
	case c.Key.Len() > 0:
		parts = append(parts, "key from "+c.KeyFrom)
	default:
		parts = append(parts, "no key")
	}
	if c.TenantID != "" {
		parts = append(parts, "tenant from "+c.TenantIDFrom)
	}
	return strings.Join(parts, ", ") + ")"
}

// Settings are where Load looks.
type Settings struct {
	Environ []string // KEY=VALUE pairs, as os.Environ returns them
	Home    string   // the user's home directory
	// URLFlag is --api-url: it wins over every other source of the URL.
	URLFlag string
	// UserConfigPath is Prefect 1's user config (PREFECT__USER_CONFIG_PATH,
	// already expanded), shared with the context source.
	UserConfigPath string
}

// Load finds the API the user's Prefect configuration points at:
// Prefect 2/3 when it has an API URL (env, then the active profile), else
// Prefect 1 Cloud when its backend is "cloud" and cloud.use_local_secrets
// is false (Prefect's own rule). With neither it returns an
// *resolve.AbsentError; a broken file or an unknown profile is a
// configuration error.
func Load(s Settings) (*Config, error) {
	c, err := loadV2(s)
	if err != nil || c != nil {
		return c, err
	}
	c, err = loadV1(s)
	if err != nil || c != nil {
		return c, err
	}
	return nil, &resolve.AbsentError{Source: "cloud",
		Reason:      "no Prefect API is configured (no PREFECT_API_URL in the environment or the active profile; Prefect 1's cloud.use_local_secrets is not false)",
		Hint:        "set PREFECT_API_URL (and PREFECT_API_KEY), or run prefect cloud login; see prefect-secrets doctor",
		KindIfNamed: resolve.ErrConfig}
}

func configErr(msg, hint string, err error) error {
	return &resolve.Error{Kind: resolve.ErrConfig, Msg: msg, Hint: hint, Err: err}
}

// readTOML reads a TOML file; a missing file is (nil, nil). Parse errors
// give only a position: the text may be a key.
func readTOML(path string) (map[string]any, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, configErr(fmt.Sprintf("%s cannot be read", path), "check its permissions", unwrapPath(err))
	}
	var doc map[string]any
	if _, err := toml.Decode(string(data), &doc); err != nil {
		where := ""
		var pe toml.ParseError
		if errors.As(err, &pe) {
			where = fmt.Sprintf(" (line %d, column %d)", pe.Position.Line, pe.Position.Col)
		}
		return nil, configErr(fmt.Sprintf("%s is not valid TOML%s", path, where), "fix the file", nil)
	}
	return doc, nil
}

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func expandHome(p, home string) string {
	if p == "~" || strings.HasPrefix(p, "~/") {
		return filepath.Join(home, p[1:])
	}
	return p
}

// Getenv reads a variable of s.Environ.
func (s Settings) Getenv(key string) string {
	for _, kv := range s.Environ {
		if k, v, ok := strings.Cut(kv, "="); ok && k == key {
			return v
		}
	}
	return ""
}

// loadV2 reads Prefect 2/3's settings: env vars win over the active
// profile of profiles.toml.
func loadV2(s Settings) (*Config, error) {
	prefectHome := s.Getenv("PREFECT_HOME")
	if prefectHome == "" {
		prefectHome = filepath.Join(s.Home, ".prefect")
	}
	prefectHome = expandHome(prefectHome, s.Home)
	path := s.Getenv("PREFECT_PROFILES_PATH")
	if path == "" {
		path = filepath.Join(prefectHome, "profiles.toml")
	}
	path = expandHome(path, s.Home)
	doc, err := readTOML(path)
	if err != nil {
		return nil, err
	}
	var profile map[string]any
	name := s.Getenv("PREFECT_PROFILE")
	nameFrom := "PREFECT_PROFILE"
	if name == "" {
		name, _ = doc["active"].(string)
		nameFrom = "active in " + path
	}
	if name != "" {
		profiles, _ := doc["profiles"].(map[string]any)
		p, ok := profiles[name].(map[string]any)
		switch {
		case ok:
			profile = p
		case doc == nil && name == "default" && nameFrom == "PREFECT_PROFILE":
			// Prefect's implicit default profile, with no file yet.
		default:
			return nil, configErr(fmt.Sprintf("Prefect profile %q (%s) is not in %s", name, nameFrom, path),
				"prefect profile ls lists the profiles; unset PREFECT_PROFILE or pick one that exists", nil)
		}
	}
	setting := func(key string) (string, string) {
		if v := s.Getenv(key); v != "" {
			return v, "env " + key
		}
		if v, ok := profile[key].(string); ok && v != "" {
			return v, fmt.Sprintf("profile %q in %s", name, path)
		}
		return "", ""
	}
	c := &Config{Version: V2, Profile: name}
	c.URL, c.URLFrom = setting("PREFECT_API_URL")
	if s.URLFlag != "" {
		c.URL, c.URLFrom = s.URLFlag, "--api-url"
	}
	if c.URL == "" {
		return nil, nil
	}
	key, keyFrom := setting("PREFECT_API_KEY")
	c.Key, c.KeyFrom = resolve.NewSecret([]byte(key)), keyFrom
	auth, authFrom := setting("PREFECT_API_AUTH_STRING")
	c.AuthString, c.AuthStringFrom = resolve.NewSecret([]byte(auth)), authFrom
	if err := clientSettingsFromEnv(s, c); err != nil {
		return nil, err
	}
	return c, checkURL(c)
}

// clientSettingsFromEnv reads Prefect's client settings from environment
// variables only, as Prefect parses them (the settings files are read
// elsewhere). A value that does not parse is a configuration error that
// never shows the value (a header's may be a credential).
func clientSettingsFromEnv(s Settings, c *Config) error {
	bad := func(key, want string) error {
		return configErr(fmt.Sprintf("env %s is not %s", key, want), "fix or unset it", nil)
	}
	if v := s.Getenv("PREFECT_API_SSL_CERT_FILE"); v != "" {
		c.SSLCertFile, c.SSLCertFileFrom = v, "env PREFECT_API_SSL_CERT_FILE"
	} else if v := s.Getenv("SSL_CERT_FILE"); v != "" {
		// Prefect's default for the setting.
		c.SSLCertFile, c.SSLCertFileFrom = v, "env SSL_CERT_FILE"
	}
	if v := s.Getenv("PREFECT_API_TLS_INSECURE_SKIP_VERIFY"); v != "" {
		switch strings.ToLower(strings.TrimSpace(v)) {
		case "1", "true", "t", "yes", "y", "on":
			c.InsecureSkipVerify, c.InsecureSkipVerifyFrom = true, "env PREFECT_API_TLS_INSECURE_SKIP_VERIFY"
		case "0", "false", "f", "no", "n", "off":
		default:
			return bad("PREFECT_API_TLS_INSECURE_SKIP_VERIFY", "true or false")
		}
	}
	if v := s.Getenv("PREFECT_CLIENT_CUSTOM_HEADERS"); v != "" {
		var h map[string]string
		if json.Unmarshal([]byte(v), &h) != nil {
			return bad("PREFECT_CLIENT_CUSTOM_HEADERS", `a JSON object of header names and string values, e.g. {"X-Proxy-Token": "..."}`)
		}
		c.CustomHeaders, c.CustomHeadersFrom = map[string]resolve.Secret{}, "env PREFECT_CLIENT_CUSTOM_HEADERS"
		for k, val := range h {
			c.CustomHeaders[k] = resolve.NewSecret([]byte(val))
		}
	}
	if v := s.Getenv("PREFECT_API_REQUEST_TIMEOUT"); v != "" {
		secs, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil || secs <= 0 || secs > 1e6 {
			return bad("PREFECT_API_REQUEST_TIMEOUT", "a number of seconds")
		}
		c.RequestTimeout, c.RequestTimeoutFrom = time.Duration(secs*float64(time.Second)), "env PREFECT_API_REQUEST_TIMEOUT"
	}
	if v := s.Getenv("PREFECT_CLIENT_MAX_RETRIES"); v != "" {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < 0 {
			return bad("PREFECT_CLIENT_MAX_RETRIES", "a whole number, 0 or more")
		}
		c.MaxRetries, c.MaxRetriesFrom = &n, "env PREFECT_CLIENT_MAX_RETRIES"
	}
	if v := strings.TrimSpace(s.Getenv("PREFECT_CLIENT_RETRY_EXTRA_CODES")); v != "" {
		var codes []int
		if json.Unmarshal([]byte(v), &codes) != nil {
			codes = nil
			for _, part := range strings.Split(v, ",") {
				n, err := strconv.Atoi(strings.TrimSpace(part))
				if err != nil {
					return bad("PREFECT_CLIENT_RETRY_EXTRA_CODES", "HTTP statuses separated by commas, e.g. 500,504")
				}
				codes = append(codes, n)
			}
		}
		for _, n := range codes {
			if n < 100 || n > 599 {
				return bad("PREFECT_CLIENT_RETRY_EXTRA_CODES", "HTTP statuses (100 to 599) separated by commas")
			}
		}
		c.RetryExtraCodes, c.RetryExtraCodesFrom = codes, "env PREFECT_CLIENT_RETRY_EXTRA_CODES"
	}
	return nil
}

// prefect1Key says whether the environment variable key sets Prefect 1's
// config key want (e.g. "cloud.api"): after PREFECT__ the rest is
// lower-cased and split on "__", as Prefect does for every key but secrets.
func prefect1Key(key, want string) bool {
	rest, ok := strings.CutPrefix(key, "PREFECT__")
	return ok && strings.ReplaceAll(strings.ToLower(rest), "__", ".") == want
}

// loadV1 reads Prefect 1's settings: env vars PREFECT__..., then the user
// config and backend.toml; a key not set there comes from auth.toml's
// table for the API's host.
func loadV1(s Settings) (*Config, error) {
	env := func(want string) (string, bool) {
		for _, kv := range s.Environ {
			if k, v, ok := strings.Cut(kv, "="); ok && v != "" && prefect1Key(k, want) {
				return v, true
			}
		}
		return "", false
	}
	user, err := readTOML(s.UserConfigPath)
	if err != nil {
		return nil, err
	}
	backendPath := s.Getenv("PREFECT__BACKEND_CONFIG_PATH")
	if backendPath == "" {
		backendPath = filepath.Join(s.Home, ".prefect", "backend.toml")
	}
	backendDoc, err := readTOML(expandHome(backendPath, s.Home))
	if err != nil {
		return nil, err
	}
	cloudTable, _ := user["cloud"].(map[string]any)
	fileValue := func(key string) (string, string) {
		if v, ok := cloudTable[key]; ok {
			return fmt.Sprint(v), "[cloud] in " + s.UserConfigPath
		}
		return "", ""
	}

	backend, _ := env("backend")
	if backend == "" {
		if b, ok := backendDoc["backend"].(string); ok {
			backend = b
		} else if b, ok := user["backend"].(string); ok {
			backend = b
		} else {
			backend = "cloud"
		}
	}
	useLocal, ok := env("cloud.use_local_secrets")
	if !ok {
		useLocal, _ = fileValue("use_local_secrets")
	}
	if !strings.EqualFold(backend, "cloud") || !strings.EqualFold(strings.TrimSpace(useLocal), "false") {
		return nil, nil
	}
	c := &Config{Version: V1}
	if v, ok := env("cloud.api"); ok {
		c.URL, c.URLFrom = v, "env PREFECT__CLOUD__API"
	} else if v, from := fileValue("api"); v != "" && !strings.Contains(v, "${") {
		c.URL, c.URLFrom = v, from
	} else if v, ok := env("cloud.endpoint"); ok {
		c.URL, c.URLFrom = v, "env PREFECT__CLOUD__ENDPOINT"
	} else if v, from := fileValue("endpoint"); v != "" {
		c.URL, c.URLFrom = v, from
	} else {
		c.URL, c.URLFrom = "https://api.prefect.io", "Prefect 1's default"
	}
	if s.URLFlag != "" {
		c.URL, c.URLFrom = s.URLFlag, "--api-url"
	}
	var key, keyFrom string
	if v, ok := env("cloud.api_key"); ok {
		key, keyFrom = v, "env PREFECT__CLOUD__API_KEY"
	} else if v, from := fileValue("api_key"); v != "" {
		key, keyFrom = v, from
	}
	if v, ok := env("cloud.tenant_id"); ok {
		c.TenantID, c.TenantIDFrom = v, "env PREFECT__CLOUD__TENANT_ID"
	} else if v, from := fileValue("tenant_id"); v != "" {
		c.TenantID, c.TenantIDFrom = v, from
	}
	if key == "" || c.TenantID == "" {
		if err := fromAuthFile(s, c, &key, &keyFrom); err != nil {
			return nil, err
		}
	}
	c.Key, c.KeyFrom = resolve.NewSecret([]byte(key)), keyFrom
	return c, checkURL(c)
}

// fromAuthFile fills what is missing from Prefect 1's cached logins
// (~/.prefect/auth.toml, one table per API host).
func fromAuthFile(s Settings, c *Config, key, keyFrom *string) error {
	home := s.Getenv("PREFECT__HOME_DIR")
	if home == "" {
		home = filepath.Join(s.Home, ".prefect")
	}
	path := filepath.Join(expandHome(home, s.Home), "auth.toml")
	doc, err := readTOML(path)
	if err != nil || doc == nil {
		return err
	}
	u, err := url.Parse(c.URL)
	if err != nil {
		return nil // checkURL reports it
	}
	table, _ := doc[u.Host].(map[string]any)
	if table == nil {
		table, _ = doc[u.Hostname()].(map[string]any)
	}
	from := fmt.Sprintf("[%q] in %s", u.Host, path)
	if *key == "" {
		if v, ok := table["api_key"].(string); ok && v != "" {
			*key, *keyFrom = v, from
		}
	}
	if c.TenantID == "" {
		if v, ok := table["tenant_id"].(string); ok && v != "" {
			c.TenantID, c.TenantIDFrom = v, from
		}
	}
	return nil
}

// checkURL refuses a URL that is not http(s) with a host.
func checkURL(c *Config) error {
	u, err := url.Parse(c.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return configErr(fmt.Sprintf("the Prefect API URL from %s is not an http(s) URL", c.URLFrom),
			"it looks like https://api.prefect.cloud/api/accounts/<account>/workspaces/<workspace> or http://127.0.0.1:4200/api", nil)
	}
	return nil
}

// Loopback reports whether the URL's host is this machine.
func Loopback(rawURL string) bool {
	u, err := url.Parse(rawURL)
	if err != nil {
		return false
	}
	h := u.Hostname()
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return true
	}
	addr, err := netip.ParseAddr(h)
	return err == nil && addr.IsLoopback()
}

// BlockName maps a secret name to a Prefect 2/3 block name, which must
// match ^[a-z0-9-]+$: lower-case, "_" to "-". MY_API_KEY is my-api-key.
// It reports false when the result still is not a valid block name.
func BlockName(name string) (string, bool) {
	b := strings.ReplaceAll(strings.ToLower(name), "_", "-")
	if b == "" {
		return "", false
	}
	for _, r := range b {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
			return b, false
		}
	}
	return b, true
}
