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
//     jitter (factor 0.2), or the server's Retry-After, which the jitter
//     only lengthens. A wait that would end past the deadline is not
//     waited: the call fails at once, with the server's wait in the
//     message. A try answered with "Prefect-Maintenance: true" does not
//     count against the retries (the deadline still bounds them).
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
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/prefect-secrets/prefect-secrets/cloud"
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
}

// Client is one configured Prefect API.
type Client struct {
	cfg  *cloud.Config
	base *url.URL
	opts Options
	http *http.Client

	reqTimeout     time.Duration // one try
	reqTimeoutFrom string
	callTimeout    time.Duration // one call, everything included
	callFrom       string
	retries        int
	retryCodes     map[int]bool
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

// csrfState is what the client knows of the server's CSRF protection.
type csrfState struct {
	client  string // our id, a UUID, as Prefect's client makes one
	token   string
	expires time.Time
	off     bool // the server said none is needed
}

// carrying marks value as one no message may show.
func (c *Client) carrying(value []byte) {
	if len(value) > 0 {
		c.mu.Lock()
		c.sensitive = append(c.sensitive, value)
		c.mu.Unlock()
	}
}

// onTheWire is every form of a credential this client sends: the key, the
// auth string and its base64, custom header values, the CSRF token.
func (c *Client) onTheWire() [][]byte {
	out := [][]byte{c.cfg.Key.Reveal(), c.cfg.AuthString.Reveal()}
	if a := c.cfg.AuthString.Reveal(); len(a) > 0 {
		// Unpadded, so a padded echo is covered too.
		out = append(out, []byte(base64.RawStdEncoding.EncodeToString(a)))
	}
	for _, vs := range c.headers {
		for _, v := range vs {
			out = append(out, []byte(v))
		}
	}
	c.mu.Lock()
	if c.csrf.token != "" {
		out = append(out, []byte(c.csrf.token))
	}
	out = append(out, c.sensitive...)
	c.mu.Unlock()
	return out
}

// redact removes every value the client carries, and every form of its
// credentials, from a message built from what a server said.
func (c *Client) redact(s string, more ...[]byte) string {
	all := append(c.onTheWire(), more...)
	// Longest first: one value may hold another.
	sort.Slice(all, func(i, j int) bool { return len(all[i]) > len(all[j]) })
	for _, v := range all {
		if len(v) > 0 {
			s = strings.ReplaceAll(s, string(v), resolve.Redacted)
		}
	}
	return s
}

// protectedHeaders are the headers Prefect's client manages itself: a
// custom header of that name is ignored, with a warning.
var protectedHeaders = map[string]bool{"User-Agent": true, "Prefect-Csrf-Token": true, "Prefect-Csrf-Client": true}

// New checks the configuration's safety rules and returns a client.
func New(cfg *cloud.Config, opts Options) (*Client, error) {
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
	c := &Client{cfg: cfg, base: base, opts: opts}
	c.settle()
	if c.headers, err = customHeaders(cfg, &c.Warnings); err != nil {
		return nil, err
	}
	hasCreds := cfg.Key.Len() > 0 || cfg.AuthString.Len() > 0 || len(c.headers) > 0
	if base.Scheme == "http" && hasCreds && !cloud.Loopback(cfg.URL) {
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
	c.csrf.client = newUUID()
	return c, nil
}

// settle works out the timeouts and the retry rules from the configuration
// and the options.
func (c *Client) settle() {
	cfg := c.cfg
	c.reqTimeout, c.reqTimeoutFrom = cfg.RequestTimeout, cfg.RequestTimeoutFrom
	if c.reqTimeout <= 0 {
		c.reqTimeout, c.reqTimeoutFrom = DefaultRequestTimeout, "Prefect's default for PREFECT_API_REQUEST_TIMEOUT"
		if cfg.Version == cloud.V1 {
			c.reqTimeout, c.reqTimeoutFrom = DefaultRequestTimeoutV1, "Prefect 1's default cloud.request_timeout"
		}
	}
	c.retries = DefaultMaxRetries
	codes := []int{http.StatusRequestTimeout, http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable}
	if cfg.Version == cloud.V1 {
		c.retries = maxRetriesV1
		codes = []int{http.StatusTooManyRequests, http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout}
	}
	if cfg.MaxRetries != nil {
		c.retries = max(*cfg.MaxRetries, 0)
	}
	if c.opts.Retries > 0 {
		c.retries = c.opts.Retries
	}
	c.retryCodes = map[int]bool{}
	for _, code := range append(codes, cfg.RetryExtraCodes...) {
		c.retryCodes[code] = true
	}
	if c.opts.Timeout > 0 {
		c.callTimeout, c.callFrom = c.opts.Timeout, "--timeout"
	} else {
		c.callTimeout = 2*c.reqTimeout + scheduleMax(c.retries)
		c.callFrom = "by default twice the request timeout plus the longest wait of Prefect's retry schedule; --timeout sets it"
	}
}

// scheduleMax is the longest Prefect's retry schedule can wait in all
// without Retry-After: 2^n seconds before try n+1, plus 20% jitter. With
// twice the request timeout added, it is a call's default deadline: room
// for a slow request to time out and be tried again, and for every wait
// Prefect would make.
func scheduleMax(retries int) time.Duration {
	total := 0.0
	for n := 1; n <= retries && total < 1e6; n++ {
		total += math.Pow(2, float64(n)) * (1 + jitterFactor)
	}
	return seconds(min(total, 1e6))
}

// customHeaders checks PREFECT_CLIENT_CUSTOM_HEADERS: names that are HTTP
// tokens, values that fit in a header. A value is never shown.
func customHeaders(cfg *cloud.Config, warnings *[]string) (http.Header, error) {
	h := http.Header{}
	names := make([]string, 0, len(cfg.CustomHeaders))
	for n := range cfg.CustomHeaders {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		bad := func(what string) error {
			return &resolve.Error{Kind: resolve.ErrConfig,
				Msg:  fmt.Sprintf("PREFECT_CLIENT_CUSTOM_HEADERS (from %s): header %q %s", cfg.CustomHeadersFrom, name, what),
				Hint: `it is a JSON object of header names and values, e.g. {"X-Proxy-Token": "..."}`}
		}
		if !isToken(name) {
			return nil, bad("is not a valid header name")
		}
		value := cfg.CustomHeaders[name].Reveal()
		if bytes.ContainsAny(value, "\r\n\x00") {
			return nil, bad("has a value with a line break or NUL, which no header can carry")
		}
		canon := http.CanonicalHeaderKey(name)
		if protectedHeaders[canon] {
			*warnings = append(*warnings, fmt.Sprintf("PREFECT_CLIENT_CUSTOM_HEADERS (from %s): header %q is ignored: Prefect manages User-Agent, Prefect-Csrf-Token and Prefect-Csrf-Client itself", cfg.CustomHeadersFrom, name))
			continue
		}
		h.Set(canon, string(value))
	}
	return h, nil
}

// isToken says whether s is an HTTP token (RFC 9110), as a header name must be.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		case strings.ContainsRune("!#$%&'*+-.^_`|~", r):
		default:
			return false
		}
	}
	return true
}

