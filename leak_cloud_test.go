//go:build unix

package main

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/prefect-secrets/prefect-secrets/internal/prefecttest"
)

// TestCanaryNeverLeaksThroughTheAPI runs every command and error path that
// touches the Prefect API, with --verbose, against a fake API holding a
// canary value and requiring a canary key, and checks neither ever shows
// on stderr (nor on stdout, where printing the value is not the point).
func TestCanaryNeverLeaksThroughTheAPI(t *testing.T) {
	const value = "canary-api-value-4d2e"
	const key = "canary-api-key-91ab"
	bin, err := exec.LookPath("prefect-secrets")
	if err != nil {
		t.Fatal(err)
	}
	srv := prefecttest.NewV2(t, prefecttest.WithAPIKey(key))
	srv.SetBlock("token", value)
	srv.SetBlock("other", "x")
	base := []string{"HOME=" + t.TempDir(), "PATH=" + os.Getenv("PATH"), "PREFECT_API_URL=" + srv.URL(), "PREFECT_API_KEY=" + key}

	type step struct {
		name      string
		args      []string
		stdin     string
		env       []string
		script    []prefecttest.Response
		mayPrint  bool // stdout is the value's place here
		wantFails bool
	}
	steps := []step{
		{name: "get", args: []string{"get", "TOKEN"}, mayPrint: true},
		{name: "get json", args: []string{"get", "--json", "TOKEN"}, mayPrint: true},
		{name: "exec", args: []string{"exec", "-s", "TOKEN", "-s", "OTHER", "--", "true"}},
		{name: "explain", args: []string{"explain", "TOKEN"}},
		{name: "list", args: []string{"list", "--json"}},
		{name: "doctor", args: []string{"doctor"}},
		{name: "set existing without force", args: []string{"set", "--to", "cloud", "TOKEN"}, stdin: value, wantFails: true},
		{name: "set new", args: []string{"set", "--to", "cloud", "NEW_ONE"}, stdin: value},
		{name: "set force", args: []string{"set", "--to", "cloud", "--force", "NEW_ONE"}, stdin: value},
		{name: "set rejected with an echo of the request", args: []string{"set", "--to", "cloud", "--force", "NEW_ONE"}, stdin: value,
			script:    []prefecttest.Response{{}, {Status: 422, Body: `{"detail": "value ` + value + ` is not allowed", "request_body": {"data": {"value": "` + value + `"}}}`}},
			wantFails: true},
		{name: "wrong key", args: []string{"get", "TOKEN"}, env: []string{"PREFECT_API_KEY=canary-wrong-key-77"}, wantFails: true},
		{name: "server error", args: []string{"get", "TOKEN"}, wantFails: true,
			script: []prefecttest.Response{{Status: 500}, {Status: 500}, {Status: 500}, {Status: 500}, {Status: 500}, {Status: 500}}},
		{name: "malformed", args: []string{"get", "TOKEN"}, wantFails: true, script: []prefecttest.Response{{Body: "{not json " + value}}},
		{name: "delete", args: []string{"delete", "--from", "cloud", "NEW_ONE"}},
		{name: "delete missing", args: []string{"delete", "--from", "cloud", "NEW_ONE"}, wantFails: true},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			srv.Script(st.script...)
			cmd := exec.Command(bin, append([]string{"--verbose"}, st.args...)...)
			cmd.Env = append(append([]string{}, base...), st.env...)
			cmd.Stdin = strings.NewReader(st.stdin)
			var out, errOut bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &errOut
			err := cmd.Run()
			if (err != nil) != st.wantFails {
				t.Errorf("err = %v, want failure %v\n%s", err, st.wantFails, errOut.String())
			}
			for _, canary := range []string{value, key, "canary-wrong-key-77"} {
				if strings.Contains(errOut.String(), canary) {
					t.Errorf("stderr shows %q:\n%s", canary, errOut.String())
				}
				if (!st.mayPrint || canary != value) && strings.Contains(out.String(), canary) {
					t.Errorf("stdout shows %q:\n%s", canary, out.String())
				}
			}
		})
	}
}
