//go:build unix

package realprefect

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// fakeVar makes the test binary a stand-in for `prefect server start`, so
// Start and Stop are tested without Python. (Not PREFECT_*: Start drops
// those from the server's environment.)
const fakeVar = "REALPREFECTTEST_FAKE_SERVER"

func TestMain(m *testing.M) {
	if mode := os.Getenv(fakeVar); mode != "" {
		fakeServer(mode)
		return
	}
	os.Exit(m.Run())
}

// fakeServer answers as `prefect server start` would in mode:
//
//	healthy  serves GET /api/health (200 true) on --host:--port, after
//	         writing its arguments and environment to env.txt, and the
//	         pid of a child of its own to child.pid
//	fail     exits 3 with a message, as a server that cannot start
//	flaky    fails the first time it runs in a directory, then is healthy
//	sick     serves 503 on /api/health forever
func fakeServer(mode string) {
	fs := flag.NewFlagSet("prefect", flag.ExitOnError)
	host := fs.String("host", "", "")
	port := fs.String("port", "", "")
	fs.Bool("no-services", false, "")
	fs.Bool("no-ui", false, "")
	if len(os.Args) < 3 || os.Args[1] != "server" || os.Args[2] != "start" {
		fmt.Fprintln(os.Stderr, "fake prefect: want server start, got", os.Args[1:])
		os.Exit(2)
	}
	_ = fs.Parse(os.Args[3:])
	if mode == "flaky" {
		if _, err := os.Stat("ran-once"); err != nil {
			_ = os.WriteFile("ran-once", nil, 0o644)
			fmt.Fprintln(os.Stderr, "fake prefect: address already in use")
			os.Exit(1)
		}
	}
	if mode == "fail" {
		fmt.Fprintln(os.Stderr, "fake prefect: boom, no database")
		os.Exit(3)
	}
	_ = os.WriteFile("env.txt", []byte(strings.Join(append(os.Args[1:], os.Environ()...), "\n")), 0o644)
	child := exec.Command("sleep", "1000")
	if err := child.Start(); err == nil {
		_ = os.WriteFile("child.pid", []byte(strconv.Itoa(child.Process.Pid)), 0o644)
	}
	http.HandleFunc("/api/health", func(w http.ResponseWriter, r *http.Request) {
		if mode == "sick" {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		fmt.Fprint(w, "true")
	})
	fmt.Fprintln(os.Stderr, http.ListenAndServe(*host+":"+*port, nil))
	os.Exit(1)
}

// fakeVenv makes a virtualenv whose bin/prefect runs fakeServer(mode) and
// whose bin/python exists, under a VenvsVar of its own.
func fakeVenv(t *testing.T, version, mode string) Venv {
	t.Helper()
	venvs := t.TempDir()
	t.Setenv(VenvsVar, venvs)
	dir := filepath.Join(venvs, "prefect-"+version)
	if err := os.MkdirAll(filepath.Join(dir, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	script := fmt.Sprintf("#!/bin/sh\n%s=%s exec '%s' \"$@\"\n", fakeVar, mode, self)
	write(t, filepath.Join(dir, "bin", "prefect"), script, 0o755)
	write(t, filepath.Join(dir, "bin", "python"), "#!/bin/sh\nexit 0\n", 0o755)
	write(t, filepath.Join(dir, installedMark), version+"\n", 0o644)
	return Venv{Dir: dir, Version: version}
}

func write(t *testing.T, path, data string, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), mode); err != nil {
		t.Fatal(err)
	}
}

func TestFindNotInstalled(t *testing.T) {
	t.Setenv(VenvsVar, t.TempDir())
	_, err := Find(Prefect3)
	var missing *NotInstalledError
	if !errors.As(err, &missing) {
		t.Fatalf("Find in an empty directory: %v, want a NotInstalledError", err)
	}
	for _, want := range []string{"Prefect 3.9.1 is not installed", ".ci/install-prefect", VenvsVar} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the reason %q does not say %q", err, want)
		}
	}
}

func TestFindInstalled(t *testing.T) {
	want := fakeVenv(t, Prefect1, "healthy")
	got, err := Find(Prefect1)
	if err != nil || got != want {
		t.Fatalf("Find = %+v, %v; want %+v", got, err, want)
	}
	if got.Python() != filepath.Join(want.Dir, "bin", "python") {
		t.Errorf("Python() = %s", got.Python())
	}
}

// A virtualenv that is there but unusable is an error, never a skip: CI
// must not pass by skipping over a broken install.
func TestFindBroken(t *testing.T) {
	for name, breakIt := range map[string]func(v Venv){
		"interrupted install": func(v Venv) { os.Remove(filepath.Join(v.Dir, installedMark)) },
		"another version":     func(v Venv) { write(t, filepath.Join(v.Dir, installedMark), "3.9.0\n", 0o644) },
		"python gone": func(v Venv) {
			os.Remove(v.Python())
			if err := os.Symlink(filepath.Join(v.Dir, "no-such-python"), v.Python()); err != nil {
				t.Fatal(err)
			}
		},
	} {
		t.Run(name, func(t *testing.T) {
			v := fakeVenv(t, Prefect3, "healthy")
			breakIt(v)
			_, err := Find(Prefect3)
			var missing *NotInstalledError
			if err == nil || errors.As(err, &missing) {
				t.Fatalf("Find = %v, want an error that is not NotInstalledError", err)
			}
			if !strings.Contains(err.Error(), "install-prefect") {
				t.Errorf("%v does not say how to fix it", err)
			}
		})
	}
}

// recordTB records what Need asks of its test instead of doing it.
type recordTB struct {
	testing.TB
	skipped, failed string
}

