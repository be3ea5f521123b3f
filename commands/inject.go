package commands

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/prefect-secrets/prefect-secrets/internal/inject"
	"github.com/prefect-secrets/prefect-secrets/internal/template"
	"github.com/prefect-secrets/prefect-secrets/resolve"
)

// injectInput is what inject needs, apart from the global flags.
type injectInput struct {
	Input string // -i: the template; "" or "-" for stdin
	Dest  destination
	CI    ciMaskFlags
}

func injectCommand(g *globals) *cli.Command {
	in := &injectInput{}
	return &cli.Command{
		Name:      "inject",
		Usage:     "render a template, each {{ prefect-secret://NAME }} and Prefect placeholder replaced by its value",
		UsageText: "prefect-secrets [global options] inject [-i TEMPLATE] [-o FILE] [--force] [--no-ci-mask] [--mask-min BYTES]",
		Description: `Reads a template (-i FILE, or stdin; at most 16 MiB) and writes it with each
{{ prefect-secret://NAME }} (spaces inside the braces optional) replaced by
the value of NAME (a secret name or an address), byte for byte.

Prefect 2/3's own placeholders are filled as Prefect's resolvers fill them,
inline too: {{ prefect.blocks.<slug>.<name>[.<key path>] }} and
{{ prefect.variables.NAME }} from the Prefect API, {{ $NAME }} from this
command's environment. A string goes in as its text, a number, boolean or
null as Python's str() (True, None, 1.5); an object or a list is an error
(use {{ prefect-secret://ADDRESS }} for its JSON). Their white space is
Prefect's (line breaks too). A placeholder of a job variable ({{ image }})
is an error: inject has none.

{{{{ is a literal {{ (Prefect has no escape: it would read what follows),
and of {{{ the first { is literal; any other {{ is an error, so a mistyped
reference is never left in the output. Everything is resolved first: if
anything is missing (a secret, a block, a key path, a variable, an unset
$NAME), nothing is written and the error lists each with where the template
first asks for it. A value is never read as template text.

Output goes to stdout, but never to a terminal without --force; -o FILE
writes FILE atomically with mode 0600 (--force to replace an existing one).
When GITHUB_ACTIONS=true, every secret and block value is first registered
with the runner's log masking (::add-mask:: on stderr; --no-ci-mask turns
this off); variables and $NAME values are no secrets and are not.

Examples:
  prefect-secrets inject -i config.yaml.tpl -o config.yaml
  prefect-secrets inject < settings.tpl > settings.toml
  echo 'url: postgres://app:{{ prefect-secret://DB_PASSWORD }}@db/app' | prefect-secrets inject > app.yaml
  echo 'hook: {{ prefect.blocks.slack-webhook.alerts.url }}?env={{ $STAGE }}' | prefect-secrets inject > alerts.yaml`,
		Flags: append([]cli.Flag{
			&option{name: "input", alias: "i", value: stringValue{&in.Input}, usage: "read the template from `FILE` (default, or -: stdin)"},
		}, writeFlags(&in.Dest, &in.CI)...),
		Action: func(c *cli.Context) error {
			if err := exactArgs("inject", c.Args().Slice()); err != nil {
				return err
			}
			return g.inject(in)
		},
	}
}

func (g *globals) inject(in *injectInput) error {
	if err := g.checkDestination("inject", in.Dest); err != nil {
		return err
	}
	src, name, err := g.readTemplate(in.Input)
	if err != nil {
		return err
	}
	tpl, err := template.Parse(src)
	if err != nil {
		return &resolve.Error{Kind: resolve.ErrBadInput, Msg: "template " + name + ":" + err.Error(), Hint: templateHint}
	}
	wanted, env, err := g.templateWants(tpl, name)
	if err != nil {
		return err
	}
	res, err := g.resolveAll(wanted)
	if len(env.unset) > 0 {
		return env.unsetError(err)
	}
	if err != nil {
		return err
	}
	out, err := tpl.Render(func(r template.Ref) ([]byte, bool) {
		if r.Kind == template.Env {
			return []byte(env.values[r.Name]), false
		}
		v := res.Values[r.Name]
		return v.Reveal(), v.IsJSON()
	})
	if err != nil {
		return notTextError(err, name)
	}
	if err := g.registerCIMasks(in.CI, res.Values); err != nil {
		return err
	}
	if err := g.registerCIMasks(in.CI, inlineTexts(tpl, res.Values)); err != nil {
		return err
	}
	g.logf("inject: %d references to %d secrets and addresses and %d environment variables, %d bytes written", len(tpl.Refs()), len(wanted), len(env.values), len(out))
	return g.write(in.Dest, out)
}

const templateHint = "inject fills {{ prefect-secret://NAME }}, {{ prefect.blocks.<slug>.<name>[.<key path>] }}, {{ prefect.variables.NAME }} and {{ $NAME }}; write {{{{ for a literal {{"

