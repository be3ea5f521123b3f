package commands

import (
	"errors"
	"strings"
	"testing"

	"github.com/prefect-secrets/prefect-secrets/keyring"
	"github.com/prefect-secrets/prefect-secrets/resolve"
)

// A write whose outcome is not known is not reported as "cannot store":
// it may have been stored, and the message says that.
func TestFailedKeepsAnUnknownOutcome(t *testing.T) {
	tg := &target{source: "keyring", label: "the keyring"}
	unknown := &keyring.UnknownOutcomeError{Err: &resolve.Error{Kind: resolve.ErrUnavailable,
		Msg: "the keyring did not answer (storing \"T\"): whether the new value was stored is not known", Hint: "check"}}
	err := tg.failed("store", "T", unknown)
	if strings.Contains(err.Error(), "cannot") || !strings.Contains(err.Error(), "is not known") {
		t.Errorf("failed() = %q, want the unknown outcome as it is, without \"cannot\"", err)
	}
	if ExitCode(err) != ExitUnavailable || Hint(err) != "check" {
		t.Errorf("exit %d, hint %q; want %d and the keyring's hint", ExitCode(err), Hint(err), ExitUnavailable)
	}
	// Any other failure still says what could not be done.
	other := &resolve.Error{Kind: resolve.ErrUnavailable, Msg: "the keyring failed storing \"T\""}
	if err := tg.failed("store", "T", other); !strings.HasPrefix(err.Error(), `cannot store "T"`) || !errors.Is(err, resolve.ErrUnavailable) {
		t.Errorf("failed() = %q, want cannot store", err)
	}
}
