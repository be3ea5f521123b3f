// Rate limits: a 429, or a 503 with a Retry-After, is a schedule to keep,
// not a failure to count.
//
// Prefect's client waits the server's Retry-After plus up to 20% jitter
// and counts each such answer against PREFECT_CLIENT_MAX_RETRIES. A herd
// of processes refused together then comes back together, about one
// Retry-After later, is refused together again, and five tries are spent
// in six seconds. Here a rate-limited try counts against nothing: the
// request is tried again until its call's deadline, and each wait is
//
//	Retry-After + U(0, W_k)   W_k = min(30 s, max(12 s, Retry-After) * 2^(k-1))
//
// for the k-th rate-limited answer of the request: never less than the
// server asked, and spread over a window that doubles each time, so a
// herd thins out instead of coming back in step. (Full jitter above the
// server's floor. The first window is what a herd of a few hundred runs
// refused at once needs to come back at a rate a limit of 30 requests a
// second takes with few refused twice: 200 runs then cost about 1.9
// requests each. A 4 s window cost 2.3, 8 s 2.05 (bench/README.md). The
// price is the wait of a lone 429: Retry-After plus 6 s on average.)
// PREFECT_CLIENT_MAX_RETRIES=0 still means no retry of any kind.

package api

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/prefect-secrets/prefect-secrets/internal/prefect"
	"github.com/prefect-secrets/prefect-secrets/resolve"
)

// The rate-limit window: its first width (or Retry-After, if longer),
// doubled each rate-limited try, and its cap.
const (
	limitWindow    = 12 * time.Second
	limitWindowCap = 30 * time.Second
)

// callKey holds a call's state in its context.
type callKey struct{}

// callState is what one call (Get, Set, ...) keeps across its requests:
// its deadline by the client's clock, and how long it has waited on rate
// limits.
type callState struct {
	deadline time.Time
	mu       sync.Mutex
	waited   time.Duration
}

func stateOf(ctx context.Context) *callState {
	st, _ := ctx.Value(callKey{}).(*callState)
	return st
}

func (st *callState) add(d time.Duration) {
	if st != nil {
		st.mu.Lock()
		st.waited += d
		st.mu.Unlock()
	}
}

func (st *callState) total() time.Duration {
	if st == nil {
		return 0
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.waited
}

// remaining is how long the call has left, by the context's deadline and
// by the call's own on the client's clock; false when neither has one.
func (c *Client) remaining(ctx context.Context) (time.Duration, bool) {
	left, bounded := time.Duration(math.MaxInt64), false
	if d, ok := ctx.Deadline(); ok {
		left, bounded = time.Until(d), true
	}
	if st := stateOf(ctx); st != nil {
		left, bounded = min(left, st.deadline.Sub(c.now())), true
	}
	return left, bounded
}

// limit is a rate-limited answer: its status and the server's
// Retry-After (0 and "" when it sent none).
type limit struct {
	status int
	ra     float64
	asked  string
}

// rateLimit says whether r is a rate limit: any 429, or a 503 with a
// Retry-After that can be read.
func rateLimit(r *reply) (limit, bool) {
	if r == nil || (r.status != http.StatusTooManyRequests && r.status != http.StatusServiceUnavailable) {
		return limit{}, false
	}
	v := strings.TrimSpace(r.header.Get("Retry-After"))
	ra, ok := retryAfter(v)
	if !ok {
		if r.status == http.StatusServiceUnavailable {
			return limit{}, false
		}
		v = ""
	}
	return limit{status: r.status, ra: ra, asked: v}, true
}

// limitWait is the wait after the k-th rate-limited answer (n.limited),
// cut to what the deadline leaves for one more try as long as took; an
// error when even the server's Retry-After does not fit, or when retries
// are off.
func (c *Client) limitWait(ctx context.Context, q request, path string, r *reply, l limit, n *tally, took time.Duration) (time.Duration, error) {
	if c.retries == 0 && r.header.Get("Prefect-Maintenance") != "true" {
		return 0, c.rateLimited(ctx, q, path, l, *n, "PREFECT_CLIENT_MAX_RETRIES is 0"+from(c.cfg.MaxRetriesFrom)+", so it was not tried again")
	}
	floor := seconds(l.ra)
	window := min(limitWindowCap, max(limitWindow, floor)<<min(n.limited-1, 20))
	wait := floor + time.Duration(c.rand()*float64(window))
	if left, bounded := c.remaining(ctx); bounded && wait > left-took {
		if floor > left-took {
			return 0, c.rateLimited(ctx, q, path, l, *n, fmt.Sprintf("the next try would be past the deadline for the whole call (%s, %s)", c.callTimeout, c.callFrom))
		}
		wait = left - took
	}
	what := "rate limited by the API"
	if l.status != http.StatusTooManyRequests {
		what = fmt.Sprintf("the API is unavailable (%d) and asks to wait", l.status)
	}
	c.log("%s: waiting %.1f s (try %d, %s)", what, wait.Seconds(), n.tries, c.asked(l))
	stateOf(ctx).add(wait)
	return wait, nil
}

// asked is the server's Retry-After for a message.
func (c *Client) asked(l limit) string {
	if l.asked == "" {
		return "no Retry-After"
	}
	return "Retry-After " + c.redact(l.asked)
}

// rateLimited is the error of a request the API kept refusing: what it
// answered, how often, how long was waited in all, why it ended (end),
// and what gives it longer.
func (c *Client) rateLimited(ctx context.Context, q request, path string, l limit, n tally, end string) error {
	try := "tries"
	if n.limited == 1 {
		try = "try"
	}
	msg := fmt.Sprintf("the Prefect API at %s is rate limiting: it answered %s %s with %d (%s) to %d %s, waited %.1f s in all, and %s",
		c.base.Host, q.method, path, l.status, c.asked(l), n.limited, try, stateOf(ctx).total().Seconds(), end)
	return &resolve.Error{Kind: resolve.ErrUnavailable, Msg: msg, Hint: c.limitHint()}
}

// limitHint says which setting gives a rate-limited call longer.
func (c *Client) limitHint() string {
	if c.retries == 0 {
		return "PREFECT_CLIENT_MAX_RETRIES=0 turns every retry off, rate limits included: unset it (or set it above 0) to wait for the API, or try again later"
	}
	if c.opts.Timeout > 0 {
		return "the API limits how many requests it takes; give each call longer with a longer --timeout (or PREFECT_SECRETS_TIMEOUT), or try again later"
	}
	return fmt.Sprintf("the API limits how many requests it takes; give each call longer with --timeout (or PREFECT_SECRETS_TIMEOUT), e.g. --timeout 10m, or with a longer %s (now %s, %s): the default deadline is twice it plus Prefect's retry waits",
		c.requestTimeoutSetting(), c.reqTimeout, c.reqTimeoutFrom)
}

// requestTimeoutSetting names the setting of one request's timeout.
func (c *Client) requestTimeoutSetting() string {
	if c.cfg.Version == prefect.V1 {
		return "cloud.request_timeout"
	}
	return "PREFECT_API_REQUEST_TIMEOUT"
}

// from is " (from WHERE)", or nothing when where is unknown.
func from(where string) string {
	if where == "" {
		return ""
	}
	return " (from " + where + ")"
}
