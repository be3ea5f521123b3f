package prefecttest

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prefect-secrets/prefect-secrets/internal/uuid"
)

// ids fetches the Secret block type's id and the newest schema's id as a
// client would.
func ids(t *testing.T, s *V2, headers ...string) (typeID, schemaID string) {
	t.Helper()
	r := do(t, nil, "GET", s.URL()+"/block_types/slug/secret", "", headers...)
	wantStatus(t, r, 200)
	bt := r.json(t).(map[string]any)
	for _, k := range []string{"id", "created", "updated", "name", "slug", "logo_url", "documentation_url", "description", "code_example", "is_protected"} {
		if _, ok := bt[k]; !ok {
			t.Errorf("block type lacks %q", k)
		}
	}
	if bt["slug"] != "secret" || bt["name"] != "Secret" || bt["is_protected"] != true {
		t.Errorf("block type %v", bt)
	}
	typeID = bt["id"].(string)
	r = do(t, nil, "POST", s.URL()+"/block_schemas/filter", `{"block_schemas": {"block_type_id": {"any_": ["`+typeID+`"]}}, "limit": 1, "offset": 0}`, headers...)
	wantStatus(t, r, 200)
	l := r.json(t).([]any)
	if len(l) != 1 {
		t.Fatalf("schemas %v", l)
	}
	sc := l[0].(map[string]any)
	for _, k := range []string{"id", "created", "updated", "checksum", "fields", "block_type_id", "capabilities", "version"} {
		if _, ok := sc[k]; !ok {
			t.Errorf("block schema lacks %q", k)
		}
	}
	return typeID, sc["id"].(string)
}

