package prefect

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/prefect-secrets/prefect-secrets/internal/conffile"
	"github.com/prefect-secrets/prefect-secrets/resolve"
)

// A setting of Prefect 2/3: its environment variable, which is also its
// key in a .env file and in a profile, and its place in prefect.toml (in
// pyproject.toml it is under [tool.prefect]).
type setting struct {
	env    string
	toml   []string
	secret bool   // a credential: its value never shows
	want   string // what a good value looks like, for messages
}

var (
	settingURL      = setting{env: "PREFECT_API_URL", toml: []string{"api", "url"}}
	settingKey      = setting{env: "PREFECT_API_KEY", toml: []string{"api", "key"}, secret: true}
	settingAuth     = setting{env: "PREFECT_API_AUTH_STRING", toml: []string{"api", "auth_string"}, secret: true}
	settingCertFile = setting{env: "PREFECT_API_SSL_CERT_FILE", toml: []string{"api", "ssl_cert_file"}}
	settingInsecure = setting{env: "PREFECT_API_TLS_INSECURE_SKIP_VERIFY", toml: []string{"api", "tls_insecure_skip_verify"}, want: "true or false"}
	settingTimeout  = setting{env: "PREFECT_API_REQUEST_TIMEOUT", toml: []string{"api", "request_timeout"}, want: "seconds, e.g. 60"}
	settingRetries  = setting{env: "PREFECT_CLIENT_MAX_RETRIES", toml: []string{"client", "max_retries"}, want: "a count, e.g. 5 (0 turns retries off)"}
	settingCodes    = setting{env: "PREFECT_CLIENT_RETRY_EXTRA_CODES", toml: []string{"client", "retry_extra_codes"}, want: "status codes, e.g. 500,504"}
	settingJitter   = setting{env: "PREFECT_CLIENT_RETRY_JITTER_FACTOR", toml: []string{"client", "retry_jitter_factor"}, want: "a number from 0 up, e.g. 0.2 (0 turns jitter off)"}
	settingHeaders  = setting{env: "PREFECT_CLIENT_CUSTOM_HEADERS", toml: []string{"client", "custom_headers"}, secret: true, want: `a JSON object, e.g. {"X-Header": "value"}`}
	settingHome     = setting{env: "PREFECT_HOME", toml: []string{"home"}}
	settingProfiles = setting{env: "PREFECT_PROFILES_PATH", toml: []string{"profiles_path"}}
)

// builtinProfiles are the profiles Prefect ships (its settings/profiles.toml)
// with those of their settings this tool reads: only "local" sets one.
var builtinProfiles = map[string]map[string]any{
	"ephemeral": {},
	"local":     {"PREFECT_API_URL": "http://127.0.0.1:4200/api"},
	"test":      {},
	"cloud":     {},
}

// defaultProfile is the built-in profile Prefect falls back to.
const defaultProfile = "ephemeral"

// prefect3 is what Prefect 2/3's settings sources hold, highest first: the
// environment, .env and prefect.toml in the working directory,
// pyproject.toml's [tool.prefect], then the active profile (as
// prefect.settings.sources reads them).
type prefect3 struct {
	environ []string

	dotenv          []conffile.DotenvVar
	dotenvPath      string
	prefectTOML     map[string]any
	prefectTOMLPath string
	pyproject       map[string]any // its [tool.prefect] table
	pyprojectPath   string

	profilesPath, profilesPathFrom string
	profileName, profileNameFrom   string
	profile                        map[string]any // the settings of the profile in use
	profileWhere                   string         // e.g. `profile "dev" in /home/u/.prefect/profiles.toml`
	fellBack                       string         // why the profile's settings are the default profile's, if so
	emptyURL                       bool           // PREFECT_API_URL is set, to ""

	warnings []string
	origins  []Origin
}

// pyLower is Python's str.lower() as far as it can make a variable's name
// match an ASCII one: ASCII letters, and the Kelvin sign, which lowers to
// "k". Any other rune that is not ASCII can match no setting.
func pyLower(s string) (string, bool) {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\u212a':
			b.WriteByte('k')
		case r >= 0x80:
			return "", false
		default:
			b.WriteRune(r)
		}
	}
	return strings.ToLower(b.String()), true
}

