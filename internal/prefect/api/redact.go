package api

import (
	"encoding/base64"
	"sort"
	"strings"

	"github.com/prefect-secrets/prefect-secrets/internal/mask"
	"github.com/prefect-secrets/prefect-secrets/resolve"
)

// Every text that comes from a server reaches an error, a warning or the
// log only through redact: an error's detail (statusFailure), a GraphQL
// error's message (otherErrors), a transport error (which quotes an answer
// that is not HTTP, or a Location that is not a URL), a certificate's
// complaint (the names it holds), a redirect's target, a Retry-After, the
// field names of a block whose key path is missing, and the blocks list
// --blocks leaves out. The rest of an answer is only compared with what is
// expected (Prefect's own details, a CSRF refusal, a maintenance header)
// or returned as the value asked for; none of it is shown.
// TestEveryServerTextRedacted plants a value in each.

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
// (from any source; a structured one's string leaves too) or sent, in
// every form exec masks in a command's output (mask's: base64 inside a
// longer text, URL, JSON and quoted forms), and every credential and
// carried value (more too) exactly as it went on the wire, however short.
// Each stretch cut out becomes resolve.Redacted.
func (c *Client) redact(s string, more ...[]byte) string {
	return c.redactor(more...)(s)
}

// redactor is redact for many texts: its masker is built once.
func (c *Client) redactor(more ...[]byte) func(string) string {
	exact := append(c.onTheWire(), more...)
	var secrets []mask.Secret
	for _, k := range resolve.Known() {
		secrets = append(secrets, mask.Secret{Value: k.Value, JSON: k.JSON})
	}
	for _, v := range exact {
		secrets = append(secrets, mask.Secret{Value: v})
	}
	m, _ := mask.New(secrets, mask.Options{Marker: func(string) string { return resolve.Redacted }})
	// Longest first: one value may hold another.
	sort.Slice(exact, func(i, j int) bool { return len(exact[i]) > len(exact[j]) })
	return func(s string) string {
		s = string(m.Replace([]byte(s)))
		for _, v := range exact {
			if len(v) > 0 {
				s = strings.ReplaceAll(s, string(v), resolve.Redacted)
			}
		}
		return s
	}
}

// redactEach redacts every text of list in place (see redact), and
// returns it.
func (c *Client) redactEach(list []string) []string {
	if len(list) == 0 {
		return list
	}
	r := c.redactor()
	for i, s := range list {
		list[i] = r(s)
	}
	return list
}
