//go:build linux

package keyring

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/prefect-secrets/prefect-secrets/internal/testkit/keyringtest"
	"github.com/prefect-secrets/prefect-secrets/resolve"
)

var shared *keyringtest.Service

func TestMain(m *testing.M) {
	code := func() int {
		if why := keyringtest.Missing(); why != "" {
			if os.Getenv(keyringtest.RequireVar) != "" {
				fmt.Fprintf(os.Stderr, "FAIL: %s is set but %s\n", keyringtest.RequireVar, why)
				return 1
			}
			fmt.Fprintf(os.Stderr, "SKIP: keyring tests need a real Secret Service: %s\n", why)
			return m.Run() // the tests skip themselves
		}
		dir, err := os.MkdirTemp("", "keyring-test-")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer os.RemoveAll(dir)
		shared, err = keyringtest.Start(dir, true)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer shared.Stop()
		return m.Run()
	}()
	os.Exit(code)
}

func envOf(vars []string) func(string) string {
	return func(k string) string {
		for _, kv := range vars {
			if key, v, ok := strings.Cut(kv, "="); ok && key == k {
				return v
			}
		}
		return ""
	}
}

// newKeyring returns a keyring on the shared test service, under a service
// name of the test's own so tests never see each other's items.
func newKeyring(t *testing.T) *Keyring {
	t.Helper()
	if shared == nil {
		t.Skip("no private Secret Service: " + keyringtest.Missing())
	}
	return &Keyring{Service: "test-" + strings.ReplaceAll(t.Name(), "/", "-"), Timeout: generous, Getenv: envOf(shared.Env)}
}

func TestRoundTripsExactBytes(t *testing.T) {
	k := newKeyring(t)
	ctx := context.Background()
	values := map[string][]byte{
		"SPACES":   []byte("  a b  "),
		"NEWLINES": []byte("line1\nline2\n"),
		"NUL":      []byte("a\x00b\x00"),
		"BINARY":   {0xff, 0xfe, 0x00, 0x80, 'x'},
		"EMPTY":    {},
		"BIG":      bytes.Repeat([]byte("0123456789abcdef"), 1<<16), // 1 MiB
		"ÜNÏCØDÉ":  []byte("värde ✓"),
		"名前":       []byte("値"),
	}
	for name, v := range values {
		if err := k.Set(ctx, name, resolve.NewSecret(v)); err != nil {
			t.Fatalf("Set(%s): %v", name, err)
		}
	}
	names := make([]string, 0, len(values))
	for n := range values {
		names = append(names, n)
	}
	// A fresh Keyring: a new connection, as a later command would have.
	k2 := &Keyring{Service: k.Service, Timeout: k.Timeout, Getenv: k.Getenv}
	got, err := k2.Lookup(ctx, append(names, "MISSING"))
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range values {
		s, ok := got[name]
		if !ok {
			t.Errorf("%s: not found", name)
			continue
		}
		if !bytes.Equal(s.Reveal(), want) {
			t.Errorf("%s: got %d bytes %q..., want %d bytes", name, s.Len(), head(s.Reveal()), len(want))
		}
	}
	if _, ok := got["MISSING"]; ok {
		t.Error("MISSING was found")
	}
}

func head(b []byte) []byte {
	if len(b) > 20 {
		return b[:20]
	}
	return b
}

func TestSetReplacesAndListAndDelete(t *testing.T) {
	k := newKeyring(t)
	ctx := context.Background()
	for _, v := range []string{"first", "second"} {
		if err := k.Set(ctx, "TOKEN", resolve.NewSecret([]byte(v))); err != nil {
			t.Fatal(err)
		}
	}
	if err := k.Set(ctx, "OTHER", resolve.NewSecret([]byte("x"))); err != nil {
		t.Fatal(err)
	}
	got, err := k.Lookup(ctx, []string{"TOKEN"})
	if err != nil || string(got["TOKEN"].Reveal()) != "second" {
		t.Fatalf("after two sets: %v, err %v; want the second value", got["TOKEN"].Len(), err)
	}
	names, err := k.Names(ctx)
	if err != nil || strings.Join(names, ",") != "OTHER,TOKEN" {
		t.Fatalf("Names = %v, %v; want [OTHER TOKEN] (one item per name, not one per set)", names, err)
	}
	if has, err := k.Has(ctx, "TOKEN"); !has || err != nil {
		t.Fatalf("Has(TOKEN) = %v, %v", has, err)
	}
	if err := k.Delete(ctx, "TOKEN"); err != nil {
		t.Fatal(err)
	}
	if has, _ := k.Has(ctx, "TOKEN"); has {
		t.Fatal("TOKEN still there after Delete")
	}
	err = k.Delete(ctx, "TOKEN")
	if !errors.Is(err, resolve.ErrNotFound) {
		t.Fatalf("deleting a missing name: %v, want a not-found error", err)
	}
}

