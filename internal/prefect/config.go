// Package prefect is Prefect's settings, read from the same variables and
// files, with the same rules, as Prefect reads them:
//
//   - which Prefect API the user's configuration points at, Prefect 2/3's
//     or Prefect 1 Cloud's, and how to reach it (Load), and where each
//     setting came from (Origins);
//   - Prefect 1's user config file (UserConfigPath) and the one expansion
//     of ~ and $VAR in the paths Prefect 1 names (paths.go); Prefect 2/3
//     expands neither in its paths;
//   - a secret's name as a Prefect 2/3 block name (BlockName).
//
// It reads files but talks to no server: package prefect/api talks to the
// API; package prefect/localcontext reads Prefect 1's local context (its
// secrets in the environment and in the user config).
package prefect

import (
	"fmt"
	"net/netip"
	"net/url"
	"strings"
	"time"

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
	// RetryJitterFactor is PREFECT_CLIENT_RETRY_JITTER_FACTOR (from 0 up;
	// 0 turns jitter off); nil means Prefect's default, 0.2.
	RetryJitterFactor     *float64
	RetryJitterFactorFrom string
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
	// UserConfigPath is Prefect 1's user config, as the function
	// UserConfigPath finds it; the context source reads the same file.
	UserConfigPath string
	// Dir is the working directory, where Prefect 3 looks for .env,
	// prefect.toml and pyproject.toml ("" is the process's).
	Dir string
	// Warn receives what the user must hear whatever the command, as
	// Prefect prints it (an active profile that does not exist); nil drops
	// it.
	Warn func(line string)
}

// Getenv reads a variable of s.Environ.
func (s Settings) Getenv(key string) string {
	v, _ := lookupFirst(s.Environ, key)
	return v
}

// Load finds the API the user's Prefect configuration points at, as
// Prefect reads it: Prefect 2/3 when its settings give an API URL (see
// Origins for where they come from), else Prefect 1 Cloud when its backend
// is "cloud" and cloud.use_local_secrets is false (Prefect's own rule).
// With neither it returns an *resolve.AbsentError that says why; a file
// that cannot be read or a malformed setting is a configuration error.
func Load(s Settings) (*Config, error) {
	l, err := load(s)
	if err != nil {
		return nil, err
	}
	if s.Warn != nil {
		for _, w := range l.warnings {
			s.Warn(w)
		}
	}
	if l.cfg == nil {
		return nil, l.absent
	}
	return l.cfg, nil
}

// Origins lists the Prefect settings Load reads that are set, each with
// where its value came from and what it shadows; a credential's value
// never shows. It warns nothing: Load does.
func Origins(s Settings) ([]Origin, error) {
	l, err := load(s)
	if err != nil {
		return nil, err
	}
	return l.origins, nil
}

// An Origin is one setting and where it came from.
type Origin struct {
	Name  string // e.g. "PREFECT_API_URL", or Prefect 1's "cloud.api"
	Value string // what it is set to; for a credential only that it is set
	From  string // e.g. "env PREFECT_API_URL", "api.url in /work/prefect.toml"
	// Shadowed lists the lower-priority places that set it too.
	Shadowed []string
}

func (o Origin) String() string {
	s := fmt.Sprintf("%s = %s (%s", o.Name, o.Value, o.From)
	if len(o.Shadowed) > 0 {
		s += "; shadows " + strings.Join(o.Shadowed, ", ")
	}
	return s + ")"
}

// loaded is what one reading of the settings found.
type loaded struct {
	cfg      *Config
	absent   error // why there is no API, when cfg is nil
	origins  []Origin
	warnings []string
}

func load(s Settings) (*loaded, error) {
	l := &loaded{}
	p3, err := readPrefect3(s)
	if err != nil {
		return nil, err
	}
	l.warnings = p3.warnings
	cfg, err := p3.config(s)
	l.origins = p3.origins
	if err != nil {
		return nil, err
	}
	if cfg != nil {
		l.cfg = cfg
		return l, checkURL(cfg)
	}
	p1, err := loadV1(s)
	if err != nil {
		return nil, err
	}
	l.origins = append(l.origins, p1.origins...)
	if p1.cfg != nil {
		l.cfg = p1.cfg
		return l, checkURL(p1.cfg)
	}
	l.absent = &resolve.AbsentError{Source: "cloud",
		Reason:      "no Prefect API is configured (" + p3.whyNoURL() + "; Prefect 1's " + p1.whyOff + ")",
		Hint:        p3.hint(),
		KindIfNamed: resolve.ErrConfig}
	return l, nil
}

func configErr(msg, hint string, err error) error {
	return &resolve.Error{Kind: resolve.ErrConfig, Msg: msg, Hint: hint, Err: err}
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
