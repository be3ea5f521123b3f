// Package resolve is what every source of secrets shares: secret names and
// their rules (CheckName), the reference scheme (RefScheme), the Secret type
// that never prints its value, the Source interface, the Chain that asks
// sources in order for the names still missing, the typed errors each exit
// code comes from, and the simplest source, Env. It knows no flags, no
// files of Prefect's and no network.
package resolve

import (
	"context"
	"fmt"
)

// Source is one place secrets live. Lookup and Names are called lazily, at
// most once per name per command, and must honour ctx's deadline.
type Source interface {
	// Name is the source's name in --sources, explain and messages.
	Name() string
	// Lookup returns the values the source has among names; a name it does
	// not have is absent from the map. A source that is not on this machine
	// or not configured returns an *AbsentError.
	Lookup(ctx context.Context, names []string) (map[string]Secret, error)
	// Names lists every secret name the source knows (never a value).
	Names(ctx context.Context) ([]string, error)
	// Where says where the source reads, for explain and --verbose.
	Where() string
}

// AbsentError says a source is not on this machine or not configured. In the
// default chain such a source is skipped (and explain, --verbose and a
// not-found message say why); named explicitly, it is an error.
type AbsentError struct {
	Source string
	Reason string // why it is absent, e.g. "no session bus"
	Hint   string // what to do to have it
	// KindIfNamed is the error's kind when the source was asked for by
	// name; ErrUnavailable (69) if nil. A source that is merely not
	// configured says ErrConfig (78).
	KindIfNamed error
}

func (e *AbsentError) Error() string {
	return fmt.Sprintf("%s source is not available: %s", e.Source, e.Reason)
}

func (e *AbsentError) Unwrap() error { return ErrUnavailable }
