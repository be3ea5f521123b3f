//go:build unix

package commands_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/prefect-secrets/prefect-secrets/internal/testkit/prefecttest"
)

// TestCanaryNeverLeaksThroughDeployments runs exec --deployment and
// explain --deployment, with --verbose, on every path and failure of a
// deployment's environment, with canaries in each place a value lives: a
// block, a deployment's stored plain text (prefect deploy stores blocks
// it resolved so), a pool's template, prefect.yaml's own text (a broken
// line too), and the caller's $X. None may show on stderr or in explain.
func TestCanaryNeverLeaksThroughDeployments(t *testing.T) {
	const (
		block    = "canary-deploy-block-5f1a"
		stored   = "canary-deploy-stored-88c2"
		template = "canary-deploy-template-31d7"
		inFile   = "canary-deploy-file-9e04"
		fromEnv  = "canary-deploy-env-2b6b"
	)
	canaries := []string{block, stored, template, inFile, fromEnv}
	bin, err := exec.LookPath("prefect-secrets")
	if err != nil {
		t.Fatal(err)
	}
	srv := prefecttest.NewV2(t)
	srv.SetBlock("token", block)
	srv.SetTypedBlock("webhook", "hook", map[string]any{"url": block, "headers": map[string]any{"X": block}})
	srv.SetWorkPool("pool", "process", map[string]any{
		"job_configuration": map[string]any{"env": map[string]any{"FROM_POOL": template}},
		"variables":         map[string]any{"properties": map[string]any{}},
	})
	srv.SetDeployment("flow", "ok", "pool", map[string]any{"env": map[string]any{
		"TOKEN": "{{ prefect.blocks.secret.token }}", "STORED": stored, "X": "{{ $CALLER }}"}})
	srv.SetDeployment("flow", "nul", "pool", map[string]any{"env": map[string]any{"BAD": stored + "\x00"}})
	srv.SetDeployment("flow", "whole", "pool", map[string]any{"env": map[string]any{"H": "{{ prefect.blocks.webhook.hook.headers }}", "S": stored}})
	dir := t.TempDir()
	files := map[string]string{
		"prefect.yaml": "deployments:\n  - name: ok\n    work_pool:\n      job_variables:\n        env:\n          PLAIN: " + inFile +
			"\n          TOKEN: \"x{{ prefect.blocks.secret.token }}\"\n          URL: \"{{ prefect.blocks.webhook.hook.url }}\"\n          E: \"{{ $CALLER }}\"\n" +
			"  - name: missing\n    work_pool: {job_variables: {env: {A: \"{{ prefect.blocks.secret.nope }}\", P: " + inFile + "}}}\n" +
			"  - name: unset\n    work_pool: {job_variables: {env: {A: \"{{ $NOT_SET }}\", P: " + inFile + "}}}\n",
		"broken.yaml": "deployments:\n  - name: ok\n    work_pool: {job_variables: {env: {A: \"" + inFile + "\n",
		"tabbed.yaml": "deployments:\n\t- name: " + inFile + "\n",
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	base := []string{"HOME=" + t.TempDir(), "PATH=" + os.Getenv("PATH"), "GORACE=atexit_sleep_ms=0",
		"PREFECT_API_URL=" + srv.URL(), "CALLER=" + fromEnv}
	steps := []struct {
		name    string
		args    []string
		script  []prefecttest.Response
		wantErr string
	}{
		{name: "exec from the file", args: []string{"exec", "--deployment", "ok", "--", "true"}},
		{name: "exec from the API", args: []string{"exec", "--deployment", "flow/ok", "--", "true"}},
		{name: "explain from the file", args: []string{"explain", "--deployment", "ok"}},
		{name: "explain from the API", args: []string{"explain", "--deployment", "flow/ok"}},
		{name: "a missing block", args: []string{"exec", "--deployment", "missing", "--", "true"}, wantErr: `address not found`},
		{name: "a missing block, explained", args: []string{"explain", "--deployment", "missing"}, wantErr: `address not found`},
		{name: "a missing $X", args: []string{"exec", "--deployment", "unset", "--", "true"}, wantErr: `\$NOT_SET; nothing was run`},
		{name: "a broken file", args: []string{"exec", "--deployment", "ok", "--prefect-file", "broken.yaml", "--", "true"}, wantErr: `broken.yaml:3:`},
		{name: "a tab in the file", args: []string{"exec", "--deployment", "ok", "--prefect-file", "tabbed.yaml", "--", "true"}, wantErr: `tabbed.yaml:2:`},
		{name: "a NUL in a stored value", args: []string{"exec", "--deployment", "flow/nul", "--", "true"}, wantErr: `holds a NUL byte`},
		{name: "a whole block where text goes", args: []string{"exec", "--deployment", "flow/whole", "--", "true"}, wantErr: `is an object or a list`},
		{name: "a pool read failing, its detail echoing a stored value", args: []string{"exec", "--deployment", "flow/ok", "--", "true"},
			script: []prefecttest.Response{{}, {Status: 500, Body: `{"detail": "down: ` + stored + ` ` + template + `"}`}}, wantErr: `GET /api/work_pools/pool with 500`},
		{name: "a block read failing, its detail echoing values", args: []string{"exec", "--deployment", "flow/ok", "--", "true"},
			script: []prefecttest.Response{{}, {}, {Status: 500, Body: `{"detail": "down: ` + stored + ` ` + template + `"}`}}, wantErr: `with 500`},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			srv.Script(st.script...)
			cmd := exec.Command(bin, append([]string{"--verbose"}, st.args...)...)
			cmd.Env, cmd.Dir = base, dir
			var out, errOut bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &errOut
			err := cmd.Run()
			if (err != nil) != (st.wantErr != "") {
				t.Errorf("err = %v, want failure %v\n%s%s", err, st.wantErr != "", out.String(), errOut.String())
			}
			said := errOut.String() + out.String()
			if st.wantErr != "" && !regexp.MustCompile(st.wantErr).MatchString(said) {
				t.Errorf("did not reach the error path %q:\n%s", st.wantErr, said)
			}
			for _, c := range canaries {
				if strings.Contains(said, c) {
					t.Errorf("the output shows %q:\n%s", c, said)
				}
			}
		})
	}
}
