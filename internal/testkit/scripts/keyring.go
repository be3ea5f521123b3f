//go:build unix

package scripts

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/prefect-secrets/prefect-secrets/internal/testkit/keyringtest"
	"github.com/prefect-secrets/prefect-secrets/keyring"
	"github.com/prefect-secrets/prefect-secrets/resolve"
	"github.com/rogpeppe/go-internal/testscript"
)

// scriptTimeout is the deadline "keyring up", "none" and "locked" give
// every prefect-secrets call of the script, through PREFECT_SECRETS_TIMEOUT
// (a call's own --timeout wins). A keyring call's deadline there only
// guards against a hang: on a busy machine a daemon that fsyncs its file
// on each write can take longer than the 3s default, and what the scripts
// check is what is stored and said, not how fast. Scripts that test the
// deadline itself ("keyring stopped") give a short --timeout against a
// daemon that never answers.
const scriptTimeout = "60s"

// sharedKeyring is one private Secret Service for every script that asks
// for a working one; scripts keep apart by service name.
var (
	sharedKeyringOnce sync.Once
	sharedKeyring     *keyringtest.Service
	sharedKeyringErr  error
	sharedKeyringDir  string
)

// keyring [up|none|locked|stopped|dead] gives the rest of the script a
// session bus, as a desktop session would:
//
//	up       a working, unlocked Secret Service (shared by all scripts)
//	none     a bus with no Secret Service on it
//	locked   a Secret Service whose collections are locked, holding LOCKED_ITEM
//	stopped  a Secret Service whose daemon is stopped (SIGSTOP): it never answers
//	dead     a bus address whose socket is gone
//
// It sets PREFECT_SECRETS_KEYRING_SERVICE to a name of the script's own,
// and, but for "stopped" and "dead", gives every call a generous deadline
// (see scriptTimeout).
// Scripts guard it with "[!keyring] skip": see keyringCondition.
func cmdKeyring(ts *testscript.TestScript, neg bool, args []string) {
	mode := "up"
	if len(args) > 0 {
		mode = args[0]
	}
	if neg || len(args) > 1 {
		ts.Fatalf("usage: keyring [up|none|locked|stopped|dead]")
	}
	if why := keyringtest.Missing(); why != "" {
		ts.Fatalf("no private Secret Service: %s (guard the script with [!keyring] skip)", why)
	}
	var svc *keyringtest.Service
	switch mode {
	case "up":
		sharedKeyringOnce.Do(func() {
			sharedKeyringDir, sharedKeyringErr = os.MkdirTemp("", "keyring-scripts-")
			if sharedKeyringErr == nil {
				sharedKeyring, sharedKeyringErr = keyringtest.Start(sharedKeyringDir, true)
			}
		})
		ts.Check(sharedKeyringErr)
		svc = sharedKeyring
	case "none", "locked", "stopped":
		dir := filepath.Join(ts.Getenv("WORK"), ".keyring")
		s, err := keyringtest.Start(dir, mode != "none")
		ts.Check(err)
		ts.Defer(s.Stop)
		switch mode {
		case "locked":
			// One item, LOCKED_ITEM, is stored first, so reads meet a locked item.
			k := &keyring.Keyring{Service: "test-" + filepath.Base(ts.Getenv("WORK")), Timeout: time.Minute, Getenv: envLookup(s.Env)}
			ts.Check(k.Set(context.Background(), "LOCKED_ITEM", resolve.NewSecret([]byte("locked-canary"))))
			ts.Check(s.LockAll())
		case "stopped":
			ts.Check(syscall.Kill(s.DaemonPid(), syscall.SIGSTOP))
		}
		svc = s
	case "dead":
		ts.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path="+filepath.Join(ts.Getenv("WORK"), "gone", "bus"))
		ts.Setenv("PREFECT_SECRETS_KEYRING_SERVICE", "test-"+filepath.Base(ts.Getenv("WORK")))
		return
	default:
		ts.Fatalf("unknown keyring mode %q", mode)
	}
	for _, kv := range svc.Env {
		k, v, _ := strings.Cut(kv, "=")
		ts.Setenv(k, v)
	}
	if mode != "stopped" {
		ts.Setenv("PREFECT_SECRETS_TIMEOUT", scriptTimeout)
	}
	ts.Setenv("PREFECT_SECRETS_KEYRING_SERVICE", "test-"+filepath.Base(ts.Getenv("WORK")))
}

// stopSharedKeyring ends the scripts' shared Secret Service; a later run
// of TestScripts (go test -count=N) starts a new one.
func stopSharedKeyring() {
	if sharedKeyring != nil {
		sharedKeyring.Stop()
	}
	if sharedKeyringDir != "" {
		os.RemoveAll(sharedKeyringDir)
	}
	sharedKeyringOnce = sync.Once{}
	sharedKeyring, sharedKeyringErr, sharedKeyringDir = nil, nil, ""
}

// keyringCondition answers [keyring] (can a private Secret Service run
// here?) and [secret-tool] (is libsecret's secret-tool, the independent
// client, installed?). Where either is missing, scripts that need it skip,
// unless PREFECT_SECRETS_REQUIRE_KEYRING is set (CI), where that is an
// error: CI installs both.
func keyringCondition(cond string) (bool, error) {
	var why string
	switch cond {
	case "keyring":
		why = keyringtest.Missing()
	case "secret-tool":
		why = keyringtest.SecretToolMissing()
	default:
		return false, fmt.Errorf("unknown condition %q", cond)
	}
	if why != "" && os.Getenv(keyringtest.RequireVar) != "" {
		return false, fmt.Errorf("%s is set but %s", keyringtest.RequireVar, why)
	}
	return why == "", nil
}

func envLookup(vars []string) func(string) string {
	return func(k string) string {
		for _, kv := range vars {
			if key, v, ok := strings.Cut(kv, "="); ok && key == k {
				return v
			}
		}
		return ""
	}
}
