//go:build unix

package scripts

import (
	"strings"
	"testing"

	"github.com/prefect-secrets/prefect-secrets/internal/testkit/keyringtest"
)

// Where the keyring's tools are missing, [keyring] and [secret-tool]
// scripts skip; with PREFECT_SECRETS_REQUIRE_KEYRING set, as in CI, the
// condition is an error that fails the script instead.
func TestKeyringConditionsFailInCIWhenAToolIsMissing(t *testing.T) {
	t.Setenv("PATH", t.TempDir()) // nothing is installed
	for cond, tool := range map[string]string{"keyring": "dbus-daemon", "secret-tool": "libsecret-tools"} {
		t.Setenv(keyringtest.RequireVar, "")
		ok, err := keyringCondition(cond)
		if ok || err != nil {
			t.Errorf("[%s] without %s, not required: %v, %v; want false (skip), no error", cond, tool, ok, err)
		}
		t.Setenv(keyringtest.RequireVar, "1")
		ok, err = keyringCondition(cond)
		if ok || err == nil || !strings.Contains(err.Error(), tool) {
			t.Errorf("[%s] without %s, required: %v, %v; want an error naming it", cond, tool, ok, err)
		}
	}
}
