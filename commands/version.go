package commands

import (
	"runtime/debug"
)

// fullVersion is the version --version and help show: the one stamped in
// at release (-ldflags "-X main.version=..."), else what the Go toolchain
// recorded in the binary. Read only when shown.
func (a *App) fullVersion() string {
	if a.version != "" {
		return a.version
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown (built without module information)"
	}
	return buildVersion(info)
}

// buildVersion is a build's version from its build information: the
// module version for `go install ...@v1.2.3`; for a build in a git
// checkout, the pseudo-version Go 1.24 and later record (it names the
// revision, with "+dirty" when the tree had changes), or else the revision
// itself.
func buildVersion(info *debug.BuildInfo) string {
	settings := make(map[string]string)
	for _, s := range info.Settings {
		settings[s.Key] = s.Value
	}
	if v := info.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	rev := settings["vcs.revision"]
	if rev == "" {
		return "devel (no version or revision recorded: built with -buildvcs=false or outside a checkout)"
	}
	v := "devel " + rev
	if settings["vcs.modified"] == "true" {
		v += "+dirty"
	}
	if t := settings["vcs.time"]; t != "" {
		v += " (" + t + ")"
	}
	return v
}
