// Package prefecttest runs in-process fakes of Prefect's APIs for tests:
//
//   - V2: Prefect 2/3's REST API for Secret blocks (self-hosted or Cloud);
//   - V1: Prefect 1 Cloud's GraphQL API (secret_value, secret_names,
//     set_secret, delete_secret).
//
// Each fake answers with the response shapes Prefect's server uses, and
// checks every request as Prefect's server would (method, path, query,
// headers, body). A request the real client should never send is reported
// to the test through T.Errorf, naming what was wrong, and answered with the
// 4xx (or, for V1, the GraphQL error) Prefect would give, so the client
// under test sees a realistic failure as well.
//
// Both fakes record every request (Requests), can be told to answer the next
// requests with scripted responses (Script: statuses, Retry-After headers,
// malformed bodies, delays, hangs, stalled bodies, connection resets, echoes
// of request headers), to redirect everything to another URL (RedirectTo),
// to add latency (SetLatency), to answer 429 to bursts (Throttle) or past
// a rate (RateLimit, a token bucket) and to make the first requests
// overlap whatever the machine's speed (HoldFirst).
// They are safe for concurrent use.
//
// Standard library only; plain HTTP on 127.0.0.1 (NewV2, NewV1) or HTTPS
// with a certificate signed by a private CA made for the server (NewV2TLS,
// NewV1TLS): no system trusts it; CertPEM is the CA's certificate, for
// PREFECT_API_SSL_CERT_FILE, and Client trusts it; OtherCAPEM is a CA that
// signs none of them.
//
// It imports nothing of prefect-secrets: it is Prefect's side only, as
// PREFECT.md describes it, never the client's expectations. The real
// Prefect, for the tests that run it, is package realprefect's.
package prefecttest

import (
	"bytes"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"time"
)

// T is what the servers report wrong requests to; testing.TB satisfies it.
// Errorf is called from the server's goroutines, as testing.T allows.
type T interface {
	Helper()
	Errorf(format string, args ...any)
	Cleanup(func())
}

// Request is one request a fake received, recorded before it was answered.
type Request struct {
	Method   string
	Path     string // the full URL path, e.g. /api/block_documents/filter
	RawQuery string
	Header   http.Header // a copy of the request's headers
	Body     []byte
	Host     string
	// RemoteAddr is the client's address: requests on one connection
	// (a client's retries, kept alive) share it.
	RemoteAddr string
	// Arrived is when the request came in; Done when its answer was
	// written (zero while it is being handled, or if never answered).
	Arrived, Done time.Time
	// Status is the status the fake answered with: 0 while the request is
	// still being handled, or when it was never answered (Hang, Reset).
	Status int
}

// Response is a scripted answer (see Script).
//
// A Response with Status 0, an empty Body, no Header and neither Hang nor
// Reset is a pass-through: after Delay, the request is handled normally.
// Otherwise Status 0 means 200. Content-Type defaults to application/json
// when Body is non-empty.
type Response struct {
	Status int
	Header map[string]string // e.g. {"Retry-After": "2"}
	Body   string            // sent as is: "{not json" makes a malformed answer
	// Hang: never answer; the handler waits until the client gives up (the
	// request's context ends) or the test ends, then drops the connection.
	Hang bool
	// Reset: drop the connection without answering (the client sees EOF or
	// a connection reset), as a crashing proxy would.
	Reset bool
	// StallBody: send the status and headers (Status, Header; 200 by
	// default) and the first half of Body, then stall until the client
	// gives up or the test ends, and drop the connection: the client has
	// its answer's headers but never the whole body.
	StallBody bool
	// Echo names request headers whose values the answer repeats, as some
	// servers and proxies do in their error pages: the body (when Body is
	// empty) is {"detail": "<status text>; you sent <Name>: <value>, ..."}.
	Echo []string
	// Delay: wait this long before answering (or before normal handling).
	Delay time.Duration
}

// throttleBody is the body of Throttle's 429s. Prefect Cloud's exact rate
// limit body is not documented in PREFECT.md: a guess in FastAPI's shape.
const throttleBody = `{"detail":"Too Many Requests"}`

