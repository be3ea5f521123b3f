// Package api speaks to the Prefect API over HTTP: Prefect 2/3's Secret
// blocks (REST) and Prefect 1 Cloud's GraphQL API, as a source and a store
// (Source). Nothing here runs before the API is really asked: no client is
// made and no configuration is read at start-up.
//
// Every request has a deadline; 429, 500, 502, 503, 504 and connection
// resets are retried a bounded number of times with backoff and jitter,
// honouring Retry-After; a key goes only over HTTPS unless the host is this
// machine; credentials never follow a redirect to another host; errors and
// the log name methods, paths, statuses and durations, never a key or a
// value.
package api

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/prefect-secrets/prefect-secrets/cloud"
	"github.com/prefect-secrets/prefect-secrets/resolve"
)

// Options tune a Client; the zero value is Prefect's own behaviour.
type Options struct {
	// Timeout bounds each request (default cloud.DefaultTimeout).
	Timeout time.Duration
	// Retries is how many times a request is tried again (default 5, as
	// Prefect's own client: PREFECT_CLIENT_MAX_RETRIES).
	Retries int
	// AllowHTTP lets credentials go over plain HTTP to a host that is not
	// this machine.
	AllowHTTP bool
	// HTTP is the client to use (tests hand in one trusting their TLS
	// server); its redirect policy is replaced.
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
	// Warnings are things the user should know (e.g. plain HTTP allowed).
	Warnings []string
	// sensitive are the values this client carries (Set's value): no
	// message may echo them, whichever request a server echoes them in.
	sensitive [][]byte
}

// carrying marks value as one no message may show.
func (c *Client) carrying(value []byte) {
	if len(value) > 0 {
		c.sensitive = append(c.sensitive, value)
	}
}

// redact removes every value the client carries, and its credentials,
// from a message built from what a server said.
func (c *Client) redact(s string, more ...[]byte) string {
	all := append([][]byte{c.cfg.Key.Reveal(), c.cfg.AuthString.Reveal()}, c.sensitive...)
	for _, v := range append(all, more...) {
		if len(v) > 0 {
			s = strings.ReplaceAll(s, string(v), resolve.Redacted)
		}
	}
	return s
}

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
	if opts.Timeout <= 0 {
		opts.Timeout = cloud.DefaultTimeout
	}
	if opts.Retries == 0 {
		opts.Retries = 5
	}
	if opts.Sleep == nil {
		opts.Sleep = sleep
	}
	c := &Client{cfg: cfg, base: base, opts: opts}
	hasCreds := cfg.Key.Len() > 0 || cfg.AuthString.Len() > 0
	if base.Scheme == "http" && hasCreds && !cloud.Loopback(cfg.URL) {
		if !opts.AllowHTTP {
			return nil, &resolve.Error{Kind: resolve.ErrConfig,
				Msg:  fmt.Sprintf("refusing to send the Prefect API key over plain HTTP to %s", base.Host),
				Hint: "use an https:// API URL; plain HTTP is only for this machine (127.0.0.1, localhost), or pass --allow-insecure-http if you accept that anyone on the path can read the key"}
		}
		c.Warnings = append(c.Warnings, fmt.Sprintf("sending the Prefect API key over plain HTTP to %s (--allow-insecure-http)", base.Host))
	}
	hc := &http.Client{}
	if opts.HTTP != nil {
		copied := *opts.HTTP
		hc = &copied
	}
	hc.Timeout = 0 // each request has its own context deadline
	hc.CheckRedirect = c.checkRedirect
	c.http = hc
	return c, nil
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

// do sends one request (a JSON body if body != nil), retrying what is
// worth retrying, and returns the final answer. secrets are the values the
// request carries, so no error message can echo them back.
func (c *Client) do(ctx context.Context, method, path, query string, body any, secrets ...[]byte) (*reply, error) {
	var payload []byte
	if body != nil {
		var err error
		if payload, err = json.Marshal(body); err != nil {
			return nil, fmt.Errorf("encoding the request: %w", err)
		}
	}
	logPath := c.pathOf(path)
	for attempt := 0; ; attempt++ {
		r, retry, err := c.try(ctx, method, path, query, payload, logPath)
		if !retry || attempt >= c.opts.Retries {
			if err != nil {
				return nil, c.failure(method, logPath, err, attempt, secrets)
			}
			return r, nil
		}
		var h http.Header
		if r != nil {
			h = r.header
		}
		if err := c.opts.Sleep(ctx, c.backoff(attempt, h)); err != nil {
			return nil, c.failure(method, logPath, err, attempt, secrets)
		}
	}
}

