package commands

import (
	"errors"
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/prefect-secrets/prefect-secrets/resolve"
)

func deleteCommand(g *globals) *cli.Command {
	var force bool
	return &cli.Command{
		Name:      "delete",
		Usage:     "remove a secret from the OS keyring",
		ArgsUsage: "NAME",
		Description: `On a terminal it asks first (--force skips the question); in a script it
never asks. Deleting a name that is not there is a not-found error (66).

Examples:
  prefect-secrets delete OLD_TOKEN
  prefect-secrets delete --force OLD_TOKEN`,
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "force", Aliases: []string{"f"}, Usage: "do not ask", Destination: &force},
		},
		Action: func(c *cli.Context) error {
			if err := exactArgs(c, "NAME"); err != nil {
				return err
			}
			return g.delete(c.Args().First(), force)
		},
	}
}

func (g *globals) delete(name string, force bool) error {
	if err := resolve.CheckName(name); err != nil {
		return err
	}
	k := g.keyring()
	ctx := g.ctx()
	if !force && g.io.InTTY {
		has, err := k.Has(ctx, name)
		if err != nil {
			return explicitKeyring(err)
		}
		if has {
			ok, err := confirm(fmt.Sprintf("Delete %s from the keyring (service %q)?", name, k.Service))
			if err != nil && !errors.Is(err, errNoTerminal) {
				return err
			}
			if err == nil && !ok {
				return usagef("add --force to delete without asking", "secret %s was left as it is", resolve.QuoteName(name))
			}
		}
	}
	if err := k.Delete(ctx, name); err != nil {
		return explicitKeyring(err)
	}
	g.logf("delete: %s removed from the keyring (service %q)", resolve.QuoteName(name), k.Service)
	return nil
}