// base is the plumbing both fakes share: recording, scripting, redirects,
// latency, throttling, TLS and shutdown.
// encode is v as JSON for a fake to store (a json.RawMessage as it is);
// false, with the test told, when it has no JSON form. call names the
// method in the message.
func (b *base) encode(call string, v any) (json.RawMessage, bool) {
	raw, err := json.Marshal(v)
	if err != nil {
		b.t.Errorf("prefecttest %s: %s: %v", b.name, call, err)
		return nil, false
	}
	return raw, true
}

type base struct {
	t        T
	name     string // "V2" or "V1", in error messages
	srv      *httptest.Server
	ca       *privateCA    // the TLS server's CA; nil for plain HTTP
	basePath string        // the API base's path: "/api..." for V2, "" for V1
	done     chan struct{} // closed when the test ends: hanging handlers return
	handle   func(w http.ResponseWriter, r *http.Request, body []byte)

	mu          sync.Mutex
	reqs        []Request
	script      []Response
	redirect    string
	maxInFlight int
	retryAfter  string // Retry-After of Throttle's 429s
	inFlight    int
	latency     time.Duration
	holdFirst   int           // HoldFirst's k
	arrivals    int           // requests seen since HoldFirst
	burst       chan struct{} // closed when holdFirst requests have arrived
	bucket      tokenBucket   // RateLimit's (ratelimit.go)
}

func (b *base) start(t T, useTLS bool) {
	b.t = t
	b.done = make(chan struct{})
	b.srv = httptest.NewUnstartedServer(b)
	// Keep net/http's "TLS handshake error" (a client that refuses the
	// certificate) and similar noise out of test logs.
	b.srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	if useTLS {
		ca, err := newPrivateCA()
		if err != nil {
			t.Errorf("prefecttest %s: making a private CA: %v", b.name, err)
			ca = nil
		}
		b.ca = ca
		if ca != nil {
			b.srv.TLS = &tls.Config{Certificates: []tls.Certificate{ca.leaf}}
		}
		b.srv.StartTLS()
	} else {
		b.srv.Start()
	}
	t.Cleanup(func() {
		close(b.done)
		b.srv.Close()
		b.mu.Lock()
		left := len(b.script)
		b.mu.Unlock()
		if left > 0 {
			t.Errorf("prefecttest %s: %d scripted response(s) never used: the client sent fewer requests than the test expected", b.name, left)
		}
	})
}

// Requests returns a copy of every request seen so far, in arrival order.
func (b *base) Requests() []Request {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make([]Request, len(b.reqs))
	copy(out, b.reqs)
	return out
}

// Script queues answers for the next requests (to any endpoint), in order;
// once they are used up, normal handling resumes. Requests answered by
// RedirectTo or Throttle do not use them. At the end of the test, unused
// scripted responses are reported as an error.
func (b *base) Script(responses ...Response) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.script = append(b.script, responses...)
}

// RedirectTo answers every later request 307 with Location: other + the
// request's path after this server's API base + its query. So
// s.RedirectTo(o.URL()) sends /api/x to o's /api/x. If other has no path
// (e.g. "http://127.0.0.1:9"), the request's whole path is appended.
// RedirectTo("") stops redirecting.
//
// Beware: Go's http.Client forwards Authorization on a redirect to the same
// host name on another port, so a redirect from one fake to another at
// 127.0.0.1 keeps the credential unless the client drops it itself. To
// check "another host" as Go sees it, redirect to o.URLWithHost("localhost").
func (b *base) RedirectTo(other string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.redirect = other
}

// Throttle makes the server answer 429 {"detail":"Too Many Requests"}
// with Retry-After: retryAfter (omitted if "") to any request that arrives
// while maxInFlight requests are already being handled, as a rate-limited
// Prefect Cloud does. Throttle(0, "") turns it off. Combine with
// SetLatency or HoldFirst to make bursts overlap.
func (b *base) Throttle(maxInFlight int, retryAfter string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.maxInFlight, b.retryAfter = maxInFlight, retryAfter
}

// HoldFirst makes the next k requests overlap, however slowly a loaded
// machine sends them: the ones Throttle lets through are held, unanswered,
// until k requests have arrived (throttled ones count), or the client
// gives up, or the test ends. With Throttle(m, ...) and k > m, at least
// k-m requests are answered 429, on any machine.
func (b *base) HoldFirst(k int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.holdFirst, b.arrivals = k, 0
	b.burst = make(chan struct{})
	if k <= 0 {
		close(b.burst)
	}
}

