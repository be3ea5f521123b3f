package commands

import (
	"bytes"
	"fmt"
	"os"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/prefect-secrets/prefect-secrets/internal/mask"
	"github.com/prefect-secrets/prefect-secrets/internal/prefect/localcontext"
	"github.com/prefect-secrets/prefect-secrets/internal/proc"
	"github.com/prefect-secrets/prefect-secrets/resolve"
)

// ReferencePrefix marks an environment variable whose value names a secret:
// VAR=prefect-secret://NAME becomes VAR=<value of NAME> in the child.
const ReferencePrefix = "prefect-secret://"

// pristineVars are what --pristine keeps of the caller's environment; LC_*
// variables are kept too.
var pristineVars = []string{"PATH", "HOME", "USER", "LOGNAME", "SHELL", "TERM", "LANG", "TZ", "TMPDIR"}

// execInput is what exec needs, apart from the global flags.
type execInput struct {
	Secrets  []string // -s values: NAME or VAR=NAME
	EnvFiles []string // --env-file: reference files, in order
	Context  bool
	Pristine bool
	NoMask   bool
	MaskMin  int
	NoCIMask bool
	Command  []string
}

// injection is one variable the child gets: Var=<value of Name>, or
// Var=Value for a plain value from a reference file.
type injection struct {
	Var    string
	Name   string
	Origin string // how it was asked for: "-s ...", "reference in $VAR" or "FILE:LINE"
	Plain  bool
	Value  string // a plain value
}

func execCommand(g *globals) *cli.Command {
	in := &execInput{}
	return &cli.Command{
		Name:      "exec",
		Usage:     "run a command with secrets in its environment",
		UsageText: "prefect-secrets [global options] exec [-s NAME | -s VAR=NAME]... [--env-file FILE]... [--context] [--pristine] [--no-mask] [--mask-min BYTES] [--no-ci-mask] -- COMMAND [ARGS...]",
		Description: `Resolves every secret first; if any is missing, nothing is started and the
error lists every missing name.

Then it runs COMMAND with every injected value masked in its stdout and
stderr: each occurrence (each line of a multi-line value, and its base64,
URL and JSON-string encodings too) becomes <prefect-secret:NAME>, as the
output flows. When stdin and stdout are a terminal, COMMAND gets a
pseudo-terminal of its own: colours, line editing, the window size, Ctrl-C
and Ctrl-Z work as without prefect-secrets. When only stdout or stderr is
a terminal, that stream goes through a pseudo-terminal (isatty holds,
colours stay) and the terminal is left as it is, so exec ... | less gets
its keys. Signals sent to prefect-secrets reach
COMMAND once, and COMMAND's exit status (or the signal that killed it) is
prefect-secrets' own. Values shorter than --mask-min bytes are not masked,
with a warning naming them.

With --no-mask (or nothing to mask), prefect-secrets replaces itself with
COMMAND (same pid, same terminal, stdin, stdout and stderr).

Secrets reach the command four ways:
  -s NAME              as the variable NAME
  -s VAR=NAME          as the variable VAR
  --env-file FILE      each VAR=prefect-secret://NAME line of FILE as VAR
                       (and each VAR=text line as a plain value); a later
                       definition of a variable wins, and -s wins over FILE
  VAR=prefect-secret://NAME in the caller's environment: a reference,
                       replaced by the value of NAME

When GITHUB_ACTIONS=true, every value is first registered with the runner's
log masking (::add-mask:: on stderr; --no-ci-mask turns this off).

Examples:
  prefect-secrets exec -s DB_PASSWORD -- python flow.py
  prefect-secrets exec -s PGPASSWORD=DB_PASSWORD -- psql -h db
  prefect-secrets exec --env-file .env.secrets -- python flow.py
  SLACK_URL=prefect-secret://SLACK_WEBHOOK_URL prefect-secrets exec -- ./notify.sh
  prefect-secrets exec --context -s DB_PASSWORD -- python prefect1_flow.py
  prefect-secrets exec --pristine -s TOKEN -- env
  prefect-secrets exec --no-mask -s DB_PASSWORD -- ./debug.sh`,
		Flags: []cli.Flag{
			&option{name: "secret", alias: "s", value: stringList{&in.Secrets}, repeatable: true,
				usage: "inject secret `NAME` as NAME, or VAR=NAME as VAR (repeatable)"},
			&option{name: "env-file", value: stringList{&in.EnvFiles}, usage: envFileUsage},
			&option{name: "context", value: boolValue{&in.Context}, usage: "also inject PREFECT__CONTEXT__SECRETS__NAME, so a Prefect 1 flow's Secret(NAME).get() finds it locally"},
			&option{name: "no-mask", value: boolValue{&in.NoMask}, usage: "do not mask secret values in the command's output; prefect-secrets then replaces itself with the command (same pid)"},
			&option{name: "mask-min", value: intValue{&in.MaskMin}, def: strconv.Itoa(mask.DefaultMinLen),
				usage: "the shortest value masked, in `BYTES`; shorter ones are not, with a warning"},
			&option{name: "no-ci-mask", value: boolValue{&in.NoCIMask}, usage: noCIMaskUsage},
			&option{name: "pristine", value: boolValue{&in.Pristine}, usage: "start the command from a minimal environment (" + strings.Join(pristineVars, ", ") + ", LC_*) plus the secrets"},
		},
		Action: func(c *cli.Context) error {
			in.Command = c.Args().Slice()
			return g.exec(in)
		},
	}
}

