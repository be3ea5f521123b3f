package localcontext

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/prefect-secrets/prefect-secrets/internal/testkit/unprivileged"
	"github.com/prefect-secrets/prefect-secrets/resolve"
)

func TestContextKey(t *testing.T) {
	cases := []struct {
		key  string
		want []string // nil: not a secret
	}{
		// The name keeps its case.
		{"PREFECT__CONTEXT__SECRETS__mY_KeY", []string{"mY_KeY"}},
		{"PREFECT__CONTEXT__SECRETS__SLACK_WEBHOOK_URL", []string{"SLACK_WEBHOOK_URL"}},
		// An already lower-case prefix matches, and the name still keeps its case.
		{"PREFECT__context__secrets__Y", []string{"Y"}},
		{"PREFECT__context__secrets__MixedCase", []string{"MixedCase"}},
		// Mixed-case prefixes are not secrets: only the literal upper-case
		// CONTEXT__SECRETS is replaced.
		{"PREFECT__Context__Secrets__X", nil},
		{"PREFECT__CONTEXT__secrets__X", nil},
		{"PREFECT__context__SECRETS__X", nil},
		{"PREFECT__CONTEXT__Secrets__X", nil},
		{"PREFECT__ConteXt__secrets__X", nil},
		// One underscore before the name.
		{"PREFECT__CONTEXT__SECRETS_X", nil},
		{"PREFECT__CONTEXT__SECRETSX__Y", nil},
		{"PREFECT__CONTEXT_SECRETS__X", nil},
		// Only the upper-case PREFECT__ starts Prefect's config.
		{"prefect__context__secrets__X", nil},
		{"Prefect__CONTEXT__SECRETS__X", nil},
		{"PREFECT_CONTEXT__SECRETS__X", nil},
		{"XPREFECT__CONTEXT__SECRETS__X", nil},
		{"PREFECT__CLOUD__USE_LOCAL_SECRETS", nil},
		{"PREFECT__CONTEXT__FLOW_NAME", nil},
		// No name.
		{"PREFECT__CONTEXT__SECRETS", nil},
		{"PREFECT__CONTEXT__SECRETS__", nil},
		{"PREFECT__CONTEXT__SECRETS____X", nil}, // the name would be ""
		{"PREFECT__", nil},
		{"", nil},
		// Nesting.
		{"PREFECT__CONTEXT__SECRETS__A__B", []string{"A", "B"}},
		{"PREFECT__CONTEXT__SECRETS__A__B__C", []string{"A", "B", "C"}},
		{"PREFECT__CONTEXT__SECRETS__X___Y", []string{"X", "_Y"}},
		{"PREFECT__CONTEXT__SECRETS___LEAD", []string{"_LEAD"}},
		{"PREFECT__CONTEXT__SECRETS__A__", []string{"A", ""}},
		{"PREFECT__CONTEXT__SECRETS__A____B", []string{"A", "", "B"}},
		{"PREFECT__context__secrets__a__B", []string{"a", "B"}},
		// Every literal CONTEXT__SECRETS is lower-cased, also inside.
		{"PREFECT__CONTEXT__SECRETS__A__CONTEXT__SECRETS__B", []string{"A", "context", "secrets", "B"}},
		{"PREFECT__CONTEXT__SECRETS__ACONTEXT__SECRETSB", []string{"Acontext", "secretsB"}},
		// Names may hold '-', '.', leading digits, non-ASCII, '$', '='-free punctuation.
		{"PREFECT__CONTEXT__SECRETS__slack-webhook", []string{"slack-webhook"}},
		{"PREFECT__CONTEXT__SECRETS__db.password", []string{"db.password"}},
		{"PREFECT__CONTEXT__SECRETS__1ST", []string{"1ST"}},
		{"PREFECT__CONTEXT__SECRETS__clé_ñandú", []string{"clé_ñandú"}},
		{"PREFECT__CONTEXT__SECRETS__秘密", []string{"秘密"}},
		{"PREFECT__CONTEXT__SECRETS___", []string{"_"}},
	}
	for _, c := range cases {
		got, ok := Key(c.key)
		if ok != (c.want != nil) || !reflect.DeepEqual(got, c.want) {
			t.Errorf("Key(%q) = %q, %v; want %q, %v", c.key, got, ok, c.want, c.want != nil)
		}
	}
}

