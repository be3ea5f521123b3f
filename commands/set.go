package commands

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/prefect-secrets/prefect-secrets/resolve"
)

type setInput struct {
	Name       string
	To         string // keyring (default) or cloud
	Force      bool
	Raw        bool
	AllowEmpty bool
}

func setCommand(g *globals) *cli.Command {
	in := &setInput{To: "keyring"}
	return &cli.Command{
		Name:      "set",
		Usage:     "store a secret in the OS keyring or the Prefect API (the value from stdin or a no-echo prompt)",
		UsageText: "prefect-secrets [global options] set [--force] [--raw] [--allow-empty] [--to keyring|cloud] NAME",
		Description: `The value comes from stdin when stdin is not a terminal, else from a prompt
on the terminal that does not echo and asks twice. It is never taken from an
argument: arguments show in ps, in /proc and in shell history.

From stdin the bytes are kept exactly, except that one trailing newline is
dropped from a value with no other newline (so echo pw | ... stores "pw", and
a PEM key keeps its final newline); --raw keeps every byte. stdin is read
to its end before anything is stored. A closed stdin is an error, and so is
an empty value unless --allow-empty: a producer that failed (false | set X)
leaves the old value.

An existing value is replaced only with --force or after a yes on the
terminal; otherwise nothing changes and set exits 73. The check and the
write are one step: of two sets of a new name at once, one stores and the
other exits 73.

When a write misses its deadline (--timeout), set reads the value back
before answering: stored is success; if the keyring does not answer that
either, the message says it is not known whether the value was stored.

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
			&option{name: "allow-empty", value: boolValue{&in.AllowEmpty}, usage: "store an empty value (refused otherwise: it is more often a producer that failed)"},
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

// set reads the whole value before it looks at the store: a value that
// arrives late (a slow producer) is checked against the store as it is then.
// The check for an existing name and the write are one step where the store
// can make them so (the keyring's Create, under its lock).
func (g *globals) set(in *setInput) error {
	if err := resolve.CheckWritableName("set", in.Name); err != nil {
		return err
	}
	t, err := g.target("to", in.To)
	if err != nil {
		return err
	}
	ctx := g.ctx()
	replace := in.Force
	var value resolve.Secret
	if g.io.InTTY {
		// On a terminal, ask about replacing before the value is typed.
		if !replace {
			start := time.Now()
			exists, err := t.Has(ctx, in.Name)
			if err != nil {
				return t.failed("store", in.Name, err)
			}
			g.logf("set: %s has %s: %v (%s)", t.label, resolve.QuoteName(in.Name), exists, time.Since(start).Round(time.Microsecond))
			if exists {
				if err := g.confirmReplace(in.Name, t); err != nil {
					return err
				}
				replace = true
			}
		}
		value, err = g.io.promptValue(in.Name, in.AllowEmpty)
		if errors.Is(err, errNoTerminal) {
			return usagef("pipe the value in: printf %s \"$VALUE\" | prefect-secrets set NAME", "no terminal to prompt on")
		}
	} else {
		value, err = readStdinValue(g.io.In, in.Raw, in.AllowEmpty)
	}
	if err != nil {
		return err
	}
	if err := t.checkValue(in.Name, value); err != nil {
		return err
	}
	start := time.Now()
	if replace {
		err = t.Set(ctx, in.Name, value)
	} else {
		err = t.create(ctx, in.Name, value)
		if errors.Is(err, resolve.ErrExists) && !g.io.InTTY {
			// The value came from stdin; a terminal, if there is one, may
			// still say yes.
			if err = g.confirmReplace(in.Name, t); err == nil {
				err = t.Set(ctx, in.Name, value)
			}
		}
	}
	if err != nil {
		return t.failed("store", in.Name, err)
	}
	g.logf("set: %s stored in %s in %s", resolve.QuoteName(in.Name), t.label, time.Since(start).Round(time.Microsecond))
	if g.io.ErrTTY {
		fmt.Fprintf(g.io.Err, "prefect-secrets: stored %s in %s\n", resolve.QuoteName(in.Name), t.label)
	}
	return nil
}

// confirmReplace asks on the terminal whether to replace name; without a
// terminal, or on a no, the name is left as it is: an ErrExists error
// (exit 73), not a usage error, since the command line was fine.
func (g *globals) confirmReplace(name string, t *target) error {
	// name passed CheckName: no control character can reach the terminal.
	ok, err := g.io.confirm(fmt.Sprintf("%s already exists in %s. Replace it?", name, t.label))
	switch {
	case errors.Is(err, errNoTerminal):
		return existsError(name, t)
	case err != nil:
		return err
	case !ok:
		return &resolve.Error{Kind: resolve.ErrExists,
			Msg:  fmt.Sprintf("secret %s was left as it is", resolve.QuoteName(name)),
			Hint: "add --force to replace it without asking"}
	}
	return nil
}

func existsError(name string, t *target) error {
	return &resolve.Error{Kind: resolve.ErrExists,
		Msg:  fmt.Sprintf("secret %s already exists in %s; it was left as it is", resolve.QuoteName(name), t.label),
		Hint: "add --force to replace it"}
}

// readStdinValue reads the value from stdin, refusing a closed stdin and,
// unless allowEmpty, an empty value: both are far more often a mistake (a
// producer that failed, a lost redirection) than a value.
func readStdinValue(in io.Reader, raw, allowEmpty bool) (resolve.Secret, error) {
	if stdinClosed(in) {
		return resolve.Secret{}, &resolve.Error{Kind: resolve.ErrBadInput,
			Msg:  "stdin is closed: there is no value to read; nothing was stored",
			Hint: "pipe the value in (printf %s \"$VALUE\" | prefect-secrets set NAME), or run set on a terminal to type it"}
	}
	value, err := readValue(in, raw)
	if err != nil {
		return resolve.Secret{}, err
	}
	if value.Len() == 0 && !allowEmpty {
		return resolve.Secret{}, &resolve.Error{Kind: resolve.ErrBadInput,
			Msg:  "the value on stdin is empty; nothing was stored",
			Hint: "if the command feeding set failed, the old value is still there; to store an empty value on purpose, add --allow-empty"}
	}
	return value, nil
}
