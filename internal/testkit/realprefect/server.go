//go:build unix

package realprefect

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Server is a running Prefect 3 server: `prefect server start` on
// 127.0.0.1, its API only (no UI, no background services), with a
// PREFECT_HOME of its own, so its database starts empty and no user's
// Prefect settings reach it.
type Server struct {
	URL  string // the API base, http://127.0.0.1:PORT/api: PREFECT_API_URL
	Dir  string // its PREFECT_HOME (Dir/home) and its log (Dir/server.log)
	Log  string // the server's stdout and stderr
	CSRF bool   // started with PREFECT_SERVER_CSRF_PROTECTION_ENABLED=true

	cmd     *exec.Cmd
	exited  chan struct{} // closed when the process has ended
	waitErr error         // how it ended; read after exited is closed
}

// Options are the server's settings beyond the defaults.
type Options struct {
	// CSRF turns on PREFECT_SERVER_CSRF_PROTECTION_ENABLED: every POST,
	// PUT, PATCH and DELETE then needs a token from GET /csrf-token.
	CSRF bool
}

// startAttempts bounds the retries when the server exits before it is
// healthy: the free port picked for it can be taken by another process
// before the server binds it.
const startAttempts = 3

// Start runs `prefect server start` from v in dir and waits until GET
// /api/health answers, polling until ctx ends: the caller's deadline
// should be generous (minutes), since a server starts in seconds on an idle
// machine and in tens of seconds on a loaded one.
func Start(ctx context.Context, v Venv, dir string, opts Options) (*Server, error) {
	if err := os.MkdirAll(filepath.Join(dir, "home"), 0o700); err != nil {
		return nil, err
	}
	var err error
	for attempt := 1; attempt <= startAttempts; attempt++ {
		var s *Server
		s, err = start(v, dir, opts)
		if err != nil {
			return nil, err
		}
		err = s.waitHealthy(ctx)
		if err == nil {
			return s, nil
		}
		s.Stop()
		if ctx.Err() != nil {
			break
		}
	}
	return nil, err
}

func start(v Venv, dir string, opts Options) (*Server, error) {
	port, err := freePort()
	if err != nil {
		return nil, fmt.Errorf("finding a free port for the Prefect server: %w", err)
	}
	s := &Server{
		URL:    "http://127.0.0.1:" + strconv.Itoa(port) + "/api",
		Dir:    dir,
		Log:    filepath.Join(dir, "server.log"),
		CSRF:   opts.CSRF,
		exited: make(chan struct{}),
	}
	log, err := os.Create(s.Log)
	if err != nil {
		return nil, err
	}
	defer log.Close()
	s.cmd = exec.Command(v.Bin("prefect"), "server", "start",
		"--host", "127.0.0.1", "--port", strconv.Itoa(port), "--no-services", "--no-ui")
	// Prefect 3 also reads .env and prefect.toml in its working directory:
	// dir holds neither.
	s.cmd.Dir = dir
	s.cmd.Env = append(cleanEnv(os.Environ()),
		"PREFECT_HOME="+filepath.Join(dir, "home"),
		"PREFECT_SERVER_ANALYTICS_ENABLED=false",
		"PREFECT_SERVER_UI_ENABLED=false",
		"PREFECT_SERVER_CSRF_PROTECTION_ENABLED="+strconv.FormatBool(opts.CSRF),
	)
	s.cmd.Stdout, s.cmd.Stderr = log, log
	s.cmd.SysProcAttr = sysProcAttr()
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting the Prefect %s server: %w", v.Version, err)
	}
	go func() {
		s.waitErr = s.cmd.Wait()
		close(s.exited)
	}()
	return s, nil
}

// cleanEnv drops what would make the server anything but a fresh default
// one: the caller's Prefect settings and Python's own search paths.
func cleanEnv(env []string) []string {
	var out []string
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		switch {
		case strings.HasPrefix(strings.ToUpper(k), "PREFECT_"),
			k == "PYTHONPATH", k == "PYTHONHOME", k == "PYTHONSTARTUP", k == "VIRTUAL_ENV":
			continue
		}
		out = append(out, kv)
	}
	return out
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// waitHealthy polls GET /api/health until it answers 200 true, the server
// exits, or ctx ends.
func (s *Server) waitHealthy(ctx context.Context) error {
	client := &http.Client{Timeout: 10 * time.Second}
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		if s.healthy(ctx, client) {
			return nil
		}
		select {
		case <-s.exited:
			return fmt.Errorf("the Prefect server (%s) exited before it answered %s/health: %v\n%s", s.cmd, s.URL, s.waitErr, s.LogTail())
		case <-ctx.Done():
			return fmt.Errorf("the Prefect server (%s) did not answer %s/health: %w\n%s", s.cmd, s.URL, ctx.Err(), s.LogTail())
		case <-tick.C:
		}
	}
}

func (s *Server) healthy(ctx context.Context, client *http.Client) bool {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.URL+"/health", nil)
	if err != nil {
		return false
	}
	resp, err := client.Do(req)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64))
	return resp.StatusCode == http.StatusOK && strings.TrimSpace(string(body)) == "true"
}

// LogTail is the end of the server's log, for an error message.
func (s *Server) LogTail() string {
	b, err := os.ReadFile(s.Log)
	if err != nil {
		return "(no server log: " + err.Error() + ")"
	}
	const max = 4000
	if len(b) > max {
		b = append([]byte("..."), b[len(b)-max:]...)
	}
	return "server log " + s.Log + ":\n" + string(b)
}

// Stop ends the server (SIGTERM, then SIGKILL if it has not ended within
// 30s) and waits for it. It may be called more than once.
func (s *Server) Stop() error {
	if s == nil || s.cmd == nil || s.cmd.Process == nil {
		return nil
	}
	pgid := -s.cmd.Process.Pid // its own process group: see sysProcAttr
	select {
	case <-s.exited:
		return nil
	default:
	}
	_ = syscall.Kill(pgid, syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(30 * time.Second):
		_ = syscall.Kill(pgid, syscall.SIGKILL)
		<-s.exited
	}
	var ee *exec.ExitError
	if s.waitErr != nil && !errors.As(s.waitErr, &ee) {
		return s.waitErr
	}
	return nil
}