// maxCAFile bounds what is read of PREFECT_API_SSL_CERT_FILE: certifi's
// whole bundle is about 300 KB.
const maxCAFile = 8 << 20

// tlsConfig is Prefect's TLS: PREFECT_API_TLS_INSECURE_SKIP_VERIFY checks
// nothing (and says so every time); PREFECT_API_SSL_CERT_FILE is the only
// bundle trusted; else the system's roots.
func (c *Client) tlsConfig() (*tls.Config, error) {
	cfg := c.cfg
	conf := &tls.Config{MinVersion: tls.VersionTLS12}
	if cfg.InsecureSkipVerify {
		conf.InsecureSkipVerify = true
		c.Warnings = append(c.Warnings, fmt.Sprintf("TLS certificate checks are off (PREFECT_API_TLS_INSECURE_SKIP_VERIFY, from %s): anyone on the network path to %s can pose as the Prefect API and read the key", cfg.InsecureSkipVerifyFrom, c.base.Host))
		return conf, nil
	}
	if cfg.SSLCertFile == "" {
		return conf, nil
	}
	bad := func(what string) error {
		return &resolve.Error{Kind: resolve.ErrConfig,
			Msg:  fmt.Sprintf("PREFECT_API_SSL_CERT_FILE (from %s) %s", cfg.SSLCertFileFrom, what),
			Hint: "point it at the PEM file of the CA certificates that sign your Prefect server's certificate, or unset it to trust the system's"}
	}
	f, err := os.Open(cfg.SSLCertFile)
	if err != nil {
		return nil, bad(fmt.Sprintf("cannot be read: %s", unwrapPath(err)))
	}
	defer f.Close()
	if info, err := f.Stat(); err != nil || !info.Mode().IsRegular() {
		return nil, bad(fmt.Sprintf("is not a regular file: %s", cfg.SSLCertFile))
	}
	pem, err := io.ReadAll(io.LimitReader(f, maxCAFile+1))
	if err != nil {
		return nil, bad(fmt.Sprintf("cannot be read: %s", unwrapPath(err)))
	}
	if len(pem) > maxCAFile {
		return nil, bad(fmt.Sprintf("is over %d MiB: %s is not a CA bundle", maxCAFile>>20, cfg.SSLCertFile))
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, bad(fmt.Sprintf("holds no PEM certificate: %s", cfg.SSLCertFile))
	}
	conf.RootCAs = pool
	return conf, nil
}

