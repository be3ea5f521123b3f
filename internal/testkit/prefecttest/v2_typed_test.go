package prefecttest

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// Blocks of other types and variables answer as Prefect's server does: a
// type or document it does not know is its own 404, not a wrong request;
// without include_secrets the schema's secret fields are masked.
func TestV2TypedBlocksAndVariables(t *testing.T) {
	ft := newFakeT(t)
	s := NewV2(ft)
	s.SetBlockType("webhook", "url", "headers.*")
	s.SetTypedBlock("webhook", "hook", map[string]any{"method": "POST", "url": "https://h.example/x", "headers": map[string]any{"X-Key": "k1"}})
	s.SetVariable("region", "eu-west-1")
	s.SetVariable("limits", map[string]any{"cpu": 2})

	r := do(t, nil, "GET", s.URL()+"/block_types/slug/webhook/block_documents/name/hook?include_secrets=true", "")
	wantStatus(t, r, 200)
	data := r.json(t).(map[string]any)["data"].(map[string]any)
	if data["url"] != "https://h.example/x" || data["headers"].(map[string]any)["X-Key"] != "k1" {
		t.Errorf("with secrets: %v", data)
	}
	r = do(t, nil, "GET", s.URL()+"/block_types/slug/webhook/block_documents/name/hook", "")
	data = r.json(t).(map[string]any)["data"].(map[string]any)
	if data["url"] != Obfuscated || data["headers"].(map[string]any)["X-Key"] != Obfuscated || data["method"] != "POST" {
		t.Errorf("without secrets: %v", data)
	}
	for path, want := range map[string]string{
		"/block_types/slug/webhook/block_documents/name/none": `{"detail":"Block document not found"}`,
		"/block_types/slug/nosuch/block_documents/name/hook":  `{"detail":"Block document not found"}`,
		"/block_types/slug/nosuch":                            `{"detail":"Block type not found"}`,
		"/variables/name/none":                                `{"detail":"Variable not found."}`,
	} {
		r := do(t, nil, "GET", s.URL()+path, "")
		if r.status != 404 || r.body != want+"\n" && r.body != want {
			t.Errorf("GET %s: %d %s, want 404 %s", path, r.status, r.body, want)
		}
	}
	wantStatus(t, do(t, nil, "GET", s.URL()+"/block_types/slug/webhook", ""), 200)
	r = do(t, nil, "GET", s.URL()+"/variables/name/limits", "")
	if v := r.json(t).(map[string]any); v["name"] != "limits" || v["value"].(map[string]any)["cpu"] != float64(2) {
		t.Errorf("variable: %s", r.body)
	}
	ft.wantNone(t)
}

// Without include_secrets, data is masked as Prefect 3.9.1's server masks
// it: each want below is what that server answered for the same data and
// secret fields (webhook's url and headers.*, Secret's value,
// aws-credentials' aws_secret_access_key).
func TestV2ObfuscateAsPrefect(t *testing.T) {
	webhook := []string{"url", "headers.*"}
	for _, c := range []struct {
		data   string
		fields []string
		want   string
	}{
		{`{"method": "GET", "url": "u", "headers": {}}`, webhook, `{"headers":"********","method":"GET","url":"********"}`},
		{`{"method": "GET", "url": "u", "headers": null}`, webhook, `{"headers":"********","method":"GET","url":"********"}`},
		{`{"url": "u", "headers": {"a": {"b": "v"}, "c": "d", "n": 2}}`, webhook, `{"headers":{"a":{"b":"********"},"c":"********","n":"********"},"url":"********"}`},
		{`{"value": {"user": "u", "password": "p"}}`, []string{"value", "value"}, `{"value":{"password":"p","user":"u"}}`},
		{`{"value": null}`, []string{"value"}, `{"value":null}`},
		{`{"value": 5}`, []string{"value"}, `{"value":"********"}`},
		{`{"value": ["a"]}`, []string{"value"}, `{"value":"********"}`},
		{`{"value": {}}`, []string{"value"}, `{"value":"********"}`},
		{`{"aws_access_key_id": "A", "aws_secret_access_key": null}`, []string{"aws_secret_access_key"}, `{"aws_access_key_id":"A","aws_secret_access_key":null}`},
		{`{"bucket_name": "b", "credentials": {"aws_secret_access_key": "k"}}`, []string{"credentials.minio_root_password", "credentials.aws_secret_access_key"}, `{"bucket_name":"b","credentials":{"aws_secret_access_key":"********"}}`},
	} {
		if got := string(obfuscate(json.RawMessage(c.data), c.fields)); got != c.want {
			t.Errorf("obfuscate(%s, %q) = %s, want %s", c.data, c.fields, got, c.want)
		}
	}
}

