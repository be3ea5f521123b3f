//go:build unix

package prefect

import (
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prefect-secrets/prefect-secrets/internal/testkit/realprefect"
)

// pathCase is a path Prefect 1 names, with the environment it is expanded
// in (HOME is the home directory).
type pathCase struct {
	Path string            `json:"path"`
	Env  map[string]string `json:"env"`
}

var pathCases = []pathCase{
	{"$CONF/c.toml", map[string]string{"HOME": "/home/u", "CONF": "/etc/p"}},
	{"${CONF}/c.toml", map[string]string{"HOME": "/home/u", "CONF": "/etc/p"}},
	{"pre-$V.toml", map[string]string{"HOME": "/home/u", "V": "x"}},
	{"$A_B.c/$9x", map[string]string{"HOME": "/home/u", "A_B": "ab", "9x": "nine"}},
	{"$UNSET/c.toml", map[string]string{"HOME": "/home/u"}},
	{"${UNSET}/c.toml", map[string]string{"HOME": "/home/u"}},
	{"${}/c$/$1/$é", map[string]string{"HOME": "/home/u"}},
	{"$A/c.toml", map[string]string{"HOME": "/home/u", "A": "$B/x", "B": "/bb"}}, // again until nothing changes
	{"$T/c.toml", map[string]string{"HOME": "/home/u", "T": "~/t"}},              // ~ after $VAR
	{"~", map[string]string{"HOME": "/home/u"}},
	{"~/.prefect/config.toml", map[string]string{"HOME": "/home/u/"}},
	{"~/a/../b", map[string]string{"HOME": "/home/u"}},
	{"~no-such-user/x", map[string]string{"HOME": "/home/u"}},
	{"a/~/b", map[string]string{"HOME": "/home/u"}},
	{"~/.prefect/config.toml", map[string]string{"HOME": ""}},
}

func (c pathCase) environ() []string {
	var env []string
	for k, v := range c.Env {
		env = append(env, k+"="+v)
	}
	return env
}

// expandPath gives what Prefect 1.4.1's own interpolate_env_vars gives,
// run on the same paths in the same environments. Paths are compared
// cleaned: ours are (a/../b is b), Prefect's are not, and both name the
// same file.
func TestExpandPathAsPrefect1(t *testing.T) {
	venv := realprefect.Need(t, realprefect.Prefect1)
	in, err := json.Marshal(pathCases)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(venv.Python(), "-c", `
import json, os, sys
from prefect.configuration import interpolate_env_vars
out = []
for c in json.load(sys.stdin):
    os.environ.clear()
    os.environ.update(c["env"])
    out.append(interpolate_env_vars(c["path"]))
json.dump(out, sys.stdout)
`)
	cmd.Stdin = strings.NewReader(string(in))
	cmd.Env = []string{"PREFECT__LOGGING__LEVEL=ERROR", "HOME=" + t.TempDir()}
	raw, err := cmd.Output()
	if err != nil {
		t.Fatalf("Prefect 1's interpolate_env_vars: %v", err)
	}
	var want []string
	if err := json.Unmarshal(raw, &want); err != nil || len(want) != len(pathCases) {
		t.Fatalf("Prefect answered %q (%v)", raw, err)
	}
	for i, c := range pathCases {
		got, _ := expandPath(c.Path, c.environ(), c.Env["HOME"])
		if filepath.Clean(got) != filepath.Clean(want[i]) {
			t.Errorf("expandPath(%q) with %v = %q, Prefect 1 reads %q", c.Path, c.Env, got, want[i])
		}
	}
}

// UserConfigPath is PREFECT__USER_CONFIG_PATH expanded, else the default;
// with no home directory, a path that needs one names no file.
func TestUserConfigPath(t *testing.T) {
	for _, c := range []struct {
		environ []string
		home    string
		want    string
	}{
		{nil, "/home/u", "/home/u/.prefect/config.toml"},
		{[]string{"PREFECT__USER_CONFIG_PATH="}, "/home/u", "/home/u/.prefect/config.toml"},
		{[]string{"PREFECT__USER_CONFIG_PATH=$D/p.toml", "D=/etc"}, "/home/u", "/etc/p.toml"},
		{[]string{"PREFECT__USER_CONFIG_PATH=/a.toml", "PREFECT__USER_CONFIG_PATH=/b.toml"}, "/home/u", "/a.toml"},
		{[]string{"PREFECT__USER_CONFIG_PATH=$D/p.toml", "D=/first", "D=/second"}, "/home/u", "/first/p.toml"},
		{nil, "", ""},
		{[]string{"PREFECT__USER_CONFIG_PATH=$D/p.toml", "D=~"}, "", ""},
		{[]string{"PREFECT__USER_CONFIG_PATH=/etc/p.toml"}, "", "/etc/p.toml"},
	} {
		if got := UserConfigPath(c.environ, c.home); got != c.want {
			t.Errorf("UserConfigPath(%q, %q) = %q, want %q", c.environ, c.home, got, c.want)
		}
	}
}
