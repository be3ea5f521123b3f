//go:build unix

package api_test

import (
	"path/filepath"
	"syscall"
	"testing"

	"github.com/prefect-secrets/prefect-secrets/internal/prefect/api"
	"github.com/prefect-secrets/prefect-secrets/internal/testkit/prefecttest"
	"github.com/prefect-secrets/prefect-secrets/resolve"
)

// A CA bundle setting naming a FIFO is refused at once, as Prefect's own
// files are: opening it never waits for a writer.
func TestCABundleFIFORefusedWithoutWaiting(t *testing.T) {
	srv := prefecttest.NewV2TLS(t)
	fifo := filepath.Join(t.TempDir(), "ca.pem")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := v2cfg(srv.URL())
	cfg.SSLCertFile, cfg.SSLCertFileFrom = fifo, "env PREFECT_API_SSL_CERT_FILE"
	_, err := api.New(cfg, api.Options{}) // a hang here is the failure
	wantKind(t, err, resolve.ErrConfig)
	wantIn(t, "error", err.Error(), "PREFECT_API_SSL_CERT_FILE", "named pipe")
}
