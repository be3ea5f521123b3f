package commands

import (
	"fmt"
	"strconv"

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
		Usage:     "render a template, each {{ prefect-secret://NAME }} replaced by the value",
		UsageText: "prefect-secrets [global options] inject [-i TEMPLATE] [-o FILE] [--force] [--no-ci-mask] [--mask-min BYTES]",
		Description: `Reads a template (-i FILE, or stdin; at most 16 MiB) and writes it with each
{{ prefect-secret://NAME }} (spaces inside the braces optional) replaced by
the value of NAME, byte for byte. {{{{ is a literal {{, and of {{{ the first
{ is literal; any other {{ is an error, so a mistyped reference is never
left in the output. Every secret is resolved first: if any is missing,
nothing is written and the error lists every missing name and where the
template first asks for it.

Output goes to stdout, but never to a terminal without --force; -o FILE
writes FILE atomically with mode 0600 (--force to replace an existing one).
When GITHUB_ACTIONS=true, every value is first registered with the runner's
log masking (::add-mask:: on stderr; --no-ci-mask turns this off).

Examples:
  prefect-secrets inject -i config.yaml.tpl -o config.yaml
  prefect-secrets inject < settings.tpl > settings.toml
  echo 'url: postgres://app:{{ prefect-secret://DB_PASSWORD }}@db/app' | prefect-secrets inject > app.yaml`,
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
		return &resolve.Error{Kind: resolve.ErrBadInput, Msg: "template " + name + ":" + err.Error(),
			Hint: "a reference is {{ prefect-secret://NAME }}; write {{{{ for a literal {{"}
	}
	// One definition per secret, at its first reference.
	var wanted []inject.Definition
	seen := make(map[string]bool)
	for _, r := range tpl.Refs() {
		if seen[r.Name] {
			continue
		}
		seen[r.Name] = true
		origin := name + ":" + strconv.Itoa(r.Line) + ":" + strconv.Itoa(r.Col)
		if err := resolve.CheckNameOrAddress(r.Name); err != nil {
			return fmt.Errorf("%s: %w", origin, err)
		}
		wanted = append(wanted, inject.Definition{Name: r.Name, Origin: origin})
	}
	res, err := g.resolveAll(wanted)
	if err != nil {
		return err
	}
	if err := g.registerCIMasks(in.CI, res.Values); err != nil {
		return err
	}
	out := tpl.Render(func(name string) []byte { return res.Values[name].Reveal() })
	g.logf("inject: %d references to %d secrets, %d bytes written", len(tpl.Refs()), len(wanted), len(out))
	return g.write(in.Dest, out)
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
