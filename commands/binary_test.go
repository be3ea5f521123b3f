//go:build unix

package commands_test

import (
	"os"
	"testing"

	"github.com/prefect-secrets/prefect-secrets/commands"
	"github.com/prefect-secrets/prefect-secrets/internal/testkit/scripts"
)

// TestMain makes this test binary the tool too, under the name
// prefect-secrets on PATH, for the tests here that run it whole (on a
// terminal, under load, through a fake API).
func TestMain(m *testing.M) {
	scripts.Main(m, func() { os.Exit(commands.Main(os.Args, "")) })
}