// sameSetting says whether the variable name names the setting env, as
// pydantic-settings matches names (case-insensitively, as Python lowers).
func sameSetting(name, env string) bool {
	l, ok := pyLower(name)
	return ok && l == strings.ToLower(env)
}

// getenvExact is os.environ.get(key) in Python: the exact name, the last
// of duplicates.
func getenvExact(environ []string, key string) (string, bool) {
	v, found := "", false
	for _, kv := range environ {
		if k, val, ok := strings.Cut(kv, "="); ok && k == key {
			v, found = val, true
		}
	}
	return v, found
}

// atDir makes a relative path relative to the working directory dir ("" is
// the process's), as Prefect (running there) would open it, and absolute so
// messages say which file.
func atDir(dir, p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return inDir(dir, p)
}

func readPrefect3(s Settings) (*prefect3, error) {
	p := &prefect3{environ: s.Environ}
	var err error

	p.dotenvPath = inDir(s.Dir, ".env")
	data, err := readFile(".env file", p.dotenvPath, true)
	if err != nil {
		return nil, err
	}
	if data != nil {
		p.dotenv, err = conffile.ParseDotenv(data, func(name string) (string, bool) { return getenvExact(s.Environ, name) })
		if err != nil {
			return nil, configErr(fmt.Sprintf(".env file %s %v", p.dotenvPath, err), "save it as UTF-8 text", nil)
		}
	}

	p.prefectTOMLPath = inDir(s.Dir, "prefect.toml")
	if p.prefectTOML, err = readTOML("Prefect settings file", p.prefectTOMLPath, true); err != nil {
		return nil, err
	}
	p.pyprojectPath = inDir(s.Dir, "pyproject.toml")
	doc, err := readTOML("pyproject file", p.pyprojectPath, true)
	if err != nil {
		return nil, err
	}
	if p.pyproject, err = table(doc, p.pyprojectPath, "tool", "prefect"); err != nil {
		return nil, err
	}
	if err := p.findProfile(s); err != nil {
		return nil, err
	}
	return p, nil
}

// findProfile finds the profiles file and the active profile as Prefect's
// profile source does (sources.py: _get_profiles_path and
// ProfileSettingsTomlLoader): PREFECT_PROFILES_PATH from the environment,
// .env, prefect.toml or pyproject.toml, else $PREFECT_HOME/profiles.toml
// with PREFECT_HOME from the environment only, else ~/.prefect/profiles.toml
// if it exists, else Prefect's built-in profiles. Neither path has ~
// expanded: Prefect does not. The profile is PREFECT_PROFILE (environment
// only), else the file's "active"; one the file does not define gives the
// built-in default profile's settings, and a warning where Prefect prints
// one.
func (p *prefect3) findProfile(s Settings) error {
	path, from, builtin := "", "", false
	var err error
	if path, from, err = p.profilesPathSetting(); err != nil {
		return err
	}
	switch {
	case path != "":
	case nonEmpty(getenvExact(s.Environ, "PREFECT_HOME")):
		home, _ := getenvExact(s.Environ, "PREFECT_HOME")
		path, from = filepath.Join(home, "profiles.toml"), "$PREFECT_HOME/profiles.toml, PREFECT_HOME from env"
	default:
		path, from = filepath.Join(s.Home, ".prefect", "profiles.toml"), "the default, ~/.prefect/profiles.toml"
		if _, err := os.Stat(path); err != nil {
			builtin = true
			from = "no file at " + path + ": Prefect's built-in profiles"
		}
	}
	if !builtin {
		path = atDir(s.Dir, path)
	}
	p.profilesPath, p.profilesPathFrom = path, from

	var profiles map[string]any
	var active any
	fileMissing := false
	if builtin {
		profiles = map[string]any{}
		for name, t := range builtinProfiles {
			profiles[name] = t
		}
		active = defaultProfile
	} else {
		doc, err := readTOML("Prefect profiles file", path, false)
		if err != nil {
			return err
		}
		fileMissing = doc == nil
		active = doc["active"]
		if profiles, err = table(doc, path, "profiles"); err != nil {
			return err
		}
	}
	if v, ok := getenvExact(s.Environ, "PREFECT_PROFILE"); ok && v != "" {
		p.profileName, p.profileNameFrom = v, "env PREFECT_PROFILE"
	} else if name, ok := active.(string); ok && name != "" {
		p.profileName, p.profileNameFrom = name, "active in "+path
		if builtin {
			p.profileNameFrom = "Prefect's default"
		}
	}

	name := p.profileName
	t, defined := profiles[name]
	switch {
	case fileMissing:
		p.fellBack = fmt.Sprintf("%s does not exist, so Prefect uses its default profile %q", path, defaultProfile)
	case name == "":
		p.fellBack = fmt.Sprintf("%s names no active profile, so Prefect uses its default profile %q", path, defaultProfile)
	case !defined && p.profileNameFrom == "active in "+path:
		p.fellBack = fmt.Sprintf("profile %q, active in %s, is not defined there, so Prefect uses its default profile %q",
			name, path, defaultProfile)
	case !defined:
		p.fellBack = fmt.Sprintf("profile %q (%s) is not defined in %s, so Prefect uses its default profile %q",
			name, p.profileNameFrom, path, defaultProfile)
	default:
		tbl, ok := t.(map[string]any)
		if !ok {
			return configErr(fmt.Sprintf("profiles.%s in %s is not a table", tomlKey(name), path),
				"a profile looks like: [profiles."+tomlKey(name)+"] followed by PREFECT_API_URL = \"...\"", nil)
		}
		p.profile = tbl
		p.profileWhere = fmt.Sprintf("profile %q in %s", name, path)
		if builtin {
			p.profileWhere = fmt.Sprintf("Prefect's built-in profile %q", name)
		}
	}
	if p.fellBack != "" {
		p.profile = builtinProfiles[defaultProfile]
		p.profileWhere = fmt.Sprintf("Prefect's built-in profile %q", defaultProfile)
		if _, isBuiltin := builtinProfiles[name]; name != "" && !defined && !isBuiltin {
			// prefect.context warns when the name is in neither the user's
			// profiles nor Prefect's own.
			p.warnings = append(p.warnings, fmt.Sprintf("Prefect profile %q (%s) is not in %s nor one of Prefect's own: as Prefect does, its default profile %q is used instead",
				name, p.profileNameFrom, path, defaultProfile))
		}
	}
	return nil
}

