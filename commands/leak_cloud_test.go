//go:build unix

package commands_test

import (
	"bytes"
	"encoding/base64"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/prefect-secrets/prefect-secrets/internal/testkit/prefecttest"
)

// TestCanaryNeverLeaksThroughTheAPI runs every command and error path that
// touches the Prefect API, with --verbose, against fake APIs holding a
// canary value and requiring canary credentials (a key; a basic-auth
// string; a proxy header), and checks none ever shows on stderr, in any
// form that went on the wire (nor on stdout, where printing the value is
// not the point). Each failing case checks it reached the error path it
// names. No case waits for real: failures answer Retry-After: 0.
func TestCanaryNeverLeaksThroughTheAPI(t *testing.T) {
	const value = "canary-api-value-4d2e"
	const key = "canary-api-key-91ab"
	const auth = "admin:canary-auth-pw-6c3f"
	const header = "canary-proxy-header-27d0"
	authB64 := base64.StdEncoding.EncodeToString([]byte(auth))
	bin, err := exec.LookPath("prefect-secrets")
	if err != nil {
		t.Fatal(err)
	}
	srv := prefecttest.NewV2(t, prefecttest.WithAPIKey(key), prefecttest.WithRequiredHeader("X-Proxy-Token", header))
	srv.SetBlock("token", value)
	srv.SetBlock("other", "x")
	basic := prefecttest.NewV2(t, prefecttest.WithAuthString(auth), prefecttest.WithCSRF())
	basic.SetBlock("token", value)
	// Under -race every exiting process would otherwise pause 1s.
	base := []string{"HOME=" + t.TempDir(), "PATH=" + os.Getenv("PATH"), "GORACE=atexit_sleep_ms=0",
		"PREFECT_API_URL=" + srv.URL(), "PREFECT_API_KEY=" + key, `PREFECT_CLIENT_CUSTOM_HEADERS={"X-Proxy-Token": "` + header + `"}`}
	basicEnv := []string{"PREFECT_API_URL=" + basic.URL(), "PREFECT_API_KEY=", "PREFECT_API_AUTH_STRING=" + auth, "PREFECT_CLIENT_CUSTOM_HEADERS={}"}
	unavailable := prefecttest.Response{Status: 502, Header: map[string]string{"Retry-After": "0"}, Body: `{"detail": "down: ` + key + `"}`}

	type step struct {
		name     string
		args     []string
		stdin    string
		env      []string
		srv      *prefecttest.V2 // the server scripted; srv if nil
		script   []prefecttest.Response
		mayPrint bool   // stdout is the value's place here
		wantErr  string // a failure, its stderr matching this
	}
	steps := []step{
		{name: "get", args: []string{"get", "TOKEN"}, mayPrint: true},
		{name: "get json", args: []string{"get", "--json", "TOKEN"}, mayPrint: true},
		{name: "exec", args: []string{"exec", "-s", "TOKEN", "-s", "OTHER", "--", "true"}},
		{name: "explain", args: []string{"explain", "TOKEN"}},
		{name: "list", args: []string{"list", "--json"}},
		{name: "doctor", args: []string{"doctor"}},
		{name: "set existing without force", args: []string{"set", "--to", "cloud", "TOKEN"}, stdin: value, wantErr: "already exists"},
		{name: "set new", args: []string{"set", "--to", "cloud", "NEW_ONE"}, stdin: value},
		{name: "set force", args: []string{"set", "--to", "cloud", "--force", "NEW_ONE"}, stdin: value},
		{name: "set rejected with an echo of the request", args: []string{"set", "--to", "cloud", "--force", "NEW_ONE"}, stdin: value,
			script:  []prefecttest.Response{{}, {Status: 422, Body: `{"detail": "value ` + value + ` is not allowed", "request_body": {"data": {"value": "` + value + `"}}}`}},
			wantErr: `PATCH /api/block_documents/\S+ with 422`},
		{name: "set of the mask", args: []string{"set", "--to", "cloud", "--force", "NEW_ONE"}, stdin: "********", wantErr: `Prefect's mask`},
		{name: "wrong key", args: []string{"get", "TOKEN"}, env: []string{"PREFECT_API_KEY=canary-wrong-key-77"}, wantErr: "refused GET .* with 401"},
		{name: "server error", args: []string{"get", "TOKEN"}, wantErr: `with 502 \(after 6 tries\)`,
			script: []prefecttest.Response{unavailable, unavailable, unavailable, unavailable, unavailable, unavailable}},
		{name: "server error, its detail echoing the key", args: []string{"get", "TOKEN"}, wantErr: `with 500: down: \[redacted\]`,
			script: []prefecttest.Response{{Status: 500, Body: `{"detail": "down: ` + key + `"}`}}},
		{name: "retry-after past the deadline", args: []string{"--timeout", "1s", "get", "TOKEN"}, wantErr: `is rate limiting: .*\(Retry-After 999999\) to 1 try, .*past the deadline`,
			script: []prefecttest.Response{{Status: 429, Header: map[string]string{"Retry-After": "999999"}}}},
		{name: "malformed", args: []string{"get", "TOKEN"}, wantErr: "malformed", script: []prefecttest.Response{{Body: "{not json " + value}}},
		{name: "404 echoing the key and the proxy header", args: []string{"get", "TOKEN"}, wantErr: `you sent Authorization: Bearer \[redacted\], X-Proxy-Token: \[redacted\]`,
			script: []prefecttest.Response{{Status: 404, Echo: []string{"Authorization", "X-Proxy-Token"}}}},
		{name: "delete", args: []string{"delete", "--from", "cloud", "NEW_ONE"}},
		{name: "delete missing", args: []string{"delete", "--from", "cloud", "NEW_ONE"}, wantErr: "not in the Prefect API"},
		// Basic auth, behind CSRF protection.
		{name: "basic: get", args: []string{"get", "TOKEN"}, env: basicEnv, mayPrint: true},
		{name: "basic: set (CSRF token fetched)", args: []string{"set", "--to", "cloud", "NEW_TWO"}, env: basicEnv, stdin: value},
		{name: "basic: 404 echoing Authorization, in get", args: []string{"get", "TOKEN"}, env: basicEnv, srv: basic,
			script: []prefecttest.Response{{Status: 404, Echo: []string{"Authorization"}}}, wantErr: `you sent Authorization: Basic \[redacted\]`},
		{name: "basic: the echo, in explain", args: []string{"explain", "TOKEN"}, env: basicEnv, srv: basic,
			script: []prefecttest.Response{{Status: 404, Echo: []string{"Authorization"}}}, wantErr: `Basic \[redacted\]`},
		{name: "basic: the echo, in doctor", args: []string{"doctor"}, env: basicEnv, srv: basic,
			script: []prefecttest.Response{{Status: 404, Echo: []string{"Authorization"}}}, wantErr: `Basic \[redacted\]`},
		{name: "basic: a CSRF token echoed", args: []string{"exec", "-s", "TOKEN", "-s", "OTHER", "--", "true"}, env: basicEnv, srv: basic,
			script:  []prefecttest.Response{{}, {}, {Status: 418, Echo: []string{"Prefect-Csrf-Token", "Authorization"}}},
			wantErr: `you sent Prefect-Csrf-Token: \[redacted\], Authorization: Basic \[redacted\]`},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			scripted := st.srv
			if scripted == nil {
				scripted = srv
			}
			scripted.Script(st.script...)
			cmd := exec.Command(bin, append([]string{"--verbose"}, st.args...)...)
			cmd.Env = append(append([]string{}, base...), st.env...)
			cmd.Stdin = strings.NewReader(st.stdin)
			var out, errOut bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &errOut
			err := cmd.Run()
			if (err != nil) != (st.wantErr != "") {
				t.Errorf("err = %v, want failure %v\n%s", err, st.wantErr != "", errOut.String())
			}
			// doctor and explain report on stdout.
			said := errOut.String() + out.String()
			if st.wantErr != "" && !regexp.MustCompile(st.wantErr).MatchString(said) {
				t.Errorf("did not reach the error path %q:\n%s", st.wantErr, said)
			}
			for _, canary := range []string{value, key, "canary-wrong-key-77", auth, authB64, strings.TrimRight(authB64, "="), header} {
				if strings.Contains(errOut.String(), canary) {
					t.Errorf("stderr shows %q:\n%s", canary, errOut.String())
				}
				if (!st.mayPrint || canary != value) && strings.Contains(out.String(), canary) {
					t.Errorf("stdout shows %q:\n%s", canary, out.String())
				}
			}
		})
	}
	if n := basic.Count("GET", "/csrf-token"); n == 0 {
		t.Errorf("the CSRF server never handed out a token: the CSRF cases did not run")
	}
}
