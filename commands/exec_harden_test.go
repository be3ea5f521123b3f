//go:build linux

package commands_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/prefect-secrets/prefect-secrets/internal/testkit/unprivileged"
)

// waitForFile waits up to 30 s for the file at path not to be empty, and
// returns its content.
func waitForFile(t *testing.T, path string) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if b, err := os.ReadFile(path); err == nil && len(b) > 0 {
			return strings.TrimSpace(string(b))
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%s did not appear within 30s", filepath.Base(path))
	return ""
}

// TestExecMemoryClosedToSameUser: prefect-secrets holds secrets in its
// memory and, when they come from its environment, in /proc/PID/environ.
// Another process of the same user (an ordinary one: root may read any)
// must not read them there (issue 10, item 13: the process is made
// non-dumpable at start). The child, which
// has the secret in its environment on purpose, is as it would be without
// us: that same process can read its environ, which shows the test can see
// the difference.
func TestExecMemoryClosedToSameUser(t *testing.T) {
	orig, err := exec.LookPath("prefect-secrets") // testscript.Main put it on PATH
	if err != nil {
		t.Fatal(err)
	}
	dir := unprivileged.Dir(t)
	bin, err := unprivileged.Copy(orig, dir, "prefect-secrets")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "exec", "-s", "V", "--", "sh", "-c", `echo $$ > child; while [ ! -e go ]; do sleep 0.05; done`)
	cmd.Dir = dir
	cmd.Env = []string{"HOME=" + dir, "PATH=" + os.Getenv("PATH"), "GORACE=atexit_sleep_ms=0",
		"PREFECT_SECRETS_SOURCES=context", "PREFECT__CONTEXT__SECRETS__V=" + maskSecret}
	unprivileged.As(cmd)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = os.WriteFile(filepath.Join(dir, "go"), nil, 0o644)
		if ws := waitExit(t, cmd); ws.ExitStatus() != 0 {
			t.Errorf("prefect-secrets ended %v: %s", ws, out.String())
		}
	}()
	child := waitForFile(t, filepath.Join(dir, "child"))
	read := func(pid string) (string, error) {
		c := exec.Command("cat", "/proc/"+pid+"/environ")
		unprivileged.As(c)
		b, err := c.CombinedOutput()
		return string(b), err
	}
	if env, err := read(child); err != nil || !strings.Contains(env, maskSecret) {
		t.Fatalf("the same user cannot read the child's environment (%v: %q): the test cannot tell", err, env)
	}
	env, err := read(strconv.Itoa(cmd.Process.Pid))
	if err == nil || !strings.Contains(env, "Permission denied") {
		t.Errorf("another process of the same user read prefect-secrets' /proc/PID/environ (%v); want permission denied", err)
	}
	if strings.Contains(env, maskSecret) {
		t.Errorf("another process of the same user read the secret in prefect-secrets' environment: %q", env)
	}
}

// TestExecCrashLeavesNoCore: a crash of prefect-secrets with core files
// on (a core limit, GOTRACEBACK=crash, then SIGABRT) writes no core file,
// which would hold the secrets that passed through its memory; and the
// masked child, left without its supervisor, gets SIGTERM (issue 10,
// item 13). (This machine's kernel.core_pattern must name a file: with a
// pipe to a crash handler, no core file appears in any case.)
func TestExecCrashLeavesNoCore(t *testing.T) {
	if b, err := os.ReadFile("/proc/sys/kernel/core_pattern"); err != nil || strings.HasPrefix(string(b), "|") {
		t.Logf("core_pattern %q: a core would go to a crash handler, not to a file here", b)
	}
	bin, dir, env := maskEnv(t)
	cmd := exec.Command("sh", "-c", `ulimit -c 131072 && exec "$0" "$@"`, bin, "exec", "-s", "V", "--", "sh", "-c",
		`trap "echo TERM > got-term; exit 0" TERM; echo ready > ready; n=0; while [ "$n" -lt 300 ]; do sleep 0.1 & wait $!; n=$((n + 1)); done`)
	cmd.Dir, cmd.Env = dir, append(env, "GOTRACEBACK=crash")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitForFile(t, filepath.Join(dir, "ready"))
	if err := cmd.Process.Signal(syscall.SIGABRT); err != nil {
		t.Fatal(err)
	}
	// GOTRACEBACK=crash gathers every thread's stack first, which can take
	// the runtime 10 s (it relays SIGQUIT, which exec catches).
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(2 * time.Minute):
		_ = cmd.Process.Kill()
		<-done
		t.Fatal("prefect-secrets did not end within 2 minutes of SIGABRT")
	}
	ws := cmd.ProcessState.Sys().(syscall.WaitStatus)
	if !ws.Signaled() || ws.Signal() != syscall.SIGABRT {
		t.Fatalf("prefect-secrets ended %v, want killed by SIGABRT", ws)
	}
	if ws.CoreDump() {
		t.Error("the kernel dumped prefect-secrets' core")
	}
	matches, _ := filepath.Glob(filepath.Join(dir, "core*"))
	if len(matches) > 0 {
		t.Errorf("prefect-secrets' crash left a core file: %v", matches)
	}
	waitForFile(t, filepath.Join(dir, "got-term"))
}
