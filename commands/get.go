package commands

import (
	"fmt"
	"strconv"
	"unicode/utf8"

	"github.com/urfave/cli/v2"

	"github.com/prefect-secrets/prefect-secrets/internal/format"
	"github.com/prefect-secrets/prefect-secrets/internal/mask"
	"github.com/prefect-secrets/prefect-secrets/resolve"
)

// getInput is what get needs, apart from the global flags.
type getInput struct {
	Name string
	JSON bool
	CI   ciMaskFlags
}

func getCommand(g *globals) *cli.Command {
	in := &getInput{}
	return &cli.Command{
		Name:      "get",
		Usage:     "print a secret's value on stdout",
		UsageText: "prefect-secrets [global options] get [--json] [--no-ci-mask] [--mask-min BYTES] NAME",
		Description: `Prints the exact bytes of the value. A newline is added only when stdout is a
terminal, so $(prefect-secrets get NAME) and redirections keep the value as
it is stored. A structured value (a TOML table, number or boolean) prints as
its JSON text. When GITHUB_ACTIONS=true, the value is first registered with
the runner's log masking (::add-mask:: on stderr; --no-ci-mask turns this
off), so $(prefect-secrets get NAME) stays clean and later logs show ***.

Examples:
  prefect-secrets get SLACK_WEBHOOK_URL
  curl -H "Authorization: Bearer $(prefect-secrets get API_TOKEN)" ...
  prefect-secrets get --json DB_CONFIG | jq .host
  prefect-secrets --sources env get PATH`,
		Flags: []cli.Flag{
			&option{name: "json", value: boolValue{&in.JSON}, usage: "print the value as JSON (a string, or the structured value itself)"},
			&option{name: "no-ci-mask", value: boolValue{&in.CI.NoCIMask}, usage: noCIMaskUsage},
			&option{name: "mask-min", value: intValue{&in.CI.MaskMin}, def: strconv.Itoa(mask.DefaultMinLen),
				usage: "the shortest line of a value registered with GitHub Actions' log masking, in `BYTES`"},
		},
		Action: func(c *cli.Context) error {
			args := c.Args().Slice()
			if err := exactArgs("get", args, "NAME"); err != nil {
				return err
			}
			in.Name = args[0]
			return g.get(in)
		},
	}
}

func (g *globals) get(in *getInput) error {
	if err := resolve.CheckNameOrAddress(in.Name); err != nil {
		return err
	}
	chain, err := g.chain()
	if err != nil {
		return err
	}
	res, err := chain.Resolve(g.ctx(), []string{in.Name})
	if err != nil {
		return err
	}
	if len(res.Missing) > 0 {
		return chain.NotFound(g.ctx(), res)
	}
	v := res.Values[in.Name]
	g.logf("get: %s from %s", resolve.QuoteName(in.Name), res.From[in.Name])
	out := v.Reveal()
	if in.JSON {
		if out, err = jsonValue(in.Name, v); err != nil {
			return err
		}
		out = append(out, '\n')
	} else if g.io.OutTTY {
		out = append(out[:len(out):len(out)], '\n')
	}
	if err := g.registerCIMasks(in.CI, res.Values); err != nil {
		return err
	}
	if _, err := g.io.Out.Write(out); err != nil {
		return fmt.Errorf("writing the value to stdout: %w", err)
	}
	return nil
}

// jsonValue is the JSON form of a value: a structured value is its JSON
// text; any other is a JSON string holding its exact text. A value that is
// not UTF-8 has no exact JSON string, and is refused rather than altered.
func jsonValue(name string, v resolve.Secret) ([]byte, error) {
	b := v.Reveal()
	if v.IsJSON() {
		return append([]byte(nil), b...), nil
	}
	if !utf8.Valid(b) {
		return nil, &resolve.Error{Kind: resolve.ErrBadInput,
			Msg:  fmt.Sprintf("the value of %s is not valid UTF-8, which a JSON string cannot hold exactly", resolve.QuoteName(name)),
			Hint: "use get without --json for the raw bytes"}
	}
	return format.AppendJSONString(make([]byte, 0, len(b)+2), b), nil
}
