package api_test

import (
	"strings"
	"testing"

	"github.com/prefect-secrets/prefect-secrets/internal/testkit/prefecttest"
)

// A retry fetches only the names still missing: pages of a filter ask
// for the names not read yet, so a page that was answered is not asked
// again, and a rate-limited page is asked again for what it lacked.
func TestRetryFetchesOnlyTheMissingNames(t *testing.T) {
	srv, c, _ := v2(t, prefecttest.WithPageLimit(2))
	for _, b := range []string{"a", "b", "c", "d", "e"} {
		srv.SetBlock(b, "v-"+b)
	}
	// The first request learns the server's page limit (its 422).
	pass := prefecttest.Response{}
	refused := prefecttest.Response{Status: 429, Header: map[string]string{"Retry-After": "1"}, Body: `{"detail":"Too Many Requests"}`}
	srv.Script(pass, pass, refused, pass, refused)
	got, err := c.Get(ctx(t), []string{"A", "B", "C", "D", "E", "F"})
	if err != nil || len(got) != 5 {
		t.Fatalf("Get = %d values, %v", len(got), err)
	}
	all, cdef, ef := []string{"a", "b", "c", "d", "e", "f"}, []string{"c", "d", "e", "f"}, []string{"e", "f"}
	want := []struct {
		status int
		names  []string
	}{{422, all}, {200, all}, {429, cdef}, {200, cdef}, {429, ef}, {200, ef}}
	reqs := srv.Requests()
	if len(reqs) != len(want) {
		t.Fatalf("%d requests, want %d: %q", len(reqs), len(want), calls(reqs))
	}
	for i, q := range reqs {
		b := body(t, q)
		if names := blockNamesAsked(t, b); q.Status != want[i].status || strings.Join(names, ",") != strings.Join(want[i].names, ",") || b["offset"] != 0.0 {
			t.Errorf("request %d asks %q at offset %v, answered %d; want %q at 0, answered %d", i+1, names, b["offset"], q.Status, want[i].names, want[i].status)
		}
	}
}
