package commands

import (
	"errors"
	"fmt"
	"strings"

	"github.com/fatih/color"

	"github.com/prefect-secrets/prefect-secrets/internal/proc"
	"github.com/prefect-secrets/prefect-secrets/resolve"
)

// Exit codes, documented in docs/exit-codes.md and in --help. They follow
// sysexits(3), so none collides with what a child commonly returns (1, 2,
// 126, 127, 128+N).
const (
	ExitOK          = 0
	ExitUsage       = 64 // a command line that makes no sense
	ExitDataErr     = 65 // an invalid name or value
	ExitNotFound    = 66 // no source has the secret
	ExitInternal    = 70 // a bug: please report it
	ExitUnavailable = 69 // a source is there but failing, or was named and is absent
	ExitExists      = 73 // set or -o without --force on what is there, an output file that cannot be written (sysexits' EX_CANTCREAT)
	ExitDenied      = 77 // permission or authentication denied
	ExitConfig      = 78 // a configuration file or setting is broken
)

// UsageError is a command line that makes no sense: exit 64.
type UsageError struct {
	Msg  string
	Hint string
}

func (e *UsageError) Error() string { return e.Msg }

func usagef(hint, format string, args ...any) error {
	return &UsageError{Msg: fmt.Sprintf(format, args...), Hint: hint}
}

// ExitCode maps an error to the process's exit code.
func ExitCode(err error) int {
	var (
		ue *UsageError
		se *proc.StartError
		xs *proc.ExitStatus
		oe *proc.OutputError
		ce *CantCreateError
	)
	switch {
	case err == nil:
		return ExitOK
	case errors.As(err, &xs):
		return xs.Code
	case errors.As(err, &oe):
		return oe.Code
	case errors.As(err, &se):
		return se.Code
	case errors.As(err, &ue), errors.Is(err, resolve.ErrUsage):
		return ExitUsage
	case errors.As(err, &ce):
		return ExitExists
	case errors.Is(err, resolve.ErrBadInput):
		return ExitDataErr
	case errors.Is(err, resolve.ErrNotFound):
		return ExitNotFound
	case errors.Is(err, resolve.ErrExists):
		return ExitExists
	case errors.Is(err, resolve.ErrDenied):
		return ExitDenied
	case errors.Is(err, resolve.ErrConfig):
		return ExitConfig
	case errors.Is(err, resolve.ErrUnavailable):
		return ExitUnavailable
	}
	return ExitInternal
}

// Hint returns what the user can do about err, if anything is known.
func Hint(err error) string {
	var (
		ue *UsageError
		se *proc.StartError
		oe *proc.OutputError
	)
	switch {
	case errors.As(err, &ue):
		return ue.Hint
	case errors.As(err, &se):
		return se.Hint
	case errors.As(err, &oe):
		return oe.Hint()
	}
	return resolve.HintText(err)
}

// Report writes err to stderr the one way every error is shown:
// "prefect-secrets: <what failed>", then "hint: <what to do>" lines.
func (o *IO) Report(err error) {
	var xs *proc.ExitStatus
	if errors.As(err, &xs) {
		return // the child's own status: it has spoken for itself
	}
	prefix := o.paint(o.ErrTTY, color.FgRed, color.Bold).Sprint("prefect-secrets:")
	fmt.Fprintf(o.Err, "%s %s\n", prefix, err)
	if h := Hint(err); h != "" {
		label := o.paint(o.ErrTTY, color.FgYellow).Sprint("hint:")
		for _, line := range strings.Split(h, "\n") {
			fmt.Fprintf(o.Err, "%s %s\n", label, line)
		}
	}
}

func asError(err error, target **resolve.Error) bool { return errors.As(err, target) }