func TestV2HappyPath(t *testing.T) {
	ft := newFakeT(t)
	s := NewV2(ft, WithAPIKey("pnu_key"))
	auth := []string{"Authorization", "Bearer pnu_key"}
	if !regexp.MustCompile(`^http://127\.0\.0\.1:\d+/api$`).MatchString(s.URL()) {
		t.Errorf("URL %s", s.URL())
	}
	s.SetBlock("existing", "old")
	s.SetBlock("json-value", map[string]any{"a": 1.0})

	typeID, schemaID := ids(t, s, auth...)
	if typeID != s.BlockTypeID() || schemaID != s.BlockSchemaIDs()[0] {
		t.Errorf("ids %s %s, want %s %v", typeID, schemaID, s.BlockTypeID(), s.BlockSchemaIDs())
	}
	r := do(t, nil, "POST", s.URL()+"/block_schemas/filter", `{"block_schemas": {"block_type_id": {"any_": ["`+typeID+`"]}}}`, auth...)
	if l := r.json(t).([]any); len(l) != 2 || l[0].(map[string]any)["id"] != schemaID {
		t.Errorf("schemas not newest first: %s", r.body)
	}

	// Create.
	r = do(t, nil, "POST", s.URL()+"/block_documents/", mustJSON(map[string]any{
		"name": "my-api-key", "data": map[string]any{"value": "s3cret"},
		"block_type_id": typeID, "block_schema_id": schemaID, "is_anonymous": false,
	}), auth...)
	wantStatus(t, r, 201)
	doc := r.json(t).(map[string]any)
	for _, k := range []string{"id", "created", "updated", "name", "data", "block_schema_id", "block_schema", "block_type_id", "block_type_name", "block_type", "block_document_references", "is_anonymous"} {
		if _, ok := doc[k]; !ok {
			t.Errorf("block document lacks %q", k)
		}
	}
	if doc["name"] != "my-api-key" || doc["block_type_name"] != "Secret" || doc["data"].(map[string]any)["value"] != Obfuscated {
		t.Errorf("created %v", doc)
	}
	if v, ok := s.Block("my-api-key"); !ok || v != "s3cret" {
		t.Errorf("Block = %v %v", v, ok)
	}
	// Create again: 409.
	r = do(t, nil, "POST", s.URL()+"/block_documents/", mustJSON(map[string]any{
		"name": "my-api-key", "data": map[string]any{"value": "x"}, "block_type_id": typeID, "block_schema_id": schemaID, "is_anonymous": false,
	}), auth...)
	wantStatus(t, r, 409)
	if r.body != `{"detail":"Block already exists"}` {
		t.Errorf("409 body %s", r.body)
	}

	// Read by name, with and without secrets; missing.
	r = do(t, nil, "GET", s.URL()+"/block_types/slug/secret/block_documents/name/my-api-key?include_secrets=true", "", auth...)
	wantStatus(t, r, 200)
	if v := r.json(t).(map[string]any)["data"].(map[string]any)["value"]; v != "s3cret" {
		t.Errorf("value %v", v)
	}
	r = do(t, nil, "GET", s.URL()+"/block_types/slug/secret/block_documents/name/my-api-key", "", auth...)
	if v := r.json(t).(map[string]any)["data"].(map[string]any)["value"]; v != Obfuscated {
		t.Errorf("value without include_secrets %v", v)
	}
	r = do(t, nil, "GET", s.URL()+"/block_types/slug/secret/block_documents/name/nope?include_secrets=true", "", auth...)
	wantStatus(t, r, 404)
	if r.body != `{"detail":"Block document not found"}` {
		t.Errorf("404 body %s", r.body)
	}

	// Filter.
	r = do(t, nil, "POST", s.URL()+"/block_documents/filter", `{"block_types": {"slug": {"any_": ["secret"]}}, "block_documents": {"name": {"any_": ["json-value", "my-api-key", "missing"]}, "is_anonymous": {"eq_": false}}, "include_secrets": true, "limit": 200, "offset": 0, "sort": "NAME_ASC"}`, auth...)
	wantStatus(t, r, 200)
	l := r.json(t).([]any)
	if len(l) != 2 || l[0].(map[string]any)["name"] != "json-value" || l[1].(map[string]any)["name"] != "my-api-key" {
		t.Fatalf("filter %s", r.body)
	}
	if v := l[0].(map[string]any)["data"].(map[string]any)["value"]; !reflect.DeepEqual(v, map[string]any{"a": 1.0}) {
		t.Errorf("json value %v", v)
	}

	// Update, then delete.
	id, _ := s.BlockID("existing")
	r = do(t, nil, "PATCH", s.URL()+"/block_documents/"+id, `{"data": {"value": "new"}, "merge_existing_data": false}`, auth...)
	wantStatus(t, r, 204)
	if v, _ := s.Block("existing"); v != "new" {
		t.Errorf("after PATCH %v", v)
	}
	r = do(t, nil, "DELETE", s.URL()+"/block_documents/"+id, "", auth...)
	wantStatus(t, r, 204)
	if _, ok := s.Block("existing"); ok {
		t.Error("still there after DELETE")
	}
	r = do(t, nil, "DELETE", s.URL()+"/block_documents/"+id, "", auth...)
	wantStatus(t, r, 404)
	r = do(t, nil, "PATCH", s.URL()+"/block_documents/"+id, `{"data": {"value": "new"}, "merge_existing_data": false}`, auth...)
	wantStatus(t, r, 404)
	if r.body != `{"detail":"Block document not found"}` {
		t.Errorf("404 body %s", r.body)
	}

	ft.wantNone(t)
	if n := s.Count("POST", "/block_documents/filter"); n != 1 {
		t.Errorf("Count filter = %d", n)
	}
	if n := s.Count("GET", "/block_types/slug/secret"); n != 1 {
		t.Errorf("Count type = %d", n)
	}
	reqs := s.Requests()
	if reqs[0].Header.Get("Authorization") != "Bearer pnu_key" || reqs[0].Status != 200 || reqs[0].Host == "" {
		t.Errorf("recorded %+v", reqs[0])
	}
	if got := s.BlockNames(); !reflect.DeepEqual(got, []string{"json-value", "my-api-key"}) {
		t.Errorf("BlockNames %v", got)
	}
}

