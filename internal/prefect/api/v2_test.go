package api_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/prefect-secrets/prefect-secrets/internal/prefect/api"
	"github.com/prefect-secrets/prefect-secrets/internal/testkit/prefecttest"
	"github.com/prefect-secrets/prefect-secrets/resolve"
)

const byName = "/api/block_types/slug/secret/block_documents/name/"

func TestV2ReadOneIsOneGETByNameWithSecrets(t *testing.T) {
	srv, c, r := v2(t)
	srv.SetBlock("db-password", canaryValue)
	got, err := c.Get(ctx(t), []string{"DB_PASSWORD"})
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := reveal(got, "DB_PASSWORD"); !ok || v != canaryValue {
		t.Errorf("DB_PASSWORD = %q, %v; want %q", v, ok, canaryValue)
	}
	if got["DB_PASSWORD"].IsJSON() {
		t.Errorf("a Prefect 2.x string value is JSON")
	}
	reqs := srv.Requests()
	if want := []string{"GET " + byName + "db-password?include_secrets=true"}; !reflect.DeepEqual(calls(reqs), want) {
		t.Errorf("requests %q, want %q", calls(reqs), want)
	}
	if h := reqs[0].Header.Get("Authorization"); h != "Bearer "+canaryKey {
		t.Errorf("Authorization %q", h)
	}
	if len(reqs[0].Body) != 0 {
		t.Errorf("GET with a body %q", reqs[0].Body)
	}
	wantLogLines(t, r, 1)
	noLeak(t, nil, r)
}

func TestV2StringValuesExactBytes(t *testing.T) {
	srv, c, _ := v2(t)
	values := map[string]string{
		"nl":      "a\nb\n",
		"crlf":    "a\r\nb",
		"uni":     "ünïcödé ✓ 日本 🔑",
		"spaces":  "  lead and trail  ",
		"json":    `{"a": 1}`, // a 2.x string that looks like JSON stays a string
		"num":     "007",
		"quote":   `"quoted" \ back`,
		"html":    "<b>&amp;</b>",
		"tab-nul": "a\tb\x00c",
	}
	for n, v := range values {
		srv.SetBlock(n, v)
	}
	for n, want := range values {
		got, err := c.Get(ctx(t), []string{n})
		if err != nil {
			t.Fatal(err)
		}
		if v, ok := reveal(got, n); !ok || v != want || got[n].IsJSON() {
			t.Errorf("%s = %q (json %v), want the string %q", n, v, got[n].IsJSON(), want)
		}
	}
	// And through one filter request.
	var names []string
	for n := range values {
		names = append(names, n)
	}
	before := srv.Count("POST", "/block_documents/filter")
	got, err := c.Get(ctx(t), names)
	if err != nil {
		t.Fatal(err)
	}
	if n := srv.Count("POST", "/block_documents/filter") - before; n != 1 {
		t.Errorf("%d filter requests, want 1", n)
	}
	for n, want := range values {
		if v, _ := reveal(got, n); v != want || got[n].IsJSON() {
			t.Errorf("filter: %s = %q, want %q", n, v, want)
		}
	}
}

func TestV2JSONValuesAreJSONText(t *testing.T) {
	srv, c, _ := v2(t)
	srv.SetBlock("obj", json.RawMessage(`{"user":"u","port":5432,"tags":["a","b"]}`))
	srv.SetBlock("num", json.RawMessage(`42`))
	srv.SetBlock("float", json.RawMessage(`1.50`))
	srv.SetBlock("yes", true)
	srv.SetBlock("no", false)
	srv.SetBlock("list", json.RawMessage(`[1,"two"]`))
	want := map[string]string{
		"obj":   `{"user":"u","port":5432,"tags":["a","b"]}`,
		"num":   `42`,
		"float": `1.50`,
		"yes":   `true`,
		"no":    `false`,
		"list":  `[1,"two"]`,
	}
	check := func(how string, got map[string]resolve.Secret, only ...string) {
		t.Helper()
		for n, w := range want {
			if len(only) > 0 && n != only[0] {
				continue
			}
			s, ok := got[n]
			if !ok {
				t.Errorf("%s: %s missing", how, n)
				continue
			}
			if !s.IsJSON() {
				t.Errorf("%s: %s is not marked JSON", how, n)
			}
			var a, b any
			if json.Unmarshal(s.Reveal(), &a) != nil || json.Unmarshal([]byte(w), &b) != nil || !reflect.DeepEqual(a, b) {
				t.Errorf("%s: %s = %s, want %s", how, n, s.Reveal(), w)
			}
		}
	}
	for n := range want {
		got, err := c.Get(ctx(t), []string{n})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 {
			t.Errorf("Get(%s): %d values", n, len(got))
		}
		check("one", map[string]resolve.Secret{n: got[n]}, n)
	}
	names := make([]string, 0, len(want))
	for n := range want {
		names = append(names, n)
	}
	got, err := c.Get(ctx(t), names)
	if err != nil {
		t.Fatal(err)
	}
	check("many", got)
	if n := srv.Count("POST", "/block_documents/filter"); n != 1 {
		t.Errorf("%d filter requests, want 1", n)
	}
}