// contextKeyModel is Prefect 1's interpolate_config, transcribed literally
// from the Python (str.upper, str.replace, str.lower, str.split), for the
// fuzz target to compare against.
func contextKeyModel(key string) ([]string, bool) {
	const prefix = "PREFECT__"
	if !strings.HasPrefix(key, prefix) {
		return nil, false
	}
	k := key[len(prefix):]
	if strings.HasPrefix(strings.ToUpper(k), "CONTEXT__SECRETS") {
		k = strings.ReplaceAll(k, "CONTEXT__SECRETS", "context__secrets")
	} else {
		k = strings.ToLower(k)
	}
	parts := strings.Split(k, "__")
	if len(parts) < 3 || parts[0] != "context" || parts[1] != "secrets" || parts[2] == "" {
		return nil, false
	}
	return parts[2:], true
}

// FuzzContextKey: Key never panics, agrees with Prefect's algorithm,
// returns a name that CheckName accepts whenever the name is one a user can
// ask for, and the variable built from a plain name reads back as it.
func FuzzContextKey(f *testing.F) {
	for _, s := range []string{
		"PREFECT__CONTEXT__SECRETS__X", "PREFECT__context__secrets__Y", "PREFECT__Context__Secrets__X",
		"PREFECT__CONTEXT__SECRETS_X", "prefect__context__secrets__X", "PREFECT__CONTEXT__SECRETS__A__B",
		"PREFECT__CONTEXT__SECRETS__X___Y", "PREFECT__CONTEXT__SECRETS___LEAD", "PREFECT__CONTEXT__SECRETS__",
		"PREFECT__CONTEXT__SECRETS__A__CONTEXT__SECRETS__B", "PREFECT__", "", "PREFECT__CONTEXT__SECRETS__秘密",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, key string) {
		path, ok := Key(key)
		wantPath, wantOK := contextKeyModel(key)
		if ok != wantOK || !slices.Equal(path, wantPath) {
			t.Fatalf("Key(%q) = %q, %v; Prefect's rules give %q, %v", key, path, ok, wantPath, wantOK)
		}
		if !ok {
			if path != nil {
				t.Fatalf("Key(%q) = %q with ok=false", key, path)
			}
			return
		}
		if len(path) == 0 || path[0] == "" {
			t.Fatalf("Key(%q) = %q: empty name", key, path)
		}
		name := path[0]
		if strings.Contains(name, "__") {
			t.Fatalf("Key(%q): name %q holds __", key, name)
		}
		// The name is the text right after the prefix: its case is kept.
		if !strings.HasPrefix(strings.ToUpper(key), "PREFECT__CONTEXT__SECRETS__") {
			t.Fatalf("Key(%q) accepted a key without the prefix", key)
		}
		// Building the variable back from a valid name gives the same name.
		if utf8.ValidString(name) && resolve.CheckName(name) == nil {
			back, ok := Key(Prefix + name)
			if !ok || len(back) != 1 || back[0] != name {
				t.Fatalf("Key(%q) = %q, %v; want [%q]", Prefix+name, back, ok, name)
			}
		}
	})
}

