package prefecttest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// fakeT records what a server reports, so tests can check a wrong request
// was reported (and a right one was not).
type fakeT struct {
	mu       sync.Mutex
	errs     []string
	cleanups []func()
	closed   bool
}

func newFakeT(t *testing.T) *fakeT {
	ft := &fakeT{}
	t.Cleanup(ft.close)
	return ft
}

func (f *fakeT) Helper() {}

func (f *fakeT) Errorf(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.errs = append(f.errs, fmt.Sprintf(format, args...))
}

func (f *fakeT) Cleanup(fn func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.cleanups = append(f.cleanups, fn)
}

// close runs the cleanups (stopping the servers), once.
func (f *fakeT) close() {
	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		return
	}
	f.closed = true
	cl := f.cleanups
	f.mu.Unlock()
	for i := len(cl) - 1; i >= 0; i-- {
		cl[i]()
	}
}

func (f *fakeT) errors() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.errs...)
}

// take returns the reported errors and forgets them.
func (f *fakeT) take() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	e := f.errs
	f.errs = nil
	return e
}

// wantNone fails if anything was reported.
func (f *fakeT) wantNone(t *testing.T) {
	t.Helper()
	if e := f.take(); len(e) > 0 {
		t.Errorf("the fake reported a right request as wrong:\n  %s", strings.Join(e, "\n  "))
	}
}

// want fails unless something containing substr was reported.
func (f *fakeT) want(t *testing.T, substr string) {
	t.Helper()
	e := f.take()
	for _, s := range e {
		if strings.Contains(s, substr) {
			return
		}
	}
	t.Errorf("the fake did not report %q; it reported %q", substr, e)
}

type resp struct {
	status int
	header http.Header
	body   string
}

func (r resp) json(t *testing.T) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(r.body), &v); err != nil {
		t.Fatalf("response body %q is not JSON: %v", r.body, err)
	}
	return v
}

// noRedirect is a client that does not follow redirects.
var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// do sends a request; body is sent as JSON unless headers set Content-Type.
func do(t *testing.T, c *http.Client, method, url, body string, headers ...string) resp {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i+1] == "" {
			req.Header.Del(headers[i])
		} else {
			req.Header.Set(headers[i], headers[i+1])
		}
	}
	if c == nil {
		c = noRedirect
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return resp{res.StatusCode, res.Header, string(b)}
}

func wantStatus(t *testing.T, r resp, status int) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d; body %s", r.status, status, r.body)
	}
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}
