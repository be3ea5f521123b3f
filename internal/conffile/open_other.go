//go:build !unix

package conffile

import "os"

// openNoBlock opens path for reading; where there are no FIFOs to wait on,
// a plain open does not block.
func openNoBlock(path string) (*os.File, error) {
	return os.Open(path)
}