func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
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

// call gives ctx the call's deadline; a call inside a call keeps the
// outer one.
func (c *Client) call(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeoutCause(ctx, c.callTimeout, errCallDeadline)
}

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
	status int
	body   []byte
	header http.Header
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
	tries := 0
	for {
		r, err := c.try(ctx, q, payload, logPath)
		tries++
		if err == nil && r.status == http.StatusForbidden && changes(q.method) && !csrfTried && csrfRefusal(r.body) {
			csrfTried = true
			fetched, err := c.fetchCSRF(ctx)
			if err != nil {
				return nil, err
			}
			if fetched {
				tries-- // the first try only fetched the token
				continue
			}
			return r, nil // no CSRF here: the 403 is the server's answer
		}
		if !c.worthAgain(q, r, err) {
			if err != nil {
				return nil, c.failure(q, logPath, err, tries)
			}
			return r, nil
		}
		if r != nil && r.header.Get("Prefect-Maintenance") == "true" {
			tries-- // as Prefect: maintenance is not counted; the deadline bounds it
		}
		if tries > c.retries {
			if err != nil {
				return nil, c.failure(q, logPath, err, tries)
			}
			if c.retryCodes[r.status] {
				return nil, c.failure(q, logPath, &statusError{status: r.status}, tries)
			}
			return r, nil // the caller reads what the last answer says
		}
		wait, asked := c.backoff(tries, r, q)
		if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < wait {
			return nil, c.pastDeadline(q, logPath, r, err, wait, asked, tries)
		}
		if err := c.opts.Sleep(ctx, wait); err != nil {
			return nil, c.failure(q, logPath, c.ctxErr(ctx, err), tries)
		}
	}
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
		c.log("%s %s failed after %s: %s", q.method, logPath, since(start), c.redact(reason(err)))
		return nil, c.tryErr(rctx, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		c.log("%s %s %d, reading the body failed after %s", q.method, logPath, resp.StatusCode, since(start))
		return nil, c.tryErr(rctx, &bodyError{status: resp.StatusCode, err: err})
	}
	c.log("%s %s %d %s", q.method, logPath, resp.StatusCode, since(start))
	return &reply{status: resp.StatusCode, body: b, header: resp.Header}, nil
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

// csrfRefusal says a 403 is Prefect's CSRF middleware speaking.
func csrfRefusal(body []byte) bool {
	var d struct {
		Detail string `json:"detail"`
	}
	if json.Unmarshal(body, &d) != nil {
		return false
	}
	for _, p := range []string{"Missing CSRF token", "Missing client identifier", "Invalid CSRF token"} {
		if strings.HasPrefix(d.Detail, p) {
			return true
		}
	}
	return false
}