func TestV2Paging(t *testing.T) {
	ft := newFakeT(t)
	s := NewV2(ft)
	var names []string
	for i := 0; i < 250; i++ {
		n := fmt.Sprintf("k-%03d", i)
		names = append(names, n)
		s.SetBlock(n, n)
	}
	body := func(limit, offset int) string {
		return mustJSON(map[string]any{
			"block_types":     map[string]any{"slug": map[string]any{"any_": []string{"secret"}}},
			"block_documents": map[string]any{"name": map[string]any{"any_": names}},
			"include_secrets": true, "limit": limit, "offset": offset,
		})
	}
	var got []string
	for off := 0; ; off += 200 {
		r := do(t, nil, "POST", s.URL()+"/block_documents/filter", body(200, off))
		wantStatus(t, r, 200)
		l := r.json(t).([]any)
		for _, d := range l {
			got = append(got, d.(map[string]any)["name"].(string))
		}
		if len(l) < 200 {
			break
		}
	}
	if !reflect.DeepEqual(got, names) {
		t.Errorf("paged %d names, want 250 in order", len(got))
	}
	r := do(t, nil, "POST", s.URL()+"/block_documents/filter", body(201, 0))
	wantStatus(t, r, 422)
	if r.body != `{"detail":"Invalid limit: must be less than or equal to 200."}` {
		t.Errorf("422 body %s", r.body)
	}
	// No limit: the default (the page limit).
	r = do(t, nil, "POST", s.URL()+"/block_documents/filter", `{"block_types": {"slug": {"any_": ["secret"]}}}`)
	if l := r.json(t).([]any); len(l) != 200 || l[0].(map[string]any)["data"].(map[string]any)["value"] != Obfuscated {
		t.Errorf("default limit gave %d", len(l))
	}
	r = do(t, nil, "POST", s.URL()+"/block_documents/filter", `{"block_types": {"slug": {"any_": ["secret"]}}, "sort": "NAME_DESC", "limit": 1}`)
	if l := r.json(t).([]any); len(l) != 1 || l[0].(map[string]any)["name"] != "k-249" {
		t.Errorf("NAME_DESC %s", r.body)
	}
	ft.wantNone(t)

	small := NewV2(ft, WithPageLimit(10))
	r = do(t, nil, "POST", small.URL()+"/block_documents/filter", `{"block_types": {"slug": {"any_": ["secret"]}}, "limit": 11}`)
	wantStatus(t, r, 422)
	if !strings.Contains(r.body, "less than or equal to 10") {
		t.Errorf("422 body %s", r.body)
	}
	ft.wantNone(t)
}