func nonEmpty(v string, ok bool) bool { return ok && v != "" }

// profilesPathSetting is PREFECT_PROFILES_PATH where Prefect's profile
// source looks for it: the environment, then .env (exactly that name),
// then profiles_path in prefect.toml and in pyproject.toml's
// [tool.prefect]; "" if none sets it.
func (p *prefect3) profilesPathSetting() (path, from string, err error) {
	if v, ok := getenvExact(p.environ, "PREFECT_PROFILES_PATH"); ok && v != "" {
		return v, "env PREFECT_PROFILES_PATH", nil
	}
	for _, v := range p.dotenv {
		if v.Key == "PREFECT_PROFILES_PATH" && v.Set && v.Value != "" {
			return v.Value, "PREFECT_PROFILES_PATH in " + p.dotenvPath, nil
		}
	}
	for _, f := range []struct {
		doc        map[string]any
		key, where string
	}{
		{p.prefectTOML, "profiles_path", p.prefectTOMLPath},
		{p.pyproject, "tool.prefect.profiles_path", p.pyprojectPath},
	} {
		v, ok := f.doc["profiles_path"]
		if !ok || !truthy(v) {
			continue
		}
		s, ok := v.(string)
		if !ok {
			return "", "", configErr(fmt.Sprintf("setting PREFECT_PROFILES_PATH from %s in %s is not a string", f.key, f.where),
				"set it to the path of a profiles.toml", nil)
		}
		return s, f.key + " in " + f.where, nil
	}
	return "", "", nil
}

// truthy is Python's truth of a TOML value.
func truthy(v any) bool {
	switch x := v.(type) {
	case string:
		return x != ""
	case bool:
		return x
	case int64:
		return x != 0
	case float64:
		return x != 0
	case []any:
		return len(x) > 0
	case []map[string]any:
		return len(x) > 0
	case map[string]any:
		return len(x) > 0
	}
	return true
}

// tomlKey writes a profile name as a TOML key.
func tomlKey(name string) string {
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return fmt.Sprintf("%q", name)
		}
	}
	return name
}