// addCSRF puts the CSRF token on a change request, if the client has one.
func (c *Client) addCSRF(req *http.Request) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.csrf.token == "" {
		return
	}
	if !c.csrf.expires.IsZero() && time.Now().After(c.csrf.expires) {
		c.csrf.token = ""
		return
	}
	req.Header.Set("Prefect-Csrf-Token", c.csrf.token)
	req.Header.Set("Prefect-Csrf-Client", c.csrf.client)
}

// fetchCSRF asks the server for a CSRF token, as Prefect's client does;
// false when the server says none is needed (404, or 422 "CSRF protection
// is disabled.").
func (c *Client) fetchCSRF(ctx context.Context) (bool, error) {
	c.mu.Lock()
	off, client := c.csrf.off, c.csrf.client
	c.mu.Unlock()
	if off {
		return false, nil
	}
	const path = "/csrf-token"
	r, err := c.do(ctx, request{method: http.MethodGet, path: path, query: "client=" + url.QueryEscape(client), read: true})
	if err != nil {
		return false, err
	}
	switch {
	case r.status == http.StatusNotFound,
		r.status == http.StatusUnprocessableEntity && bytes.Contains(r.body, []byte("CSRF protection is disabled.")):
		c.mu.Lock()
		c.csrf.off = true
		c.mu.Unlock()
		return false, nil
	case r.status != http.StatusOK:
		return false, c.statusFailure(http.MethodGet, path, r)
	}
	var tok struct {
		Token      string `json:"token"`
		Expiration string `json:"expiration"`
	}
	if json.Unmarshal(r.body, &tok) != nil || tok.Token == "" {
		return false, c.malformed(http.MethodGet, path)
	}
	c.mu.Lock()
	c.csrf.token = tok.Token
	c.csrf.expires = time.Time{}
	if t, err := time.Parse(time.RFC3339Nano, tok.Expiration); err == nil {
		c.csrf.expires = t
	}
	c.mu.Unlock()
	return true, nil
}

func (c *Client) log(format string, args ...any) {
	if c.opts.Log != nil {
		c.opts.Log(fmt.Sprintf(format, args...))
	}
}

func since(t time.Time) time.Duration { return time.Since(t).Round(100 * time.Microsecond) }

// timeoutError is a deadline that passed: one try's (try) or the call's.
type timeoutError struct {
	after time.Duration
	from  string
	try   bool
}

func (e *timeoutError) Error() string { return fmt.Sprintf("no answer within %s", e.after) }

type statusError struct{ status int }

func (e *statusError) Error() string { return fmt.Sprintf("HTTP %d", e.status) }

// bodyError is an answer whose body could not be read.
type bodyError struct {
	status int
	err    error
}

func (e *bodyError) Error() string {
	return fmt.Sprintf("the body of its %d answer broke off: %v", e.status, e.err)
}
func (e *bodyError) Unwrap() error { return e.err }

func isReset(err error) bool {
	return errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.EPIPE)
}

// reason is a transport error without the URL Go's client puts in it.
func reason(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	var re *redirectError
	if errors.As(err, &re) {
		return re.Error()
	}
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Err != nil {
		return oe.Op + ": " + oe.Err.Error()
	}
	return err.Error()
}

// certProblem is a TLS certificate the client would not trust, if err
// is one.
func certProblem(err error) (string, bool) {
	var ua x509.UnknownAuthorityError
	var he x509.HostnameError
	var ci x509.CertificateInvalidError
	var ve *tls.CertificateVerificationError
	switch {
	case errors.As(err, &ua):
		return "it is signed by an authority this machine does not trust", true
	case errors.As(err, &he):
		return he.Error(), true
	case errors.As(err, &ci):
		return ci.Error(), true
	case errors.As(err, &ve):
		return ve.Err.Error(), true
	}
	return "", false
}

// tries says how many tries a failure took, when more than one.
func tries(n int) string {
	if n > 1 {
		return fmt.Sprintf(" (after %d tries)", n)
	}
	return ""
}

