package keyring

import (
	"context"
	"fmt"
	"hash/fnv"
	"os"
	"path/filepath"
	"time"

	"github.com/prefect-secrets/prefect-secrets/resolve"
)

// The keyrings have no compare-and-swap: "store unless the name is there"
// is a search, then a write, and two commands can both search before
// either writes. Every write of a prefect-secrets (set, delete) takes an
// exclusive lock on a file of its user and service first, so check and
// write are one step for every prefect-secrets of that user. The kernel
// drops the lock when its process ends, however it ends. The file itself
// stays: removing it would let a waiter lock a file nobody else opens.

// lock takes the service's write lock, waiting at most the call deadline
// for another prefect-secrets to finish, and returns its release.
func (k *Keyring) lock(ctx context.Context) (func(), error) {
	path, err := k.lockPath()
	if err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, lockError(path, err)
	}
	timeout := k.timeout()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	// Polled, not blocking: a blocked flock cannot be given a deadline.
	wait := time.Millisecond
	for {
		ok, err := tryLock(f)
		if err != nil {
			f.Close()
			return nil, lockError(path, err)
		}
		if ok {
			return func() { unlock(f); f.Close() }, nil
		}
		if testHookLockBusy != nil {
			testHookLockBusy(ctx)
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, &resolve.Error{Kind: resolve.ErrUnavailable,
				Msg:  fmt.Sprintf("another prefect-secrets kept the keyring (service %q) busy for longer than %s", k.Service, timeout),
				Hint: fmt.Sprintf("it holds %s while it stores or deletes; wait for it, or end it; --timeout sets the deadline", path)}
		case <-time.After(wait):
		}
		wait = min(2*wait, 20*time.Millisecond)
	}
}

// testHookLockBusy, set by tests only, is told each time the lock was
// found taken.
var testHookLockBusy func(ctx context.Context)

func lockError(path string, err error) error {
	return &resolve.Error{Kind: resolve.ErrUnavailable,
		Msg:  "cannot take the keyring's write lock " + path,
		Hint: "the lock lives in $XDG_RUNTIME_DIR, else your cache directory: one of them must be a directory of yours",
		Err:  err}
}

// lockPath is the lock file of the service: in the user's runtime
// directory (per user, emptied at logout), else the user's cache directory.
// The service's name is hashed: it may hold any character. Two services
// whose hashes collide share a lock, which costs nothing but a wait.
func (k *Keyring) lockPath() (string, error) {
	h := fnv.New64a()
	h.Write([]byte(k.Service))
	file := fmt.Sprintf("keyring-%016x.lock", h.Sum64())
	var dirs []string
	if rt := k.getenv("XDG_RUNTIME_DIR"); filepath.IsAbs(rt) {
		dirs = append(dirs, rt)
	}
	if cache, err := os.UserCacheDir(); err == nil {
		dirs = append(dirs, cache)
	}
	var firstErr error
	for _, d := range dirs {
		dir := filepath.Join(d, "prefect-secrets")
		err := os.MkdirAll(dir, 0o700)
		if err == nil {
			return filepath.Join(dir, file), nil
		}
		if firstErr == nil {
			firstErr = lockError(filepath.Join(dir, file), err)
		}
	}
	if firstErr == nil {
		firstErr = lockError(file, fmt.Errorf("neither XDG_RUNTIME_DIR nor a cache directory is set"))
	}
	return "", firstErr
}

func (k *Keyring) getenv(key string) string {
	if k.Getenv == nil {
		return os.Getenv(key)
	}
	return k.Getenv(key)
}

func (k *Keyring) timeout() time.Duration {
	if k.Timeout <= 0 {
		return DefaultTimeout
	}
	return k.Timeout
}
