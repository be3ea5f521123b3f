package prefect

import (
	"errors"
	"strings"
	"testing"

	"github.com/prefect-secrets/prefect-secrets/resolve"
)

// PREFECT_CLIENT_RETRY_JITTER_FACTOR as Prefect's settings model takes it:
// a float from 0 up, from the environment or a settings file; unset is nil
// (Prefect's default, 0.2).
func TestRetryJitterFactor(t *testing.T) {
	for _, v := range []struct {
		env  string
		want float64
	}{{"0", 0}, {"0.5", 0.5}, {"1e-1", 0.1}, {"3", 3}} {
		c, err := Load(Settings{Home: t.TempDir(), Environ: []string{"PREFECT_API_URL=https://p/api", "PREFECT_CLIENT_RETRY_JITTER_FACTOR=" + v.env}})
		if err != nil || c.RetryJitterFactor == nil || *c.RetryJitterFactor != v.want || c.RetryJitterFactorFrom != "env PREFECT_CLIENT_RETRY_JITTER_FACTOR" {
			t.Errorf("%q: %v, %v", v.env, c, err)
		}
	}
	w := newWorld(t)
	w.setenv("PREFECT_API_URL=http://127.0.0.1:4200/api")
	w.workFile("prefect.toml", "[client]\nretry_jitter_factor = 0.35\n")
	c := w.mustLoad()
	if c.RetryJitterFactor == nil || *c.RetryJitterFactor != 0.35 || !strings.HasPrefix(c.RetryJitterFactorFrom, "client.retry_jitter_factor in ") {
		t.Errorf("from prefect.toml: %v from %q", c.RetryJitterFactor, c.RetryJitterFactorFrom)
	}
	if o, ok := w.origins()["PREFECT_CLIENT_RETRY_JITTER_FACTOR"]; !ok || o.Value != "0.35" {
		t.Errorf("origin %+v", o)
	}
	c, err := Load(Settings{Home: t.TempDir(), Environ: []string{"PREFECT_API_URL=https://p/api"}})
	if err != nil || c.RetryJitterFactor != nil {
		t.Errorf("unset: %v, %v", c.RetryJitterFactor, err)
	}
	for _, bad := range []string{"-0.1", "inf", "nan", "true", "lots-canary"} {
		_, err := Load(Settings{Home: t.TempDir(), Environ: []string{"PREFECT_API_URL=https://p/api", "PREFECT_CLIENT_RETRY_JITTER_FACTOR=" + bad}})
		if !errors.Is(err, resolve.ErrConfig) || !strings.Contains(err.Error(), "PREFECT_CLIENT_RETRY_JITTER_FACTOR") || strings.Contains(err.Error(), "canary") {
			t.Errorf("%q: %v, want a configuration error naming the setting, never its value", bad, err)
		}
	}
}