func (g *globals) exec(in *execInput) error {
	if len(in.Command) == 0 {
		return usagef("usage: prefect-secrets exec [-s NAME]... -- COMMAND [ARGS...]", "exec needs a command to run")
	}
	wanted, err := g.injections(in.Secrets, in.EnvFiles, true)
	if err != nil {
		return err
	}
	names := secretNames(wanted)
	chain, err := g.chain()
	if err != nil {
		return err
	}
	res := &resolve.Result{}
	if len(names) > 0 {
		if res, err = chain.Resolve(g.ctx(), names); err != nil {
			return err
		}
	}
	if len(res.Missing) > 0 {
		return missingError(chain.NotFound(g.ctx(), res), wanted, res.Missing, "nothing was run")
	}
	env, err := childEnv(g.io.Environ, in, wanted, res)
	if err != nil {
		return err
	}
	if err := g.registerCIMasks(ciMaskFlags{in.NoCIMask, in.MaskMin}, res.Values); err != nil {
		return err
	}
	for _, w := range wanted {
		if w.Plain {
			g.logf("exec: $%s <- a plain value (%s)", w.Var, w.Origin)
			continue
		}
		g.logf("exec: $%s <- %s from %s (%s)", w.Var, resolve.QuoteName(w.Name), res.From[w.Name], w.Origin)
	}
	path, err := proc.LookPath(in.Command[0], envValue(env, "PATH"))
	if err != nil {
		return err
	}
	if in.NoMask || len(names) == 0 {
		g.logf("exec: running %s in our place (execve)", path)
		return g.io.Exec(path, in.Command, env)
	}
	secrets := make([]mask.Secret, 0, len(wanted))
	for _, w := range wanted {
		if w.Plain {
			continue
		}
		v := res.Values[w.Name]
		secrets = append(secrets, mask.Secret{Name: w.Name, Value: v.Reveal(), JSON: v.IsJSON()})
	}
	minLen := in.MaskMin
	if minLen <= 0 {
		minLen = mask.DefaultMinLen
	}
	m, tooShort := mask.New(secrets, mask.Options{MinLen: minLen})
	for _, name := range tooShort {
		fmt.Fprintf(g.io.Err, "prefect-secrets: warning: secret %s is shorter than %d bytes and is not masked in the output\n", resolve.QuoteName(name), minLen)
	}
	if m.Empty() {
		g.logf("exec: nothing to mask; running %s in our place (execve)", path)
		return g.io.Exec(path, in.Command, env)
	}
	g.logf("exec: running %s with its output masked", path)
	return g.io.Supervise(proc.Supervision{
		Path: path, Argv: in.Command, Env: env,
		InTTY: g.io.InTTY, OutTTY: g.io.OutTTY, ErrTTY: g.io.ErrTTY,
		Stdout: m.Writer(g.io.Out), Stderr: m.Writer(g.io.Err),
		Idle: maskIdle,
	})
}

