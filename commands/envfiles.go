package commands

import (
	"errors"
	"io/fs"
)

const envFileUsage = "read variables from the reference `FILE`: VAR=prefect-secret://NAME lines are secrets, VAR=text lines plain values (repeatable; a later definition wins)"

// unwrapPath drops the path from an *fs.PathError, which the message
// already names.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
