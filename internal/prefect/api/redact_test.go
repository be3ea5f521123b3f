package api_test

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/prefect-secrets/prefect-secrets/internal/testkit/prefecttest"
	"github.com/prefect-secrets/prefect-secrets/resolve"
)

// TestServerTextRedactedOfTheRunsValues: what a server says reaches an
// error only without any value this run resolved, whichever source or
// request gave it, in any form exec masks: the API's own earlier answer,
// a value another source resolved, and a redirect's target.
func TestServerTextRedactedOfTheRunsValues(t *testing.T) {
	srv, c, r := v2(t)
	const fromAPI, fromElsewhere = "canary-from-the-api-1", "canary-elsewhere-2"
	srv.SetBlock("first", fromAPI)
	srv.SetBlock("second", "x")
	if got, err := c.Get(ctx(t), []string{"FIRST"}); err != nil || string(got["FIRST"].Reveal()) != fromAPI {
		t.Fatalf("Get(FIRST) = %v, %v", got, err)
	}
	_ = resolve.NewSecret([]byte(fromElsewhere)) // as the keyring or the context resolves one

	b64 := base64.StdEncoding.EncodeToString([]byte("user:" + fromElsewhere))
	srv.Script(prefecttest.Response{Status: 500,
		Body: `{"detail": "cannot decrypt ` + fromAPI + ` for ` + b64 + `"}`})
	_, err := c.Get(ctx(t), []string{"SECOND"})
	wantIn(t, "the error", err.Error(), "with 500: cannot decrypt [redacted] for dXNlcjp[redacted]I=")

	srv.Script(prefecttest.Response{Status: 302, Header: map[string]string{"Location": "http://" + fromElsewhere + ".example/x"}})
	_, err = c.Get(ctx(t), []string{"SECOND"})
	wantIn(t, "the error", err.Error(), "the API redirected to http://[redacted].example, another host")

	all := err.Error() + strings.Join(r.Logs(), "\n")
	for _, v := range []string{fromAPI, fromElsewhere, "Y2FuYXJ5"} {
		if strings.Contains(all, v) {
			t.Errorf("%q shows: %s", v, all)
		}
	}
}
