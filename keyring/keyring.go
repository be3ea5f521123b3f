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
	get(ctx context.Context, names []string) (map[string][]byte, error)
	names(ctx context.Context) ([]string, error)
	set(ctx context.Context, name string, value []byte) error
	// delete removes name; a name that is not there is errNotFound.
	delete(ctx context.Context, name string) error
	where() string
}

var errNotFound = errors.New("not in the keyring")

func (k *Keyring) backend() backend {
	if k.b == nil {
		timeout := k.Timeout
		if timeout <= 0 {
			timeout = DefaultTimeout
		}
		k.b = newBackend(k.Service, timeout, k.Getenv)
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
	if err := checkName(name); err != nil {
		return err
	}
	if max := maxValueBytes; max > 0 && value.Len() > max {
		return &resolve.Error{Kind: resolve.ErrBadInput,
			Msg:  fmt.Sprintf("the value for %s is %d bytes; the %s holds at most %d", resolve.QuoteName(name), value.Len(), platformKeyring, max),
			Hint: "store a smaller value, or keep large values in the Prefect API (set --to cloud) or a file"}
	}
	return k.backend().set(ctx, name, value.Reveal())
}

// Has reports whether name is in the keyring.
func (k *Keyring) Has(ctx context.Context, name string) (bool, error) {
	if err := checkName(name); err != nil {
		return false, err
	}
	got, err := k.backend().get(ctx, []string{name})
	if err != nil {
		return false, err
	}
	v, ok := got[name]
	clear(v)
	return ok, nil
}

// Delete removes name; a missing name is a not-found error.
func (k *Keyring) Delete(ctx context.Context, name string) error {
	if err := checkName(name); err != nil {
		return err
	}
	err := k.backend().delete(ctx, name)
	if errors.Is(err, errNotFound) {
		return &resolve.Error{Kind: resolve.ErrNotFound,
			Msg:  fmt.Sprintf("secret %s is not in the keyring (service %q)", resolve.QuoteName(name), k.Service),
			Hint: "prefect-secrets list shows the names there; --keyring-service picks another service"}
	}
	return err
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
