//go:build !unix

package commands

import "io"

// stdinClosed: a closed stdin fails the read itself here.
func stdinClosed(io.Reader) bool { return false }