func TestV2ReadManyIsOneFilterRequest(t *testing.T) {
	srv, c, r := v2(t)
	srv.SetBlock("a-one", "1")
	srv.SetBlock("b-two", "2")
	srv.SetBlock("unrelated", "x")
	got, err := c.Get(ctx(t), []string{"A_ONE", "b_two", "MISSING_ONE"})
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := reveal(got, "A_ONE"); v != "1" {
		t.Errorf("A_ONE = %q", v)
	}
	if v, _ := reveal(got, "b_two"); v != "2" {
		t.Errorf("b_two = %q", v)
	}
	if _, ok := got["MISSING_ONE"]; ok || len(got) != 2 {
		t.Errorf("got %d values (MISSING_ONE present: %v), want 2", len(got), ok)
	}
	reqs := srv.Requests()
	if want := []string{"POST /api/block_documents/filter"}; !reflect.DeepEqual(calls(reqs), want) {
		t.Fatalf("requests %q, want %q", calls(reqs), want)
	}
	b := body(t, reqs[0])
	if b["include_secrets"] != true {
		t.Errorf("include_secrets = %v", b["include_secrets"])
	}
	if !reflect.DeepEqual(b["block_types"], map[string]any{"slug": map[string]any{"any_": []any{"secret"}}}) {
		t.Errorf("block_types = %v", b["block_types"])
	}
	names := blockNamesAsked(t, b)
	if want := []string{"a-one", "b-two", "missing-one"}; !reflect.DeepEqual(names, want) {
		t.Errorf("names asked %q, want %q", names, want)
	}
	if b["offset"] != 0.0 || b["limit"] != float64(api.PageLimit) {
		t.Errorf("limit %v offset %v", b["limit"], b["offset"])
	}
	if ct := reqs[0].Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	wantLogLines(t, r, 1)
}

func blockNamesAsked(t *testing.T, b map[string]any) []string {
	t.Helper()
	bd, _ := b["block_documents"].(map[string]any)
	nm, _ := bd["name"].(map[string]any)
	l, ok := nm["any_"].([]any)
	if !ok {
		t.Fatalf("no block_documents.name.any_ in %v", b)
	}
	var out []string
	for _, v := range l {
		out = append(out, v.(string))
	}
	sort.Strings(out)
	return out
}

func TestV2NamesMapToBlockNames(t *testing.T) {
	srv, c, _ := v2(t)
	srv.SetBlock("my-api-key", "k")
	srv.SetBlock("other", "o")

	// Two names, one block: one GET by name, both names answered.
	got, err := c.Get(ctx(t), []string{"MY_API_KEY", "my-api-key"})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"MY_API_KEY", "my-api-key"} {
		if v, _ := reveal(got, n); v != "k" {
			t.Errorf("%s = %q, want k", n, v)
		}
	}
	if want := []string{"GET " + byName + "my-api-key?include_secrets=true"}; !reflect.DeepEqual(calls(srv.Requests()), want) {
		t.Errorf("requests %q, want %q", calls(srv.Requests()), want)
	}

	// Three names, two blocks: one filter asking each block once.
	got, err = c.Get(ctx(t), []string{"MY_API_KEY", "my_api_key", "OTHER"})
	if err != nil {
		t.Fatal(err)
	}
	for n, want := range map[string]string{"MY_API_KEY": "k", "my_api_key": "k", "OTHER": "o"} {
		if v, _ := reveal(got, n); v != want {
			t.Errorf("%s = %q, want %q", n, v, want)
		}
	}
	reqs := srv.Requests()
	if len(reqs) != 2 || reqs[1].Method != "POST" || reqs[1].Path != "/api/block_documents/filter" {
		t.Fatalf("requests %q", calls(reqs))
	}
	if names := blockNamesAsked(t, body(t, reqs[1])); !reflect.DeepEqual(names, []string{"my-api-key", "other"}) {
		t.Errorf("names asked %q", names)
	}
}