// lookup finds a setting in the sources, highest first; ok is false if no
// source sets it. shadowed lists the lower sources that set it too.
func (p *prefect3) lookup(st setting) (r raw, shadowed []string, ok bool) {
	var found []raw
	// The environment: any case of the name; the last one wins, as
	// pydantic-settings builds its dict of lower-cased names.
	var env *raw
	for _, kv := range p.environ {
		if k, v, isKV := strings.Cut(kv, "="); isKV && sameSetting(k, st.env) {
			env = &raw{value: v, text: true, from: "env " + k}
		}
	}
	if env != nil {
		found = append(found, *env)
	}
	// .env: the same, in the file's order.
	var dot *raw
	for _, v := range p.dotenv {
		if v.Set && sameSetting(v.Key, st.env) {
			dot = &raw{value: v.Value, text: true, from: v.Key + " in " + p.dotenvPath}
		}
	}
	if dot != nil {
		found = append(found, *dot)
	}
	// prefect.toml and pyproject.toml: the nested key. A table where a
	// value should be is left to a nested model, so it sets nothing.
	for _, f := range []struct {
		doc    map[string]any
		prefix string
		path   string
	}{
		{p.prefectTOML, "", p.prefectTOMLPath},
		{p.pyproject, "tool.prefect.", p.pyprojectPath},
	} {
		v, present := nested(f.doc, st.toml)
		if _, isTable := v.(map[string]any); !present || isTable && st.env != settingHeaders.env {
			continue
		}
		found = append(found, raw{value: v, from: f.prefix + strings.Join(st.toml, ".") + " in " + f.path})
	}
	// The profile: the exact name.
	if v, present := p.profile[st.env]; present {
		found = append(found, raw{value: v, from: st.env + " of " + p.profileWhere})
	}
	if len(found) == 0 {
		return raw{}, nil, false
	}
	for _, f := range found[1:] {
		shadowed = append(shadowed, f.from)
	}
	return found[0], shadowed, true
}

// nested is doc[keys[0]][keys[1]]...; present is false if a key is
// missing or a step is not a table (Prefect fails on that: the settings
// files were checked for it when read).
func nested(doc map[string]any, keys []string) (v any, present bool) {
	for i, k := range keys {
		v, present = doc[k]
		if !present {
			return nil, false
		}
		if i < len(keys)-1 {
			if doc, present = v.(map[string]any); !present {
				return nil, false
			}
		}
	}
	return v, present
}

// checkTables refuses a prefect.toml or pyproject.toml whose [api] or
// [client] is not a table: Prefect cannot load such a file.
func (p *prefect3) checkTables() error {
	for _, f := range []struct {
		doc  map[string]any
		path string
		pre  []string
	}{
		{p.prefectTOML, p.prefectTOMLPath, nil},
		{p.pyproject, p.pyprojectPath, []string{"tool", "prefect"}},
	} {
		for _, section := range []string{"api", "client"} {
			if v, ok := f.doc[section]; ok {
				if _, isTable := v.(map[string]any); !isTable {
					key := strings.Join(append(f.pre, section), ".")
					return configErr(fmt.Sprintf("%s in %s is not a table", key, f.path), "make it a table (["+key+"]) or remove it", nil)
				}
			}
		}
	}
	return nil
}

// config turns the settings into a Config: nil (and no error) when no
// source gives an API URL and there is no --api-url. Each setting read is
// an Origin; of malformed ones, the first (in this order) is the error.
func (p *prefect3) config(s Settings) (*Config, error) {
	if err := p.checkTables(); err != nil {
		return nil, err
	}
	c := &Config{Version: V2, Profile: p.profileName}
	p.profileOrigins()
	var errs []error
	urlSet := p.apiSettings(c, s, &errs)
	p.tlsSettings(c, &errs)
	p.retrySettings(c, &errs)
	p.headerSettings(c, &errs)
	if len(errs) > 0 {
		return nil, errs[0]
	}
	if c.URL == "" {
		if urlSet {
			p.emptyURL = true
		}
		return nil, nil
	}
	return c, nil
}