// failure turns what went wrong into an error that says what to do.
func (c *Client) failure(q request, path string, err error, n int) error {
	what := fmt.Sprintf("the Prefect API at %s", c.base.Host)
	var te *timeoutError
	var se *statusError
	var re *redirectError
	switch {
	case errors.As(err, &te) && !te.try:
		return &resolve.Error{Kind: resolve.ErrUnavailable,
			Msg:  fmt.Sprintf("%s did not answer %s %s within %s (the deadline for the whole call: %s)%s%s", what, q.method, path, te.after, te.from, tries(n), c.unknownOutcome(q)),
			Hint: "check the API URL and your network; --timeout sets the deadline for each whole call, retries included"}
	case errors.As(err, &te):
		return &resolve.Error{Kind: resolve.ErrUnavailable,
			Msg:  fmt.Sprintf("%s did not answer %s %s within %s (the request timeout: %s)%s%s", what, q.method, path, te.after, te.from, tries(n), c.unknownOutcome(q)),
			Hint: "check the API URL and your network; PREFECT_API_REQUEST_TIMEOUT sets how long one request may take, --timeout the whole call"}
	case errors.As(err, &se):
		return &resolve.Error{Kind: resolve.ErrUnavailable,
			Msg:  fmt.Sprintf("%s answered %s %s with %d%s", what, q.method, path, se.status, tries(n)),
			Hint: "the API is overloaded or failing; try again later"}
	case errors.As(err, &re):
		return &resolve.Error{Kind: resolve.ErrUnavailable, Msg: fmt.Sprintf("%s: %s", what, re.Error()),
			Hint: "check the API URL: it should be the final address of the API"}
	case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
		return &resolve.Error{Kind: resolve.ErrUnavailable, Msg: fmt.Sprintf("%s: %s %s was cut short%s", what, q.method, path, tries(n))}
	}
	if problem, ok := certProblem(err); ok {
		hint := "if the server's certificate comes from a private CA, set PREFECT_API_SSL_CERT_FILE to that CA's certificate (PEM)"
		if c.cfg.SSLCertFile != "" {
			hint = fmt.Sprintf("PREFECT_API_SSL_CERT_FILE (from %s) is the only CA bundle trusted: it must hold the CA that signed the server's certificate", c.cfg.SSLCertFileFrom)
		}
		return &resolve.Error{Kind: resolve.ErrUnavailable,
			Msg:  fmt.Sprintf("%s is not trusted: its TLS certificate was refused (%s) on %s %s", what, c.redact(problem), q.method, path),
			Hint: hint}
	}
	var be *bodyError
	if errors.As(err, &be) {
		return &resolve.Error{Kind: resolve.ErrUnavailable,
			Msg:  fmt.Sprintf("%s answered %s %s with %d, but the answer broke off%s", what, q.method, path, be.status, tries(n)),
			Hint: "check the API URL (" + c.cfg.URL + ") and your network"}
	}
	return &resolve.Error{Kind: resolve.ErrUnavailable,
		Msg:  fmt.Sprintf("cannot reach %s: %s %s: %s%s", what, q.method, path, c.redact(reason(err), q.secrets...), tries(n)),
		Hint: "check the API URL (" + c.cfg.URL + ") and your network"}
}

// unknownOutcome is said of a write whose answer never came: it may have
// been applied.
func (c *Client) unknownOutcome(q request) string {
	if q.read {
		return ""
	}
	return "; whether the server applied it is not known"
}