func TestV2Rejections(t *testing.T) {
	ft := newFakeT(t)
	s := NewV2(ft)
	s.SetBlock("there", "v")
	typeID, schemaID := ids(t, s)
	id, _ := s.BlockID("there")
	create := func(mod func(m map[string]any)) string {
		m := map[string]any{"name": "new-one", "data": map[string]any{"value": "v"}, "block_type_id": typeID, "block_schema_id": schemaID, "is_anonymous": false}
		mod(m)
		return mustJSON(m)
	}
	filter := `{"block_types": {"slug": {"any_": ["secret"]}}, "include_secrets": true, "limit": 200, "offset": 0}`
	cases := []struct {
		name, method, path, body string
		headers                  []string
		status                   int
		report                   string
	}{
		{"unknown path", "GET", "/secrets", "", nil, 404, "no such endpoint"},
		{"no /api", "GET", "/../block_types/slug/secret", "", nil, 404, "not under the API base"},
		{"typed read extra query", "GET", "/block_types/slug/json/block_documents/name/x?include_secrets=true&x=1", "", nil, 404, `unexpected query parameter "x"`},
		{"variable with query", "GET", "/variables/name/x?include_secrets=true", "", nil, 404, `unexpected query parameter "include_secrets"`},
		{"wrong method", "GET", "/block_documents/filter", "", nil, 405, "method GET"},
		{"text content type", "POST", "/block_documents/filter", filter, []string{"Content-Type", "text/plain"}, 422, "Content-Type"},
		{"not json", "POST", "/block_documents/filter", "{not json", nil, 422, "not valid JSON"},
		{"query on POST", "POST", "/block_documents/filter?x=1", filter, nil, 200, `unexpected query parameter "x"`},
		{"filter unknown field", "POST", "/block_documents/filter", `{"block_types": {"slug": {"any_": ["secret"]}}, "names": ["a"]}`, nil, 200, `unexpected field "names"`},
		{"filter name not list", "POST", "/block_documents/filter", `{"block_types": {"slug": {"any_": ["secret"]}}, "block_documents": {"name": {"any_": "a"}}}`, nil, 422, "not a list of strings"},
		{"filter name like_", "POST", "/block_documents/filter", `{"block_types": {"slug": {"any_": ["secret"]}}, "block_documents": {"name": {"like_": "a"}}}`, nil, 422, `missing field "any_"`},
		{"filter include_secrets string", "POST", "/block_documents/filter", `{"block_types": {"slug": {"any_": ["secret"]}}, "include_secrets": "true"}`, nil, 422, "include_secrets is not a boolean"},
		{"filter limit string", "POST", "/block_documents/filter", `{"block_types": {"slug": {"any_": ["secret"]}}, "limit": "10"}`, nil, 422, "limit is not an integer"},
		{"filter negative offset", "POST", "/block_documents/filter", `{"block_types": {"slug": {"any_": ["secret"]}}, "offset": -1}`, nil, 422, "offset"},
		{"filter bad sort", "POST", "/block_documents/filter", `{"block_types": {"slug": {"any_": ["secret"]}}, "sort": "NAME"}`, nil, 422, "sort"},
		{"schemas other type", "POST", "/block_schemas/filter", `{"block_schemas": {"block_type_id": {"any_": ["` + uuid.New() + `"]}}}`, nil, 200, "does not hold the Secret block type's id"},
		{"schemas unknown field", "POST", "/block_schemas/filter", `{"block_schemas": {"block_type_id": {"any_": ["` + typeID + `"]}, "version": {"eq_": "1"}}}`, nil, 422, `unexpected field "version"`},
		{"create no slash", "POST", "/block_documents", create(func(map[string]any) {}), nil, 307, "trailing slash"},
		{"create missing data", "POST", "/block_documents/", create(func(m map[string]any) { delete(m, "data") }), nil, 422, `missing field "data"`},
		{"create unknown field", "POST", "/block_documents/", create(func(m map[string]any) { m["value"] = "v" }), nil, 422, `unexpected field "value"`},
		{"create data extra key", "POST", "/block_documents/", create(func(m map[string]any) { m["data"] = map[string]any{"value": "v", "x": 1} }), nil, 422, `unexpected field "x"`},
		{"create name upper", "POST", "/block_documents/", create(func(m map[string]any) { m["name"] = "MY_KEY" }), nil, 422, "lowercase letters"},
		{"create name number", "POST", "/block_documents/", create(func(m map[string]any) { m["name"] = 5 }), nil, 422, "name is not a string"},
		{"create anonymous", "POST", "/block_documents/", create(func(m map[string]any) { m["is_anonymous"] = true }), nil, 422, "is_anonymous"},
		{"create made-up type", "POST", "/block_documents/", create(func(m map[string]any) { m["block_type_id"] = uuid.New() }), nil, 409, "block_type_id"},
		{"create made-up schema", "POST", "/block_documents/", create(func(m map[string]any) { m["block_schema_id"] = uuid.New() }), nil, 409, "block_schema_id"},
		{"create non-uuid type", "POST", "/block_documents/", create(func(m map[string]any) { m["block_type_id"] = "secret" }), nil, 422, "not a UUID"},
		{"patch merge not bool", "PATCH", "/block_documents/" + id, `{"data": {"value": "v2"}, "merge_existing_data": "no"}`, nil, 422, "merge_existing_data is not a boolean"},
		{"patch unknown field", "PATCH", "/block_documents/" + id, `{"data": {"value": "v2"}, "name": "x"}`, nil, 422, `unexpected field "name"`},
		{"patch no value", "PATCH", "/block_documents/" + id, `{"data": {}, "merge_existing_data": false}`, nil, 422, `missing field "value"`},
		{"patch by name", "PATCH", "/block_documents/there", `{"data": {"value": "v2"}, "merge_existing_data": false}`, nil, 404, "no such endpoint"},
		{"get by id", "GET", "/block_documents/" + id, "", nil, 405, "method GET"},
		{"read extra query", "GET", "/block_types/slug/secret/block_documents/name/there?include_secrets=true&x=1", "", nil, 200, `unexpected query parameter "x"`},
		{"read bad bool", "GET", "/block_types/slug/secret/block_documents/name/there?include_secrets=maybe", "", nil, 422, "not a boolean"},
		{"get type with body", "GET", "/block_types/slug/secret", `{}`, nil, 200, "unexpected request body"},
		{"bad api version", "GET", "/block_types/slug/secret", "", []string{"X-PREFECT-API-VERSION", "3"}, 400, "X-PREFECT-API-VERSION"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			url := s.URL() + c.path
			if strings.HasPrefix(c.path, "/..") {
				url = strings.TrimSuffix(s.URL(), "/api") + c.path[3:]
			}
			r := do(t, nil, c.method, url, c.body, c.headers...)
			wantStatus(t, r, c.status)
			if c.status == 422 && !strings.Contains(r.body, `"detail"`) && !strings.Contains(r.body, `"exception_message":"Invalid request received."`) {
				t.Errorf("422 body %s", r.body)
			}
			ft.want(t, c.report)
		})
	}
	// The 422 is Prefect's shape, echoing the body.
	r := do(t, nil, "POST", s.URL()+"/block_documents/", create(func(m map[string]any) { m["name"] = "Bad_Name" }))
	v := r.json(t).(map[string]any)
	if v["exception_message"] != "Invalid request received." || v["request_body"] == nil {
		t.Errorf("422 %s", r.body)
	}
	if loc := v["exception_detail"].([]any)[0].(map[string]any)["loc"]; !reflect.DeepEqual(loc, []any{"body", "name"}) {
		t.Errorf("loc %v", loc)
	}
	ft.take()
	if _, ok := s.Block("new-one"); ok {
		t.Error("a rejected create was stored")
	}
}

