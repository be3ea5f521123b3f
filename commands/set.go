package commands

import (
	"errors"
	"flag"
	"fmt"
	"time"

	"github.com/prefect-secrets/prefect-secrets/resolve"
)

type setInput struct {
	Name  string
	Force bool
	Raw   bool
}

func setCommand(g *globals) *command {
	in := &setInput{}
	return &command{
		name:  "set",
		usage: "store a secret in the OS keyring (the value from stdin or a no-echo prompt)",
		args:  "NAME",
		description: `The value comes from stdin when stdin is not a terminal, else from a prompt
on the terminal that does not echo and asks twice. It is never taken from an
argument: arguments show in ps, in /proc and in shell history.

From stdin the bytes are kept exactly, except that one trailing newline is
dropped from a value with no other newline (so echo pw | ... stores "pw", and
a PEM key keeps its final newline); --raw keeps every byte.

An existing value is replaced only with --force or after a yes on the
terminal; otherwise nothing changes.

Examples:
  prefect-secrets set DB_PASSWORD
  printf %s "$TOKEN" | prefect-secrets set API_TOKEN
  prefect-secrets set --raw TLS_KEY < key.pem
  prefect-secrets --keyring-service my-project set --force DB_PASSWORD < pw.txt`,
		flags: func(fs *flag.FlagSet) {
			fs.BoolVar(&in.Force, "force", false, "replace an existing value without asking")
			fs.BoolVar(&in.Force, "f", false, "")
			fs.BoolVar(&in.Raw, "raw", false, "keep every byte of stdin, a lone trailing newline included")
		},
		aliases: map[string]string{"f": "force"},
		run: func(args []string) error {
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
	k := g.keyring()
	ctx := g.ctx()
	start := time.Now()
	exists, err := k.Has(ctx, in.Name)
	if err != nil {
		return keyringFailed("look up", in.Name, err)
	}
	g.logf("set: keyring (service %q) has %s: %v (%s)", k.Service, resolve.QuoteName(in.Name), exists, time.Since(start).Round(time.Microsecond))
	if exists && !in.Force {
		ok, err := g.io.confirm(fmt.Sprintf("%s already exists in the keyring (service %q). Replace it?", in.Name, k.Service))
		if errors.Is(err, errNoTerminal) {
			return usagef("add --force to replace it", "secret %s already exists in the keyring (service %q); it was left as it is", resolve.QuoteName(in.Name), k.Service)
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
	if err := k.Set(ctx, in.Name, value); err != nil {
		return keyringFailed("store", in.Name, err)
	}
	g.logf("set: %s stored in the keyring (service %q, %d bytes) in %s", resolve.QuoteName(in.Name), k.Service, value.Len(), time.Since(start).Round(time.Microsecond))
	if g.io.ErrTTY {
		fmt.Fprintf(g.io.Err, "prefect-secrets: stored %s in the keyring\n", resolve.QuoteName(in.Name))
	}
	return nil
}

// keyringFailed says which secret a keyring failure was for. An absent
// keyring is an error here: set and delete need it.
func keyringFailed(doing, name string, err error) error {
	var ae *resolve.AbsentError
	if errors.As(err, &ae) {
		return &resolve.Error{Kind: resolve.ErrUnavailable,
			Msg:  fmt.Sprintf("cannot %s %s: the keyring is not available: %s", doing, resolve.QuoteName(name), ae.Reason),
			Hint: ae.Hint}
	}
	var e *resolve.Error
	if errors.As(err, &e) && e.Kind != resolve.ErrUnavailable && e.Kind != resolve.ErrDenied {
		return err // bad input or not found: the message already names the secret
	}
	kind := resolve.ErrUnavailable
	if errors.Is(err, resolve.ErrDenied) {
		kind = resolve.ErrDenied
	}
	return &resolve.Error{Kind: kind, Msg: fmt.Sprintf("cannot %s %s: the keyring source failed", doing, resolve.QuoteName(name)), Err: err}
}