// contextTestSource builds a Context over env and, if toml is not "", a
// config file holding it.
func contextTestSource(t *testing.T, toml string, env ...string) *Source {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.toml")
	if toml != "" {
		if err := os.WriteFile(path, []byte(toml), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return &Source{Environ: env, ConfigPath: path}
}

// contextTestGet looks up names and returns their revealed text.
func contextTestGet(t *testing.T, c *Source, names ...string) map[string]string {
	t.Helper()
	got, err := c.Lookup(context.Background(), names)
	if err != nil {
		t.Fatalf("Lookup(%q): %v", names, err)
	}
	out := make(map[string]string, len(got))
	for k, v := range got {
		out[k] = string(v.Reveal())
	}
	return out
}

func TestContextEnv(t *testing.T) {
	c := contextTestSource(t, "",
		"PREFECT__CONTEXT__SECRETS__mY_KeY=42",
		"PREFECT__context__secrets__Y=lower",
		"PREFECT__Context__Secrets__X=no",
		"PREFECT__CONTEXT__secrets__Z=no",
		"PREFECT__CONTEXT__SECRETS_W=no",
		"prefect__context__secrets__V=no",
		"PREFECT__CONTEXT__SECRETS__A__B=v",
		"PREFECT__CONTEXT__SECRETS__A__C__D=w",
		"PREFECT__CONTEXT__SECRETS__X___Y=u",
		"PREFECT__CONTEXT__SECRETS___LEAD=lead",
		"PREFECT__CONTEXT__SECRETS__EMPTY=",
		"PREFECT__CONTEXT__SECRETS__EQ=a=b==c",
		"PREFECT__CONTEXT__SECRETS__DUP=first",
		"PREFECT__CONTEXT__SECRETS__DUP=second",
		"PREFECT__CONTEXT__SECRETS__VERBATIM=$HOME ${HOME} ~ 0x1F '42' true",
		"NOT_AN_ASSIGNMENT",
		"PATH=/bin",
	)
	got := contextTestGet(t, c, "mY_KeY", "MY_KEY", "Y", "X", "Z", "W", "V", "A", "B", "X", "_LEAD", "EMPTY", "EQ", "DUP", "VERBATIM", "PATH")
	want := map[string]string{
		"mY_KeY":   "42",
		"Y":        "lower",
		"A":        `{"B":"v","C":{"D":"w"}}`,
		"X":        `{"_Y":"u"}`,
		"_LEAD":    "lead",
		"EMPTY":    "",
		"EQ":       "a=b==c",
		"DUP":      "first",
		"VERBATIM": "$HOME ${HOME} ~ 0x1F '42' true",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Lookup =\n%q\nwant\n%q", got, want)
	}
	names, err := c.Names(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	wantNames := []string{"A", "DUP", "EMPTY", "EQ", "VERBATIM", "X", "Y", "_LEAD", "mY_KeY"}
	if !slices.Equal(names, wantNames) {
		t.Errorf("Names = %q, want %q", names, wantNames)
	}
	vs, _ := c.Lookup(context.Background(), []string{"A", "mY_KeY"})
	if !vs["A"].IsJSON() || vs["mY_KeY"].IsJSON() {
		t.Errorf("IsJSON: nested %v, plain %v; want true, false", vs["A"].IsJSON(), vs["mY_KeY"].IsJSON())
	}
}

func TestContextFile(t *testing.T) {
	c := contextTestSource(t, `
backend = "cloud"
[cloud]
endpoint = "https://api.prefect.io"
[context]
flow_name = "not-a-secret"
[context.secrets]
S = "file"
MULTI = "a\nb\r\n"
INT = 42
BIG = 9007199254740993
NEG = -1
FLOAT = 1.5
EXP = 1e300
NAN = nan
INF = -inf
YES = true
ARR = [1, "two", [false]]
INLINE = { z = 1, a = { b = "c" } }
ODT = 1979-05-27T07:32:00Z
ODT2 = 1979-05-27T00:32:00.999-07:00
HTML = "<a&b>"
[[context.secrets.AOT]]
k = 1
[[context.secrets.AOT]]
k = 2
[context.secrets.TABLE]
b = 2
a = "1"
`)
	got := contextTestGet(t, c, "S", "MULTI", "INT", "BIG", "NEG", "FLOAT", "EXP", "NAN", "INF", "YES", "ARR", "INLINE", "ODT", "ODT2", "HTML", "AOT", "TABLE", "backend", "endpoint", "flow_name")
	want := map[string]string{
		"S":      "file",
		"MULTI":  "a\nb\r\n",
		"INT":    "42",
		"BIG":    "9007199254740993",
		"NEG":    "-1",
		"FLOAT":  "1.5",
		"EXP":    "1e+300",
		"NAN":    `"NaN"`,
		"INF":    `"-Inf"`,
		"YES":    "true",
		"ARR":    `[1,"two",[false]]`,
		"INLINE": `{"a":{"b":"c"},"z":1}`,
		"ODT":    `"1979-05-27T07:32:00Z"`,
		"ODT2":   `"1979-05-27T00:32:00.999-07:00"`,
		"HTML":   "<a&b>",
		"AOT":    `[{"k":1},{"k":2}]`,
		"TABLE":  `{"a":"1","b":2}`,
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s = %q, want %q", k, got[k], w)
		}
	}
	for _, k := range []string{"backend", "endpoint", "flow_name"} {
		if _, ok := got[k]; ok {
			t.Errorf("%s is not in [context.secrets] but was found", k)
		}
	}
	// Every structured value is valid JSON text.
	vs, _ := c.Lookup(context.Background(), []string{"INT", "ARR", "INLINE", "NAN", "ODT", "AOT", "TABLE"})
	for k, v := range vs {
		if !v.IsJSON() || !json.Valid(v.Reveal()) {
			t.Errorf("%s: IsJSON %v, valid JSON %v: %q", k, v.IsJSON(), json.Valid(v.Reveal()), v.Reveal())
		}
	}
}

// TOML's local dates and times have no offset: their JSON text is their
// TOML text, not an instant in UTC.
func TestContextFileLocalDates(t *testing.T) {
	c := contextTestSource(t, `
[context.secrets]
LDT = 1979-05-27T07:32:00
LDT_FRAC = 1979-05-27T07:32:00.5
LD = 1979-05-27
LT = 07:32:00
`)
	got := contextTestGet(t, c, "LDT", "LDT_FRAC", "LD", "LT")
	want := map[string]string{
		"LDT":      `"1979-05-27T07:32:00"`,
		"LDT_FRAC": `"1979-05-27T07:32:00.5"`,
		"LD":       `"1979-05-27"`,
		"LT":       `"07:32:00"`,
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s = %s, want %s", k, got[k], w)
		}
	}
}

func TestContextEnvOverFile(t *testing.T) {
	c := contextTestSource(t, `
[context.secrets]
TOKEN = "file"
FILE_ONLY = "file"
REPLACED = { a = 1 }
[context.secrets.DB]
host = "db"
password = "file"
[context.secrets.DB.opts]
timeout = 5
`,
		"PREFECT__CONTEXT__SECRETS__TOKEN=env",
		"PREFECT__CONTEXT__SECRETS__REPLACED=flat",
		"PREFECT__CONTEXT__SECRETS__DB__password=env",
		"PREFECT__CONTEXT__SECRETS__DB__opts__ssl=require",
		"PREFECT__CONTEXT__SECRETS__NEW__k=v",
	)
	got := contextTestGet(t, c, "TOKEN", "FILE_ONLY", "REPLACED", "DB", "NEW")
	want := map[string]string{
		"TOKEN":     "env",
		"FILE_ONLY": "file",
		"REPLACED":  "flat",
		"DB":        `{"host":"db","opts":{"ssl":"require","timeout":5},"password":"env"}`,
		"NEW":       `{"k":"v"}`,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Lookup =\n%q\nwant\n%q", got, want)
	}

	path := c.ConfigPath
	origins := map[string]string{
		"TOKEN":     "from PREFECT__CONTEXT__SECRETS__TOKEN (shadowing [context.secrets] in " + path + ")",
		"FILE_ONLY": "from [context.secrets] in " + path,
		"DB":        "from [context.secrets] in " + path + ", PREFECT__CONTEXT__SECRETS__DB__opts__ssl, PREFECT__CONTEXT__SECRETS__DB__password",
		"NEW":       "from PREFECT__CONTEXT__SECRETS__NEW__k",
		"MISSING":   "",
	}
	for name, w := range origins {
		if o := c.Origin(name); o != w {
			t.Errorf("Origin(%s) = %q, want %q", name, o, w)
		}
	}
	if !strings.Contains(c.Where(), path) || !strings.Contains(c.Where(), Prefix) {
		t.Errorf("Where() = %q, want the prefix and the config path", c.Where())
	}
	if c.Name() != "context" {
		t.Errorf("Name() = %q", c.Name())
	}
}

// A nested variable inside a secret that is a plain value: Prefect cannot
// load it; the message names the variable and the key it sets, never a value.
func TestContextNestedConflict(t *testing.T) {
	const value = "canary-conflict-value"
	for _, c := range []*Source{
		contextTestSource(t, "", "PREFECT__CONTEXT__SECRETS__S="+value, "PREFECT__CONTEXT__SECRETS__S__k="+value),
		contextTestSource(t, "[context.secrets]\nS = \""+value+"\"\n", "PREFECT__CONTEXT__SECRETS__S__k="+value),
	} {
		_, err := c.Lookup(context.Background(), []string{"S"})
		if !errors.Is(err, resolve.ErrConfig) {
			t.Fatalf("Lookup(S) = %v, want ErrConfig", err)
		}
		msg := err.Error()
		if strings.Contains(msg, value) || strings.Contains(resolve.HintText(err), value) {
			t.Errorf("the error shows the value: %s", msg)
		}
		if !strings.Contains(msg, "PREFECT__CONTEXT__SECRETS__S__k") || !strings.Contains(msg, `"S"`) {
			t.Errorf("error %q should name the variable and the secret", msg)
		}
		if !strings.Contains(msg, `key "k"`) {
			t.Errorf("error %q should name the key the variable sets, \"k\"", msg)
		}
		// Other names are unaffected.
		if _, err := c.Lookup(context.Background(), []string{"OTHER"}); err != nil {
			t.Errorf("Lookup(OTHER) = %v", err)
		}
	}
}

func TestContextConfigErrors(t *testing.T) {
	const value = "canary-config-value"
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cases := []struct {
		name, path, want string
	}{
		{"not TOML", write("bad.toml", "[context.secrets]\nX = "+value+"\n"), "is not valid TOML (line 2, column"},
		{"unterminated string", write("bad2.toml", "[context.secrets]\nX = \"\"\""+value+"\n"), "is not valid TOML"},
		{"duplicate key", write("dup.toml", "[context.secrets]\nX = \""+value+"\"\nX = \""+value+"\"\n"), "is not valid TOML"},
		{"directory", dir, "is a directory"},
		{"context not a table", write("ctx.toml", "context = \""+value+"\"\n"), `has "context" that is not a table`},
		{"secrets not a table", write("sec.toml", "[context]\nsecrets = [\""+value+"\"]\n"), `has "context.secrets" that is not a table`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src := &Source{Environ: []string{"PREFECT__CONTEXT__SECRETS__Y=env"}, ConfigPath: c.path}
			// Even a name set in the environment fails: the file is broken.
			_, err := src.Lookup(context.Background(), []string{"Y"})
			if !errors.Is(err, resolve.ErrConfig) {
				t.Fatalf("Lookup = %v, want ErrConfig", err)
			}
			if !strings.Contains(err.Error(), c.path) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q, want the path and %q", err, c.want)
			}
			if strings.Contains(err.Error(), value) || strings.Contains(resolve.HintText(err), value) {
				t.Errorf("the error quotes the file's text: %q", err)
			}
			if resolve.HintText(err) == "" {
				t.Error("no hint")
			}
			if _, err := src.Names(context.Background()); !errors.Is(err, resolve.ErrConfig) {
				t.Errorf("Names = %v, want ErrConfig", err)
			}
			if o := src.Origin("Y"); o != "" {
				t.Errorf("Origin = %q on a broken config", o)
			}
		})
	}
}