func TestV2ReadManyPagesPast200(t *testing.T) {
	srv, c, _ := v2(t)
	var names []string
	for i := range 450 {
		b := fmt.Sprintf("s-%03d", i)
		srv.SetBlock(b, "v"+b)
		names = append(names, fmt.Sprintf("S_%03d", i))
	}
	got, err := c.Get(ctx(t), names)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 450 {
		t.Errorf("%d values, want 450", len(got))
	}
	for i, n := range names {
		if v, _ := reveal(got, n); v != fmt.Sprintf("vs-%03d", i) {
			t.Errorf("%s = %q", n, v)
			break
		}
	}
	reqs := srv.Requests()
	if len(reqs) != 3 {
		t.Fatalf("%d requests, want 3: %q", len(reqs), calls(reqs))
	}
	for i, r := range reqs {
		if r.Method != "POST" || r.Path != "/api/block_documents/filter" {
			t.Errorf("request %d: %s %s", i, r.Method, r.Path)
		}
		// Each page asks for the names not read yet, from offset 0.
		b := body(t, r)
		if b["offset"] != 0.0 || b["limit"] != 200.0 {
			t.Errorf("request %d: offset %v limit %v, want 0 200", i, b["offset"], b["limit"])
		}
		if n, want := len(blockNamesAsked(t, b)), 450-200*i; n != want {
			t.Errorf("request %d asks %d names, want %d", i, n, want)
		}
	}
}

func TestV2Names(t *testing.T) {
	srv, c, r := v2(t)
	var want []string
	for i := range 450 {
		b := fmt.Sprintf("blk-%03d", i)
		srv.SetBlock(b, canaryValue)
		want = append(want, b)
	}
	got, err := c.Names(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Names: %d names, want %d (first %v)", len(got), len(want), got[:min(3, len(got))])
	}
	reqs := srv.Requests()
	if len(reqs) != 3 {
		t.Fatalf("%d requests, want 3: %q", len(reqs), calls(reqs))
	}
	for i, r := range reqs {
		b := body(t, r)
		if b["offset"] != float64(200*i) {
			t.Errorf("request %d: offset %v", i, b["offset"])
		}
		// A list never asks for the values.
		if b["include_secrets"] == true {
			t.Errorf("request %d: a list asks for the values", i)
		}
	}
	wantLogLines(t, r, 3)

	// Empty.
	srv2, c2, _ := v2(t)
	got, err = c2.Names(ctx(t))
	if err != nil || len(got) != 0 {
		t.Errorf("Names of an empty API = %v, %v", got, err)
	}
	if n := srv2.Count("POST", "/block_documents/filter"); n != 1 {
		t.Errorf("%d requests", n)
	}
}

func TestV2CreateSequence(t *testing.T) {
	srv, c, r := v2(t)
	if err := c.Set(ctx(t), "NEW_KEY", []byte(canaryValue)); err != nil {
		t.Fatal(err)
	}
	raw, ok := srv.BlockJSON("new-key")
	var v string
	if !ok || json.Unmarshal(raw, &v) != nil || v != canaryValue {
		t.Errorf("stored %s, %v; want the string %q", raw, ok, canaryValue)
	}
	reqs := srv.Requests()
	want := []string{
		"GET " + byName + "new-key?include_secrets=true",
		"GET /api/block_types/slug/secret",
		"POST /api/block_schemas/filter",
		"POST /api/block_documents/",
	}
	if !reflect.DeepEqual(calls(reqs), want) {
		t.Fatalf("requests\n %q\nwant\n %q", calls(reqs), want)
	}
	sb := body(t, reqs[2])
	if !reflect.DeepEqual(sb["block_schemas"], map[string]any{"block_type_id": map[string]any{"any_": []any{srv.BlockTypeID()}}}) {
		t.Errorf("schema filter %v", sb)
	}
	cb := body(t, reqs[3])
	wantBody := map[string]any{
		"name":            "new-key",
		"data":            map[string]any{"value": canaryValue},
		"block_type_id":   srv.BlockTypeID(),
		"block_schema_id": srv.BlockSchemaIDs()[0],
		"is_anonymous":    false,
	}
	if !reflect.DeepEqual(cb, wantBody) {
		t.Errorf("create body %v, want %v", cb, wantBody)
	}
	if got, err := c.Get(ctx(t), []string{"NEW_KEY"}); err != nil || string(got["NEW_KEY"].Reveal()) != canaryValue {
		t.Errorf("read back: %v", err)
	}
	wantLogLines(t, r, 4)
	noLeak(t, nil, r)
}

