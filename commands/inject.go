package commands

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"

	"github.com/urfave/cli/v2"

	"github.com/prefect-secrets/prefect-secrets/internal/mask"
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
		Flags: []cli.Flag{
			&option{name: "input", alias: "i", value: stringValue{&in.Input}, usage: "read the template from `FILE` (default, or -: stdin)"},
			&option{name: "output", alias: "o", value: stringValue{&in.Dest.File}, usage: "write to `FILE` (atomically, mode 0600) instead of stdout"},
			&option{name: "force", value: boolValue{&in.Dest.Force}, usage: "write to a terminal; replace an existing -o FILE"},
			&option{name: "no-ci-mask", value: boolValue{&in.CI.NoCIMask}, usage: noCIMaskUsage},
			&option{name: "mask-min", value: intValue{&in.CI.MaskMin}, def: strconv.Itoa(mask.DefaultMinLen),
				usage: "the shortest line of a value registered with GitHub Actions' log masking, in `BYTES`"},
		},
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
	// One injection per secret, at its first reference.
	var wanted []injection
	seen := make(map[string]bool)
	for _, r := range tpl.Refs() {
		if seen[r.Name] {
			continue
		}
		seen[r.Name] = true
		origin := name + ":" + strconv.Itoa(r.Line) + ":" + strconv.Itoa(r.Col)
		if err := resolve.CheckName(r.Name); err != nil {
			return fmt.Errorf("%s: %w", origin, err)
		}
		wanted = append(wanted, injection{Name: r.Name, Origin: origin})
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
	var r io.Reader
	name := path
	size := int64(0) // what the file says it holds, to read it in one buffer
	if path == "" || path == "-" {
		if g.io.InTTY {
			return nil, "", usagef("e.g. prefect-secrets inject -i config.tpl, or pipe the template in", "inject reads the template from -i FILE or stdin, and stdin is a terminal")
		}
		r, name = g.io.In, "stdin"
	} else {
		f, err := os.Open(path)
		if err != nil {
			kind := resolve.ErrBadInput
			if errors.Is(err, fs.ErrNotExist) {
				kind = resolve.ErrNotFound
			} else if errors.Is(err, fs.ErrPermission) {
				kind = resolve.ErrDenied
			}
			return nil, "", &resolve.Error{Kind: kind, Msg: "cannot read template " + path, Err: unwrapPath(err)}
		}
		defer f.Close()
		if info, err := f.Stat(); err == nil && info.Mode().IsRegular() {
			size = min(info.Size(), template.MaxSize+1)
		}
		r = f
	}
	buf := bytes.NewBuffer(make([]byte, 0, size+bytes.MinRead))
	_, err := buf.ReadFrom(io.LimitReader(r, template.MaxSize+1))
	data := buf.Bytes()
	if err != nil {
		return nil, "", &resolve.Error{Kind: resolve.ErrBadInput, Msg: "cannot read template " + name, Err: unwrapPath(err)}
	}
	if len(data) > template.MaxSize {
		return nil, "", &resolve.Error{Kind: resolve.ErrBadInput, Msg: fmt.Sprintf("template %s is larger than %d MiB", name, template.MaxSize>>20),
			Hint: "inject renders config files; split a larger one"}
	}
	return data, name, nil
}
