package commands

import (
	"errors"
	"flag"
	"fmt"
	"time"

	"github.com/prefect-secrets/prefect-secrets/resolve"
)

func deleteCommand(g *globals) *command {
	var force bool
	return &command{
		name:  "delete",
		usage: "remove a secret from the OS keyring",
		args:  "NAME",
		description: `On a terminal it asks first (--force skips the question); in a script it
never asks. Deleting a name that is not there is a not-found error (66).

Examples:
  prefect-secrets delete OLD_TOKEN
  prefect-secrets delete --force OLD_TOKEN`,
		flags: func(fs *flag.FlagSet) {
			fs.BoolVar(&force, "force", false, "do not ask")
			fs.BoolVar(&force, "f", false, "")
		},
		aliases: map[string]string{"f": "force"},
		run: func(args []string) error {
			if err := exactArgs("delete", args, "NAME"); err != nil {
				return err
			}
			return g.delete(args[0], force)
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
			return keyringFailed("look up", name, err)
		}
		if has {
			ok, err := g.io.confirm(fmt.Sprintf("Delete %s from the keyring (service %q)?", name, k.Service))
			if err != nil && !errors.Is(err, errNoTerminal) {
				return err
			}
			if err == nil && !ok {
				return usagef("add --force to delete without asking", "secret %s was left as it is", resolve.QuoteName(name))
			}
		}
	}
	start := time.Now()
	if err := k.Delete(ctx, name); err != nil {
		return keyringFailed("delete", name, err)
	}
	g.logf("delete: %s removed from the keyring (service %q) in %s", resolve.QuoteName(name), k.Service, time.Since(start).Round(time.Microsecond))
	return nil
}
