package prefecttest

import (
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"
)

// gql sends a GraphQL request as Prefect 1's client does: variables as a
// JSON string.
func gql(t *testing.T, s *V1, query string, vars any, headers ...string) resp {
	t.Helper()
	body := map[string]any{"query": query}
	if vars != nil {
		body["variables"] = mustJSON(vars)
	} else {
		body["variables"] = "null"
	}
	return do(t, nil, "POST", s.URL(), mustJSON(body), headers...)
}

func TestV1HappyPath(t *testing.T) {
	ft := newFakeT(t)
	s := NewV1(ft, WithV1APIKey("key"), WithTenant("tenant-1"))
	h := []string{"Authorization", "Bearer key", "X-PREFECT-TENANT-ID", "tenant-1"}
	s.SetSecret("A", "alpha")
	s.SetSecret("OBJ", map[string]any{"x": []any{1.0, true}})

	// Several names in one query, with aliases; one missing.
	r := gql(t, s, `query($n0: String!, $n1: String!, $n2: String!) {
		s0: secret_value(name: $n0)
		s1: secret_value(name: $n1)
		s2: secret_value(name: $n2)
	}`, map[string]string{"n0": "A", "n1": "MISSING", "n2": "OBJ"}, h...)
	wantStatus(t, r, 200)
	want := `{"data":{"s0":"alpha","s1":null,"s2":{"x":[1,true]}},"errors":[{"message":"No value found for the requested key","path":["s1"],"extensions":{"code":"INTERNAL_SERVER_ERROR"}}]}`
	if r.body != want {
		t.Errorf("read:\n got %s\nwant %s", r.body, want)
	}
	// All present: no errors key.
	r = gql(t, s, `query ReadOne($name:String!){secret_value(name:$name)}`, map[string]string{"name": "A"}, h...)
	if r.body != `{"data":{"secret_value":"alpha"}}` {
		t.Errorf("read one: %s", r.body)
	}
	// List.
	r = gql(t, s, `query { secret_names }`, nil, h...)
	if r.body != `{"data":{"secret_names":["A","OBJ"]}}` {
		t.Errorf("list: %s", r.body)
	}
	// Set, any JSON value.
	r = gql(t, s, `mutation($input: set_secret_input!) { set_secret(input: $input) { success } }`,
		map[string]any{"input": map[string]any{"name": "NEW", "value": map[string]any{"k": 1.5}}}, h...)
	if r.body != `{"data":{"set_secret":{"success":true}}}` {
		t.Errorf("set: %s", r.body)
	}
	if v, ok := s.Secret("NEW"); !ok || !reflect.DeepEqual(v, map[string]any{"k": 1.5}) {
		t.Errorf("Secret(NEW) = %v", v)
	}
	// Delete, and delete a missing one.
	del := `mutation($name: String!) { delete_secret(input: {name: $name}) { success } }`
	r = gql(t, s, del, map[string]string{"name": "NEW"}, h...)
	if r.body != `{"data":{"delete_secret":{"success":true}}}` {
		t.Errorf("delete: %s", r.body)
	}
	if _, ok := s.Secret("NEW"); ok {
		t.Error("still there")
	}
	r = gql(t, s, del, map[string]string{"name": "NEW"}, h...)
	if !strings.Contains(r.body, V1NotFound) || !strings.Contains(r.body, `"delete_secret":null`) {
		t.Errorf("delete missing: %s", r.body)
	}
	if s.Count() != 6 || s.Requests()[0].Header.Get("X-Prefect-Tenant-Id") != "tenant-1" {
		t.Errorf("Count %d", s.Count())
	}
	if got := s.SecretNames(); !reflect.DeepEqual(got, []string{"A", "OBJ"}) {
		t.Errorf("SecretNames %v", got)
	}
	ft.wantNone(t)
}

