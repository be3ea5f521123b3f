//go:build darwin

package keyring

import (
	"context"
	"errors"
	"slices"
	"sort"
	"strings"

	gokeyring "github.com/zalando/go-keyring"
)

const (
	platformKeyring = "macOS Keychain"
	// maxValueBytes: go-keyring base64-encodes values for the security(1)
	// command line, which is capped at 4096 bytes.
	maxValueBytes = 2900
	// indexUser holds the names stored under the service: the Keychain has
	// no cheap search. "__" cannot be in a secret name, so it never collides.
	indexUser = "__prefect_secrets_index__"
)

func (k *osKeyring) readIndex(ctx context.Context) ([]string, error) {
	var v string
	err := k.bounded(ctx, "reading the index of names", func() (err error) {
		v, err = gokeyring.Get(k.service, indexUser)
		return err
	})
	if errors.Is(err, gokeyring.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return strings.Fields(v), nil
}

func (k *osKeyring) writeIndex(ctx context.Context, names []string) error {
	sort.Strings(names)
	return k.bounded(ctx, "writing the index of names", func() error {
		if len(names) == 0 {
			err := gokeyring.Delete(k.service, indexUser)
			if errors.Is(err, gokeyring.ErrNotFound) {
				return nil
			}
			return err
		}
		return gokeyring.Set(k.service, indexUser, strings.Join(names, "\n"))
	})
}

func (k *osKeyring) indexAdd(ctx context.Context, name string) error {
	names, err := k.readIndex(ctx)
	if err != nil || slices.Contains(names, name) {
		return err
	}
	return k.writeIndex(ctx, append(names, name))
}

func (k *osKeyring) indexRemove(ctx context.Context, name string) error {
	names, err := k.readIndex(ctx)
	if err != nil || !slices.Contains(names, name) {
		return err
	}
	return k.writeIndex(ctx, slices.DeleteFunc(names, func(n string) bool { return n == name }))
}

func (k *osKeyring) names(ctx context.Context) ([]string, error) { return k.readIndex(ctx) }
