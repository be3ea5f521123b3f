//go:build unix

// Package keyringtest runs a real, private Secret Service for tests: a
// session bus of its own and gnome-keyring-daemon with throwaway storage,
// so no test ever touches a user's keyring (see KEYRING.md).
package keyringtest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
)

// RequireVar, when set to a non-empty value, turns "gnome-keyring is not
// installed" from a skip into a failure: CI sets it.
const RequireVar = "PREFECT_SECRETS_REQUIRE_KEYRING"

// Missing says why a private Secret Service cannot run here ("" if it can).
func Missing() string {
	for _, bin := range []string{"dbus-daemon", "gnome-keyring-daemon"} {
		if _, err := exec.LookPath(bin); err != nil {
			return bin + " is not installed (apt-get install gnome-keyring dbus-daemon dbus-bin)"
		}
	}
	return ""
}

// SecretToolMissing says why secret-tool, the independent client the
// interop tests check against, cannot run here ("" if it can).
func SecretToolMissing() string {
	if _, err := exec.LookPath("secret-tool"); err != nil {
		return "secret-tool is not installed (apt-get install libsecret-tools)"
	}
	return ""
}

// Service is a running private session bus, with or without a keyring
// daemon on it.
type Service struct {
	Dir     string   // everything it writes lives here
	Address string   // DBUS_SESSION_BUS_ADDRESS
	Env     []string // the variables a client needs: bus address, XDG dirs
	bus     *exec.Cmd
	daemon  *exec.Cmd
}

// DaemonPid is the keyring daemon's pid (0 without one), for fault tests.
func (s *Service) DaemonPid() int {
	if s.daemon == nil {
		return 0
	}
	return s.daemon.Process.Pid
}

const busConfig = `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=%s</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`

// Start starts a bus in dir and, if withKeyring, an unlocked
// gnome-keyring-daemon on it, and waits until it owns its bus name. The bus
// has no service directories, so nothing is ever D-Bus-activated behind a
// test's back.
func Start(dir string, withKeyring bool) (*Service, error) {
	run := filepath.Join(dir, "run")
	data := filepath.Join(dir, "data")
	home := filepath.Join(dir, "home")
	for _, d := range []string{run, data, home} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, err
		}
	}
	sock := filepath.Join(run, "bus")
	conf := filepath.Join(dir, "bus.conf")
	if err := os.WriteFile(conf, []byte(fmt.Sprintf(busConfig, sock)), 0o600); err != nil {
		return nil, err
	}
	s := &Service{Dir: dir}
	s.bus = exec.Command("dbus-daemon", "--config-file="+conf, "--nofork", "--print-address=1")
	out, err := s.bus.StdoutPipe()
	if err != nil {
		return nil, err
	}
	// dbus-daemon warns that it cannot raise its fd limit when not root;
	// its log goes to a file, read only if it fails to start.
	busLog, err := os.Create(filepath.Join(dir, "bus.log"))
	if err != nil {
		return nil, err
	}
	defer busLog.Close()
	s.bus.Stderr = busLog
	if err := s.bus.Start(); err != nil {
		return nil, fmt.Errorf("starting dbus-daemon: %w", err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		s.Stop()
		log, _ := os.ReadFile(busLog.Name())
		return nil, fmt.Errorf("reading the bus address: %w\n%s", err, log)
	}
	s.Address = strings.TrimSpace(line)
	s.Env = []string{
		"DBUS_SESSION_BUS_ADDRESS=" + s.Address,
		"XDG_RUNTIME_DIR=" + run,
		"XDG_DATA_HOME=" + data,
	}
	if !withKeyring {
		return s, nil
	}
	s.daemon = exec.Command("gnome-keyring-daemon", "--foreground", "--unlock", "--components=secrets")
	s.daemon.Env = append([]string{"HOME=" + home, "PATH=" + os.Getenv("PATH")}, s.Env...)
	s.daemon.Stdin = strings.NewReader("throwaway-test-password")
	s.daemon.Dir = dir
	if err := s.daemon.Start(); err != nil {
		s.Stop()
		return nil, fmt.Errorf("starting gnome-keyring-daemon: %w", err)
	}
	if err := s.waitOwned(10 * time.Second); err != nil {
		s.Stop()
		return nil, err
	}
	return s, nil
}

// waitOwned waits until org.freedesktop.secrets has an owner: a client that
// asks sooner would find no Secret Service.
func (s *Service) waitOwned(limit time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	conn, err := dbus.Connect(s.Address, dbus.WithContext(ctx))
	if err != nil {
		return fmt.Errorf("connecting to the test bus: %w", err)
	}
	defer conn.Close()
	for {
		var owned bool
		err := conn.BusObject().CallWithContext(ctx, "org.freedesktop.DBus.NameHasOwner", 0, "org.freedesktop.secrets").Store(&owned)
		if err == nil && owned {
			return nil
		}
		if ctx.Err() != nil {
			return errors.New("gnome-keyring-daemon did not take org.freedesktop.secrets within " + limit.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Stop ends the daemon and the bus.
func (s *Service) Stop() {
	for _, c := range []*exec.Cmd{s.daemon, s.bus} {
		if c != nil && c.Process != nil {
			_ = c.Process.Signal(syscall.SIGCONT) // a fault test may have stopped it
			_ = c.Process.Kill()
			_ = c.Wait()
		}
	}
}

// LockAll locks every collection, as a screen lock or an idle timeout
// would; unlocking needs the password, which only a prompt can ask for.
func (s *Service) LockAll() error {
	conn, err := dbus.Connect(s.Address)
	if err != nil {
		return err
	}
	defer conn.Close()
	svc := conn.Object("org.freedesktop.secrets", "/org/freedesktop/secrets")
	v, err := svc.GetProperty("org.freedesktop.Secret.Service.Collections")
	if err != nil {
		return err
	}
	collections, _ := v.Value().([]dbus.ObjectPath)
	var locked []dbus.ObjectPath
	var prompt dbus.ObjectPath
	return svc.Call("org.freedesktop.Secret.Service.Lock", 0, collections).Store(&locked, &prompt)
}

// StartFor starts a private Secret Service for one test and stops it when
// the test ends. Where none can run here the test is skipped, unless
// RequireVar is set (CI), where it fails.
func StartFor(t testing.TB) *Service {
	t.Helper()
	if why := Missing(); why != "" {
		if os.Getenv(RequireVar) != "" {
			t.Fatalf("%s is set but %s", RequireVar, why)
		}
		t.Skip("needs a private Secret Service: " + why)
	}
	s, err := Start(t.TempDir(), true)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	return s
}