func TestV2UpdateExisting(t *testing.T) {
	srv, c, r := v2(t)
	srv.SetBlock("api-key", "old")
	srv.SetBlock("other", "keep")
	id, _ := srv.BlockID("api-key")
	if err := c.Set(ctx(t), "API_KEY", []byte(canaryValue)); err != nil {
		t.Fatal(err)
	}
	if v, _ := srv.Block("api-key"); v != canaryValue {
		t.Errorf("api-key = %v", v)
	}
	if id2, _ := srv.BlockID("api-key"); id2 != id {
		t.Errorf("the block was replaced (id %s, was %s)", id2, id)
	}
	if names := srv.BlockNames(); !reflect.DeepEqual(names, []string{"api-key", "other"}) {
		t.Errorf("blocks %q: a duplicate?", names)
	}
	reqs := srv.Requests()
	want := []string{"GET " + byName + "api-key?include_secrets=true", "PATCH /api/block_documents/" + id}
	if !reflect.DeepEqual(calls(reqs), want) {
		t.Fatalf("requests %q, want %q", calls(reqs), want)
	}
	pb := body(t, reqs[1])
	if !reflect.DeepEqual(pb, map[string]any{"data": map[string]any{"value": canaryValue}, "merge_existing_data": false}) {
		t.Errorf("PATCH body %v", pb)
	}
	if srv.Count("POST", "/block_documents/") != 0 {
		t.Errorf("an update created a block")
	}
	// A 3.x JSON value is replaced by the string.
	srv.SetBlock("cfg", map[string]any{"a": 1})
	if err := c.Set(ctx(t), "cfg", []byte("plain")); err != nil {
		t.Fatal(err)
	}
	if raw, _ := srv.BlockJSON("cfg"); string(raw) != `"plain"` {
		t.Errorf("cfg = %s", raw)
	}
	noLeak(t, nil, r)
}

// A block created by someone else between the read and the create (409)
// is updated instead, not duplicated.
func TestV2CreateRaceBecomesUpdate(t *testing.T) {
	srv, c, _ := v2(t)
	srv.SetBlock("raced", "theirs")
	// The first read says "missing", as if it ran before the other writer.
	srv.Script(prefecttest.Response{Status: 404, Body: `{"detail":"Block document not found"}`})
	if err := c.Set(ctx(t), "raced", []byte("mine")); err != nil {
		t.Fatal(err)
	}
	if v, _ := srv.Block("raced"); v != "mine" {
		t.Errorf("raced = %v", v)
	}
	id, _ := srv.BlockID("raced")
	want := []string{
		"GET " + byName + "raced?include_secrets=true",
		"GET /api/block_types/slug/secret",
		"POST /api/block_schemas/filter",
		"POST /api/block_documents/",
		"GET " + byName + "raced?include_secrets=true",
		"PATCH /api/block_documents/" + id,
	}
	if !reflect.DeepEqual(calls(srv.Requests()), want) {
		t.Errorf("requests\n %q\nwant\n %q", calls(srv.Requests()), want)
	}
	if len(srv.BlockNames()) != 1 {
		t.Errorf("blocks %q", srv.BlockNames())
	}
}