func TestV1Auth(t *testing.T) {
	ft := newFakeT(t)
	s := NewV1(ft, WithV1APIKey("key"), WithTenant("t1"))
	unauth := `{"errors":[{"message":"Unauthenticated","path":null,"extensions":{"code":"UNAUTHENTICATED"}}],"data":null}`
	for _, h := range [][]string{{"X-PREFECT-TENANT-ID", "t1"}, {"Authorization", "Bearer nope", "X-PREFECT-TENANT-ID", "t1"}} {
		r := gql(t, s, `query { secret_names }`, nil, h...)
		wantStatus(t, r, 200)
		if r.body != unauth {
			t.Errorf("unauthenticated: %s", r.body)
		}
	}
	r := gql(t, s, `query { secret_names }`, nil, "Authorization", "Bearer key", "X-PREFECT-TENANT-ID", "t2")
	if !strings.Contains(r.body, `"FORBIDDEN"`) {
		t.Errorf("wrong tenant: %s", r.body)
	}
	ft.wantNone(t)
	r = gql(t, s, `query { secret_names }`, nil, "Authorization", "Bearer key")
	if !strings.Contains(r.body, `"FORBIDDEN"`) {
		t.Errorf("no tenant: %s", r.body)
	}
	ft.want(t, "X-PREFECT-TENANT-ID")
}

func TestV1Rejections(t *testing.T) {
	ft := newFakeT(t)
	s := NewV1(ft)
	s.SetSecret("A", "a")
	read := `query($n: String!) { secret_value(name: $n) }`
	cases := []struct {
		name, method, path, body string
		headers                  []string
		status                   int
		report                   string
	}{
		{"graphql suffix", "POST", "/graphql", mustJSON(map[string]any{"query": "query { secret_names }"}), nil, 404, "API URL itself"},
		{"GET", "GET", "/", "", nil, 405, "method GET"},
		{"no content type", "POST", "/", mustJSON(map[string]any{"query": "query { secret_names }"}), []string{"Content-Type", ""}, 400, "Content-Type"},
		{"variables object", "POST", "/", mustJSON(map[string]any{"query": read, "variables": map[string]string{"n": "A"}}), nil, 400, "not a string"},
		{"variables not object text", "POST", "/", mustJSON(map[string]any{"query": read, "variables": `["A"]`}), nil, 400, "JSON text of an object"},
		{"extra body field", "POST", "/", mustJSON(map[string]any{"query": "query { secret_names }", "vars": "{}"}), nil, 400, `unexpected field "vars"`},
		{"no query", "POST", "/", `{"variables": "{}"}`, nil, 400, `missing field "query"`},
		{"literal name", "POST", "/", mustJSON(map[string]any{"query": `query { secret_value(name: "A") }`}), nil, 400, "literal argument"},
		{"undeclared", "POST", "/", mustJSON(map[string]any{"query": `query { secret_value(name: $n) }`, "variables": `{"n": "A"}`}), nil, 400, "not declared"},
		{"unused", "POST", "/", mustJSON(map[string]any{"query": `query($n: String!, $m: String!) { secret_value(name: $n) }`, "variables": `{"n": "A", "m": "B"}`}), nil, 400, "$m is declared but not used"},
		{"missing value", "POST", "/", mustJSON(map[string]any{"query": read, "variables": `{}`}), nil, 400, "was not provided"},
		{"number value", "POST", "/", mustJSON(map[string]any{"query": read, "variables": `{"n": 5}`}), nil, 400, "got a number"},
		{"extra variable", "POST", "/", mustJSON(map[string]any{"query": read, "variables": `{"n": "A", "x": "B"}`}), nil, 400, `"x"`},
		{"nullable type", "POST", "/", mustJSON(map[string]any{"query": `query($n: String) { secret_value(name: $n) }`, "variables": `{"n": "A"}`}), nil, 400, "has type String"},
		{"duplicate keys", "POST", "/", mustJSON(map[string]any{"query": `query($a: String!, $b: String!) { secret_value(name: $a) secret_value(name: $b) }`, "variables": `{"a": "A", "b": "B"}`}), nil, 400, "not an operation"},
		{"unknown field", "POST", "/", mustJSON(map[string]any{"query": `query { secrets }`}), nil, 400, "not an operation"},
		{"mixed", "POST", "/", mustJSON(map[string]any{"query": `query($n: String!) { secret_value(name: $n) secret_names }`, "variables": `{"n": "A"}`}), nil, 400, "not an operation"},
		{"set without selection", "POST", "/", mustJSON(map[string]any{"query": `mutation($input: set_secret_input!) { set_secret(input: $input) }`, "variables": `{"input": {"name": "A", "value": 1}}`}), nil, 400, "not an operation"},
		{"set missing value", "POST", "/", mustJSON(map[string]any{"query": `mutation($input: set_secret_input!) { set_secret(input: $input) { success } }`, "variables": `{"input": {"name": "A"}}`}), nil, 400, `missing field "value"`},
		{"delete by variable input", "POST", "/", mustJSON(map[string]any{"query": `mutation($name: String!) { delete_secret(input: $name) { success } }`, "variables": `{"name": "A"}`}), nil, 400, "not an operation"},
		{"syntax", "POST", "/", mustJSON(map[string]any{"query": `query { secret_value(name: $n }`, "variables": `{"n": "A"}`}), nil, 400, "query:"},
		{"two operations", "POST", "/", mustJSON(map[string]any{"query": `query { secret_names } query { secret_names }`}), nil, 400, "one operation"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := do(t, nil, c.method, s.URL()+c.path, c.body, c.headers...)
			wantStatus(t, r, c.status)
			if c.status == 400 && !strings.Contains(r.body, "GRAPHQL_VALIDATION_FAILED") {
				t.Errorf("body %s", r.body)
			}
			ft.want(t, c.report)
		})
	}
	if v, _ := s.Secret("A"); v != "a" {
		t.Errorf("A = %v", v)
	}
}

