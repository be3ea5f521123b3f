package conffile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func write(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// readSoon is Read that fails the test if it has not returned within a
// generous deadline (it guards against a hang; it measures nothing).
func readSoon(t *testing.T, path string) ([]byte, error) {
	t.Helper()
	type result struct {
		data []byte
		err  error
	}
	done := make(chan result, 1)
	go func() {
		data, err := Read(path)
		done <- result{data, err}
	}()
	select {
	case r := <-done:
		return r.data, r.err
	case <-time.After(30 * time.Second):
		t.Fatalf("Read(%s) still blocked after 30s", path)
		return nil, nil
	}
}

func TestReadRegularFile(t *testing.T) {
	p := write(t, "c.toml", "a = 1\n")
	data, err := readSoon(t, p)
	if err != nil || string(data) != "a = 1\n" {
		t.Fatalf("Read = %q, %v", data, err)
	}
}

func TestReadMissingIsNotExist(t *testing.T) {
	_, err := readSoon(t, filepath.Join(t.TempDir(), "nope.toml"))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Read of a missing file: %v, want fs.ErrNotExist", err)
	}
}

func TestReadDirectory(t *testing.T) {
	_, err := readSoon(t, t.TempDir())
	var e *Error
	if !errors.Is(err, ErrIsDir) || !errors.As(err, &e) || e.Error() != "is a directory" {
		t.Fatalf("Read of a directory: %v, want ErrIsDir", err)
	}
}

func TestReadDeviceRefused(t *testing.T) {
	if _, err := os.Stat("/dev/zero"); err != nil {
		t.Skip("no /dev/zero here")
	}
	_, err := readSoon(t, "/dev/zero")
	if err == nil || !strings.Contains(err.Error(), "is a device, not a regular file") {
		t.Fatalf("Read of /dev/zero: %v", err)
	}
}

func TestReadTooLarge(t *testing.T) {
	ok := write(t, "max.toml", strings.Repeat("#", MaxSize))
	if data, err := readSoon(t, ok); err != nil || len(data) != MaxSize {
		t.Fatalf("a file of exactly MaxSize: %d bytes, %v", len(data), err)
	}
	big := write(t, "big.toml", strings.Repeat("#", MaxSize+1))
	_, err := readSoon(t, big)
	if err == nil || !strings.Contains(err.Error(), "is larger than 2 MiB") {
		t.Fatalf("Read of MaxSize+1 bytes: %v", err)
	}
}

func TestReadFileWhoseStatSaysEmpty(t *testing.T) {
	// Files in /proc say they are empty: the content is read all the same.
	if _, err := os.Stat("/proc/self/environ"); err != nil {
		t.Skip("no /proc here")
	}
	data, err := readSoon(t, "/proc/self/environ")
	if err != nil || len(data) == 0 || len(data) > MaxSize {
		t.Fatalf("Read of /proc/self/environ: %d bytes, %v", len(data), err)
	}
}