func TestV2Auth(t *testing.T) {
	ft := newFakeT(t)

	cloud := NewV2(ft, WithAPIKey("pnu_right"), WithCloudPath())
	if !regexp.MustCompile(`^http://127\.0\.0\.1:\d+/api/accounts/[0-9a-f-]{36}/workspaces/[0-9a-f-]{36}$`).MatchString(cloud.URL()) {
		t.Errorf("cloud URL %s", cloud.URL())
	}
	for _, h := range [][]string{nil, {"Authorization", "Bearer pnu_wrong"}, {"Authorization", "pnu_right"}} {
		r := do(t, nil, "GET", cloud.URL()+"/block_types/slug/secret", "", h...)
		wantStatus(t, r, 401)
		if r.body != `{"detail":"Unauthorized"}` {
			t.Errorf("401 body %s", r.body)
		}
	}
	wantStatus(t, do(t, nil, "GET", cloud.URL()+"/block_types/slug/secret", "", "Authorization", "Bearer pnu_right"), 200)
	wantStatus(t, do(t, nil, "GET", strings.TrimSuffix(cloud.URL(), cloud.basePath)+"/api/block_types/slug/secret", ""), 404)
	ft.want(t, "not under the API base")

	basic := NewV2(ft, WithAuthString("admin:pass"))
	good := "Basic " + base64.StdEncoding.EncodeToString([]byte("admin:pass"))
	bad := "Basic " + base64.StdEncoding.EncodeToString([]byte("admin:nope"))
	wantStatus(t, do(t, nil, "GET", basic.URL()+"/block_types/slug/secret", "", "Authorization", good), 200)
	for _, h := range [][]string{nil, {"Authorization", bad}, {"Authorization", "Bearer admin:pass"}} {
		r := do(t, nil, "GET", basic.URL()+"/block_types/slug/secret", "", h...)
		wantStatus(t, r, 401)
		if r.body != `{"exception_message":"Unauthorized"}` {
			t.Errorf("401 body %s", r.body)
		}
	}
	wantStatus(t, do(t, nil, "GET", basic.URL()+"/health", ""), 200)

	forbidden := NewV2(ft, WithAPIKey("k"), WithForbidden())
	wantStatus(t, do(t, nil, "GET", forbidden.URL()+"/block_types/slug/secret", "", "Authorization", "Bearer wrong"), 401)
	r := do(t, nil, "GET", forbidden.URL()+"/block_types/slug/secret", "", "Authorization", "Bearer k")
	wantStatus(t, r, 403)
	if r.body != `{"detail":"Forbidden"}` {
		t.Errorf("403 body %s", r.body)
	}
	ft.wantNone(t)
}

