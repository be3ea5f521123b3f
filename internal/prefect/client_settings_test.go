package prefect

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/prefect-secrets/prefect-secrets/resolve"
)

// Prefect's client settings, from environment variables as Prefect
// parses them.
func TestClientSettingsFromEnv(t *testing.T) {
	c, err := Load(Settings{Home: t.TempDir(), Environ: []string{
		"PREFECT_API_URL=https://prefect.example.com/api",
		"PREFECT_API_SSL_CERT_FILE=/etc/ca.pem",
		"PREFECT_API_TLS_INSECURE_SKIP_VERIFY=On",
		`PREFECT_CLIENT_CUSTOM_HEADERS={"X-Proxy-Token": "tok-canary", "X-Team": "data"}`,
		"PREFECT_API_REQUEST_TIMEOUT=2.5",
		"PREFECT_CLIENT_MAX_RETRIES=0",
		"PREFECT_CLIENT_RETRY_EXTRA_CODES=500, 504",
	}})
	if err != nil {
		t.Fatal(err)
	}
	if c.SSLCertFile != "/etc/ca.pem" || c.SSLCertFileFrom != "env PREFECT_API_SSL_CERT_FILE" {
		t.Errorf("SSLCertFile %q from %q", c.SSLCertFile, c.SSLCertFileFrom)
	}
	if !c.InsecureSkipVerify || c.InsecureSkipVerifyFrom != "env PREFECT_API_TLS_INSECURE_SKIP_VERIFY" {
		t.Errorf("InsecureSkipVerify %v from %q", c.InsecureSkipVerify, c.InsecureSkipVerifyFrom)
	}
	if len(c.CustomHeaders) != 2 || string(c.CustomHeaders["X-Proxy-Token"].Reveal()) != "tok-canary" || c.CustomHeadersFrom != "env PREFECT_CLIENT_CUSTOM_HEADERS" {
		t.Errorf("CustomHeaders %v from %q", c.CustomHeaders, c.CustomHeadersFrom)
	}
	if c.RequestTimeout != 2500*time.Millisecond || c.MaxRetries == nil || *c.MaxRetries != 0 || !reflect.DeepEqual(c.RetryExtraCodes, []int{500, 504}) {
		t.Errorf("timeout %v, retries %v, codes %v", c.RequestTimeout, c.MaxRetries, c.RetryExtraCodes)
	}

	// SSL_CERT_FILE is Prefect's default for the CA bundle; a JSON list of
	// codes is read too; nothing set is Prefect's defaults.
	c, err = Load(Settings{Home: t.TempDir(), Environ: []string{"PREFECT_API_URL=https://p/api", "SSL_CERT_FILE=/ssl.pem", "PREFECT_CLIENT_RETRY_EXTRA_CODES=[418]"}})
	if err != nil || c.SSLCertFile != "/ssl.pem" || !strings.HasPrefix(c.SSLCertFileFrom, "env SSL_CERT_FILE") || !reflect.DeepEqual(c.RetryExtraCodes, []int{418}) {
		t.Errorf("%+v, %v", c, err)
	}
	if c.InsecureSkipVerify || len(c.CustomHeaders) != 0 || c.RequestTimeout != 0 || c.MaxRetries != nil {
		t.Errorf("defaults: %+v", c)
	}
}

func TestClientSettingsFromEnvRefused(t *testing.T) {
	for _, kv := range []string{
		"PREFECT_API_TLS_INSECURE_SKIP_VERIFY=maybe-canary",
		"PREFECT_CLIENT_CUSTOM_HEADERS={not json canary",
		`PREFECT_CLIENT_CUSTOM_HEADERS={"X": 1, "Y": "canary"}`,
		"PREFECT_API_REQUEST_TIMEOUT=soon-canary",
		"PREFECT_API_REQUEST_TIMEOUT=-1",
		"PREFECT_CLIENT_MAX_RETRIES=-1",
		"PREFECT_CLIENT_RETRY_EXTRA_CODES=500,canary",
		"PREFECT_CLIENT_RETRY_EXTRA_CODES=99",
	} {
		_, err := Load(Settings{Home: t.TempDir(), Environ: []string{"PREFECT_API_URL=https://p/api", kv}})
		if !errors.Is(err, resolve.ErrConfig) {
			t.Errorf("%s: %v, want a configuration error", kv, err)
			continue
		}
		key, _, _ := strings.Cut(kv, "=")
		if !strings.Contains(err.Error(), key) || strings.Contains(err.Error(), "canary") {
			t.Errorf("%s: %q should name the variable and never its value", kv, err)
		}
	}
}
