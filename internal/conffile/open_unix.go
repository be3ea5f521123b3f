//go:build unix

package conffile

import (
	"os"
	"syscall"
)

// openNoBlock opens path for reading without waiting: a FIFO with no
// writer opens at once (and is then refused), and a terminal never becomes
// the controlling one.
func openNoBlock(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK|syscall.O_NOCTTY, 0)
}