// profileOrigins are the Origins of where the profile came from:
// PREFECT_PROFILES_PATH, PREFECT_PROFILE and PREFECT_HOME.
func (p *prefect3) profileOrigins() {
	p.origins = append(p.origins, Origin{Name: "PREFECT_PROFILES_PATH", Value: p.profilesPath, From: p.profilesPathFrom})
	if p.profileName != "" {
		o := Origin{Name: "PREFECT_PROFILE", Value: p.profileName, From: p.profileNameFrom}
		if p.fellBack != "" {
			o.From += "; not defined there: Prefect's default profile \"" + defaultProfile + "\" is used"
		}
		p.origins = append(p.origins, o)
	}
	if r, shadowed, ok := p.lookup(settingHome); ok {
		v, _ := asString(r)
		o := Origin{Name: "PREFECT_HOME", Value: v, From: r.from, Shadowed: shadowed}
		if r.from != "env PREFECT_HOME" {
			// Prefect's profile source reads os.environ["PREFECT_HOME"], that
			// name exactly, and nothing else.
			o.From += "; Prefect finds profiles.toml by PREFECT_HOME from the environment only"
		}
		p.origins = append(p.origins, o)
	}
}

// readSetting looks st up and reads it with parse; a malformed value goes
// to errs. A value read is an Origin, shown by show. ok is false when no
// source sets st or its value is malformed.
func readSetting[T any](p *prefect3, errs *[]error, st setting, parse func(raw) (T, error), show func(T) string) (v T, from string, ok bool) {
	r, shadowed, found := p.lookup(st)
	if !found {
		return v, "", false
	}
	v, err := parse(r)
	if err != nil {
		*errs = append(*errs, p.malformed(st, r, err))
		return v, "", false
	}
	p.origins = append(p.origins, Origin{Name: st.env, Value: show(v), From: r.from, Shadowed: shadowed})
	return v, r.from, true
}

// sprint shows a setting's value in an Origin.
func sprint[T any](v T) string { return fmt.Sprint(v) }

// str reads a string setting; a credential's value never shows.
func (p *prefect3) str(st setting, errs *[]error) (value, from string) {
	value, from, _ = readSetting(p, errs, st, asString, func(v string) string {
		switch {
		case !st.secret:
			return v
		case v == "":
			return "(set to empty)"
		}
		return "(set, not shown)"
	})
	return value, from
}

// apiSettings reads which API and its credentials: PREFECT_API_URL
// (--api-url wins), PREFECT_API_KEY and PREFECT_API_AUTH_STRING. It
// reports whether a source sets PREFECT_API_URL.
func (p *prefect3) apiSettings(c *Config, s Settings, errs *[]error) (urlSet bool) {
	c.URL, c.URLFrom = p.str(settingURL, errs)
	urlSet = c.URLFrom != ""
	if s.URLFlag != "" {
		c.URL, c.URLFrom = s.URLFlag, "--api-url"
	}
	key, keyFrom := p.str(settingKey, errs)
	auth, authFrom := p.str(settingAuth, errs)
	if key != "" {
		c.Key, c.KeyFrom = resolve.NewSecret([]byte(key)), keyFrom
	}
	if auth != "" {
		c.AuthString, c.AuthStringFrom = resolve.NewSecret([]byte(auth)), authFrom
	}
	return urlSet
}

// tlsSettings reads PREFECT_API_SSL_CERT_FILE (by default the
// environment's SSL_CERT_FILE, as Prefect's is) and
// PREFECT_API_TLS_INSECURE_SKIP_VERIFY.
func (p *prefect3) tlsSettings(c *Config, errs *[]error) {
	c.SSLCertFile, c.SSLCertFileFrom = p.str(settingCertFile, errs)
	if c.SSLCertFileFrom == "" {
		if v, ok := getenvExact(p.environ, "SSL_CERT_FILE"); ok && v != "" {
			c.SSLCertFile, c.SSLCertFileFrom = v, "env SSL_CERT_FILE, Prefect's default for PREFECT_API_SSL_CERT_FILE"
			p.origins = append(p.origins, Origin{Name: settingCertFile.env, Value: v, From: c.SSLCertFileFrom})
		}
	}
	if v, from, ok := readSetting(p, errs, settingInsecure, asBool, sprint); ok {
		c.InsecureSkipVerify, c.InsecureSkipVerifyFrom = v, from
	}
}

