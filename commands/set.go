package commands

import (
	"errors"
	"fmt"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/prefect-secrets/prefect-secrets/resolve"
)

type setInput struct {
	Name  string
	To    string // keyring (default) or cloud
	Force bool
	Raw   bool
}

func setCommand(g *globals) *cli.Command {
	in := &setInput{To: "keyring"}
	return &cli.Command{
		Name:      "set",
		Usage:     "store a secret in the OS keyring or the Prefect API (the value from stdin or a no-echo prompt)",
		UsageText: "prefect-secrets [global options] set [--force] [--raw] [--to keyring|cloud] NAME",
		Description: `The value comes from stdin when stdin is not a terminal, else from a prompt
on the terminal that does not echo and asks twice. It is never taken from an
argument: arguments show in ps, in /proc and in shell history.

From stdin the bytes are kept exactly, except that one trailing newline is
dropped from a value with no other newline (so echo pw | ... stores "pw", and
a PEM key keeps its final newline); --raw keeps every byte.

An existing value is replaced only with --force or after a yes on the
terminal; otherwise nothing changes.

--to cloud stores it in the Prefect API: Prefect 2/3 as a Secret block
(MY_API_KEY is block my-api-key; created, or updated when it exists),
Prefect 1 Cloud with set_secret.

Examples:
  prefect-secrets set DB_PASSWORD
  printf %s "$TOKEN" | prefect-secrets set API_TOKEN
  prefect-secrets set --raw TLS_KEY < key.pem
  prefect-secrets --keyring-service my-project set --force DB_PASSWORD < pw.txt
  prefect-secrets set --to cloud SLACK_WEBHOOK_URL < url.txt`,
		Flags: []cli.Flag{
			&option{name: "force", alias: "f", value: boolValue{&in.Force}, usage: "replace an existing value without asking"},
			&option{name: "raw", value: boolValue{&in.Raw}, usage: "keep every byte of stdin, a lone trailing newline included"},
			&option{name: "to", value: stringValue{&in.To}, choices: storeNames, def: "keyring",
				usage: "the `STORE` to write to: keyring or cloud (the Prefect API)"},
		},
		Action: func(c *cli.Context) error {
			args := c.Args().Slice()
			if len(args) > 1 {
				// Never echo the extra arguments: they are likely the value.
				return usagef("pipe it in (printf %s \"$VALUE\" | prefect-secrets set NAME) or run prefect-secrets set NAME on a terminal and type it",
					"set takes the value on stdin or from a prompt, never as an argument: arguments show in ps and in shell history")
			}
			if err := exactArgs("set", args, "NAME"); err != nil {
				return err
			}
			in.Name = args[0]
			return g.set(in)
		},
	}
}

func (g *globals) set(in *setInput) error {
	if err := resolve.CheckName(in.Name); err != nil {
		return err
	}
	t, err := g.target("to", in.To)
	if err != nil {
		return err
	}
	ctx := g.ctx()
	start := time.Now()
	exists, err := t.Has(ctx, in.Name)
	if err != nil {
		return t.failed("look up", in.Name, err)
	}
	g.logf("set: %s has %s: %v (%s)", t.label, resolve.QuoteName(in.Name), exists, time.Since(start).Round(time.Microsecond))
	if exists && !in.Force {
		ok, err := g.io.confirm(fmt.Sprintf("%s already exists in %s. Replace it?", in.Name, t.label))
		if errors.Is(err, errNoTerminal) {
			return usagef("add --force to replace it", "secret %s already exists in %s; it was left as it is", resolve.QuoteName(in.Name), t.label)
		}
		if err != nil {
			return err
		}
		if !ok {
			return usagef("add --force to replace it without asking", "secret %s was left as it is", resolve.QuoteName(in.Name))
		}
	}
	var value resolve.Secret
	if g.io.InTTY {
		value, err = g.io.promptValue(in.Name)
		if errors.Is(err, errNoTerminal) {
			return usagef("pipe the value in: printf %s \"$VALUE\" | prefect-secrets set NAME", "no terminal to prompt on")
		}
	} else {
		value, err = readValue(g.io.In, in.Raw)
	}
	if err != nil {
		return err
	}
	start = time.Now()
	if err := t.Set(ctx, in.Name, value); err != nil {
		return t.failed("store", in.Name, err)
	}
	g.logf("set: %s stored in %s (%d bytes) in %s", resolve.QuoteName(in.Name), t.label, value.Len(), time.Since(start).Round(time.Microsecond))
	if g.io.ErrTTY {
		fmt.Fprintf(g.io.Err, "prefect-secrets: stored %s in %s\n", resolve.QuoteName(in.Name), t.label)
	}
	return nil
}
