// Package api speaks to the Prefect API over HTTP: Prefect 2/3's Secret
// blocks (REST) and Prefect 1 Cloud's GraphQL API, as a source and a store
// (Source). Nothing here runs before the API is really asked: no client is
// made and no configuration is read at start-up.
//
// It behaves as Prefect's own client (client/base.py, and Prefect 1.4.1's
// client/client.py) where that is safe:
//
//   - Deadlines. Each call (Get, Names, Has, Set, Delete, Check) has ONE
//     deadline that bounds everything it does: every request, every retry,
//     every wait. It is the user's --timeout when set (Options.Timeout),
//     else twice the request timeout plus the longest Prefect's retry
//     schedule waits (2+4+...+2^retries seconds, plus 20% jitter): 3m14.4s
//     by default for 2/3, 3m1.2s for 1. Each try of a request is bounded by
//     the request timeout (PREFECT_API_REQUEST_TIMEOUT, default 60s;
//     Prefect 1's cloud.request_timeout, 15s), cut short by what is left of
//     the call's deadline. So --timeout overrides all of it, while a try
//     that times out early leaves time to try again.
//   - Retries. 408, 429, 502 and 503 are retried, plus
//     PREFECT_CLIENT_RETRY_EXTRA_CODES, up to PREFECT_CLIENT_MAX_RETRIES
//     (default 5) times (Prefect 1: 429, 500, 502, 503, 504 and GraphQL
//     API_ERROR answers, up to 6 times); so are dropped connections, and a
//     try that timed out when it was a read (a GET, a filter, a GraphQL
//     query): a write that timed out may have been applied, so it is not
//     sent again. The wait is Prefect's: 2^n seconds with clamped Poisson
//     jitter (PREFECT_CLIENT_RETRY_JITTER_FACTOR, 0.2 by default; 0 is
//     none), or the server's Retry-After, which the jitter only lengthens.
//     A wait that would end past the deadline is not waited: the call
//     fails at once, with the server's wait in the message. A try answered
//     with "Prefect-Maintenance: true" does not count against the retries
//     (the deadline still bounds them).
//   - Rate limits, where it differs from Prefect (ratelimit.go): a 429, or
//     a 503 with a Retry-After, counts against no retries; it is tried
//     again until the call's deadline, after Retry-After plus a random
//     share of a window that doubles each time (12 s to 30 s), so that a
//     herd of processes refused together spreads out instead of coming
//     back in step. PREFECT_CLIENT_MAX_RETRIES=0 still means no retry.
//   - CSRF. A server with PREFECT_SERVER_CSRF_PROTECTION_ENABLED answers
//     403 "Missing CSRF token." to a POST, PUT, PATCH or DELETE; then, and
//     only then, the client gets a token (GET /csrf-token?client=<uuid>)
//     and tries again once with the Prefect-Csrf-Token and
//     Prefect-Csrf-Client headers, which later change requests carry too.
//     A 404 or 422 "CSRF protection is disabled." means none is needed.
//     Against a server without CSRF this costs nothing.
//   - TLS. PREFECT_API_SSL_CERT_FILE (Config.SSLCertFile) is the only CA
//     bundle trusted when set; PREFECT_API_TLS_INSECURE_SKIP_VERIFY turns
//     checks off, with a warning every time.
//   - Headers. PREFECT_CLIENT_CUSTOM_HEADERS go on every request and win
//     over the client's own (Authorization included), as in Prefect, but
//     for User-Agent and the CSRF headers, which Prefect protects.
//
// And where it is not: a key goes only over HTTPS unless the host is this
// machine; credentials never follow a redirect to another host; errors and
// the log name methods, paths, statuses and durations, never a credential
// or a value, in any form that went on the wire (the key, the auth string
// and its base64, custom header values, the CSRF token), whatever a server
// echoes.
package api

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	mrand "math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/prefect-secrets/prefect-secrets/internal/prefect"
	"github.com/prefect-secrets/prefect-secrets/internal/uuid"
	"github.com/prefect-secrets/prefect-secrets/resolve"
)