// maskIdle is how long output that could be the start of a secret is held
// back before it is shown anyway, so that a prompt without a newline
// appears.
const maskIdle = 30 * time.Millisecond

// injections gathers the variables to inject, from -s, from reference
// files and (with envRefs) from references in the environment, checking
// every name and variable before anything is resolved. -s wins over a
// file, a file over the environment, and a later file definition over an
// earlier one.
func (g *globals) injections(flags, files []string, envRefs bool) ([]injection, error) {
	var out []injection
	byVar := make(map[string]int)
	add := func(inj injection) error {
		if i, dup := byVar[inj.Var]; dup {
			switch old := out[i]; {
			case old.Name == inj.Name && old.Plain == inj.Plain && old.Value == inj.Value:
				return nil
			case rank(old) > rank(inj):
				g.logf("$%s: %s wins over %s", inj.Var, old.Origin, inj.Origin)
				return nil
			case rank(old) == rank(inj) && rank(inj) == rankFile:
				g.logf("$%s: %s wins over %s, a later definition", inj.Var, inj.Origin, old.Origin)
				out[i] = inj
				return nil
			}
			return usagef("give each variable one secret", "variable %s is asked for twice: %s and %s", inj.Var, out[i].Origin, inj.Origin)
		}
		byVar[inj.Var] = len(out)
		out = append(out, inj)
		return nil
	}
	for _, s := range flags {
		varName, name, hasVar := strings.Cut(s, "=")
		if !hasVar {
			name, varName = s, s
		}
		hint := "use -s NAME, or -s VAR=NAME to inject secret NAME as variable VAR"
		switch {
		case s == "":
			return nil, usagef(hint, "malformed -s: it is empty")
		case hasVar && varName == "":
			return nil, usagef(hint, "malformed -s %s: the variable name before \"=\" is empty", resolve.QuoteName(s))
		case hasVar && name == "":
			return nil, usagef(hint, "malformed -s %s: the secret name after \"=\" is empty", resolve.QuoteName(s))
		case hasVar && strings.Contains(name, "="):
			return nil, usagef(hint, "malformed -s %s: more than one \"=\"", resolve.QuoteName(s))
		}
		if err := checkVar(varName); err != nil {
			return nil, usagef(hint, "malformed -s %s: %v", resolve.QuoteName(s), err)
		}
		if err := resolve.CheckName(name); err != nil {
			return nil, err
		}
		if err := add(injection{Var: varName, Name: name, Origin: "-s " + s}); err != nil {
			return nil, err
		}
	}
	fromFiles, err := readEnvFiles(files)
	if err != nil {
		return nil, err
	}
	for _, inj := range fromFiles {
		if err := add(inj); err != nil {
			return nil, err
		}
	}
	refs := make([]injection, 0)
	for _, kv := range g.io.Environ {
		if !envRefs {
			break
		}
		k, v, _ := strings.Cut(kv, "=")
		name, isRef := strings.CutPrefix(v, ReferencePrefix)
		if !isRef {
			continue
		}
		if err := resolve.CheckName(name); err != nil {
			return nil, fmt.Errorf("reference in $%s: %w", k, err)
		}
		refs = append(refs, injection{Var: k, Name: name, Origin: "reference in $" + k})
	}
	sort.Slice(refs, func(i, j int) bool { return refs[i].Var < refs[j].Var })
	for _, r := range refs {
		if err := add(r); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// checkVar checks a variable name the child's environment can hold.
func checkVar(v string) error {
	for _, r := range v {
		if r <= ' ' || r == 0x7f || r == '=' {
			return fmt.Errorf("variable name %s holds a space or control character", resolve.QuoteName(v))
		}
	}
	return nil
}

// missingError adds to the not-found error which flag, reference or file
// asked for each missing name, and what was therefore not done.
func missingError(err error, wanted []injection, missing []string, notDone string) error {
	var e *resolve.Error
	if len(missing) == 0 || !asError(err, &e) {
		return err
	}
	var asked []string
	for _, w := range wanted {
		if slices.Contains(missing, w.Name) {
			asked = append(asked, w.Origin)
		}
	}
	e.Msg += "; asked for by " + strings.Join(asked, ", ") + "; " + notDone
	return e
}

// childEnv builds the child's environment: the caller's (or the pristine
// minimum), without the reference variables' markers, plus every injection.
func childEnv(environ []string, in *execInput, wanted []injection, res *resolve.Result) ([]string, error) {
	set := make(map[string]string)
	for _, w := range wanted {
		if w.Plain {
			if strings.IndexByte(w.Value, 0) >= 0 {
				return nil, &resolve.Error{Kind: resolve.ErrBadInput, Msg: fmt.Sprintf("the plain value of $%s (%s) holds a NUL byte, which an environment variable cannot", w.Var, w.Origin)}
			}
			set[w.Var] = w.Value
			continue
		}
		v := res.Values[w.Name].Reveal()
		if bytes.IndexByte(v, 0) >= 0 {
			return nil, &resolve.Error{Kind: resolve.ErrBadInput,
				Msg:  fmt.Sprintf("the value of %s holds a NUL byte, which an environment variable cannot", resolve.QuoteName(w.Name)),
				Hint: "use prefect-secrets get " + w.Name + " to read it as bytes"}
		}
		vars := []string{w.Var}
		if in.Context {
			vars = append(vars, localcontext.Prefix+w.Name)
		}
		for _, k := range vars {
			if err := envEntryFits(k, w.Name, len(v)); err != nil {
				return nil, err
			}
			set[k] = string(v)
		}
	}
	env := make([]string, 0, len(environ)+len(set))
	for _, kv := range environ {
		k, _, _ := strings.Cut(kv, "=")
		if _, replaced := set[k]; replaced {
			continue
		}
		if in.Pristine && !slices.Contains(pristineVars, k) && !strings.HasPrefix(k, "LC_") {
			continue
		}
		env = append(env, kv)
	}
	keys := make([]string, 0, len(set))
	for k := range set {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		env = append(env, k+"="+set[k])
	}
	return env, nil
}

// envEntryFits refuses a variable the kernel would refuse to start the
// command with: on Linux, no "VAR=value" string (its NUL included) may
// exceed 32 pages (MAX_ARG_STRLEN, 128 KiB with 4 KiB pages), or execve
// fails with "argument list too long" after everything was set up.
func envEntryFits(name, secret string, valueLen int) error {
	if runtime.GOOS != "linux" {
		return nil
	}
	limit := 32 * os.Getpagesize()
	if n := len(name) + 1 + valueLen + 1; n > limit {
		return &resolve.Error{Kind: resolve.ErrBadInput,
			Msg: fmt.Sprintf("variable %s would be %d bytes (its name, \"=\", the value of secret %s and a NUL), over the %d bytes Linux allows one environment variable (MAX_ARG_STRLEN); nothing was run",
				resolve.QuoteName(name), n, resolve.QuoteName(secret), limit),
			Hint: "pass a value this large another way, e.g. on stdin: prefect-secrets get " + secret + " | COMMAND"}
	}
	return nil
}

func envValue(env []string, key string) string {
	for _, kv := range env {
		if k, v, ok := strings.Cut(kv, "="); ok && k == key {
			return v
		}
	}
	return ""
}
