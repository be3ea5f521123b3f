package api

import (
	"encoding/base64"
	"sort"
	"strings"

	"github.com/prefect-secrets/prefect-secrets/internal/mask"
	"github.com/prefect-secrets/prefect-secrets/resolve"
)

// Every text that comes from a server (an error's detail, a GraphQL error,
// a transport error, a certificate's complaint, a redirect's target, a
// Retry-After) reaches an error or the log only through redact.

// carrying marks value as one no message may show.
func (c *Client) carrying(value []byte) {
	if len(value) > 0 {
		c.mu.Lock()
		c.sensitive = append(c.sensitive, value)
		c.mu.Unlock()
	}
}

// onTheWire is every form of a credential this client sends: the key, the
// auth string and its base64, custom header values, the CSRF token; and
// the values it carries.
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

// redact removes from s, text a server sent, every value this run resolved
// (from any source) or sent, in every form exec masks in a command's
// output (mask's: base64 inside a longer text, URL, JSON and quoted
// forms), and every credential and carried value (more too) exactly as it
// went on the wire, however short. Each stretch cut out becomes
// resolve.Redacted.
func (c *Client) redact(s string, more ...[]byte) string {
	exact := append(c.onTheWire(), more...)
	var secrets []mask.Secret
	for _, v := range append(resolve.Known(), exact...) {
		secrets = append(secrets, mask.Secret{Value: v})
	}
	m, _ := mask.New(secrets, mask.Options{Marker: func(string) string { return resolve.Redacted }})
	s = string(m.Replace([]byte(s)))
	// Longest first: one value may hold another.
	sort.Slice(exact, func(i, j int) bool { return len(exact[i]) > len(exact[j]) })
	for _, v := range exact {
		if len(v) > 0 {
			s = strings.ReplaceAll(s, string(v), resolve.Redacted)
		}
	}
	return s
}