func TestV2Delete(t *testing.T) {
	srv, c, r := v2(t)
	srv.SetBlock("old-key", "x")
	srv.SetBlock("keep", "y")
	id, _ := srv.BlockID("old-key")
	if err := c.Delete(ctx(t), "OLD_KEY"); err != nil {
		t.Fatal(err)
	}
	if names := srv.BlockNames(); !reflect.DeepEqual(names, []string{"keep"}) {
		t.Errorf("blocks left %q", names)
	}
	want := []string{"GET " + byName + "old-key?include_secrets=true", "DELETE /api/block_documents/" + id}
	if !reflect.DeepEqual(calls(srv.Requests()), want) {
		t.Errorf("requests %q, want %q", calls(srv.Requests()), want)
	}
	wantLogLines(t, r, 2)

	err := c.Delete(ctx(t), "OLD_KEY")
	wantKind(t, err, resolve.ErrNotFound)
	wantIn(t, "error", err.Error(), "OLD_KEY", "old-key")
	if n := srv.Count("DELETE", "/block_documents/"+id); n != 1 {
		t.Errorf("a missing block was deleted again (%d DELETEs)", n)
	}
	// Gone between the read and the delete: 404 on DELETE is not found too.
	srv.SetBlock("gone", "z")
	srv.Script(prefecttest.Response{}, prefecttest.Response{Status: 404, Body: `{"detail":"Block document not found"}`})
	wantKind(t, c.Delete(ctx(t), "gone"), resolve.ErrNotFound)
}

func TestV2GetMissingIsAbsent(t *testing.T) {
	srv, c, _ := v2(t)
	got, err := c.Get(ctx(t), []string{"NOPE"})
	if err != nil || len(got) != 0 {
		t.Errorf("Get(missing) = %v, %v; want an empty map", got, err)
	}
	srv.SetBlock("yes", "1")
	got, err = c.Get(ctx(t), []string{"NOPE", "YES", "ALSO_NOPE"})
	if err != nil || len(got) != 1 {
		t.Errorf("Get = %d values, %v", len(got), err)
	}
	if ok, err := c.Has(ctx(t), "YES"); !ok || err != nil {
		t.Errorf("Has(YES) = %v, %v", ok, err)
	}
	if ok, err := c.Has(ctx(t), "NOPE"); ok || err != nil {
		t.Errorf("Has(NOPE) = %v, %v", ok, err)
	}
}

// A 404 that is not "Block document not found" (a wrong API URL or
// workspace: the route itself is missing) is not "this secret is missing".
func TestV2WrongRoute404IsNotAbsent(t *testing.T) {
	srv, c, _ := v2(t)
	srv.Script(prefecttest.Response{Status: 404, Body: `{"detail":"Not Found"}`})
	got, err := c.Get(ctx(t), []string{"SOME_KEY"})
	if err == nil {
		t.Errorf("a 404 {\"detail\":\"Not Found\"} (no such route: wrong API URL) was read as a missing secret: got %v, no error", got)
	}
}

func TestV2BadInputBeforeAnyRequest(t *testing.T) {
	srv, c, _ := v2(t)
	err := c.Set(ctx(t), "GOOD_NAME", []byte{'a', 0xff, 0xfe, 'b'})
	wantKind(t, err, resolve.ErrBadInput)
	wantIn(t, "error", err.Error(), "UTF-8")
	for _, name := range []string{"a.b", "with space", "ümlaut", ""} {
		err := c.Set(ctx(t), name, []byte("v"))
		wantKind(t, err, resolve.ErrBadInput)
		got, err := c.Get(ctx(t), []string{name})
		if err != nil || len(got) != 0 {
			t.Errorf("Get(%q) = %v, %v; want absent", name, got, err)
		}
		wantKind(t, c.Delete(ctx(t), name), resolve.ErrNotFound)
	}
	if reqs := srv.Requests(); len(reqs) != 0 {
		t.Errorf("requests sent for bad input: %q", calls(reqs))
	}
	// An invalid name among valid ones is skipped, the rest read.
	srv.SetBlock("ok", "1")
	got, err := c.Get(ctx(t), []string{"a.b", "OK"})
	if err != nil || len(got) != 1 {
		t.Errorf("Get = %v, %v", got, err)
	}
	if !slices.Equal(calls(srv.Requests()), []string{"GET " + byName + "ok?include_secrets=true"}) {
		t.Errorf("requests %q", calls(srv.Requests()))
	}
	// No names: no request.
	got, err = c.Get(ctx(t), nil)
	if err != nil || len(got) != 0 || len(srv.Requests()) != 1 {
		t.Errorf("Get(nil) = %v, %v, %d requests", got, err, len(srv.Requests()))
	}
}

