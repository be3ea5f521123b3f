package commands

import (
	"errors"
	"io/fs"

	"github.com/urfave/cli/v2"
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

// variables are the flags that name variables and their secrets, of the
// commands that hand values on (exec, export).
type variables struct {
	Secrets  []string // -s values: NAME or VAR=NAME
	EnvFiles []string // --env-file: reference files, in order
}

// options declares -s, with the command's own usage, and --env-file.
func (v *variables) options(secretUsage string) []cli.Flag {
	return []cli.Flag{
		&option{name: "secret", alias: "s", value: stringList{&v.Secrets}, repeatable: true, usage: secretUsage},
		&option{name: "env-file", value: stringList{&v.EnvFiles}, usage: envFileUsage},
	}
}