func TestServiceNamesKeptApart(t *testing.T) {
	a := newKeyring(t)
	b := &Keyring{Service: a.Service + "-other", Timeout: a.Timeout, Getenv: a.Getenv}
	ctx := context.Background()
	if err := a.Set(ctx, "SHARED_NAME", resolve.NewSecret([]byte("for a"))); err != nil {
		t.Fatal(err)
	}
	if err := b.Set(ctx, "SHARED_NAME", resolve.NewSecret([]byte("for b"))); err != nil {
		t.Fatal(err)
	}
	ga, _ := a.Lookup(ctx, []string{"SHARED_NAME"})
	gb, _ := b.Lookup(ctx, []string{"SHARED_NAME"})
	if string(ga["SHARED_NAME"].Reveal()) != "for a" || string(gb["SHARED_NAME"].Reveal()) != "for b" {
		t.Fatal("two service names share an item")
	}
	if err := b.Delete(ctx, "SHARED_NAME"); err != nil {
		t.Fatal(err)
	}
	if has, _ := a.Has(ctx, "SHARED_NAME"); !has {
		t.Fatal("deleting under one service removed the other's item")
	}
}

func TestRefusesBadNamesBeforeAnyCall(t *testing.T) {
	// No environment at all: a call would fail with "no session bus".
	k := &Keyring{Service: DefaultService, Getenv: func(string) string { return "" }}
	for _, name := range []string{"", "bad\xffname", "A__B"} {
		err := k.Set(context.Background(), name, resolve.NewSecret([]byte("v")))
		if !errors.Is(err, resolve.ErrBadInput) {
			t.Errorf("Set(%q): %v, want a bad-input error before any keyring call", name, err)
		}
	}
}

func TestInteropWithSecretTool(t *testing.T) {
	k := newKeyring(t)
	if _, err := exec.LookPath("secret-tool"); err != nil {
		if os.Getenv(keyringtest.RequireVar) != "" {
			t.Fatal("secret-tool is not installed (apt-get install libsecret-tools)")
		}
		t.Skip("secret-tool is not installed (apt-get install libsecret-tools)")
	}
	env := append(os.Environ(), shared.Env...)
	store := exec.Command("secret-tool", "store", "--label=L", "service", k.Service, "username", "FROM_SECRET_TOOL")
	store.Env = env
	store.Stdin = strings.NewReader("stored by secret-tool")
	if out, err := store.CombinedOutput(); err != nil {
		t.Fatalf("secret-tool store: %v\n%s", err, out)
	}
	got, err := k.Lookup(context.Background(), []string{"FROM_SECRET_TOOL"})
	if err != nil || string(got["FROM_SECRET_TOOL"].Reveal()) != "stored by secret-tool" {
		t.Fatalf("reading secret-tool's item: err %v, found %v", err, got["FROM_SECRET_TOOL"].Len())
	}

	if err := k.Set(context.Background(), "FROM_US", resolve.NewSecret([]byte("stored by prefect-secrets"))); err != nil {
		t.Fatal(err)
	}
	lookup := exec.Command("secret-tool", "lookup", "service", k.Service, "username", "FROM_US")
	lookup.Env = env
	out, err := lookup.Output()
	if err != nil || string(out) != "stored by prefect-secrets" {
		t.Fatalf("secret-tool lookup: %q, %v", out, err)
	}
}

// startFault starts a service of its own for a test that breaks it.
func startFault(t *testing.T, withKeyring bool) *keyringtest.Service {
	t.Helper()
	if !withKeyring {
		if shared == nil {
			t.Skip("no private Secret Service: " + keyringtest.Missing())
		}
		s, err := keyringtest.Start(t.TempDir(), false)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(s.Stop)
		return s
	}
	return keyringtest.StartFor(t)
}