func TestV2Script(t *testing.T) {
	ft := newFakeT(t)
	s := NewV2(ft)
	s.SetBlock("a", "1")
	s.Script(
		Response{Status: 429, Header: map[string]string{"Retry-After": "2"}, Body: `{"detail":"slow down"}`},
		Response{Status: 500},
		Response{Body: "{not json"},
		Response{Delay: 50 * time.Millisecond}, // pass-through
	)
	u := s.URL() + "/block_types/slug/secret/block_documents/name/a?include_secrets=true"
	r := do(t, nil, "GET", u, "")
	wantStatus(t, r, 429)
	if r.header.Get("Retry-After") != "2" || r.body != `{"detail":"slow down"}` {
		t.Errorf("scripted 429: %v %s", r.header, r.body)
	}
	wantStatus(t, do(t, nil, "GET", u, ""), 500)
	r = do(t, nil, "GET", u, "")
	if r.status != 200 || r.body != "{not json" || r.header.Get("Content-Type") != "application/json" {
		t.Errorf("malformed: %d %v %s", r.status, r.header, r.body)
	}
	start := time.Now()
	r = do(t, nil, "GET", u, "")
	wantStatus(t, r, 200)
	if time.Since(start) < 50*time.Millisecond || !strings.Contains(r.body, `"value":"1"`) {
		t.Errorf("pass-through: %v %s", time.Since(start), r.body)
	}
	wantStatus(t, do(t, nil, "GET", u, ""), 200) // normal again
	got := []int{}
	for _, q := range s.Requests() {
		got = append(got, q.Status)
	}
	if !reflect.DeepEqual(got, []int{429, 500, 200, 200, 200}) {
		t.Errorf("recorded statuses %v", got)
	}
	ft.wantNone(t)

	// Unused scripted responses are reported when the test ends.
	ft2 := &fakeT{}
	s2 := NewV2(ft2)
	s2.Script(Response{Status: 500})
	ft2.close()
	if e := ft2.errors(); len(e) != 1 || !strings.Contains(e[0], "never used") {
		t.Errorf("unused script: %q", e)
	}
}

