//go:build unix

package conffile

import (
	"os"
	"syscall"
)

// openNoBlock opens path for reading without waiting: a FIFO with no
// writer opens at once (and is then refused), and a terminal never becomes
// the controlling one. The file is then made blocking again, before os
// sees it: os would register a non-blocking file with the runtime's
// network poller, which costs every start an epoll instance for a file
// read once.
func openNoBlock(path string) (*os.File, error) {
	fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_NONBLOCK|syscall.O_NOCTTY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	if err := syscall.SetNonblock(fd, false); err != nil {
		syscall.Close(fd)
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	return os.NewFile(uintptr(fd), path), nil
}