// SetLatency adds d before every answer (normal or scripted; not to
// redirects or Throttle's 429s).
func (b *base) SetLatency(d time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.latency = d
}

// Client returns an *http.Client for this server; for the TLS variants it
// trusts the server's private CA, and nothing else.
func (b *base) Client() *http.Client {
	if b.ca == nil {
		return b.srv.Client()
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: b.ca.pool}
	return &http.Client{Transport: tr}
}

// CertPEM returns the certificate of the TLS server's private CA in PEM
// (nil for plain HTTP): what a client must trust, e.g. through
// PREFECT_API_SSL_CERT_FILE or SSL_CERT_FILE in a CLI subprocess. The
// server's own certificate, which the CA signed, is valid for 127.0.0.1,
// ::1 and localhost.
func (b *base) CertPEM() []byte {
	if b.ca == nil {
		return nil
	}
	return append([]byte(nil), b.ca.caPEM...)
}

// urlWithHost returns u with its host name replaced (the port kept).
func (b *base) urlWithHost(u, host string) string {
	_, port, _ := net.SplitHostPort(b.Addr())
	return strings.Replace(u, b.Addr(), net.JoinHostPort(host, port), 1)
}

// Addr returns the server's host:port.
func (b *base) Addr() string { return b.srv.Listener.Addr().String() }

func (b *base) errorf(r *http.Request, format string, args ...any) {
	b.t.Errorf("prefecttest %s: %s %s: %s", b.name, r.Method, r.URL.RequestURI(), fmt.Sprintf(format, args...))
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (w *statusWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(p)
}

func (b *base) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 64<<20))
	rec := Request{
		Method:     r.Method,
		Path:       r.URL.Path,
		RawQuery:   r.URL.RawQuery,
		Header:     r.Header.Clone(),
		Body:       body,
		Host:       r.Host,
		RemoteAddr: r.RemoteAddr,
		Arrived:    time.Now(),
	}
	b.mu.Lock()
	idx := len(b.reqs)
	b.reqs = append(b.reqs, rec)
	b.inFlight++
	throttled := b.maxInFlight > 0 && b.inFlight > b.maxInFlight
	retryAfter := b.retryAfter
	throttled, retryAfter = b.bucket.admit(rec.Arrived, throttled, retryAfter)
	redirect := b.redirect
	latency := b.latency
	var hold chan struct{}
	if b.burst != nil && b.arrivals < b.holdFirst {
		b.arrivals++
		if b.arrivals == b.holdFirst {
			close(b.burst)
		} else if !throttled && redirect == "" {
			hold = b.burst
		}
	}
	var scripted *Response
	if redirect == "" && !throttled && len(b.script) > 0 {
		s := b.script[0]
		b.script = b.script[1:]
		scripted = &s
	}
	b.mu.Unlock()

	sw := &statusWriter{ResponseWriter: w}
	defer func() {
		b.mu.Lock()
		b.inFlight--
		b.reqs[idx].Status = sw.status
		if sw.status != 0 {
			b.reqs[idx].Done = time.Now()
		}
		b.mu.Unlock()
	}()

	switch {
	case redirect != "":
		http.Redirect(sw, r, b.redirectLocation(redirect, r), http.StatusTemporaryRedirect)
		return
	case throttled:
		if retryAfter != "" {
			sw.Header().Set("Retry-After", retryAfter)
		}
		writeRaw(sw, http.StatusTooManyRequests, throttleBody)
		return
	}
	if hold != nil {
		select {
		case <-hold:
		case <-r.Context().Done():
			panic(http.ErrAbortHandler)
		case <-b.done:
			panic(http.ErrAbortHandler)
		}
	}
	if latency > 0 && !b.wait(r, latency) {
		panic(http.ErrAbortHandler)
	}
	if scripted != nil && b.serveScripted(sw, r, scripted) {
		return
	}
	b.handle(sw, r, body)
}

// wait sleeps d; false if the client gave up or the test ended first.
func (b *base) wait(r *http.Request, d time.Duration) bool {
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-tm.C:
		return true
	case <-r.Context().Done():
	case <-b.done:
	}
	return false
}