func TestContextConfigUnreadable(t *testing.T) {
	if !unprivileged.Test(t) {
		return // run again as an ordinary user: root reads any file
	}
	path := filepath.Join(t.TempDir(), "config.toml")
	if err := os.WriteFile(path, []byte("[context.secrets]\nY = \"canary-unreadable\"\n"), 0o000); err != nil {
		t.Fatal(err)
	}
	src := &Source{Environ: []string{"PREFECT__CONTEXT__SECRETS__Y=env"}, ConfigPath: path}
	_, err := src.Lookup(context.Background(), []string{"Y"})
	if !errors.Is(err, resolve.ErrConfig) || !strings.Contains(err.Error(), "cannot be read") {
		t.Fatalf("Lookup = %v, want resolve.ErrConfig saying it cannot be read", err)
	}
	if !errors.Is(err, os.ErrPermission) {
		t.Errorf("Lookup = %v, want the permission error kept as its cause", err)
	}
}

func TestContextMissingConfig(t *testing.T) {
	for _, path := range []string{"", filepath.Join(t.TempDir(), "no", "such.toml")} {
		src := &Source{Environ: []string{"PREFECT__CONTEXT__SECRETS__Y=env"}, ConfigPath: path}
		got := contextTestGet(t, src, "Y", "Z")
		if !reflect.DeepEqual(got, map[string]string{"Y": "env"}) {
			t.Errorf("ConfigPath %q: Lookup = %q", path, got)
		}
	}
}