func TestV2CloudPathAndTrailingSlash(t *testing.T) {
	srv := prefecttest.NewV2(t, prefecttest.WithAPIKey(canaryKey), prefecttest.WithCloudPath())
	srv.SetBlock("k", "v")
	for _, u := range []string{srv.URL(), srv.URL() + "/"} {
		c, _ := newClient(t, v2cfg(u), api.Options{})
		got, err := c.Get(ctx(t), []string{"K"})
		if v, _ := reveal(got, "K"); err != nil || v != "v" {
			t.Errorf("%s: %q, %v", u, v, err)
		}
		if err := c.Set(ctx(t), "new", []byte("n")); err != nil {
			t.Errorf("%s: Set: %v", u, err)
		}
		srv.DeleteBlock("new")
		if err := c.Check(ctx(t)); err != nil {
			t.Errorf("%s: Check: %v", u, err)
		}
	}
}

func TestV2Check(t *testing.T) {
	srv, c, _ := v2(t)
	if err := c.Check(ctx(t)); err != nil {
		t.Fatal(err)
	}
	if want := []string{"GET /api/block_types/slug/secret"}; !reflect.DeepEqual(calls(srv.Requests()), want) {
		t.Errorf("requests %q", calls(srv.Requests()))
	}
	// A wrong key fails the check.
	bad := v2cfg(srv.URL())
	bad.Key = resolve.NewSecret([]byte("wrong"))
	c3, _ := newClient(t, bad, api.Options{})
	wantKind(t, c3.Check(ctx(t)), resolve.ErrDenied)
}

// Create is decided by the server (POST, 409 when the block exists): of
// several creators of one name at once exactly one stores its value, and
// every other gets ErrExists with nothing written.
func TestV2CreateExactlyOneWins(t *testing.T) {
	srv, c, _ := v2(t)
	const n = 8
	errs := make(chan error, n)
	for i := range n {
		go func() { errs <- c.Create(ctx(t), "NEW_NAME", []byte(fmt.Sprintf("value-%d", i))) }()
	}
	won := 0
	for range n {
		switch err := <-errs; {
		case err == nil:
			won++
		case errors.Is(err, resolve.ErrExists):
		default:
			t.Errorf("Create: %v", err)
		}
	}
	if won != 1 {
		t.Errorf("%d creators won, want exactly 1", won)
	}
	if v, ok := srv.Block("new-name"); !ok || !strings.HasPrefix(fmt.Sprint(v), "value-") {
		t.Errorf("new-name = %v, %v", v, ok)
	}
	for _, r := range srv.Requests() {
		if r.Method == "PATCH" {
			t.Errorf("%s %s: an existing block was overwritten", r.Method, r.Path)
		}
	}
	if err := c.Create(ctx(t), "NEW_NAME", []byte("late")); !errors.Is(err, resolve.ErrExists) {
		t.Errorf("Create of an existing name = %v, want ErrExists", err)
	}
}

func TestV1CreateRefusesAnExistingName(t *testing.T) {
	srv, c, _ := v1(t)
	srv.SetSecret("THERE", "old")
	if err := c.Create(ctx(t), "THERE", []byte("new")); !errors.Is(err, resolve.ErrExists) {
		t.Errorf("Create of an existing name = %v, want ErrExists", err)
	}
	if v, _ := srv.Secret("THERE"); v != "old" {
		t.Errorf("THERE = %v, want the old value kept", v)
	}
	if err := c.Create(ctx(t), "FRESH", []byte("new")); err != nil {
		t.Fatalf("Create: %v", err)
	}
	if v, _ := srv.Secret("FRESH"); v != "new" {
		t.Errorf("FRESH = %v", v)
	}
}

// A Secret block with no value (Prefect's Secret(value=None), or data
// emptied by a PATCH) is there, as JSON null, in a read of one name or of
// many: it never fails the other names.
func TestV2BlockWithoutValueIsJSONNull(t *testing.T) {
	srv, c, _ := v2(t)
	srv.SetBlock("none", nil)
	srv.SetBlock("other", "v")
	for _, names := range [][]string{{"NONE"}, {"NONE", "OTHER"}} {
		got, err := c.Get(ctx(t), names)
		if err != nil {
			t.Fatalf("Get(%q): %v", names, err)
		}
		if v, ok := got["NONE"]; !ok || string(v.Reveal()) != "null" || !v.IsJSON() {
			t.Errorf("Get(%q): NONE = %q (json %v, there %v), want the JSON null", names, v.Reveal(), v.IsJSON(), ok)
		}
		if len(names) == 2 && string(got["OTHER"].Reveal()) != "v" {
			t.Errorf("Get(%q): OTHER = %q", names, got["OTHER"].Reveal())
		}
	}
}
