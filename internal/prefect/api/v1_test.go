package api_test

import (
	"encoding/json"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/prefect-secrets/prefect-secrets/internal/prefect/api"
	"github.com/prefect-secrets/prefect-secrets/internal/testkit/prefecttest"
	"github.com/prefect-secrets/prefect-secrets/resolve"
)

// gql decodes a recorded Prefect 1 request: its query and its variables,
// which must travel as a JSON string.
func gql(t *testing.T, r prefecttest.Request) (string, map[string]any) {
	t.Helper()
	if r.Method != "POST" || (r.Path != "/" && r.Path != "") || r.RawQuery != "" {
		t.Errorf("request %s %s?%s, want POST /", r.Method, r.Path, r.RawQuery)
	}
	b := body(t, r)
	q, _ := b["query"].(string)
	vs, ok := b["variables"].(string)
	if !ok {
		t.Fatalf("variables is %T, want a JSON string", b["variables"])
	}
	var vars map[string]any
	if err := json.Unmarshal([]byte(vs), &vars); err != nil {
		t.Fatalf("variables %q: %v", vs, err)
	}
	return q, vars
}

func TestV1ReadOne(t *testing.T) {
	srv, c, r := v1(t)
	srv.SetSecret("DB_PASSWORD", canaryValue)
	got, err := c.Get(ctx(t), []string{"DB_PASSWORD"})
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := reveal(got, "DB_PASSWORD"); !ok || v != canaryValue || got["DB_PASSWORD"].IsJSON() {
		t.Errorf("DB_PASSWORD = %q, %v (json %v)", v, ok, got["DB_PASSWORD"].IsJSON())
	}
	reqs := srv.Requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests", len(reqs))
	}
	q, vars := gql(t, reqs[0])
	if !strings.Contains(q, "secret_value") || !reflect.DeepEqual(mapValues(vars), []string{"DB_PASSWORD"}) {
		t.Errorf("query %q vars %v", q, vars)
	}
	if h := reqs[0].Header.Get("Authorization"); h != "Bearer "+canaryKey {
		t.Errorf("Authorization %q", h)
	}
	if h := reqs[0].Header.Get("X-Prefect-Tenant-Id"); h != v1tenant {
		t.Errorf("tenant header %q, want %q", h, v1tenant)
	}
	wantLogLines(t, r, 1)
	noLeak(t, nil, r)
}

func mapValues(m map[string]any) []string {
	var out []string
	for _, v := range m {
		s, _ := v.(string)
		out = append(out, s)
	}
	return out
}

func TestV1JSONValues(t *testing.T) {
	srv, c, _ := v1(t)
	srv.SetSecret("OBJ", map[string]any{"a": 1, "b": []any{"x"}})
	srv.SetSecret("NUM", json.RawMessage(`42`))
	srv.SetSecret("BOOL", true)
	srv.SetSecret("STR", "line1\nline2 ✓")
	got, err := c.Get(ctx(t), []string{"OBJ", "NUM", "BOOL", "STR"})
	if err != nil {
		t.Fatal(err)
	}
	if srv.Count() != 1 {
		t.Errorf("%d requests, want 1", srv.Count())
	}
	for n, want := range map[string]string{"OBJ": `{"a":1,"b":["x"]}`, "NUM": "42", "BOOL": "true"} {
		var a, b any
		s := got[n]
		if !s.IsJSON() || json.Unmarshal(s.Reveal(), &a) != nil || json.Unmarshal([]byte(want), &b) != nil || !reflect.DeepEqual(a, b) {
			t.Errorf("%s = %s (json %v), want JSON %s", n, s.Reveal(), s.IsJSON(), want)
		}
	}
	if v, _ := reveal(got, "STR"); v != "line1\nline2 ✓" || got["STR"].IsJSON() {
		t.Errorf("STR = %q", v)
	}
}

func TestV1ReadManyIsOneAliasedQuery(t *testing.T) {
	srv, c, _ := v1(t)
	srv.SetSecret("A", "1")
	srv.SetSecret("b.dotted-Name", "2")
	got, err := c.Get(ctx(t), []string{"A", "b.dotted-Name", "MISSING", "A"})
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := reveal(got, "A"); v != "1" {
		t.Errorf("A = %q", v)
	}
	if v, _ := reveal(got, "b.dotted-Name"); v != "2" {
		t.Errorf("b.dotted-Name = %q", v)
	}
	if _, ok := got["MISSING"]; ok || len(got) != 2 {
		t.Errorf("got %d values", len(got))
	}
	reqs := srv.Requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests, want 1", len(reqs))
	}
	q, vars := gql(t, reqs[0])
	if n := len(regexp.MustCompile(`\w+\s*:\s*secret_value\(`).FindAllString(q, -1)); n < 3 {
		t.Errorf("query %q has %d aliased secret_value fields", q, n)
	}
	if len(vars) < 3 {
		t.Errorf("vars %v", vars)
	}
}

