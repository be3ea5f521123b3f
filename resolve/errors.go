package resolve

import "errors"

// The kinds of failure, each with its own exit code (commands/errors.go
// maps them: ExitCode). An error from this package matches exactly one of
// them with errors.Is.
var (
	// ErrUsage is a command line that makes no sense (a malformed -s,
	// one variable asked for twice), found below commands.
	ErrUsage       = errors.New("usage")
	ErrBadInput    = errors.New("bad input")
	ErrNotFound    = errors.New("not found")
	ErrUnavailable = errors.New("source unavailable")
	ErrDenied      = errors.New("permission denied")
	ErrConfig      = errors.New("bad configuration")
	// ErrExists is a name that is already there where a command would
	// create it (set without --force).
	ErrExists = errors.New("already exists")
)

// Error is a failure a user can act on: what went wrong, and a hint saying
// what to do about it. Messages name secrets and sources, never values.
type Error struct {
	Kind error  // one of the Err* kinds above
	Msg  string // what failed, lower-case, no final period
	Hint string // what to do; may be empty
	Err  error  // the cause, if any
}

func (e *Error) Error() string {
	if e.Err != nil {
		return e.Msg + ": " + e.Err.Error()
	}
	return e.Msg
}

func (e *Error) Unwrap() []error {
	if e.Err != nil {
		return []error{e.Kind, e.Err}
	}
	return []error{e.Kind}
}

// HintText returns the hint of the first *Error in err's tree that has one.
func HintText(err error) string {
	for err != nil {
		var e *Error
		if !errors.As(err, &e) {
			return ""
		}
		if e.Hint != "" {
			return e.Hint
		}
		err = e.Err
	}
	return ""
}
