//go:build unix

package scripts

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync"

	"github.com/rogpeppe/go-internal/testscript"
)

// A script's loopback HTTP server, kept by the script's work directory: the
// other end of a command (curl -u) whose output shows its credentials.
type loopbackServer struct {
	mu   sync.Mutex
	auth []string // the Authorization header of each request, in order
}

var (
	loopbacksMu sync.Mutex
	loopbacks   = map[string]*loopbackServer{}
)

// httpserver starts an HTTP server on 127.0.0.1 for the rest of the
// script, at $HTTP_URL: it answers every request 200 "ok\n" and notes its
// Authorization header.
func cmdHTTPServer(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 0 {
		ts.Fatalf("usage: httpserver")
	}
	s := &loopbackServer{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		s.mu.Lock()
		s.auth = append(s.auth, r.Header.Get("Authorization"))
		s.mu.Unlock()
		_, _ = io.WriteString(w, "ok\n")
	}))
	work := ts.Getenv("WORK")
	loopbacksMu.Lock()
	loopbacks[work] = s
	loopbacksMu.Unlock()
	ts.Defer(func() {
		srv.Close()
		loopbacksMu.Lock()
		delete(loopbacks, work)
		loopbacksMu.Unlock()
	})
	ts.Setenv("HTTP_URL", srv.URL)
}

// httpbasic USER VAR checks that the last request httpserver got carried
// HTTP Basic credentials for USER and the value of $VAR: so the output a
// script checks showed the real header, masked.
func cmdHTTPBasic(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: httpbasic USER VAR")
	}
	loopbacksMu.Lock()
	s := loopbacks[ts.Getenv("WORK")]
	loopbacksMu.Unlock()
	if s == nil {
		ts.Fatalf("no loopback server: start one with httpserver")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.auth) == 0 {
		ts.Fatalf("the loopback server got no request")
	}
	r := http.Request{Header: http.Header{"Authorization": {s.auth[len(s.auth)-1]}}}
	user, pass, ok := r.BasicAuth()
	if !ok || user != args[0] || pass != ts.Getenv(args[1]) {
		ts.Fatalf("the last request's credentials are not %s and $%s", args[0], args[1])
	}
}