func TestFaults(t *testing.T) {
	const canary = "canary-keyring-fault-value"
	check := func(t *testing.T, err error, kind error, absent bool, want string) {
		t.Helper()
		if err == nil {
			t.Fatal("no error")
		}
		if !errors.Is(err, kind) {
			t.Errorf("error %q is not %v", err, kind)
		}
		var ae *resolve.AbsentError
		if errors.As(err, &ae) != absent {
			t.Errorf("error %q: absent = %v, want %v", err, !absent, absent)
		}
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
		if hint := resolve.HintText(err); hint == "" && !absent {
			t.Errorf("error %q has no hint", err)
		} else if absent && ae.Hint == "" {
			t.Errorf("absent error %q has no hint", err)
		}
		if strings.Contains(err.Error(), canary) {
			t.Errorf("error shows the value: %q", err)
		}
	}
	lookupAndSet := func(k *Keyring) (error, error) {
		_, lerr := k.Lookup(context.Background(), []string{"X"})
		k2 := &Keyring{Service: k.Service, Timeout: k.Timeout, Getenv: k.Getenv}
		serr := k2.Set(context.Background(), "X", resolve.NewSecret([]byte(canary)))
		return lerr, serr
	}

	t.Run("no session bus", func(t *testing.T) {
		k := &Keyring{Service: "t", Getenv: envOf([]string{"XDG_RUNTIME_DIR=" + t.TempDir()})}
		lerr, serr := lookupAndSet(k)
		check(t, lerr, resolve.ErrUnavailable, true, "no D-Bus session bus")
		check(t, serr, resolve.ErrUnavailable, true, "no D-Bus session bus")
	})
	t.Run("dead socket", func(t *testing.T) {
		k := &Keyring{Service: "t", Getenv: envOf([]string{"DBUS_SESSION_BUS_ADDRESS=unix:path=" + t.TempDir() + "/gone"})}
		lerr, serr := lookupAndSet(k)
		check(t, lerr, resolve.ErrUnavailable, false, "cannot connect to the D-Bus session bus")
		check(t, serr, resolve.ErrUnavailable, false, "cannot connect to the D-Bus session bus")
	})
	t.Run("no Secret Service", func(t *testing.T) {
		s := startFault(t, false)
		k := &Keyring{Service: "t", Timeout: generous, Getenv: envOf(s.Env)}
		lerr, serr := lookupAndSet(k)
		check(t, lerr, resolve.ErrUnavailable, true, "no Secret Service")
		check(t, serr, resolve.ErrUnavailable, true, "no Secret Service")
	})
	t.Run("locked collection", func(t *testing.T) {
		s := startFault(t, true)
		k := &Keyring{Service: "t", Timeout: generous, Getenv: envOf(s.Env)}
		if err := k.Set(context.Background(), "X", resolve.NewSecret([]byte("v"))); err != nil {
			t.Fatal(err)
		}
		lockAll(t, s.Address)
		lerr, serr := lookupAndSet(&Keyring{Service: "t", Timeout: generous, Getenv: envOf(s.Env)})
		check(t, lerr, resolve.ErrUnavailable, false, "locked")
		check(t, serr, resolve.ErrUnavailable, false, "locked")
	})
	t.Run("hung daemon", func(t *testing.T) {
		s := startFault(t, true)
		if err := syscall.Kill(s.DaemonPid(), syscall.SIGSTOP); err != nil {
			t.Fatal(err)
		}
		defer syscall.Kill(s.DaemonPid(), syscall.SIGCONT)
		// A short deadline against a daemon that never answers: the calls
		// end (the test's own timeout guards against a hang), and say why.
		k := &Keyring{Service: "t", Timeout: 300 * time.Millisecond, Getenv: envOf(s.Env)}
		lerr, serr := lookupAndSet(k)
		check(t, lerr, resolve.ErrUnavailable, false, "did not answer within 300ms")
		check(t, serr, resolve.ErrUnavailable, false, "did not answer within 300ms")
	})
}

// lockAll locks every collection, as a screen lock or a timeout would.
func lockAll(t *testing.T, address string) {
	t.Helper()
	conn, err := dbus.Connect(address)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	svc := conn.Object(ssName, ssPath)
	v, err := svc.GetProperty(ssService + ".Collections")
	if err != nil {
		t.Fatal(err)
	}
	var locked []dbus.ObjectPath
	var prompt dbus.ObjectPath
	if err := svc.Call(ssService+".Lock", 0, v.Value().([]dbus.ObjectPath)).Store(&locked, &prompt); err != nil {
		t.Fatal(err)
	}
}