// Prefect's client defaults.
const (
	// DefaultRequestTimeout is PREFECT_API_REQUEST_TIMEOUT's default.
	DefaultRequestTimeout = 60 * time.Second
	// DefaultRequestTimeoutV1 is Prefect 1's cloud.request_timeout.
	DefaultRequestTimeoutV1 = 15 * time.Second
	// DefaultMaxRetries is PREFECT_CLIENT_MAX_RETRIES's default.
	DefaultMaxRetries = 5
	// maxRetriesV1 is Prefect 1.4.1's: urllib3's Retry(total=6), and six
	// more tries of an API_ERROR answer.
	maxRetriesV1 = 6
	// jitterFactor is PREFECT_CLIENT_RETRY_JITTER_FACTOR's default.
	jitterFactor = 0.2
)

// Options tune a Client; the zero value is Prefect's own behaviour.
type Options struct {
	// Timeout is the user's --timeout: one deadline for each whole call,
	// every request, retry and wait included. Zero: twice the request
	// timeout plus the longest Prefect's retry schedule waits (see the
	// package comment).
	Timeout time.Duration
	// Retries, when more than zero, replaces the configuration's
	// MaxRetries.
	Retries int
	// AllowHTTP lets credentials go over plain HTTP to a host that is not
	// this machine.
	AllowHTTP bool
	// HTTP is the client to use (tests hand in one trusting their TLS
	// server); its redirect policy is replaced, and the configuration's
	// TLS settings are not applied to it.
	HTTP *http.Client
	// Log receives one line per request: method, path, status, duration.
	Log func(line string)
	// Sleep waits between tries (tests make it instant).
	Sleep func(ctx context.Context, d time.Duration) error
	// Now is the clock a call's deadline is kept by (tests hand in one
	// that their Sleep moves on); time.Now when nil.
	Now func() time.Time
	// Rand draws the jitter of every wait, in [0, 1) (tests pin it);
	// math/rand/v2 when nil.
	Rand func() float64
}

// Client is one configured Prefect API.
type Client struct {
	cfg  *prefect.Config
	base *url.URL
	opts Options
	http *http.Client

	reqTimeout     time.Duration // one try
	reqTimeoutFrom string
	callTimeout    time.Duration // one call, everything included
	callFrom       string
	retries        int
	retryCodes     map[int]bool
	jitter         float64     // PREFECT_CLIENT_RETRY_JITTER_FACTOR
	headers        http.Header // custom headers, as sent

	// Warnings are things the user should know (e.g. plain HTTP allowed,
	// TLS checks off), to be shown whatever the verbosity.
	Warnings []string

	mu sync.Mutex
	// sensitive are the values this client carries (Set's value): no
	// message may echo them, whichever request a server echoes them in.
	sensitive [][]byte
	csrf      csrfState
	tenant    *string // Prefect 1: the key's tenant, once asked
}

// New checks the configuration's safety rules and returns a client.
func New(cfg *prefect.Config, opts Options) (*Client, error) {
	base, err := url.Parse(cfg.URL)
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, &resolve.Error{Kind: resolve.ErrConfig, Msg: "the Prefect API URL is not an http(s) URL"}
	}
	if base.User != nil {
		return nil, &resolve.Error{Kind: resolve.ErrConfig, Msg: "the Prefect API URL holds a user name or password",
			Hint: "put credentials in PREFECT_API_KEY or PREFECT_API_AUTH_STRING, never in the URL"}
	}
	base.Path = strings.TrimSuffix(base.Path, "/")
	if opts.Sleep == nil {
		opts.Sleep = sleep
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Rand == nil {
		opts.Rand = mrand.Float64
	}
	c := &Client{cfg: cfg, base: base, opts: opts}
	c.settle()
	if c.headers, err = customHeaders(cfg, &c.Warnings); err != nil {
		return nil, err
	}
	hasCreds := cfg.Key.Len() > 0 || cfg.AuthString.Len() > 0 || len(c.headers) > 0
	if base.Scheme == "http" && hasCreds && !prefect.Loopback(cfg.URL) {
		if !opts.AllowHTTP {
			return nil, &resolve.Error{Kind: resolve.ErrConfig,
				Msg:  fmt.Sprintf("refusing to send the Prefect API key over plain HTTP to %s", base.Host),
				Hint: "use an https:// API URL; plain HTTP is only for this machine (127.0.0.1, localhost), or pass --allow-insecure-http if you accept that anyone on the path can read the key"}
		}
		c.Warnings = append(c.Warnings, fmt.Sprintf("sending the Prefect API key over plain HTTP to %s (--allow-insecure-http)", base.Host))
	}
	var hc *http.Client
	if opts.HTTP != nil {
		copied := *opts.HTTP
		hc = &copied
	} else {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		if tr.TLSClientConfig, err = c.tlsConfig(); err != nil {
			return nil, err
		}
		hc = &http.Client{Transport: tr}
	}
	hc.Timeout = 0 // each try has its own context deadline
	hc.CheckRedirect = c.checkRedirect
	c.http = hc
	c.csrf.client = uuid.New()
	return c, nil
}

