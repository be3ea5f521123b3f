package commands

import (
	"context"
	"errors"
	"fmt"

	"github.com/prefect-secrets/prefect-secrets/keyring"
	"github.com/prefect-secrets/prefect-secrets/resolve"
)

// store is where set writes and delete removes: the keyring or the API.
type store interface {
	Has(ctx context.Context, name string) (bool, error)
	Set(ctx context.Context, name string, value resolve.Secret) error
	Delete(ctx context.Context, name string) error
}

// creator is a store that can store a name only if it is not there yet, in
// one step no other writer can split: the keyring under its lock, a Prefect
// 2/3 API by its create request.
type creator interface {
	Create(ctx context.Context, name string, value resolve.Secret) error
}

// valueChecker is a store that refuses some values before any request (the
// Prefect API: a value that is not UTF-8, Prefect's mask "********").
type valueChecker interface {
	CheckValue(name string, value resolve.Secret) error
}

// checkValue refuses, before anything is asked of the store, a value it
// cannot store as given.
func (t *target) checkValue(name string, value resolve.Secret) error {
	if c, ok := t.store.(valueChecker); ok {
		return c.CheckValue(name, value)
	}
	return nil
}

// create stores value unless name is there (a resolve.ErrExists error). A
// store that cannot do that in one step is asked first, then written: a
// writer in between can still win.
func (t *target) create(ctx context.Context, name string, value resolve.Secret) error {
	if c, ok := t.store.(creator); ok {
		err := c.Create(ctx, name, value)
		if errors.Is(err, resolve.ErrExists) {
			return existsError(name, t)
		}
		return err
	}
	has, err := t.Has(ctx, name)
	if err != nil {
		return err
	}
	if has {
		return existsError(name, t)
	}
	return t.Set(ctx, name, value)
}

// storeNames are the values --to and --from take.
var storeNames = []string{"keyring", "cloud"}

// target is a store and how messages name it.
type target struct {
	store
	source string // "keyring" or "cloud"
	label  string // "the keyring (service "x")", "the Prefect API"
}

// target returns the store named by --to or --from.
func (g *globals) target(flag, name string) (*target, error) {
	switch name {
	case "", "keyring":
		k := g.keyring()
		return &target{store: k, source: "keyring", label: fmt.Sprintf("the keyring (service %q)", k.Service)}, nil
	case "cloud":
		return &target{store: g.cloud(), source: "cloud", label: "the Prefect API"}, nil
	}
	return nil, usagef("--"+flag+" takes keyring or cloud", "unknown store %q for --%s", name, flag)
}

// failed says which secret and which store a failure was for. A store that
// is absent is an error here: it was asked for by name.
func (t *target) failed(doing, name string, err error) error {
	var unknown *keyring.UnknownOutcomeError
	if errors.As(err, &unknown) {
		return err // not a "cannot": it may have happened, as the message says
	}
	var ae *resolve.AbsentError
	if errors.As(err, &ae) {
		kind := resolve.ErrUnavailable
		if ae.KindIfNamed != nil {
			kind = ae.KindIfNamed
		}
		return &resolve.Error{Kind: kind,
			Msg:  fmt.Sprintf("cannot %s %s: the %s source is not available: %s", doing, resolve.QuoteName(name), t.source, ae.Reason),
			Hint: ae.Hint}
	}
	var e *resolve.Error
	if errors.As(err, &e) && e.Kind != resolve.ErrUnavailable && e.Kind != resolve.ErrDenied {
		return err // bad input, not found, bad config: the message already says what
	}
	kind := resolve.ErrUnavailable
	if errors.Is(err, resolve.ErrDenied) {
		kind = resolve.ErrDenied
	}
	return &resolve.Error{Kind: kind, Msg: fmt.Sprintf("cannot %s %s: the %s source failed", doing, resolve.QuoteName(name), t.source), Err: err}
}