func TestV1Names(t *testing.T) {
	srv, c, _ := v1(t)
	srv.SetSecret("B", "x")
	srv.SetSecret("A", canaryValue)
	got, err := c.Names(ctx(t))
	if err != nil || !reflect.DeepEqual(got, []string{"A", "B"}) {
		t.Errorf("Names = %q, %v", got, err)
	}
	q, _ := gql(t, srv.Requests()[0])
	if !strings.Contains(q, "secret_names") {
		t.Errorf("query %q", q)
	}
	if err := c.Check(ctx(t)); err != nil {
		t.Errorf("Check: %v", err)
	}
}

func TestV1SetAndDelete(t *testing.T) {
	srv, c, r := v1(t)
	if err := c.Set(ctx(t), "My.Key", []byte(canaryValue)); err != nil {
		t.Fatal(err)
	}
	if v, ok := srv.Secret("My.Key"); !ok || v != canaryValue {
		t.Errorf("stored %v, %v", v, ok)
	}
	q, vars := gql(t, srv.Requests()[0])
	if !strings.Contains(q, "set_secret") {
		t.Errorf("query %q", q)
	}
	in, _ := vars["input"].(map[string]any)
	if !reflect.DeepEqual(in, map[string]any{"name": "My.Key", "value": canaryValue}) {
		t.Errorf("input %v", in)
	}
	// Update: the value is replaced.
	if err := c.Set(ctx(t), "My.Key", []byte("new")); err != nil {
		t.Fatal(err)
	}
	if v, _ := srv.Secret("My.Key"); v != "new" || len(srv.SecretNames()) != 1 {
		t.Errorf("after update %v, %q", v, srv.SecretNames())
	}
	if err := c.Delete(ctx(t), "My.Key"); err != nil {
		t.Fatal(err)
	}
	if len(srv.SecretNames()) != 0 {
		t.Errorf("left %q", srv.SecretNames())
	}
	q, vars = gql(t, srv.Requests()[2])
	if !strings.Contains(q, "delete_secret") || !reflect.DeepEqual(mapValues(vars), []string{"My.Key"}) {
		t.Errorf("query %q vars %v", q, vars)
	}
	err := c.Delete(ctx(t), "My.Key")
	wantKind(t, err, resolve.ErrNotFound)
	wantIn(t, "error", err.Error(), "My.Key")
	got, err := c.Get(ctx(t), []string{"My.Key"})
	if err != nil || len(got) != 0 {
		t.Errorf("Get(missing) = %v, %v", got, err)
	}
	wantLogLines(t, r, 5)
	noLeak(t, nil, r)
}

func TestV1BadInput(t *testing.T) {
	srv, c, _ := v1(t)
	wantKind(t, c.Set(ctx(t), "K", []byte{0xff, 0xfe}), resolve.ErrBadInput)
	if srv.Count() != 0 {
		t.Errorf("%d requests for bad input", srv.Count())
	}
}

// No names cost no request (and certainly no invalid GraphQL query).
func TestV1GetNoNames(t *testing.T) {
	srv, c, _ := v1(t)
	got, err := c.Get(ctx(t), nil)
	if err != nil || len(got) != 0 {
		t.Errorf("Get(nil) = %v, %v", got, err)
	}
	if srv.Count() != 0 {
		t.Errorf("Get(nil) sent %d request(s)", srv.Count())
	}
}

func TestV1Tenant(t *testing.T) {
	srv := prefecttest.NewV1(t, prefecttest.WithV1APIKey(canaryKey), prefecttest.WithTenant("tenant-123"))
	srv.SetSecret("X", "y")
	cfg := v1cfg(srv.URL())
	cfg.TenantID, cfg.TenantIDFrom = "tenant-123", "env PREFECT__CLOUD__TENANT_ID"
	c, _ := newClient(t, cfg, api.Options{})
	got, err := c.Get(ctx(t), []string{"X"})
	if v, _ := reveal(got, "X"); err != nil || v != "y" {
		t.Fatalf("Get = %q, %v", v, err)
	}
	h := srv.Requests()[0].Header
	if h.Get("X-PREFECT-TENANT-ID") != "tenant-123" || h.Get("Authorization") != "Bearer "+canaryKey {
		t.Errorf("headers %v", h)
	}
	// A wrong tenant is a denial.
	cfg2 := v1cfg(srv.URL())
	cfg2.TenantID = "other-tenant"
	c2, r2 := newClient(t, cfg2, api.Options{})
	_, err = c2.Get(ctx(t), []string{"X"})
	wantKind(t, err, resolve.ErrDenied)
	noLeak(t, err, r2)
}
