// Prefect's retry waits (client/base.py, utilities/math.py), for every
// retried answer but a rate limit (ratelimit.go).

package api

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// backoff is how long to wait before the next try when n tries have
// counted against PREFECT_CLIENT_MAX_RETRIES, as Prefect's client computes
// it: the server's Retry-After if it sent one, which jitter only
// lengthens (up to factor times more); else 2^n seconds with clamped
// Poisson jitter (Prefect 1's API_ERROR: 0.25 * 2^(n-1) seconds). A jitter
// factor of 0 is no jitter, as in Prefect. asked is the server's
// Retry-After, if any, as it was sent.
func (c *Client) backoff(n int, r *reply, q request) (time.Duration, string) {
	if r != nil {
		if v := r.header.Get("Retry-After"); v != "" {
			if ra, ok := retryAfter(v); ok {
				if ra <= 0 || c.jitter <= 0 {
					return seconds(ra), v
				}
				return seconds(c.boundedPoisson(ra, ra*(1+c.jitter))), v
			}
		}
	}
	avg := math.Pow(2, float64(n))
	if r != nil && !c.retryCodes[r.status] && q.again != nil {
		avg = 0.25 * math.Pow(2, float64(n-1))
	}
	if c.jitter <= 0 {
		return seconds(avg), ""
	}
	return seconds(c.clampedPoisson(avg, c.jitter)), ""
}

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

// poissonInterval draws an exponential variate of mean avg, its quantile
// restricted to [lo, hi) (Prefect's utilities/math.py poisson_interval).
func (c *Client) poissonInterval(avg, lo, hi float64) float64 {
	u := lo + c.rand()*(hi-lo)
	return -math.Log(max(1-u, 1e-10)) * avg
}

func exponentialCDF(x, avg float64) float64 { return 1 - math.Exp(-x/avg) }

// clampedPoisson is a jittered avg between about 0.82*avg and
// (1+factor)*avg, averaging about avg (Prefect's clamped_poisson_interval;
// its lower clamp is 0 from 1+factor = 50 up, as there).
func (c *Client) clampedPoisson(avg, factor float64) float64 {
	if avg <= 0 || factor <= 0 {
		return max(avg, 0)
	}
	k := 1 + factor
	lower := 0.0
	if k < 50 {
		lower = avg * math.Log2(math.Pow(2, k)/(math.Pow(2, k)-1))
	}
	return c.poissonInterval(avg, exponentialCDF(lower, avg), exponentialCDF(avg*k, avg))
}

// boundedPoisson is a jittered wait between lo and hi (Prefect's
// bounded_poisson_interval): never less than lo.
func (c *Client) boundedPoisson(lo, hi float64) float64 {
	if hi <= 0 {
		return 0
	}
	avg := (lo + hi) / 2
	return max(c.poissonInterval(avg, exponentialCDF(lo, avg), exponentialCDF(hi, avg)), lo)
}

// retryAfter reads a Retry-After header in seconds, as Prefect's
// _parse_retry_after does: a finite number (a negative one is 0), or an
// HTTP date (one past is 0).
func retryAfter(v string) (float64, bool) {
	v = strings.TrimSpace(v)
	if secs, err := strconv.ParseFloat(v, 64); err == nil && !math.IsNaN(secs) && !math.IsInf(secs, 0) {
		return max(secs, 0), true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(time.Until(t).Seconds(), 0), true
	}
	return 0, false
}
