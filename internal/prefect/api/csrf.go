// CSRF tokens, as Prefect's client gets and sends them (client/base.py).

package api

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// csrfState is what the client knows of the server's CSRF protection.
type csrfState struct {
	client  string // our id, a UUID, as Prefect's client makes one
	token   string
	expires time.Time
	off     bool // the server said none is needed
	// fetching serializes token requests: the server keeps one token per
	// client id, so a second fetch would void the first one's token.
	fetching sync.Mutex
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

// fetchCSRF asks the server for a CSRF token, as Prefect's client does,
// after a try that sent refused (empty if none); false when the server
// says none is needed (404, or 422 "CSRF protection is disabled."). A
// token another request fetched meanwhile is used instead.
func (c *Client) fetchCSRF(ctx context.Context, refused string) (bool, error) {
	c.csrf.fetching.Lock()
	defer c.csrf.fetching.Unlock()
	c.mu.Lock()
	off, client, token := c.csrf.off, c.csrf.client, c.csrf.token
	c.mu.Unlock()
	if off {
		return false, nil
	}
	if token != "" && token != refused {
		return true, nil
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