func TestV2HangAndReset(t *testing.T) {
	ft := newFakeT(t)
	s := NewV2(ft)
	s.Script(Response{Hang: true}, Response{Reset: true})
	c := &http.Client{Timeout: 200 * time.Millisecond}
	start := time.Now()
	_, err := c.Get(s.URL() + "/block_types/slug/secret")
	if err == nil {
		t.Fatal("a hanging server answered")
	}
	if d := time.Since(start); d < 200*time.Millisecond || d > 5*time.Second {
		t.Errorf("gave up after %v", d)
	}
	if _, err := http.Get(s.URL() + "/block_types/slug/secret"); err == nil {
		t.Error("Reset answered")
	}
	// The server notices the client left and records no answer.
	deadline := time.Now().Add(5 * time.Second)
	for {
		reqs := s.Requests()
		if len(reqs) == 2 && reqs[0].Status == 0 && reqs[1].Status == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("requests %+v", reqs)
		}
		time.Sleep(10 * time.Millisecond)
	}

	// A hang the client never abandons ends with the test.
	ft2 := &fakeT{}
	s2 := NewV2(ft2)
	s2.Script(Response{Hang: true})
	done := make(chan error)
	go func() {
		_, err := http.Get(s2.URL() + "/health")
		done <- err
	}()
	for len(s2.Requests()) == 0 {
		time.Sleep(5 * time.Millisecond)
	}
	ft2.close()
	select {
	case err := <-done:
		if err == nil {
			t.Error("hang answered")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("cleanup did not end a hanging request")
	}
	ft.wantNone(t)
}

func TestV2RedirectTo(t *testing.T) {
	ft := newFakeT(t)
	from := NewV2(ft, WithAPIKey("k"))
	to := NewV2(ft, WithAPIKey("k"), WithCloudPath())
	from.RedirectTo(to.URL())
	body := `{"block_types": {"slug": {"any_": ["secret"]}}, "limit": 200}`
	r := do(t, nil, "POST", from.URL()+"/block_documents/filter?a=b", body, "Authorization", "Bearer k")
	wantStatus(t, r, 307)
	if loc := r.header.Get("Location"); loc != to.URL()+"/block_documents/filter?a=b" {
		t.Errorf("Location %s", loc)
	}
	// A path-less target gets the whole path.
	from.RedirectTo("http://" + to.Addr())
	r = do(t, nil, "GET", from.URL()+"/health", "")
	if loc := r.header.Get("Location"); loc != "http://"+to.Addr()+"/api/health" {
		t.Errorf("Location %s", loc)
	}
	from.RedirectTo("")
	wantStatus(t, do(t, nil, "GET", from.URL()+"/health", "", "Authorization", "Bearer k"), 200)

	// The target records what reached it: a client that drops credentials
	// on redirect sends none (401 there).
	from.RedirectTo(to.URL())
	c := &http.Client{CheckRedirect: func(req *http.Request, via []*http.Request) error {
		req.Header.Del("Authorization")
		return nil
	}}
	r = do(t, c, "POST", from.URL()+"/block_documents/filter", body, "Authorization", "Bearer k")
	wantStatus(t, r, 401)
	got := to.Requests()
	if len(got) != 1 || got[0].Header.Get("Authorization") != "" || got[0].Method != "POST" || string(got[0].Body) != body {
		t.Errorf("target saw %+v", got)
	}

	// Go's default client keeps Authorization for the same host name on
	// another port, and drops it for another host name.
	from.RedirectTo(to.URL())
	wantStatus(t, do(t, http.DefaultClient, "GET", from.URL()+"/health", "", "Authorization", "Bearer k"), 200)
	from.RedirectTo(to.URLWithHost("localhost"))
	if !strings.HasPrefix(to.URLWithHost("localhost"), "http://localhost:") {
		t.Errorf("URLWithHost %s", to.URLWithHost("localhost"))
	}
	wantStatus(t, do(t, http.DefaultClient, "GET", from.URL()+"/health", "", "Authorization", "Bearer k"), 401)
	got = to.Requests()
	if len(got) != 3 || got[1].Header.Get("Authorization") != "Bearer k" || got[2].Header.Get("Authorization") != "" || got[2].Host != strings.TrimPrefix(strings.Split(to.URLWithHost("localhost"), "/api")[0], "http://") {
		t.Errorf("target saw %+v", got)
	}
	ft.wantNone(t)
}

