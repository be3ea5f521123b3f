package commands

import (
	"errors"
	"fmt"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/prefect-secrets/prefect-secrets/resolve"
)

func deleteCommand(g *globals) *cli.Command {
	var force bool
	from := "keyring"
	return &cli.Command{
		Name:      "delete",
		Usage:     "remove a secret from the OS keyring or the Prefect API",
		UsageText: "prefect-secrets [global options] delete [--force] [--from keyring|cloud] NAME",
		Description: `On a terminal it asks first (--force skips the question); in a script it
never asks. Deleting a name that is not there is a not-found error (66).

Examples:
  prefect-secrets delete OLD_TOKEN
  prefect-secrets delete --force OLD_TOKEN
  prefect-secrets delete --from cloud OLD_WEBHOOK`,
		Flags: []cli.Flag{
			&option{name: "force", alias: "f", value: boolValue{&force}, usage: "do not ask"},
			&option{name: "from", value: stringValue{&from}, choices: storeNames, def: "keyring",
				usage: "the `STORE` to delete it from: keyring or cloud (the Prefect API)"},
		},
		Action: func(c *cli.Context) error {
			args := c.Args().Slice()
			if err := exactArgs("delete", args, "NAME"); err != nil {
				return err
			}
			return g.delete(args[0], from, force)
		},
	}
}

func (g *globals) delete(name, from string, force bool) error {
	if err := resolve.CheckWritableName("delete", name); err != nil {
		return err
	}
	t, err := g.target("from", from)
	if err != nil {
		return err
	}
	ctx := g.ctx()
	if !force && g.io.InTTY {
		has, err := t.Has(ctx, name)
		if err != nil {
			return t.failed("delete", name, err)
		}
		if has {
			ok, err := g.io.confirm(fmt.Sprintf("Delete %s from %s?", name, t.label))
			if err != nil && !errors.Is(err, errNoTerminal) {
				return err
			}
			if err == nil && !ok {
				return usagef("add --force to delete without asking", "secret %s was left as it is", resolve.QuoteName(name))
			}
		}
	}
	start := time.Now()
	if err := t.Delete(ctx, name); err != nil {
		return t.failed("delete", name, err)
	}
	g.logf("delete: %s removed from %s in %s", resolve.QuoteName(name), t.label, time.Since(start).Round(time.Microsecond))
	return nil
}
