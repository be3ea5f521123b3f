// Package keyring is the OS keyring as a secret source and store: the
// Secret Service on Linux (spoken to directly over D-Bus, so every call has
// a deadline and several names share one connection), the Keychain on
// macOS and the Credential Manager on Windows (through go-keyring). Every
// secret is one item under one service name.
package keyring

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/prefect-secrets/prefect-secrets/resolve"
)

// DefaultService is the service name items are stored under unless
// --keyring-service says otherwise.
const DefaultService = "prefect-secrets"

// DefaultTimeout bounds each keyring call.
const DefaultTimeout = 3 * time.Second

// Keyring is the keyring source and store for one service name.
type Keyring struct {
	Service string
	Timeout time.Duration
	// Getenv reads the environment the command runs in (the session bus
	// address lives there).
	Getenv func(string) string

	b backend
}

// backend is one platform's keyring. Values are exact bytes.
type backend interface {
	// open gets the keyring ready (a bus connection), so that a keyring
	// that is absent says so before anything else is tried.
	open(ctx context.Context) error
	get(ctx context.Context, names []string) (map[string][]byte, error)
	has(ctx context.Context, name string) (bool, error)
	names(ctx context.Context) ([]string, error)
	// store writes value under name. Unless replace, a name that is there
	// is errExists and stays as it is.
	store(ctx context.Context, name string, value []byte, replace bool) error
	// delete removes name; a name that is not there is errNotFound.
	delete(ctx context.Context, name string) error
	where() string
}

var (
	errNotFound = errors.New("not in the keyring")
	errExists   = errors.New("already in the keyring")
)

func (k *Keyring) backend() backend {
	if k.b == nil {
		k.b = newBackend(k.Service, k.timeout(), k.Getenv)
	}
	return k.b
}

func (k *Keyring) Name() string { return "keyring" }

func (k *Keyring) Where() string { return k.backend().where() }

func (k *Keyring) Lookup(ctx context.Context, names []string) (map[string]resolve.Secret, error) {
	for _, n := range names {
		if err := checkName(n); err != nil {
			return nil, err
		}
	}
	got, err := k.backend().get(ctx, names)
	if err != nil {
		return nil, err
	}
	out := make(map[string]resolve.Secret, len(got))
	for n, v := range got {
		out[n] = resolve.NewSecret(v)
		clear(v)
	}
	return out, nil
}

func (k *Keyring) Names(ctx context.Context) ([]string, error) {
	return k.backend().names(ctx)
}

// Set stores value under name, replacing what is there. Limits are checked
// before any keyring call.
func (k *Keyring) Set(ctx context.Context, name string, value resolve.Secret) error {
	return k.store(ctx, name, value, true)
}

// Create stores value under name unless the name is there already, which
// is a resolve.ErrExists error that leaves it as it is. No other
// prefect-secrets of this user can store the name in between (see lock.go).
func (k *Keyring) Create(ctx context.Context, name string, value resolve.Secret) error {
	err := k.store(ctx, name, value, false)
	if errors.Is(err, errExists) {
		return &resolve.Error{Kind: resolve.ErrExists,
			Msg:  fmt.Sprintf("secret %s already exists in the keyring (service %q)", resolve.QuoteName(name), k.Service),
			Hint: "add --force to replace it"}
	}
	return err
}

func (k *Keyring) store(ctx context.Context, name string, value resolve.Secret, replace bool) error {
	if err := checkName(name); err != nil {
		return err
	}
	if max := maxValueBytes; max > 0 && value.Len() > max {
		return &resolve.Error{Kind: resolve.ErrBadInput,
			Msg:  fmt.Sprintf("the value for %s is larger than the %d bytes the %s holds", resolve.QuoteName(name), max, platformKeyring),
			Hint: "store a smaller value, or keep large values in the Prefect API (set --to cloud) or a file"}
	}
	return k.locked(ctx, func() error {
		return k.backend().store(ctx, name, value.Reveal(), replace)
	})
}

// Has reports whether name is in the keyring (a locked item counts).
func (k *Keyring) Has(ctx context.Context, name string) (bool, error) {
	if err := checkName(name); err != nil {
		return false, err
	}
	if err := k.backend().open(ctx); err != nil {
		return false, err
	}
	return k.backend().has(ctx, name)
}

// Delete removes name; a missing name is a not-found error.
func (k *Keyring) Delete(ctx context.Context, name string) error {
	if err := checkName(name); err != nil {
		return err
	}
	err := k.locked(ctx, func() error { return k.backend().delete(ctx, name) })
	if errors.Is(err, errNotFound) {
		return &resolve.Error{Kind: resolve.ErrNotFound,
			Msg:  fmt.Sprintf("secret %s is not in the keyring (service %q)", resolve.QuoteName(name), k.Service),
			Hint: "prefect-secrets list shows the names there; --keyring-service picks another service"}
	}
	return err
}

// locked runs a write under the service's lock, once the keyring is known
// to be there (an absent keyring says so, not something about a lock).
func (k *Keyring) locked(ctx context.Context, write func() error) error {
	b := k.backend()
	if err := b.open(ctx); err != nil {
		return err
	}
	unlock, err := k.lock(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	return write()
}

// checkName refuses, before any keyring call, a name the keyring cannot
// hold: the D-Bus wire format rejects invalid UTF-8.
func checkName(name string) error {
	return resolve.CheckName(name)
}

// timeoutError is what a call that did not answer within its deadline
// becomes.
func timeoutError(what string, d time.Duration, hint string) error {
	return &resolve.Error{Kind: resolve.ErrUnavailable,
		Msg:  fmt.Sprintf("the keyring did not answer within %s (%s)", d, what),
		Hint: hint}
}

// UnknownOutcomeError is a write that missed its deadline and whose outcome
// could not be read back either: what was asked may or may not have
// happened, and the message says so. It is not a "cannot store".
type UnknownOutcomeError struct{ Err *resolve.Error }

func (e *UnknownOutcomeError) Error() string { return e.Err.Error() }
func (e *UnknownOutcomeError) Unwrap() error { return e.Err }

func unknownError(what string, d time.Duration, outcome, check string) error {
	return &UnknownOutcomeError{&resolve.Error{Kind: resolve.ErrUnavailable,
		Msg:  fmt.Sprintf("the keyring did not answer within %s (%s), nor when asked afterwards: %s is not known", d, what, outcome),
		Hint: check + " once the keyring answers; --timeout sets the deadline"}}
}