// try sends the request once, and says whether it is worth trying again.
func (c *Client) try(ctx context.Context, method, path, query string, payload []byte, logPath string) (*reply, bool, error) {
	rctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	var rd io.Reader
	if payload != nil {
		rd = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(rctx, method, c.endpoint(path, query), rd)
	if err != nil {
		return nil, false, err
	}
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "prefect-secrets")
	c.authorize(req)
	start := time.Now()
	resp, err := c.http.Do(req)
	if err != nil {
		c.log("%s %s failed after %s: %s", method, logPath, since(start), reason(err))
		if rctx.Err() == context.DeadlineExceeded {
			return nil, false, &timeoutError{after: c.opts.Timeout}
		}
		return nil, isReset(err), err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		c.log("%s %s %d, reading the body failed after %s", method, logPath, resp.StatusCode, since(start))
		if rctx.Err() == context.DeadlineExceeded {
			return nil, false, &timeoutError{after: c.opts.Timeout}
		}
		return nil, true, err
	}
	c.log("%s %s %d %s", method, logPath, resp.StatusCode, since(start))
	r := &reply{status: resp.StatusCode, body: b, header: resp.Header}
	switch resp.StatusCode {
	case http.StatusTooManyRequests, http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return r, true, &statusError{status: resp.StatusCode}
	}
	return r, false, nil
}

// backoff is how long to wait before the next try: exponential with full
// jitter, and never less than what Retry-After asks (plus jitter, so that
// many clients told the same thing do not all come back at once), capped.
func (c *Client) backoff(attempt int, h http.Header) time.Duration {
	const maxWait = 30 * time.Second
	base := 250 * time.Millisecond << attempt
	jitter := time.Duration(rand.Int64N(int64(base)))
	wait := min(base/2+jitter, 8*time.Second)
	if h != nil {
		if ra, ok := retryAfter(h.Get("Retry-After")); ok && ra > wait {
			wait = ra + jitter/2
		}
	}
	return min(wait, maxWait)
}

// retryAfter reads a Retry-After header: seconds, or an HTTP date.
func retryAfter(v string) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.Atoi(v); err == nil && secs >= 0 {
		return time.Duration(secs) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(time.Until(t), 0), true
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
	if c.cfg.TenantID != "" {
		req.Header.Set("X-PREFECT-TENANT-ID", c.cfg.TenantID)
	}
}

func (c *Client) log(format string, args ...any) {
	if c.opts.Log != nil {
		c.opts.Log(fmt.Sprintf(format, args...))
	}
}

func since(t time.Time) time.Duration { return time.Since(t).Round(100 * time.Microsecond) }

type timeoutError struct{ after time.Duration }

func (e *timeoutError) Error() string { return fmt.Sprintf("no answer within %s", e.after) }

type statusError struct{ status int }

func (e *statusError) Error() string { return fmt.Sprintf("HTTP %d", e.status) }

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

// failure turns what went wrong into an error that says what to do.
func (c *Client) failure(method, path string, err error, attempt int, secrets [][]byte) error {
	what := fmt.Sprintf("the Prefect API at %s", c.base.Host)
	tries := ""
	if attempt > 0 {
		tries = fmt.Sprintf(" (after %d tries)", attempt+1)
	}
	var te *timeoutError
	var se *statusError
	var re *redirectError
	switch {
	case errors.As(err, &te):
		return &resolve.Error{Kind: resolve.ErrUnavailable,
			Msg:  fmt.Sprintf("%s did not answer %s %s within %s", what, method, path, te.after),
			Hint: "check the API URL and your network; --timeout sets the deadline"}
	case errors.As(err, &se):
		return &resolve.Error{Kind: resolve.ErrUnavailable,
			Msg:  fmt.Sprintf("%s answered %s %s with %d%s", what, method, path, se.status, tries),
			Hint: "the API is overloaded or failing; try again later"}
	case errors.As(err, &re):
		return &resolve.Error{Kind: resolve.ErrUnavailable, Msg: fmt.Sprintf("%s: %s", what, re.Error()),
			Hint: "check the API URL: it should be the final address of the API"}
	case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
		return &resolve.Error{Kind: resolve.ErrUnavailable, Msg: fmt.Sprintf("%s: %s %s was cut short%s", what, method, path, tries)}
	}
	return &resolve.Error{Kind: resolve.ErrUnavailable,
		Msg:  fmt.Sprintf("cannot reach %s: %s %s: %s%s", what, method, path, c.redact(reason(err), secrets...), tries),
		Hint: "check the API URL (" + c.cfg.URL + ") and your network"}
}

// statusFailure is the error for an answer that is not a success.
func (c *Client) statusFailure(method, path string, r *reply, secrets ...[]byte) error {
	what := fmt.Sprintf("the Prefect API at %s", c.base.Host)
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
	if json.Unmarshal(r.body, &d) == nil && len(c.sensitive) == 0 && len(secrets) == 0 {
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
	case c.cfg.AuthString.Len() > 0:
		hint = "check PREFECT_API_AUTH_STRING (from " + c.cfg.AuthStringFrom + ")"
	case c.cfg.Key.Len() > 0:
		hint = "check the API key (from " + c.cfg.KeyFrom + "): it may be wrong, expired, or lack access to this workspace"
	}
	return &resolve.Error{Kind: resolve.ErrDenied, Msg: msg, Hint: hint}
}

func (c *Client) malformed(method, path string) error {
	return &resolve.Error{Kind: resolve.ErrUnavailable,
		Msg:  fmt.Sprintf("the Prefect API at %s answered %s %s with a malformed response", c.base.Host, method, c.pathOf(path)),
		Hint: "is the API URL (" + c.cfg.URL + ") a Prefect API? Prefect 2/3 URLs end in /api or /workspaces/<id>"}
}