// pastDeadline is the error when the next try would start past the
// deadline: at once, rather than after a wait that cannot help.
func (c *Client) pastDeadline(q request, path string, r *reply, err error, wait time.Duration, asked string, n int) error {
	what := fmt.Sprintf("the Prefect API at %s", c.base.Host)
	got := "failed"
	if r != nil {
		got = fmt.Sprintf("answered %d", r.status)
	} else if err != nil {
		got = "failed: " + c.redact(reason(err), q.secrets...)
	}
	if asked != "" {
		ra, _ := retryAfter(asked)
		return &resolve.Error{Kind: resolve.ErrUnavailable,
			Msg: fmt.Sprintf("%s %s to %s %s and asked to wait %s (Retry-After: %s) before trying again, past the deadline for the whole call (%s, %s)",
				what, got, q.method, path, seconds(ra).Round(time.Second), asked, c.callTimeout, c.callFrom),
			Hint: "the API is rate-limiting or under maintenance; try again later, or give a longer --timeout"}
	}
	return &resolve.Error{Kind: resolve.ErrUnavailable,
		Msg: fmt.Sprintf("%s %s to %s %s%s; the next try, in %s, would be past the deadline for the whole call (%s, %s)",
			what, got, q.method, path, tries(n), wait.Round(100*time.Millisecond), c.callTimeout, c.callFrom),
		Hint: "the API is overloaded or failing; try again later, or give a longer --timeout"}
}

// statusFailure is the error for an answer that is not a success.
func (c *Client) statusFailure(method, path string, r *reply, secrets ...[]byte) error {
	what := fmt.Sprintf("the Prefect API at %s", c.base.Host)
	if r.status == http.StatusForbidden && csrfRefusal(r.body) {
		return &resolve.Error{Kind: resolve.ErrDenied,
			Msg:  fmt.Sprintf("%s refused %s %s with 403: its CSRF protection did not accept the client's token", what, method, c.pathOf(path)),
			Hint: "the server has PREFECT_SERVER_CSRF_PROTECTION_ENABLED; try again, and check that nothing between you and it drops the Prefect-Csrf-Token and Prefect-Csrf-Client headers"}
	}
	switch r.status {
	case http.StatusUnauthorized, http.StatusForbidden:
		return c.denied(fmt.Sprintf("%s refused %s %s with %d", what, method, c.pathOf(path), r.status))
	}
	detail := ""
	var d struct {
		Detail any `json:"detail"`
	}
	// A server's own words help ("Block already exists"), but one may echo
	// the request: while a value is being written, only the status is told.
	c.mu.Lock()
	writing := len(c.sensitive) > 0
	c.mu.Unlock()
	if json.Unmarshal(r.body, &d) == nil && !writing && len(secrets) == 0 {
		if s, ok := d.Detail.(string); ok && len(s) < 200 {
			detail = ": " + c.redact(s)
		}
	}
	return &resolve.Error{Kind: resolve.ErrUnavailable,
		Msg: fmt.Sprintf("%s answered %s %s with %d%s", what, method, c.pathOf(path), r.status, detail)}
}

// denied is an authentication failure, with where the credentials came from.
func (c *Client) denied(msg string) error {
	hint := "no API key is set: set PREFECT_API_KEY, or run prefect cloud login"
	switch {
	case c.headers.Get("Authorization") != "":
		hint = "check the Authorization header of PREFECT_CLIENT_CUSTOM_HEADERS (from " + c.cfg.CustomHeadersFrom + "): it replaces the key's"
	case c.cfg.AuthString.Len() > 0:
		hint = "check PREFECT_API_AUTH_STRING (from " + c.cfg.AuthStringFrom + ")"
	case c.cfg.Key.Len() > 0:
		hint = "check the API key (from " + c.cfg.KeyFrom + "): it may be wrong, expired, or lack access to this workspace"
	}
	if len(c.headers) > 0 && c.headers.Get("Authorization") == "" {
		hint += "; and the headers of PREFECT_CLIENT_CUSTOM_HEADERS (from " + c.cfg.CustomHeadersFrom + "), if a proxy wants them"
	}
	return &resolve.Error{Kind: resolve.ErrDenied, Msg: msg, Hint: hint}
}

func (c *Client) malformed(method, path string) error {
	return &resolve.Error{Kind: resolve.ErrUnavailable,
		Msg:  fmt.Sprintf("the Prefect API at %s answered %s %s with a malformed response", c.base.Host, method, c.pathOf(path)),
		Hint: "is the API URL (" + c.cfg.URL + ") a Prefect API? Prefect 2/3 URLs end in /api or /workspaces/<id>"}
}

// newUUID is a random (version 4) UUID.
func newUUID() string {
	var u [16]byte
	if _, err := rand.Read(u[:]); err != nil {
		panic(err)
	}
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}
