package commands

import (
	"errors"
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/prefect-secrets/prefect-secrets/internal/format"
	"github.com/prefect-secrets/prefect-secrets/internal/inject"
	"github.com/prefect-secrets/prefect-secrets/resolve"
)

// exportInput is what export needs, apart from the global flags.
type exportInput struct {
	variables
	Format string
	Dest   destination
	CI     ciMaskFlags
}

// formatList are the formats --format takes, for completion.
func formatList() []string {
	names := make([]string, len(format.All))
	for i, f := range format.All {
		names[i] = string(f)
	}
	return names
}

func formatNames() string {
	names := make([]string, len(format.All))
	for i, f := range format.All {
		names[i] = string(f)
	}
	return strings.Join(names, ", ")
}

func exportCommand(g *globals) *cli.Command {
	in := &exportInput{}
	return &cli.Command{
		Name:      "export",
		Usage:     "write variables and their secret values in a format another tool reads",
		UsageText: "prefect-secrets [global options] export [--env-file FILE]... [-s NAME | -s VAR=NAME]... (--format FORMAT | --github-env) [-o FILE] [--force] [--no-ci-mask] [--mask-min BYTES]",
		Description: `Resolves every secret of the reference files (--env-file) and of -s first;
if any is missing, nothing is written and the error lists every missing
name. Then it writes every variable, in one of these formats:

  dotenv   VAR="value" lines that docker compose's .env reader gives back
           exactly ($ is written $$, so nothing is interpolated)
  shell    export VAR='value' lines, for eval "$(prefect-secrets export ...)"
           in bash, zsh or dash
  json     {"VAR": "value", ...}
  github   VAR<<DELIMITER blocks, the format of the file $GITHUB_ENV names
           (a random delimiter no value holds); --github-env appends there

A value a format cannot carry exactly (a NUL byte; invalid UTF-8 for json
and github) is refused, naming the variable, and nothing is written.

Output goes to stdout, but never to a terminal without --force; -o FILE
writes FILE atomically with mode 0600 (--force to replace an existing one).
When GITHUB_ACTIONS=true, every value is first registered with the runner's
log masking (::add-mask:: on stderr; --no-ci-mask turns this off).

Examples:
  prefect-secrets export --env-file .env.secrets --format dotenv -o .env
  eval "$(prefect-secrets export -s DB_PASSWORD -s PGPASSWORD=DB_PASSWORD --format shell)"
  prefect-secrets export --env-file .env.secrets --format json | jq -r .DB_PASSWORD
  prefect-secrets export --env-file .env.secrets --github-env`,
		Flags: append(append(in.options("export secret `NAME` as NAME, or VAR=NAME as VAR (repeatable; wins over the reference files)"),
			&option{name: "format", value: stringValue{&in.Format}, choices: formatList(), usage: "the output `FORMAT`: " + formatNames()},
			&option{name: "github-env", value: boolValue{&in.Dest.GitHubEnv}, usage: "append to the file $GITHUB_ENV names (GitHub Actions), in the github format"},
		), writeFlags(&in.Dest, &in.CI)...),
		Action: func(c *cli.Context) error {
			if err := exactArgs("export", c.Args().Slice()); err != nil {
				return err
			}
			return g.export(in)
		},
	}
}

func (g *globals) export(in *exportInput) error {
	f, err := exportFormat(in)
	if err != nil {
		return err
	}
	if len(in.Secrets) == 0 && len(in.EnvFiles) == 0 {
		return usagef("e.g. prefect-secrets export --env-file .env.secrets --format dotenv", "export needs variables: --env-file FILE or -s NAME")
	}
	if err := g.checkDestination("export", in.Dest); err != nil {
		return err
	}
	wanted, err := g.definitions(in.Secrets, in.EnvFiles, false)
	if err != nil {
		return err
	}
	res, err := g.resolveAll(wanted)
	if err != nil {
		return err
	}
	// Variables from the files first, in their order, then those of -s.
	inject.ByPrecedence(wanted)
	vars := make([]format.Var, 0, len(wanted))
	for _, w := range wanted {
		if w.Plain {
			vars = append(vars, format.Var{Name: w.Var, Value: []byte(w.Value)})
			continue
		}
		vars = append(vars, format.Var{Name: w.Var, Value: res.Values[w.Name].Reveal()})
		g.logf("export: $%s <- %s from %s (%s)", w.Var, resolve.QuoteName(w.Name), res.From[w.Name], w.Origin)
	}
	out, err := format.Encode(f, vars)
	if err != nil {
		return unfitError(err, wanted)
	}
	if err := g.registerCIMasks(in.CI, res.Values); err != nil {
		return err
	}
	g.logf("export: writing %d variables as %s", len(vars), f)
	return g.write(in.Dest, out)
}

// exportFormat checks --format against --github-env and -o.
func exportFormat(in *exportInput) (format.Format, error) {
	hint := "formats: " + formatNames() + "; e.g. --format dotenv"
	if in.Dest.GitHubEnv {
		switch {
		case in.Dest.File != "":
			return "", usagef("give one of them", "--github-env and -o both name where to write")
		case in.Format != "" && in.Format != string(format.GitHub):
			return "", usagef("--github-env writes the github format; leave --format out", "--github-env cannot write the %s format", in.Format)
		}
		return format.GitHub, nil
	}
	if in.Format == "" {
		return "", usagef(hint, "export needs --format")
	}
	f, ok := format.Parse(in.Format)
	if !ok {
		return "", usagef(hint, "unknown format %q", in.Format)
	}
	return f, nil
}

// resolveAll resolves the secrets of wanted, and fails listing every
// missing one and what asked for it.
func (g *globals) resolveAll(wanted []inject.Definition) (*resolve.Result, error) {
	names := inject.Names(wanted)
	res := &resolve.Result{Values: map[string]resolve.Secret{}, From: map[string]string{}}
	if len(names) == 0 {
		return res, nil
	}
	chain, err := g.chain()
	if err != nil {
		return nil, err
	}
	if res, err = chain.Resolve(g.ctx(), names); err != nil {
		return nil, err
	}
	if len(res.Missing) > 0 {
		return nil, inject.MissingError(chain.NotFound(g.ctx(), res), wanted, res.Missing, "nothing was written")
	}
	return res, nil
}

// unfitError names the secret behind a variable a format refused.
func unfitError(err error, wanted []inject.Definition) error {
	var ue *format.UnfitError
	if !errors.As(err, &ue) {
		return err
	}
	msg := err.Error()
	for _, w := range wanted {
		if w.Var == ue.Var {
			if w.Plain {
				msg += fmt.Sprintf(" (a plain value, %s)", w.Origin)
			} else {
				msg += fmt.Sprintf(" (secret %s, %s)", resolve.QuoteName(w.Name), w.Origin)
			}
		}
	}
	return &resolve.Error{Kind: resolve.ErrBadInput, Msg: msg + "; nothing was written",
		Hint: "another format may carry it (dotenv and shell carry any byte but NUL), or use prefect-secrets get for the raw bytes"}
}