// templateEnv is what a template's {{ $NAME }} placeholders find in the
// environment: the values of those set (empty is a value, as for
// Prefect), and those unset, each with where the template first asks for
// it.
type templateEnv struct {
	values        map[string]string
	unset, origin []string
}

// templateWants reads what a template asks for: one definition per
// secret name or address, at its first occurrence, and its environment
// variables.
func (g *globals) templateWants(tpl *template.Template, file string) ([]inject.Definition, templateEnv, error) {
	var wanted []inject.Definition
	env := templateEnv{values: map[string]string{}}
	seen := make(map[string]bool)
	for _, r := range tpl.Refs() {
		origin := file + ":" + strconv.Itoa(r.Line) + ":" + strconv.Itoa(r.Col)
		if r.Kind == template.Env {
			if _, done := env.values[r.Name]; done || slices.Contains(env.unset, r.Name) {
				continue
			}
			if v, ok := g.io.lookupEnv(r.Name); ok {
				env.values[r.Name] = v
			} else {
				env.unset, env.origin = append(env.unset, r.Name), append(env.origin, origin)
			}
			continue
		}
		if seen[r.Name] {
			continue
		}
		seen[r.Name] = true
		if err := resolve.CheckNameOrAddress(r.Name); err != nil {
			return nil, env, fmt.Errorf("%s: %w", origin, err)
		}
		wanted = append(wanted, inject.Definition{Name: r.Name, Origin: origin})
	}
	return wanted, env, nil
}

// unsetError names the unset environment variables, before what the
// chain did not find (err, when it is the not-found error): every missing
// placeholder in one error.
func (e templateEnv) unsetError(err error) error {
	vars := make([]string, len(e.unset))
	for i, n := range e.unset {
		vars[i] = "$" + n
	}
	what := "environment variable "
	if len(vars) > 1 {
		what = "environment variables "
	}
	msg := what + strings.Join(vars, ", ") + " not set; asked for by " + strings.Join(e.origin, ", ")
	var re *resolve.Error
	switch {
	case errors.As(err, &re) && re.Kind == resolve.ErrNotFound:
		re.Msg = msg + "; " + re.Msg
		return re
	case err != nil:
		return err
	}
	return &resolve.Error{Kind: resolve.ErrNotFound, Msg: msg + "; nothing was written",
		Hint: "{{ $NAME }} is read from inject's own environment, as prefect deploy reads it; set the variable (an empty value is a value)"}
}

// notTextError is Render's error for placeholders whose values are an
// object or a list, with where the template asks for each.
func notTextError(err error, file string) error {
	var nt *template.NotTextError
	if !errors.As(err, &nt) {
		return err
	}
	var each []string
	for i, r := range nt.Refs {
		each = append(each, fmt.Sprintf("template %s:%d:%d: %s: %v", file, r.Line, r.Col, resolve.QuoteName(r.Name), nt.Errs[i]))
	}
	return &resolve.Error{Kind: resolve.ErrBadInput, Msg: strings.Join(each, "; ") + "; nothing was written",
		Hint: "address one field of it (prefect.blocks.<slug>.<name>.<key path>), or write {{ prefect-secret://ADDRESS }} for its JSON text"}
}

// inlineTexts are the texts Prefect's block placeholders put in where they
// differ from the values' bytes (True for true, 1.5 for 1.50): they are
// secrets as the values are, for CI log masking.
func inlineTexts(tpl *template.Template, values map[string]resolve.Secret) map[string]resolve.Secret {
	texts := map[string]resolve.Secret{}
	for _, r := range tpl.Refs() {
		v := values[r.Name]
		if r.Kind != template.Block || v.IsPublic() {
			continue
		}
		if text, err := template.Text(r, v.Reveal(), v.IsJSON()); err == nil && !bytes.Equal(text, v.Reveal()) {
			texts[r.Name] = resolve.NewSecret(text)
		}
	}
	return texts
}

// readTemplate reads the template from a file or stdin, up to
// template.MaxSize bytes; it returns the name used in messages.
func (g *globals) readTemplate(path string) ([]byte, string, error) {
	const what, tooLarge = "template", "inject renders config files; split a larger one"
	if path != "" && path != "-" {
		data, err := inject.ReadUserFile(what, path, template.MaxSize, tooLarge)
		return data, path, err
	}
	if g.io.InTTY {
		return nil, "", usagef("e.g. prefect-secrets inject -i config.tpl, or pipe the template in", "inject reads the template from -i FILE or stdin, and stdin is a terminal")
	}
	data, err := inject.ReadBounded(g.io.In, what, "stdin", 0, template.MaxSize, tooLarge)
	return data, "stdin", err
}
