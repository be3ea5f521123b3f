// What the configuration's client settings make of the transport: TLS
// trust and the custom headers.

package api

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"os"
	"sort"
	"strings"

	"github.com/prefect-secrets/prefect-secrets/internal/conffile"
	"github.com/prefect-secrets/prefect-secrets/internal/prefect"
	"github.com/prefect-secrets/prefect-secrets/resolve"
)

// protectedHeaders are the headers Prefect's client manages itself: a
// custom header of that name is ignored, with a warning.
var protectedHeaders = map[string]bool{"User-Agent": true, "Prefect-Csrf-Token": true, "Prefect-Csrf-Client": true}

// customHeaders checks PREFECT_CLIENT_CUSTOM_HEADERS: names that are HTTP
// tokens, values that fit in a header. A value is never shown.
func customHeaders(cfg *prefect.Config, warnings *[]string) (http.Header, error) {
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
		if c.base.Scheme != "https" {
			return conf, nil // no TLS to check: nothing to warn of
		}
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
	// Read as Prefect's own files are: only a regular file, never waiting on
	// a FIFO, and bounded.
	pem, err := conffile.ReadMax(cfg.SSLCertFile, maxCAFile)
	if err != nil {
		var ce *conffile.Error
		if errors.As(err, &ce) {
			return nil, bad(fmt.Sprintf("%s: %s", ce.Error(), cfg.SSLCertFile))
		}
		return nil, bad(fmt.Sprintf("cannot be read: %s", unwrapPath(err)))
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