// A filter with no block_types, or with any types, serves documents of
// every type: Secret blocks and the others alike, each with its type and
// its schema's secret_fields, sorted as asked, paged by limit and offset.
func TestV2FilterEveryType(t *testing.T) {
	ft := newFakeT(t)
	s := NewV2(ft)
	s.SetBlock("b-pw", "secret-text")
	s.SetBlock("a-cfg", map[string]any{"password": "p"})
	s.SetBlockType("webhook", "url", "headers.*")
	s.SetTypedBlock("webhook", "b-hook", map[string]any{"url": "u", "headers": map[string]any{"X": "x"}})
	s.SetBlockType("aws-credentials", "aws_secret_access_key")
	s.SetTypedBlock("aws-credentials", "b-pw", map[string]any{"aws_secret_access_key": "k"})

	filter := func(body string) []string {
		t.Helper()
		r := do(t, nil, "POST", s.URL()+"/block_documents/filter", body)
		wantStatus(t, r, 200)
		var docs []struct {
			Name      string          `json:"name"`
			Data      json.RawMessage `json:"data"`
			BlockType struct {
				Slug string `json:"slug"`
			} `json:"block_type"`
			BlockSchema struct {
				Fields struct {
					SecretFields []string `json:"secret_fields"`
					Slug         string   `json:"block_type_slug"`
				} `json:"fields"`
			} `json:"block_schema"`
		}
		if err := json.Unmarshal([]byte(r.body), &docs); err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, d := range docs {
			if d.BlockSchema.Fields.Slug != d.BlockType.Slug {
				t.Errorf("%s: block_schema.fields.block_type_slug %q, block_type.slug %q", d.Name, d.BlockSchema.Fields.Slug, d.BlockType.Slug)
			}
			out = append(out, fmt.Sprintf("%s/%s %s %s", d.BlockType.Slug, d.Name, strings.Join(d.BlockSchema.Fields.SecretFields, ","), d.Data))
		}
		return out
	}
	want := func(got []string, want ...string) {
		t.Helper()
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("got\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
		}
	}
	aws := `aws-credentials/b-pw aws_secret_access_key {"aws_secret_access_key":"********"}`
	cfg := `secret/a-cfg value {"value":{"password":"p"}}`
	pw := `secret/b-pw value {"value":"********"}`
	hook := `webhook/b-hook url,headers.* {"headers":{"X":"********"},"url":"********"}`
	want(filter(`{"sort": "BLOCK_TYPE_AND_NAME_ASC"}`), aws, cfg, pw, hook)
	want(filter(`{}`), cfg, hook, aws, pw)
	want(filter(`{"sort": "NAME_DESC"}`), aws, pw, hook, cfg)
	want(filter(`{"block_types": {"slug": {"any_": ["webhook", "nosuch"]}}}`), hook)
	want(filter(`{"block_documents": {"name": {"any_": ["b-pw"]}, "is_anonymous": {"eq_": false}}}`), aws, pw)
	want(filter(`{"sort": "BLOCK_TYPE_AND_NAME_ASC", "limit": 3, "offset": 2}`), pw, hook)
	ft.wantNone(t)
}
