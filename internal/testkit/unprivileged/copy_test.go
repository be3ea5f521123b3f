//go:build unix

package unprivileged

import (
	"fmt"
	"os"
	"os/exec"
	"sync"
	"testing"
)

// A copy runs at once, however busy this process is forking: no
// descriptor of it is left open for a child forked meanwhile to inherit
// (ETXTBSY, "text file busy"). Made here with os.OpenFile and io.Copy, a
// few of every 30 failed so; the children forked alongside are what the
// other tests of a test binary start.
func TestCopyRunsWhileOthersFork(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
					_ = exec.Command("true").Run()
				}
			}
		}()
	}
	defer func() { close(stop); wg.Wait() }()
	const copies = 30
	failed := 0
	for i := range copies {
		bin, err := Copy(exe, dir, fmt.Sprint("copy-", i))
		if err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command(bin, "-test.run=^$").CombinedOutput(); err != nil {
			failed++
			t.Errorf("running copy %d: %v %s", i, err, out)
		}
	}
	if failed > 0 {
		t.Errorf("%d of %d copies did not run: want every copy to run once Copy returned", failed, copies)
	}
}

func TestCopyRefusesWhatIsThere(t *testing.T) {
	dir := t.TempDir()
	if _, err := Copy("/bin/sh", dir, "sh"); err != nil {
		t.Fatal(err)
	}
	if _, err := Copy("/bin/sh", dir, "sh"); err == nil {
		t.Error("a second copy under the same name succeeded: want an error, as O_EXCL gave")
	}
	info, err := os.Stat(dir + "/sh")
	if err != nil || info.Mode().Perm() != 0o755 {
		t.Errorf("the copy: %v, %v; want mode 0755", info, err)
	}
}
