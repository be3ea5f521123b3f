package prefect

import (
	"fmt"
	"math"
)

var settingJitter = setting{env: "PREFECT_CLIENT_RETRY_JITTER_FACTOR", toml: []string{"client", "retry_jitter_factor"}, want: "a number from 0 up, e.g. 0.2 (0 turns jitter off)"}

// retrySettings reads Prefect's client retry settings into c:
// PREFECT_CLIENT_MAX_RETRIES, PREFECT_CLIENT_RETRY_EXTRA_CODES and
// PREFECT_CLIENT_RETRY_JITTER_FACTOR, each as Prefect's settings model
// takes it (a count from 0, status codes, a float from 0). A jitter factor
// that is infinite is refused: Prefect's own waits come out NaN with it.
func (p *prefect3) retrySettings(c *Config) []error {
	var errs []error
	if r, shadowed, ok := p.lookup(settingRetries); ok {
		v, err := asInt(r)
		if err == nil && (v < 0 || v > 1<<31) {
			err = malformed("a count from 0 up")
		}
		if err != nil {
			errs = append(errs, p.malformed(settingRetries, r, err))
		} else {
			n := int(v)
			c.MaxRetries, c.MaxRetriesFrom = &n, r.from
			p.origins = append(p.origins, Origin{Name: settingRetries.env, Value: fmt.Sprint(n), From: r.from, Shadowed: shadowed})
		}
	}
	if r, shadowed, ok := p.lookup(settingCodes); ok {
		if v, err := asCodes(r); err != nil {
			errs = append(errs, p.malformed(settingCodes, r, err))
		} else {
			c.RetryExtraCodes, c.RetryExtraCodesFrom = v, r.from
			p.origins = append(p.origins, Origin{Name: settingCodes.env, Value: joinInts(v), From: r.from, Shadowed: shadowed})
		}
	}
	if r, shadowed, ok := p.lookup(settingJitter); ok {
		v, err := asFloat(r)
		if err == nil && !(v >= 0 && !math.IsInf(v, 0)) {
			err = malformed("a number from 0 up")
		}
		if err != nil {
			errs = append(errs, p.malformed(settingJitter, r, err))
		} else {
			c.RetryJitterFactor, c.RetryJitterFactorFrom = &v, r.from
			p.origins = append(p.origins, Origin{Name: settingJitter.env, Value: fmt.Sprint(v), From: r.from, Shadowed: shadowed})
		}
	}
	return errs
}
