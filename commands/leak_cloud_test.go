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

// TestCanaryNeverLeaksThroughDiscovery runs list --blocks, explain ADDRESS
// and completion, with --verbose, on their paths that work and those that
// fail, against a fake API whose blocks hold canaries everywhere a value
// goes: secret fields, other fields, a Secret block's dict value (which
// Prefect's server sends unmasked even without include_secrets), a
// SecretDict's nested values, a variable. No canary may show on stdout or
// stderr: these commands show names only.
func TestCanaryNeverLeaksThroughDiscovery(t *testing.T) {
	const canary = "canary-disc-"
	bin, err := exec.LookPath("prefect-secrets")
	if err != nil {
		t.Fatal(err)
	}
	srv := prefecttest.NewV2(t)
	srv.SetBlock("plain", canary+"plain")
	srv.SetBlock("dict", map[string]any{"user": canary + "user", "password": canary + "dict"})
	srv.SetBlockType("webhook", "url", "headers.*")
	srv.SetTypedBlock("webhook", "hook", map[string]any{"method": canary + "method", "url": canary + "url",
		"headers": map[string]any{"X-Key": canary + "header", "nested": map[string]any{"deep": canary + "deep"}}, "none": nil})
	srv.SetBlockType("s3-bucket", "credentials.aws_secret_access_key")
	srv.SetTypedBlock("s3-bucket", "bucket", map[string]any{"bucket_name": canary + "bucket", "credentials": map[string]any{"aws_secret_access_key": canary + "aws"}})
	srv.SetVariable("region", canary+"variable")
	env := []string{"HOME=" + t.TempDir(), "PATH=" + os.Getenv("PATH"), "GORACE=atexit_sleep_ms=0", "PREFECT_API_URL=" + srv.URL()}
	malformed := prefecttest.Response{Body: `[{"data": {"value": "` + canary + `malformed"}}]`}
	for _, st := range []struct {
		args    []string
		script  []prefecttest.Response
		wantErr string // a failure, its stderr matching this
	}{
		{args: []string{"list", "--blocks"}},
		{args: []string{"list", "--blocks", "--json"}},
		{args: []string{"list", "--blocks"}, script: []prefecttest.Response{malformed}, wantErr: "malformed"},
		{args: []string{"list", "--blocks"}, script: []prefecttest.Response{{Status: 403, Body: `{"detail": "Forbidden"}`}}, wantErr: "refused POST"},
		{args: []string{"explain", "prefect.blocks.webhook.hook.url"}},
		{args: []string{"explain", "prefect.blocks.webhook.hook"}},
		{args: []string{"explain", "prefect.blocks.webhook.hook.headers.nested"}},
		{args: []string{"explain", "prefect.blocks.webhook.hook.method"}},
		{args: []string{"explain", "prefect.blocks.webhook.hook.nope"}, wantErr: "has no key path"},
		{args: []string{"explain", "prefect.blocks.webhook.hook.none"}, wantErr: "holds null"},
		{args: []string{"explain", "prefect.blocks.webhook.hook.url.0"}},
		{args: []string{"explain", "prefect.blocks.secret.dict"}},
		{args: []string{"explain", "prefect.blocks.secret.dict.nope"}, wantErr: `its fields: password, user`},
		{args: []string{"explain", "prefect.blocks.secret.plain"}},
		{args: []string{"explain", "prefect.blocks.s3-bucket.bucket.credentials"}},
		{args: []string{"explain", "prefect.blocks.webhook.gone"}, wantErr: "there is no block"},
		{args: []string{"explain", "prefect.blocks.nosuch.hook"}, wantErr: "knows no block type"},
		{args: []string{"explain", "prefect.variables.region"}},
		{args: []string{"explain", "prefect.blocks.webhook.hook.url"}, script: []prefecttest.Response{malformed}, wantErr: "malformed"},
		{args: []string{"explain", "prefect.blocks.webhook.hook.url"}, script: []prefecttest.Response{{Status: 500, Body: `{"detail": "boom"}`}}, wantErr: "with 500"},
		{args: []string{"__complete", "--sources", "cloud", "get", "p"}},
		{args: []string{"__complete", "--sources", "cloud", "exec", "-s", "X=prefect.blocks.webhook.hook."}},
	} {
		t.Run(strings.Join(st.args, " "), func(t *testing.T) {
			srv.Script(st.script...)
			args := append([]string{"--verbose"}, st.args...)
			if st.args[0] == "__complete" { // it must come first
				args = append([]string{"__complete", "--verbose"}, st.args[1:]...)
			}
			cmd := exec.Command(bin, args...)
			cmd.Env = env
			var out, errOut bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &errOut
			err := cmd.Run()
			if (err != nil) != (st.wantErr != "") {
				t.Errorf("err = %v, want failure %v\n%s", err, st.wantErr != "", errOut.String())
			}
			if st.wantErr != "" && !regexp.MustCompile(st.wantErr).MatchString(errOut.String()) {
				t.Errorf("did not reach the error path %q:\n%s", st.wantErr, errOut.String())
			}
			if out.Len() == 0 && st.wantErr == "" {
				t.Errorf("printed nothing: the case did not run")
			}
			for what, text := range map[string]string{"stdout": out.String(), "stderr": errOut.String()} {
				if strings.Contains(text, canary) {
					t.Errorf("%s shows a value:\n%s", what, text)
				}
			}
		})
	}
}