// retrySettings reads PREFECT_API_REQUEST_TIMEOUT, PREFECT_CLIENT_MAX_RETRIES,
// PREFECT_CLIENT_RETRY_EXTRA_CODES and PREFECT_CLIENT_RETRY_JITTER_FACTOR,
// each as Prefect's settings model takes it.
func (p *prefect3) retrySettings(c *Config, errs *[]error) {
	if v, from, ok := readSetting(p, errs, settingTimeout, asSeconds, sprint); ok {
		c.RequestTimeout, c.RequestTimeoutFrom = seconds(v), from
	}
	count := func(r raw) (int, error) {
		v, err := asInt(r)
		if err == nil && (v < 0 || v > 1<<31) {
			err = malformed("a count from 0 up")
		}
		return int(v), err
	}
	if n, from, ok := readSetting(p, errs, settingRetries, count, sprint); ok {
		c.MaxRetries, c.MaxRetriesFrom = &n, from
	}
	if v, from, ok := readSetting(p, errs, settingCodes, asCodes, joinInts); ok {
		c.RetryExtraCodes, c.RetryExtraCodesFrom = v, from
	}
	// An infinite jitter factor is refused: Prefect's own waits come out
	// NaN with it.
	jitter := func(r raw) (float64, error) {
		v, err := asFloat(r)
		if err == nil && !(v >= 0 && !math.IsInf(v, 0)) {
			err = malformed("a number from 0 up")
		}
		return v, err
	}
	if v, from, ok := readSetting(p, errs, settingJitter, jitter, sprint); ok {
		c.RetryJitterFactor, c.RetryJitterFactorFrom = &v, from
	}
}

// headerSettings reads PREFECT_CLIENT_CUSTOM_HEADERS: their names show,
// never their values, which may be credentials.
func (p *prefect3) headerSettings(c *Config, errs *[]error) {
	names := func(v map[string]string) string {
		l := make([]string, 0, len(v))
		for name := range v {
			l = append(l, name)
		}
		if len(l) == 0 {
			return "none"
		}
		sort.Strings(l)
		return strings.Join(l, ", ") + " (values not shown)"
	}
	v, from, ok := readSetting(p, errs, settingHeaders, asHeaders, names)
	if !ok {
		return
	}
	c.CustomHeaders = make(map[string]resolve.Secret, len(v))
	for name, val := range v {
		c.CustomHeaders[name] = resolve.NewSecret([]byte(val))
	}
	c.CustomHeadersFrom = from
}

// seconds is a positive number of seconds as a Duration, at most 100
// years (time.Duration's range is 292).
func seconds(v float64) time.Duration {
	const most = 100 * 365 * 24 * time.Hour
	if v >= most.Seconds() {
		return most
	}
	if d := time.Duration(v * float64(time.Second)); d > 0 {
		return d
	}
	return time.Nanosecond
}

func joinInts(v []int) string {
	if len(v) == 0 {
		return "none"
	}
	s := make([]string, len(v))
	for i, n := range v {
		s[i] = fmt.Sprint(n)
	}
	return strings.Join(s, ",")
}

// malformed is the configuration error for a setting whose value is not
// of its type: it names the setting and where it came from, never the
// value.
func (p *prefect3) malformed(st setting, r raw, err error) error {
	want := strings.TrimPrefix(err.Error(), errMalformed.Error()+": ")
	hint := "fix it where it is set"
	if st.want != "" {
		hint = fmt.Sprintf("set it to %s, as Prefect reads it", st.want)
	}
	if !errors.Is(err, errMalformed) {
		want = "valid"
	}
	return configErr(fmt.Sprintf("Prefect setting %s from %s is not %s", st.env, r.from, want), hint, nil)
}

// hint says what to do when no source gives an API URL.
func (p *prefect3) hint() string {
	if p.fellBack != "" && p.profileName != "" && !p.emptyURL {
		return fmt.Sprintf("give profile %q its settings in %s ([profiles.%s] with PREFECT_API_URL = \"...\"), or set PREFECT_API_URL (and PREFECT_API_KEY); see prefect-secrets doctor",
			p.profileName, p.profilesPath, tomlKey(p.profileName))
	}
	return "set PREFECT_API_URL (and PREFECT_API_KEY), or run prefect cloud login; see prefect-secrets doctor"
}

// whyNoURL says why no source gives an API URL.
func (p *prefect3) whyNoURL() string {
	if p.emptyURL {
		r, _, _ := p.lookup(settingURL)
		return "PREFECT_API_URL is set but empty (" + r.from + ")"
	}
	where := "no PREFECT_API_URL in the environment, .env, prefect.toml, pyproject.toml or " + p.profileWhere
	if p.fellBack != "" {
		where = p.fellBack + ", which sets no PREFECT_API_URL, nor do the environment, .env, prefect.toml or pyproject.toml"
	}
	return where
}