// settle works out the timeouts and the retry rules from the configuration
// and the options.
func (c *Client) settle() {
	cfg := c.cfg
	c.reqTimeout, c.reqTimeoutFrom = cfg.RequestTimeout, cfg.RequestTimeoutFrom
	if c.reqTimeout <= 0 {
		c.reqTimeout, c.reqTimeoutFrom = DefaultRequestTimeout, "Prefect's default for PREFECT_API_REQUEST_TIMEOUT"
		if cfg.Version == prefect.V1 {
			c.reqTimeout, c.reqTimeoutFrom = DefaultRequestTimeoutV1, "Prefect 1's default cloud.request_timeout"
		}
	}
	c.retries = DefaultMaxRetries
	codes := []int{http.StatusRequestTimeout, http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable}
	if cfg.Version == prefect.V1 {
		c.retries = maxRetriesV1
		codes = []int{http.StatusTooManyRequests, http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout}
	}
	if cfg.MaxRetries != nil {
		c.retries = max(*cfg.MaxRetries, 0)
	}
	if c.opts.Retries > 0 {
		c.retries = c.opts.Retries
	}
	c.jitter = jitterFactor
	if cfg.RetryJitterFactor != nil {
		c.jitter = max(*cfg.RetryJitterFactor, 0)
	}
	c.retryCodes = map[int]bool{}
	for _, code := range append(codes, cfg.RetryExtraCodes...) {
		c.retryCodes[code] = true
	}
	if c.opts.Timeout > 0 {
		c.callTimeout, c.callFrom = c.opts.Timeout, "--timeout"
	} else {
		c.callTimeout = 2*c.reqTimeout + scheduleMax(c.retries, c.jitter)
		c.callFrom = "by default twice the request timeout plus the longest wait of Prefect's retry schedule; --timeout sets it"
	}
}

// scheduleMax is the longest Prefect's retry schedule can wait in all
// without Retry-After: 2^n seconds before try n+1, plus the jitter (20%
// by default). With twice the request timeout added, it is a call's
// default deadline: room for a slow request to time out and be tried
// again, and for every wait Prefect would make.
func scheduleMax(retries int, jitter float64) time.Duration {
	total := 0.0
	for n := 1; n <= retries && total < 1e6; n++ {
		total += math.Pow(2, float64(n)) * (1 + jitter)
	}
	return seconds(min(total, 1e6))
}

// checkRedirect follows a redirect only to the same scheme and host: a
// key must never reach another host, nor go there over plain HTTP.
func (c *Client) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= 5 {
		return errors.New("too many redirects")
	}
	if req.URL.Host != c.base.Host || req.URL.Scheme != c.base.Scheme {
		return &redirectError{to: req.URL.Scheme + "://" + req.URL.Host}
	}
	return nil
}

type redirectError struct{ to string }

