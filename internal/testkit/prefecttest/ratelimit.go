package prefecttest

import "time"

// tokenBucket is RateLimit's state, kept under base.mu.
type tokenBucket struct {
	on         bool
	rate       float64 // tokens a second
	burst      float64 // the most it holds
	tokens     float64
	last       time.Time
	retryAfter string
}

// RateLimit makes the server limit requests as a token bucket, the way
// Prefect Cloud limits an account: the bucket holds up to burst tokens
// (full at first) and gains perSecond tokens a second; a request that
// finds no whole token is answered 429 {"detail":"Too Many Requests"}
// with Retry-After: retryAfter (omitted if ""), and uses none. So
// RateLimit(30, 3, "1") serves at most 3 requests at once and 30 a
// second; RateLimit(0, 0, "1") refuses everything. A request Throttle
// refuses takes no token. RateLimit(-1, 0, "") turns it off.
func (b *base) RateLimit(perSecond float64, burst int, retryAfter string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.bucket = tokenBucket{on: perSecond >= 0, rate: perSecond, burst: float64(burst), tokens: float64(burst), last: time.Now(), retryAfter: retryAfter}
}

// admit takes a token for a request arriving at now, unless it is refused
// already (throttled); it returns whether the request is refused and the
// Retry-After to refuse it with.
func (tb *tokenBucket) admit(now time.Time, throttled bool, retryAfter string) (bool, string) {
	if !tb.on || throttled {
		return throttled, retryAfter
	}
	if now.After(tb.last) {
		tb.tokens = min(tb.burst, tb.tokens+now.Sub(tb.last).Seconds()*tb.rate)
		tb.last = now
	}
	if tb.tokens >= 1 {
		tb.tokens--
		return false, retryAfter
	}
	return true, tb.retryAfter
}
