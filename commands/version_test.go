package commands

import (
	"runtime/debug"
	"strings"
	"testing"
)

func TestBuildVersion(t *testing.T) {
	vcs := func(rev, modified string) []debug.BuildSetting {
		return []debug.BuildSetting{{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: rev},
			{Key: "vcs.time", Value: "2026-11-29T22:31:43Z"}, {Key: "vcs.modified", Value: modified}}
	}
	cases := []struct {
		name string
		info debug.BuildInfo
		want string
	}{
		{"go install ...@v1.2.3", debug.BuildInfo{Main: debug.Module{Version: "v1.2.3"}}, "v1.2.3"},
		{"a checkout build (Go's pseudo-version)",
			debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20261129223143-d439e07a35dd+dirty"}, Settings: vcs("d439e07a35dd9f1fa15adefdb449926e66cb6485", "true")},
			"v0.0.0-20261129223143-d439e07a35dd+dirty"},
		{"a revision without a module version",
			debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: vcs("d439e07a35dd9f1fa15adefdb449926e66cb6485", "true")},
			"devel d439e07a35dd9f1fa15adefdb449926e66cb6485+dirty (2026-11-29T22:31:43Z)"},
		{"a clean revision",
			debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: vcs("d439e07a35dd9f1fa15adefdb449926e66cb6485", "false")},
			"devel d439e07a35dd9f1fa15adefdb449926e66cb6485 (2026-11-29T22:31:43Z)"},
	}
	for _, c := range cases {
		if got := buildVersion(&c.info); got != c.want {
			t.Errorf("%s: version %q, want %q", c.name, got, c.want)
		}
	}
	// Nothing recorded: it says so, and not only "dev".
	got := buildVersion(&debug.BuildInfo{Main: debug.Module{Version: "(devel)"}})
	if !strings.HasPrefix(got, "devel (") || !strings.Contains(got, "-buildvcs") {
		t.Errorf("no version nor revision: %q, want a devel line saying why", got)
	}
}

func TestStampedVersionWins(t *testing.T) {
	a := New(&IO{}, "1.4.0")
	if got := a.fullVersion(); got != "1.4.0" {
		t.Errorf("stamped version: %q, want 1.4.0", got)
	}
}