func (e *redirectError) Error() string {
	return "the API redirected to " + e.to + ", another host; credentials are not sent there, so the redirect was not followed"
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// errCallDeadline and errTryTimeout say which deadline ended a request.
var (
	errCallDeadline = errors.New("the call's deadline passed")
	errTryTimeout   = errors.New("the request timeout passed")
)

// call gives ctx the call's deadline, and a state that counts its waits
// on rate limits; a call inside a call keeps the outer one's.
func (c *Client) call(ctx context.Context) (context.Context, context.CancelFunc) {
	if stateOf(ctx) == nil {
		ctx = context.WithValue(ctx, callKey{}, &callState{deadline: c.now().Add(c.callTimeout)})
	}
	return context.WithTimeoutCause(ctx, c.callTimeout, errCallDeadline)
}

func (c *Client) now() time.Time { return c.opts.Now() }

func (c *Client) rand() float64 { return c.opts.Rand() }

// pathOf is the URL path of a request, for messages and the log: Prefect
// 1's API is its URL itself, so its path may be "/".
func (c *Client) pathOf(path string) string {
	if p := c.base.Path + path; p != "" {
		return p
	}
	return "/"
}

// endpoint is the API base plus path (already escaped where needed).
func (c *Client) endpoint(path, query string) string {
	u := *c.base
	u.RawPath = ""
	u.Path = c.base.Path + path
	u.RawQuery = query
	return u.String()
}

// reply is an answered request.
type reply struct {
	status   int
	body     []byte
	header   http.Header
	csrfSent string // the CSRF token the request carried, if any
}

// request is one API request, as do sends it.
type request struct {
	method, path, query string
	body                any // sent as JSON when not nil
	// read: the request changes nothing, so a try that timed out may be
	// sent again.
	read bool
	// secrets are the values the request carries: no error may echo them.
	secrets [][]byte
	// again says an answer is worth another try beyond its status
	// (Prefect 1's API_ERROR).
	again func(r *reply) bool
}

// changes says whether a method is one CSRF protection guards.
func changes(method string) bool {
	switch method {
	case http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
		return true
	}
	return false
}

// tally counts a request's tries: all of them, those that count against
// the retries (Prefect's contract), and those rate limited (which count
// against nothing: the deadline bounds them).
type tally struct {
	tries, counted, limited int
	last                    limit // the last rate limit
}

// do sends a request, retrying what is worth retrying within the call's
// deadline, and returns the final answer.
func (c *Client) do(ctx context.Context, q request) (*reply, error) {
	var payload []byte
	if q.body != nil {
		var err error
		if payload, err = json.Marshal(q.body); err != nil {
			return nil, fmt.Errorf("encoding the request: %w", err)
		}
	}
	logPath := c.pathOf(q.path)
	csrfTried := false
	var n tally
	for {
		start := c.now()
		r, err := c.try(ctx, q, payload, logPath)
		took := c.now().Sub(start)
		n.tries++
		if err == nil && r.status == http.StatusForbidden && changes(q.method) && !csrfTried && csrfRefusal(r.body) {
			csrfTried = true
			fetched, err := c.fetchCSRF(ctx, r.csrfSent)
			if err != nil {
				return nil, err
			}
			if fetched {
				n.tries-- // the first try only fetched the token
				continue
			}
			return r, nil // no CSRF here: the 403 is the server's answer
		}
		if !c.worthAgain(q, r, err) {
			if err != nil {
				return nil, c.failed(ctx, q, logPath, err, n)
			}
			return r, nil
		}
		var wait time.Duration
		if l, limited := rateLimit(r); limited {
			n.limited++
			n.last = l
			if wait, err = c.limitWait(ctx, q, logPath, r, l, &n, took); err != nil {
				return nil, err
			}
		} else {
			var last bool
			if wait, last, err = c.retryWait(ctx, q, logPath, r, err, &n); err != nil {
				return nil, err
			}
			if last {
				return r, nil // the caller reads what the last answer says
			}
		}
		if err := c.opts.Sleep(ctx, wait); err != nil {
			return nil, c.failed(ctx, q, logPath, c.ctxErr(ctx, err), n)
		}
	}
}

// retryWait is Prefect's wait before trying again after r or err, which
// is worth another try and not a rate limit: each such try counts against
// PREFECT_CLIENT_MAX_RETRIES but one answered "Prefect-Maintenance: true"
// (as in Prefect; the deadline bounds those). last: the retries are spent
// and r is the answer the caller reads; an error when they are spent on a
// failure, or the wait would end past the deadline.
func (c *Client) retryWait(ctx context.Context, q request, path string, r *reply, err error, n *tally) (time.Duration, bool, error) {
	if r == nil || r.header.Get("Prefect-Maintenance") != "true" {
		n.counted++
	}
	if n.counted > c.retries {
		switch {
		case err != nil:
			return 0, false, c.failed(ctx, q, path, err, *n)
		case c.retryCodes[r.status]:
			return 0, false, c.failure(q, path, &statusError{status: r.status}, n.tries)
		}
		return 0, true, nil
	}
	wait, asked := c.backoff(n.counted, r, q)
	if left, bounded := c.remaining(ctx); bounded && left < wait {
		return 0, false, c.pastDeadline(q, path, r, err, wait, asked, n.tries)
	}
	why := "the request failed"
	if r != nil {
		why = fmt.Sprintf("the API answered %d", r.status)
	}
	c.log("%s: waiting %.1f s (retry %d of %d)", why, wait.Seconds(), n.counted, c.retries)
	return wait, false, nil
}

// failed is the error for err, which ended a request: after rate limits,
// a deadline that passed is the rate limit's error.
func (c *Client) failed(ctx context.Context, q request, path string, err error, n tally) error {
	var te *timeoutError
	if n.limited > 0 && (errors.As(err, &te) && !te.try || errors.Is(err, context.DeadlineExceeded)) {
		return c.rateLimited(ctx, q, path, n.last, n, fmt.Sprintf("the deadline for the whole call (%s, %s) passed during try %d", c.callTimeout, c.callFrom, n.tries))
	}
	return c.failure(q, path, err, n.tries)
}

// worthAgain says whether a try's outcome is worth another try.
func (c *Client) worthAgain(q request, r *reply, err error) bool {
	var te *timeoutError
	switch {
	case errors.As(err, &te):
		return te.try && q.read
	case err != nil:
		return isReset(err)
	case c.retryCodes[r.status]:
		return true
	}
	return q.again != nil && q.again(r)
}

// try sends the request once, within the request timeout.
func (c *Client) try(ctx context.Context, q request, payload []byte, logPath string) (*reply, error) {
	rctx, cancel := context.WithTimeoutCause(ctx, c.reqTimeout, errTryTimeout)
	defer cancel()
	var rd io.Reader
	if payload != nil {
		rd = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(rctx, q.method, c.endpoint(q.path, q.query), rd)
	if err != nil {
		return nil, err
	}
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	c.authorize(req)
	// Custom headers win over the client's own, as in Prefect's client
	// (Authorization included); the protected ones were left out.
	for name, vs := range c.headers {
		req.Header[name] = vs
	}
	req.Header.Set("User-Agent", "prefect-secrets")
	if changes(q.method) {
		c.addCSRF(req)
	}
	start := time.Now()
	resp, err := c.http.Do(req)
	if err != nil {
		c.log("%s %s failed after %s: %s", q.method, logPath, since(start), c.redact(reason(err), q.secrets...))
		return nil, c.tryErr(rctx, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		c.log("%s %s %d, reading the body failed after %s", q.method, logPath, resp.StatusCode, since(start))
		return nil, c.tryErr(rctx, &bodyError{status: resp.StatusCode, err: err})
	}
	c.log("%s %s %d %s", q.method, logPath, resp.StatusCode, since(start))
	return &reply{status: resp.StatusCode, body: b, header: resp.Header, csrfSent: req.Header.Get("Prefect-Csrf-Token")}, nil
}

// tryErr says which deadline, if any, ended a try.
func (c *Client) tryErr(rctx context.Context, err error) error {
	if rctx.Err() == nil {
		return err
	}
	return c.ctxErr(rctx, err)
}

// ctxErr names the deadline that ended ctx, or says the caller gave up.
func (c *Client) ctxErr(ctx context.Context, err error) error {
	switch context.Cause(ctx) {
	case errTryTimeout:
		return &timeoutError{after: c.reqTimeout, from: c.reqTimeoutFrom, try: true}
	case errCallDeadline:
		return &timeoutError{after: c.callTimeout, from: c.callFrom}
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}

func (c *Client) authorize(req *http.Request) {
	switch {
	case c.cfg.AuthString.Len() > 0:
		req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString(c.cfg.AuthString.Reveal()))
	case c.cfg.Key.Len() > 0:
		req.Header.Set("Authorization", "Bearer "+string(c.cfg.Key.Reveal()))
	}
	if t := c.tenantID(); t != "" {
		req.Header.Set("X-PREFECT-TENANT-ID", t)
	}
}

// tenantID is the Prefect 1 tenant to send: the configured one, else the
// key's own once asked.
func (c *Client) tenantID() string {
	if c.cfg.TenantID != "" {
		return c.cfg.TenantID
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.tenant != nil {
		return *c.tenant
	}
	return ""
}

func (c *Client) log(format string, args ...any) {
	if c.opts.Log != nil {
		c.opts.Log(fmt.Sprintf(format, args...))
	}
}

func since(t time.Time) time.Duration { return time.Since(t).Round(100 * time.Microsecond) }
