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
	var from string
	return &command{
		name:  "delete",
		usage: "remove a secret from the OS keyring or the Prefect API",
		args:  "NAME",
		description: `On a terminal it asks first (--force skips the question); in a script it
never asks. Deleting a name that is not there is a not-found error (66).

Examples:
  prefect-secrets delete OLD_TOKEN
  prefect-secrets delete --force OLD_TOKEN
  prefect-secrets delete --from cloud OLD_WEBHOOK`,
		flags: func(fs *flag.FlagSet) {
			fs.BoolVar(&force, "force", false, "do not ask")
			fs.BoolVar(&force, "f", false, "")
			fs.StringVar(&from, "from", "keyring", "where to delete it: `keyring` or cloud (the Prefect API)")
		},
		aliases: map[string]string{"f": "force"},
		run: func(args []string) error {
			if err := exactArgs("delete", args, "NAME"); err != nil {
				return err
			}
			return g.delete(args[0], from, force)
		},
	}
}

func (g *globals) delete(name, from string, force bool) error {
	if err := resolve.CheckName(name); err != nil {
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
