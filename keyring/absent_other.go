//go:build !linux && !darwin && !windows

package keyring

import (
	"context"
	"time"

	"github.com/prefect-secrets/prefect-secrets/resolve"
)

const (
	platformKeyring = "keyring"
	maxValueBytes   = 0
)

// noKeyring is the keyring on a platform this tool has none for.
type noKeyring struct{}

func newBackend(string, time.Duration, func(string) string) backend { return noKeyring{} }

func (noKeyring) err() error {
	return &resolve.AbsentError{Source: "keyring", Reason: "no OS keyring is supported on this platform"}
}
func (n noKeyring) get(context.Context, []string) (map[string][]byte, error) { return nil, n.err() }
func (n noKeyring) names(context.Context) ([]string, error)                  { return nil, n.err() }
func (n noKeyring) open(context.Context) error                               { return n.err() }
func (n noKeyring) has(context.Context, string) (bool, error)                { return false, n.err() }
func (n noKeyring) store(context.Context, string, []byte, bool) error        { return n.err() }
func (n noKeyring) delete(context.Context, string) error                     { return n.err() }
func (noKeyring) where() string                                              { return "no keyring on this platform" }
