// What the user is told when a request fails, with every credential and
// carried value cut out.

package api

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"syscall"
	"time"

	"github.com/prefect-secrets/prefect-secrets/resolve"
)

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
		return &resolve.Error{Kind: resolve.ErrUnavailable, Msg: fmt.Sprintf("%s: %s", what, c.redact(re.Error(), q.secrets...)),
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
				what, got, q.method, path, seconds(ra).Round(time.Second), c.redact(asked), c.callTimeout, c.callFrom),
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