func TestV1ScriptRedirectThrottleTLS(t *testing.T) {
	ft := newFakeT(t)
	s := NewV1(ft)
	s.SetSecret("A", "a")
	s.Script(Response{Status: 502}, Response{Status: 429, Header: map[string]string{"Retry-After": "1"}})
	wantStatus(t, gql(t, s, `query { secret_names }`, nil), 502)
	r := gql(t, s, `query { secret_names }`, nil)
	if r.status != 429 || r.header.Get("Retry-After") != "1" {
		t.Errorf("scripted: %d %v", r.status, r.header)
	}
	wantStatus(t, gql(t, s, `query { secret_names }`, nil), 200)

	other := NewV1(ft)
	s.RedirectTo(other.URL())
	r = gql(t, s, `query { secret_names }`, nil, "Authorization", "Bearer k")
	if r.status != 307 || r.header.Get("Location") != other.URL()+"/" {
		t.Errorf("redirect: %d %s", r.status, r.header.Get("Location"))
	}
	s.RedirectTo("")

	s.Throttle(1, "0")
	s.SetLatency(200 * time.Millisecond)
	done := make(chan int)
	go func() {
		res, err := http.Post(s.URL(), "application/json", strings.NewReader(`{"query": "query { secret_names }", "variables": "null"}`))
		if err != nil {
			done <- 0
			return
		}
		res.Body.Close()
		done <- res.StatusCode
	}()
	for len(s.Requests()) < 5 {
		time.Sleep(5 * time.Millisecond)
	}
	r = gql(t, s, `query { secret_names }`, nil)
	if r.status != 429 || r.header.Get("Retry-After") != "0" {
		t.Errorf("throttle: %d %v", r.status, r.header)
	}
	if st := <-done; st != 200 {
		t.Errorf("first request: %d", st)
	}

	tls := NewV1TLS(ft)
	tls.SetSecret("A", "a")
	res, err := tls.Client().Post(tls.URL(), "application/json", strings.NewReader(`{"query": "query($n: String!) { secret_value(name: $n) }", "variables": "{\"n\": \"A\"}"}`))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 || !strings.HasPrefix(tls.URL(), "https://") {
		t.Errorf("TLS: %d %s", res.StatusCode, tls.URL())
	}
	ft.wantNone(t)
}
