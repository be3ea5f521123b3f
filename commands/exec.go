package commands

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/prefect-secrets/prefect-secrets/internal/inject"
	"github.com/prefect-secrets/prefect-secrets/internal/mask"
	"github.com/prefect-secrets/prefect-secrets/internal/proc"
	"github.com/prefect-secrets/prefect-secrets/resolve"
)

// execInput is what exec needs, apart from the global flags.
type execInput struct {
	variables
	Context  bool
	Pristine bool
	NoMask   bool
	MaskMin  int
	NoCIMask bool
	Command  []string
	// Deployment: a Prefect deployment's variables, beneath the rest.
	Deployment deploymentInput
}

func execCommand(g *globals) *cli.Command {
	in := &execInput{}
	return &cli.Command{
		Name:      "exec",
		Usage:     "run a command with secrets in its environment",
		UsageText: "prefect-secrets [global options] exec [-s NAME | -s VAR=NAME]... [--env-file FILE]... [--deployment NAME [--prefect-file FILE | --from-api]] [--context] [--pristine] [--no-mask] [--mask-min BYTES] [--no-ci-mask] -- COMMAND [ARGS...]",
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

Secrets reach the command five ways:
  -s NAME              as the variable NAME
  -s VAR=NAME          as the variable VAR
  --env-file FILE      each VAR=prefect-secret://NAME line of FILE as VAR
                       (and each VAR=text line as a plain value); a later
                       definition of a variable wins, and -s wins over FILE
  VAR=prefect-secret://NAME in the caller's environment: a reference,
                       replaced by the value of NAME
  --deployment NAME    the environment Prefect deployment NAME's flow runs
                       get: from prefect.yaml (the deployments[] entry
                       prefect deploy -n NAME picks; FLOW/NAME too), its
                       work_pool.job_variables.env resolved as prefect
                       deploy does; else from the Prefect API, built as a
                       worker builds it from the work pool's base job
                       template. Blocks in it are masked; variables and
                       {{ $X }} (from this environment) are not. Everything
                       above wins over it (see docs/deployments.md)

When GITHUB_ACTIONS=true, every value is first registered with the runner's
log masking (::add-mask:: on stderr; --no-ci-mask turns this off).

exec's options come before COMMAND; every word from COMMAND on is
COMMAND's, options included: in exec -s A -- cmd --verbose, --verbose is
cmd's. "--" marks where COMMAND starts (without it, COMMAND is the first
word that is not an option of exec), and prefect-secrets' global options,
such as --verbose, go before exec.

Examples:
  prefect-secrets exec -s DB_PASSWORD -- python flow.py
  prefect-secrets exec -s PGPASSWORD=DB_PASSWORD -- psql -h db
  prefect-secrets exec --env-file .env.secrets -- python flow.py
  SLACK_URL=prefect-secret://SLACK_WEBHOOK_URL prefect-secrets exec -- ./notify.sh
  prefect-secrets exec --deployment my-flow/prod -- python flow.py
  prefect-secrets exec --context -s DB_PASSWORD -- python prefect1_flow.py
  prefect-secrets exec --pristine -s TOKEN -- env
  prefect-secrets exec --no-mask -s DB_PASSWORD -- ./debug.sh`,
		Flags: append(append(in.options("inject secret `NAME` as NAME, or VAR=NAME as VAR (repeatable)"),
			&option{name: "context", value: boolValue{&in.Context}, usage: "also inject PREFECT__CONTEXT__SECRETS__NAME, so a Prefect 1 flow's Secret(NAME).get() finds it locally"},
			&option{name: "no-mask", value: boolValue{&in.NoMask}, usage: "do not mask secret values in the command's output; prefect-secrets then replaces itself with the command (same pid)"},
			&option{name: "mask-min", value: intValue{&in.MaskMin}, def: strconv.Itoa(mask.DefaultMinLen),
				usage: "the shortest value masked, in `BYTES`; shorter ones are not, with a warning"},
			&option{name: "no-ci-mask", value: boolValue{&in.NoCIMask}, usage: noCIMaskUsage},
			&option{name: "pristine", value: boolValue{&in.Pristine}, usage: "start the command from a minimal environment (" + strings.Join(inject.PristineVars, ", ") + ", LC_*) plus the secrets"},
		), in.Deployment.flags()...),
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
	fromDeployment, _, err := g.deploymentDefinitions(in.Deployment)
	if err != nil {
		return err
	}
	wanted, err := inject.Gather(inject.Request{Flags: in.Secrets, Files: in.EnvFiles, Environ: g.io.Environ, Log: g.logf, Deployment: fromDeployment})
	if err != nil {
		return err
	}
	names := inject.Names(wanted)
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
		return inject.MissingError(chain.NotFound(g.ctx(), res), wanted, res.Missing, "nothing was run")
	}
	env, err := inject.ChildEnv(g.io.Environ, wanted, res.Values, inject.EnvOptions{Context: in.Context, Pristine: in.Pristine})
	if err != nil {
		return err
	}
	if err := g.registerCIMasks(ciMaskFlags{in.NoCIMask, in.MaskMin}, res.Values); err != nil {
		return err
	}
	for _, w := range wanted {
		switch {
		case w.Plain:
			g.logf("exec: $%s <- a plain value (%s)", w.Var, w.Origin)
		case w.Parts != nil:
			g.logf("exec: $%s <- %s (%s)", w.Var, describeParts(w.Parts, res.From, nil), w.Origin)
		default:
			g.logf("exec: $%s <- %s from %s (%s)", w.Var, resolve.QuoteName(w.Name), res.From[w.Name], w.Origin)
		}
	}
	path, err := proc.LookPath(in.Command[0], inject.Lookup(env, "PATH"))
	if err != nil {
		return err
	}
	if in.NoMask || len(names) == 0 {
		g.logf("exec: running %s in our place (execve)", path)
		return g.io.Exec(path, in.Command, env)
	}
	secrets := make([]mask.Secret, 0, len(wanted))
	masked := map[string]bool{}
	for _, w := range wanted {
		for _, n := range w.Needs() { // a deployment's value: the blocks in it
			v := res.Values[n]
			if v.IsPublic() || masked[n] { // Prefect variables are no secrets
				continue
			}
			masked[n] = true
			secrets = append(secrets, mask.Secret{Name: n, Value: v.Reveal(), JSON: v.IsJSON()})
		}
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

// maskIdle is how long the masker holds output back before it shows what
// it can (mask.Writer.Flush), so that a prompt without a newline appears;
// what is still the start of a masked form waits on until the match
// breaks or the output ends.
const maskIdle = 30 * time.Millisecond

// definitions gathers the variables to inject, from -s, reference files
// and (with envRefs) references in the caller's environment: see
// inject.Gather.
func (g *globals) definitions(flags, files []string, envRefs bool) ([]inject.Definition, error) {
	r := inject.Request{Flags: flags, Files: files, Log: g.logf}
	if envRefs {
		r.Environ = g.io.Environ
	}
	return inject.Gather(r)
}