// The real sources behind a Chain: Env is not asked for what the local context has.
func TestChainContextThenEnv(t *testing.T) {
	environ := []string{"PREFECT__CONTEXT__SECRETS__TOKEN=ctx", "TOKEN=env", "PATH=/bin"}
	chain := &resolve.Chain{Sources: []resolve.Source{&Source{Environ: environ}, resolve.Env{Environ: environ}}}
	res, err := chain.Resolve(context.Background(), []string{"TOKEN", "PATH"})
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]string{"TOKEN": "ctx", "PATH": "/bin"}; !reflect.DeepEqual(revealAll(res.Values), want) {
		t.Errorf("Values = %q", revealAll(res.Values))
	}
	if want := map[string]string{"TOKEN": "context", "PATH": "env"}; !reflect.DeepEqual(res.From, want) {
		t.Errorf("From = %q", res.From)
	}
	items, _, failed := chain.List(context.Background())
	if len(failed) != 0 {
		t.Fatal(failed)
	}
	for _, it := range items {
		if it.Name == "TOKEN" && (it.Source != "context" || !slices.Equal(it.AlsoIn, []string{"env"})) {
			t.Errorf("TOKEN listed as %+v", it)
		}
	}
}

func revealAll(values map[string]resolve.Secret) map[string]string {
	out := make(map[string]string)
	for k, v := range values {
		out[k] = string(v.Reveal())
	}
	return out
}

// FuzzAcceptedNameReadsBack: Prefect reads the variable of every name
// CheckName accepts back as that name.
func FuzzAcceptedNameReadsBack(f *testing.F) {
	for _, s := range []string{"A", "秘密", "_LEAD", "x-y.z", "A_", "_", "mY_KeY", "0x1F"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		if resolve.CheckName(name) != nil {
			return
		}
		path, ok := Key(Prefix + name)
		if !ok || len(path) != 1 || path[0] != name {
			t.Fatalf("Key(%q) = %q, %v; want [%q]", Prefix+name, path, ok, name)
		}
	})
}
