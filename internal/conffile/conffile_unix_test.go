//go:build unix

package conffile

import (
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestReadFIFODoesNotBlock(t *testing.T) {
	p := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(p, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := readSoon(t, p)
	if err == nil || !strings.Contains(err.Error(), "named pipe (FIFO), not a regular file") {
		t.Fatalf("Read of a FIFO: %v", err)
	}
}
