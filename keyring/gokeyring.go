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
	return k.run(ctx, what, "", f)
}

// boundedWrite runs a write with the call deadline. A write that misses it
// may still happen (go-keyring cannot be stopped), so its answer is waited
// for once more, with a fresh deadline, before saying anything: an answer
// stands as if on time; none is "outcome is not known".
func (k *osKeyring) boundedWrite(ctx context.Context, what, outcome string, f func() error) error {
	return k.run(ctx, what, outcome, f)
}

func (k *osKeyring) run(ctx context.Context, what, outcome string, f func() error) error {
	cctx, cancel := context.WithTimeout(ctx, k.timeout)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		return k.result(what, err)
	case <-cctx.Done():
	}
	if outcome == "" {
		return timeoutError(what, k.timeout, hintDialog)
	}
	fresh, cancelFresh := context.WithTimeout(context.WithoutCancel(ctx), k.timeout)
	defer cancelFresh()
	select {
	case err := <-done:
		return k.result(what, err)
	case <-fresh.Done():
		return unknownError(what, k.timeout, outcome, hintDialog)
	}
}

const hintDialog = "is the keyring waiting for a dialog? answer it, or raise --timeout"

func (k *osKeyring) result(what string, err error) error {
	if err == nil || errors.Is(err, gokeyring.ErrNotFound) {
		return err
	}
	if errors.Is(err, gokeyring.ErrSetDataTooBig) {
		return &resolve.Error{Kind: resolve.ErrBadInput, Msg: fmt.Sprintf("the %s refused the value as too large (%s)", platformKeyring, what)}
	}
	return &resolve.Error{Kind: resolve.ErrUnavailable, Msg: fmt.Sprintf("the %s failed %s", platformKeyring, what), Err: err}
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

func (k *osKeyring) open(context.Context) error { return nil }

func (k *osKeyring) has(ctx context.Context, name string) (bool, error) {
	got, err := k.get(ctx, []string{name})
	v, ok := got[name]
	clear(v)
	return ok, err
}

// store checks for the name first unless replace; the lock (lock.go) keeps
// other prefect-secrets from storing it in between.
func (k *osKeyring) store(ctx context.Context, name string, value []byte, replace bool) error {
	if !replace {
		has, err := k.has(ctx, name)
		if err != nil {
			return err
		}
		if has {
			return errExists
		}
	}
	if err := k.boundedWrite(ctx, "storing "+resolve.QuoteName(name), "whether the new value was stored", func() error {
		return gokeyring.Set(k.service, name, string(value))
	}); err != nil {
		return err
	}
	return k.indexAdd(ctx, name)
}

func (k *osKeyring) delete(ctx context.Context, name string) error {
	err := k.boundedWrite(ctx, "deleting "+resolve.QuoteName(name), "whether it was deleted", func() error {
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
