//go:build darwin || windows

package keyring

import (
	"context"
	"errors"
	"fmt"
	"time"

	gokeyring "github.com/zalando/go-keyring"

	"github.com/prefect-secrets/prefect-secrets/resolve"
)

// osKeyring is the Keychain or the Credential Manager through go-keyring,
// which has no deadlines: each call runs in a goroutine bounded by one.
type osKeyring struct {
	service string
	timeout time.Duration
}

func newBackend(service string, timeout time.Duration, _ func(string) string) backend {
	return &osKeyring{service: service, timeout: timeout}
}

func (k *osKeyring) where() string {
	return fmt.Sprintf("the %s, items with service %q", platformKeyring, k.service)
}

// bounded runs f with the call deadline.
func (k *osKeyring) bounded(ctx context.Context, what string, f func() error) error {
	ctx, cancel := context.WithTimeout(ctx, k.timeout)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		if err == nil || errors.Is(err, gokeyring.ErrNotFound) {
			return err
		}
		if errors.Is(err, gokeyring.ErrSetDataTooBig) {
			return &resolve.Error{Kind: resolve.ErrBadInput, Msg: fmt.Sprintf("the %s refused the value as too large (%s)", platformKeyring, what)}
		}
		return &resolve.Error{Kind: resolve.ErrUnavailable, Msg: fmt.Sprintf("the %s failed %s", platformKeyring, what), Err: err}
	case <-ctx.Done():
		return timeoutError(what, k.timeout, "is the keyring waiting for a dialog? answer it, or raise --timeout")
	}
}

func (k *osKeyring) get(ctx context.Context, names []string) (map[string][]byte, error) {
	out := make(map[string][]byte)
	for _, n := range names {
		var v string
		err := k.bounded(ctx, "reading "+resolve.QuoteName(n), func() (err error) {
			v, err = gokeyring.Get(k.service, n)
			return err
		})
		switch {
		case errors.Is(err, gokeyring.ErrNotFound):
		case err != nil:
			return nil, err
		default:
			out[n] = []byte(v)
		}
	}
	return out, nil
}

func (k *osKeyring) set(ctx context.Context, name string, value []byte) error {
	if err := k.bounded(ctx, "storing "+resolve.QuoteName(name), func() error {
		return gokeyring.Set(k.service, name, string(value))
	}); err != nil {
		return err
	}
	return k.indexAdd(ctx, name)
}

func (k *osKeyring) delete(ctx context.Context, name string) error {
	err := k.bounded(ctx, "deleting "+resolve.QuoteName(name), func() error {
		return gokeyring.Delete(k.service, name)
	})
	if errors.Is(err, gokeyring.ErrNotFound) {
		return errNotFound
	}
	if err != nil {
		return err
	}
	return k.indexRemove(ctx, name)
}