func TestV2Throttle(t *testing.T) {
	ft := newFakeT(t)
	s := NewV2(ft)
	s.Throttle(2, "0")
	s.SetLatency(300 * time.Millisecond)
	var wg sync.WaitGroup
	statuses := make([]int, 6)
	retryAfter := make([]string, 6)
	for i := range statuses {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := http.Get(s.URL() + "/health")
			if err != nil {
				t.Error(err)
				return
			}
			res.Body.Close()
			statuses[i], retryAfter[i] = res.StatusCode, res.Header.Get("Retry-After")
		}()
	}
	wg.Wait()
	ok, throttled := 0, 0
	for i, st := range statuses {
		switch st {
		case 200:
			ok++
		case 429:
			throttled++
			if retryAfter[i] != "0" {
				t.Errorf("Retry-After %q", retryAfter[i])
			}
		default:
			t.Errorf("status %d", st)
		}
	}
	if ok != 2 || throttled != 4 {
		t.Errorf("%d answered, %d throttled; want 2 and 4", ok, throttled)
	}
	// Once the burst is over, requests are answered.
	s.SetLatency(0)
	wantStatus(t, do(t, nil, "GET", s.URL()+"/health", ""), 200)
	ft.wantNone(t)
}

func TestV2TLS(t *testing.T) {
	ft := newFakeT(t)
	s := NewV2TLS(ft, WithAPIKey("k"))
	if !strings.HasPrefix(s.URL(), "https://127.0.0.1:") {
		t.Errorf("URL %s", s.URL())
	}
	wantStatus(t, do(t, s.Client(), "GET", s.URL()+"/block_types/slug/secret", "", "Authorization", "Bearer k"), 200)
	if _, err := http.Get(s.URL() + "/health"); err == nil {
		t.Error("an untrusting client connected")
	}
	if pem := string(s.CertPEM()); !strings.HasPrefix(pem, "-----BEGIN CERTIFICATE-----") {
		t.Errorf("CertPEM %q", pem)
	}
	if NewV2(ft).CertPEM() != nil {
		t.Error("plain server has a certificate")
	}
	ft.wantNone(t)
}

func TestV2Concurrent(t *testing.T) {
	ft := newFakeT(t)
	s := NewV2(ft)
	typeID, schemaID := ids(t, s)
	var wg sync.WaitGroup
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			name := fmt.Sprintf("n-%d", i)
			res, err := http.Post(s.URL()+"/block_documents/", "application/json", strings.NewReader(mustJSON(map[string]any{
				"name": name, "data": map[string]any{"value": i}, "block_type_id": typeID, "block_schema_id": schemaID, "is_anonymous": false,
			})))
			if err != nil {
				t.Error(err)
				return
			}
			res.Body.Close()
			res, err = http.Post(s.URL()+"/block_documents/filter", "application/json", strings.NewReader(`{"block_types": {"slug": {"any_": ["secret"]}}, "block_documents": {"name": {"any_": ["`+name+`"]}}, "include_secrets": true, "limit": 200, "offset": 0}`))
			if err != nil {
				t.Error(err)
				return
			}
			res.Body.Close()
			_ = s.Requests()
			_, _ = s.Block(name)
		}()
	}
	wg.Wait()
	if n := len(s.BlockNames()); n != 50 {
		t.Errorf("%d blocks", n)
	}
	if v, _ := s.Block("n-7"); v != 7.0 {
		t.Errorf("n-7 = %v", v)
	}
	ft.wantNone(t)
}
