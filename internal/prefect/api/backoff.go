// Prefect's retry waits (client/base.py, utilities/math.py).

package api

import (
	"math"
	mrand "math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// backoff is how long to wait before try n+1 (n tries done), as Prefect's
// client computes it: the server's Retry-After if it sent one, never less,
// plus up to 20% jitter; else 2^n seconds with clamped Poisson jitter
// (Prefect 1's API_ERROR: 0.25 * 2^(n-1) seconds). asked is the server's
// Retry-After, if any, as it was sent.
func (c *Client) backoff(n int, r *reply, q request) (time.Duration, string) {
	if r != nil {
		if v := r.header.Get("Retry-After"); v != "" {
			if ra, ok := retryAfter(v); ok {
				return seconds(boundedPoisson(ra, ra*(1+jitterFactor))), v
			}
		}
	}
	avg := math.Pow(2, float64(n))
	if r != nil && !c.retryCodes[r.status] && q.again != nil {
		avg = 0.25 * math.Pow(2, float64(n-1))
	}
	return seconds(clampedPoisson(avg, jitterFactor)), ""
}

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

// poissonInterval draws an exponential variate of mean avg, its quantile
// restricted to [lo, hi) (Prefect's utilities/math.py poisson_interval).
func poissonInterval(avg, lo, hi float64) float64 {
	u := lo + mrand.Float64()*(hi-lo)
	return -math.Log(max(1-u, 1e-10)) * avg
}

func exponentialCDF(x, avg float64) float64 { return 1 - math.Exp(-x/avg) }

// clampedPoisson is a jittered avg between about 0.82*avg and
// (1+factor)*avg, averaging about avg (Prefect's clamped_poisson_interval).
func clampedPoisson(avg, factor float64) float64 {
	if avg <= 0 || factor <= 0 {
		return max(avg, 0)
	}
	k := 1 + factor
	lower := avg * math.Log2(math.Pow(2, k)/(math.Pow(2, k)-1))
	return poissonInterval(avg, exponentialCDF(lower, avg), exponentialCDF(avg*k, avg))
}

// boundedPoisson is a jittered wait between lo and hi (Prefect's
// bounded_poisson_interval): never less than lo.
func boundedPoisson(lo, hi float64) float64 {
	if hi <= 0 {
		return 0
	}
	avg := (lo + hi) / 2
	return max(poissonInterval(avg, exponentialCDF(lo, avg), exponentialCDF(hi, avg)), lo)
}

// retryAfter reads a Retry-After header in seconds: a number (Prefect reads
// it as a float), or an HTTP date.
func retryAfter(v string) (float64, bool) {
	v = strings.TrimSpace(v)
	if secs, err := strconv.ParseFloat(v, 64); err == nil && secs >= 0 && !math.IsInf(secs, 0) {
		return secs, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(time.Until(t).Seconds(), 0), true
	}
	return 0, false
}