func (r *recordTB) Helper()                      {}
func (r *recordTB) Skip(args ...any)             { r.skipped = fmt.Sprint(args...) }
func (r *recordTB) Fatal(args ...any)            { r.failed = fmt.Sprint(args...) }
func (r *recordTB) Fatalf(f string, args ...any) { r.failed = fmt.Sprintf(f, args...) }

func TestNeed(t *testing.T) {
	t.Setenv(VenvsVar, t.TempDir())
	t.Setenv(RequireVar, "")
	r := &recordTB{TB: t}
	Need(r, Prefect3)
	if !strings.Contains(r.skipped, "not installed") || r.failed != "" {
		t.Errorf("not installed, %s unset: skipped %q, failed %q; want a skip with the reason", RequireVar, r.skipped, r.failed)
	}

	t.Setenv(RequireVar, "1")
	r = &recordTB{TB: t}
	Need(r, Prefect3)
	if r.skipped != "" || !strings.Contains(r.failed, RequireVar+" is set but Prefect 3.9.1 is not installed") {
		t.Errorf("not installed, %s set: skipped %q, failed %q; want a failure", RequireVar, r.skipped, r.failed)
	}

	t.Setenv(RequireVar, "")
	v := fakeVenv(t, Prefect3, "healthy")
	os.Remove(filepath.Join(v.Dir, installedMark))
	r = &recordTB{TB: t}
	Need(r, Prefect3)
	if r.skipped != "" || r.failed == "" {
		t.Errorf("broken install, %s unset: skipped %q, failed %q; want a failure", RequireVar, r.skipped, r.failed)
	}
}

func TestStartAndStop(t *testing.T) {
	t.Setenv("PREFECT_API_URL", "http://caller.example/api") // must not reach the server
	t.Setenv("PREFECT_PROFILE", "callers")
	v := fakeVenv(t, Prefect3, "healthy")
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := Start(ctx, v, dir, Options{CSRF: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Stop()
	if !strings.HasPrefix(s.URL, "http://127.0.0.1:") || !strings.HasSuffix(s.URL, "/api") {
		t.Errorf("URL = %s", s.URL)
	}
	resp, err := http.Get(s.URL + "/health")
	if err != nil {
		t.Fatalf("the server is not up after Start: %v", err)
	}
	resp.Body.Close()

	env, err := os.ReadFile(filepath.Join(dir, "env.txt"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(env), "\n")
	has := func(line string) bool {
		for _, l := range lines {
			if l == line {
				return true
			}
		}
		return false
	}
	port := strings.TrimSuffix(strings.TrimPrefix(s.URL, "http://127.0.0.1:"), "/api")
	for _, want := range []string{
		"--host", "127.0.0.1", "--port", port, "--no-services", "--no-ui",
		"PREFECT_HOME=" + filepath.Join(dir, "home"),
		"PREFECT_SERVER_ANALYTICS_ENABLED=false",
		"PREFECT_SERVER_CSRF_PROTECTION_ENABLED=true",
	} {
		if !has(want) {
			t.Errorf("the server was not given %q; it got:\n%s", want, env)
		}
	}
	for _, l := range lines {
		if strings.HasPrefix(l, "PREFECT_API_URL=") || strings.HasPrefix(l, "PREFECT_PROFILE=") {
			t.Errorf("the caller's %s reached the server", l)
		}
	}

	childPid, err := os.ReadFile(filepath.Join(dir, "child.pid"))
	if err != nil {
		t.Fatal(err)
	}
	pid, _ := strconv.Atoi(string(childPid))
	if err := s.Stop(); err != nil {
		t.Errorf("Stop: %v", err)
	}
	if _, err := http.Get(s.URL + "/health"); err == nil {
		t.Errorf("the server still answers after Stop")
	}
	// Stop ends the server's whole process group. The child is not ours
	// to reap, so it is gone once kill(0) fails or it is a zombie.
	deadline := time.Now().Add(30 * time.Second)
	for syscall.Kill(pid, 0) == nil && !isZombie(pid) {
		if time.Now().After(deadline) {
			t.Fatalf("the server's child %d outlived Stop", pid)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := s.Stop(); err != nil {
		t.Errorf("a second Stop: %v", err)
	}
}

func isZombie(pid int) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	_, rest, _ := strings.Cut(string(stat), ") ")
	return strings.HasPrefix(rest, "Z")
}

// A server that exits before it is healthy (its port taken meanwhile) is
// started again on another port.
func TestStartRetriesAServerThatExits(t *testing.T) {
	v := fakeVenv(t, Prefect3, "flaky")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := Start(ctx, v, t.TempDir(), Options{})
	if err != nil {
		t.Fatalf("Start after one failed attempt: %v", err)
	}
	s.Stop()
}

func TestStartFailureShowsTheLog(t *testing.T) {
	v := fakeVenv(t, Prefect3, "fail")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := Start(ctx, v, t.TempDir(), Options{})
	if err == nil {
		s.Stop()
		t.Fatal("Start of a server that exits 3 succeeded")
	}
	for _, want := range []string{"exited before it answered", "exit status 3", "boom, no database"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error does not say %q:\n%v", want, err)
		}
	}
}

// A server that never turns healthy ends in an error when ctx ends (the
// deadline here is short only because nothing will ever answer).
func TestStartGivesUpWithTheContext(t *testing.T) {
	v := fakeVenv(t, Prefect3, "sick")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	s, err := Start(ctx, v, t.TempDir(), Options{})
	if err == nil {
		s.Stop()
		t.Fatal("Start of a server that never answers 200 succeeded")
	}
	if !strings.Contains(err.Error(), "did not answer") || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error: %v", err)
	}
}