// serveScripted answers with s; false if s is a pass-through.
func (b *base) serveScripted(w http.ResponseWriter, r *http.Request, s *Response) bool {
	if s.Delay > 0 && !b.wait(r, s.Delay) {
		panic(http.ErrAbortHandler)
	}
	if s.Hang {
		select {
		case <-r.Context().Done():
		case <-b.done:
		}
		panic(http.ErrAbortHandler) // drop the connection, never answer
	}
	if s.Reset {
		panic(http.ErrAbortHandler)
	}
	if s.Status == 0 && s.Body == "" && len(s.Header) == 0 && !s.StallBody && len(s.Echo) == 0 {
		return false
	}
	status := s.Status
	if status == 0 {
		status = http.StatusOK
	}
	body := s.Body
	if len(s.Echo) > 0 && body == "" {
		var sent []string
		for _, h := range s.Echo {
			for _, v := range r.Header.Values(h) {
				sent = append(sent, h+": "+v)
			}
		}
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		_ = enc.Encode(map[string]string{"detail": http.StatusText(status) + "; you sent " + strings.Join(sent, ", ")})
		body = strings.TrimSuffix(buf.String(), "\n")
	}
	for k, v := range s.Header {
		w.Header().Set(k, v)
	}
	if body != "" && w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", "application/json")
	}
	if s.StallBody {
		if body == "" {
			body = "[]"
		}
		// The whole length is announced, half is sent: the client has
		// its headers and waits for the rest.
		w.Header().Set("Content-Length", fmt.Sprint(len(body)))
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body[:len(body)/2])
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
		select {
		case <-r.Context().Done():
		case <-b.done:
		}
		panic(http.ErrAbortHandler)
	}
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
	return true
}

func (b *base) redirectLocation(other string, r *http.Request) string {
	other = strings.TrimRight(other, "/")
	path := r.URL.EscapedPath()
	if u, err := url.Parse(other); err == nil && u.Path != "" && u.Path != "/" {
		path = strings.TrimPrefix(path, b.basePath)
	}
	loc := other + path
	if r.URL.RawQuery != "" {
		loc += "?" + r.URL.RawQuery
	}
	return loc
}

// writeJSON answers status with v encoded as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic(fmt.Sprintf("prefecttest: encoding a response: %v", err))
	}
	writeRaw(w, status, strings.TrimSuffix(buf.String(), "\n"))
}

func writeRaw(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

// detail answers {"detail": msg}, FastAPI's HTTPException shape.
func detail(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"detail": msg})
}

// timestamp formats t as Prefect's API does (UTC, microseconds).
func timestamp(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000000Z")
}

// isJSONContentType says whether a Content-Type header names JSON.
func isJSONContentType(ct string) bool {
	mt, _, _ := strings.Cut(ct, ";")
	return strings.EqualFold(strings.TrimSpace(mt), "application/json")
}

// jsonKind names the JSON type of raw: "null", "bool", "number", "string",
// "array", "object" or "" if raw is empty.
func jsonKind(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return ""
	}
	switch raw[0] {
	case 'n':
		return "null"
	case 't', 'f':
		return "bool"
	case '"':
		return "string"
	case '[':
		return "array"
	case '{':
		return "object"
	}
	return "number"
}

// object decodes raw as a JSON object; ok is false if it is not one.
func object(raw json.RawMessage) (map[string]json.RawMessage, bool) {
	if jsonKind(raw) != "object" {
		return nil, false
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, false
	}
	return m, true
}

// checkKeys returns a problem if m has a key outside allowed or lacks one
// of required ("" if none).
func checkKeys(what string, m map[string]json.RawMessage, required []string, allowed ...string) string {
	for _, k := range required {
		if _, ok := m[k]; !ok {
			return fmt.Sprintf("%s: missing field %q", what, k)
		}
	}
	ok := map[string]bool{}
	for _, k := range append(required, allowed...) {
		ok[k] = true
	}
	for k := range m {
		if !ok[k] {
			return fmt.Sprintf("%s: unexpected field %q", what, k)
		}
	}
	return ""
}

// stringList decodes raw as a JSON array of strings.
func stringList(raw json.RawMessage) ([]string, bool) {
	if jsonKind(raw) != "array" {
		return nil, false
	}
	var l []string
	if err := json.Unmarshal(raw, &l); err != nil {
		return nil, false
	}
	return l, true
}

// integer decodes raw as a JSON integer.
func integer(raw json.RawMessage) (int, bool) {
	if jsonKind(raw) != "number" {
		return 0, false
	}
	var n int
	if err := json.Unmarshal(raw, &n); err != nil {
		return 0, false
	}
	return n, true
}
