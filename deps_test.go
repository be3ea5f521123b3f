package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestNoHTTPInTheMainBinary guards start-up time: prefect-secrets must not
// link HTTP or TLS (a third of a bare Go program's start on their own);
// the Prefect API is reached through cmd/prefect-secrets-cloud.
func TestNoHTTPInTheMainBinary(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Skipf("go list: %v", err)
	}
	for _, pkg := range strings.Fields(string(out)) {
		switch pkg {
		case "net/http", "crypto/tls", "crypto/x509", "github.com/prefect-secrets/prefect-secrets/cloud/api":
			t.Errorf("prefect-secrets links %s; keep HTTP in cmd/prefect-secrets-cloud", pkg)
		}
	}
}
