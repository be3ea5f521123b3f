package api

import (
	"encoding/json"
	"strings"
	"testing"
)

// secretPaths names what each secret field leads to in data as the API
// gives it without secrets: fields that are there and not null, a "*"
// expanded into the keys present, a key no address can hold given as the
// object holding it.
func TestSecretPaths(t *testing.T) {
	for _, c := range []struct {
		data   string
		fields []string
		want   string // paths joined by " ", keys by "."
	}{
		{`{"notify_type": "info", "url": "********"}`, []string{"url"}, "url"},
		{`{"url": "********", "headers": {"X-Key": "********", "Authorization": "********"}}`, []string{"url", "headers.*"}, "url headers.Authorization headers.X-Key"},
		// A SecretDict that was null or empty comes back masked: nothing
		// under it to name.
		{`{"url": "********", "headers": "********"}`, []string{"url", "headers.*"}, "url"},
		// Null and absent fields have no value.
		{`{"aws_access_key_id": "A", "aws_secret_access_key": null}`, []string{"aws_secret_access_key"}, ""},
		{`{"x": 1}`, []string{"aws_secret_access_key"}, ""},
		// A nested block's fields: only the union member data has.
		{`{"bucket_name": "b", "credentials": {"aws_secret_access_key": "********"}}`, []string{"credentials.minio_root_password", "credentials.aws_secret_access_key"}, "credentials.aws_secret_access_key"},
		// Keys an address cannot hold give the object that holds them,
		// once; a nested object under a "*" is named, not walked.
		{`{"headers": {"Has Space": "*", "a.b": "*", "": "*", "a[0]": "*", "nested": {"deep": "*"}, "ok_1": "*"}}`, []string{"headers.*"}, "headers headers.nested headers.ok_1"},
		// Prefect's Secret schema lists "value" twice; a dict value.
		{`{"value": {"user": "u", "password": "p"}}`, []string{"value", "value"}, "value"},
		{`{"value": "********"}`, nil, ""},
		{`{"a": {"b": "********"}}`, []string{"", "a.b", "a.*"}, "a.b"},
	} {
		var got []string
		for _, p := range secretPaths(json.RawMessage(c.data), c.fields) {
			got = append(got, strings.Join(p.keys, "."))
		}
		if strings.Join(got, " ") != c.want {
			t.Errorf("secretPaths(%s, %q) = %q, want %q", c.data, c.fields, strings.Join(got, " "), c.want)
		}
	}
}

func TestSecretRelation(t *testing.T) {
	webhook := []string{"url", "headers.*"}
	for _, c := range []struct {
		path   string // "" for none
		fields []string
		want   FieldRelation
		match  string
	}{
		{"url", webhook, InSecretField, "url"},
		{"headers.X-Key", webhook, InSecretField, "headers.*"},
		{"headers.X.deep", webhook, InSecretField, "headers.*"},
		{"headers", webhook, HoldsSecretFields, "headers.*"},
		{"", webhook, HoldsSecretFields, "url,headers.*"},
		{"method", webhook, NoSecretField, ""},
		{"urlx", webhook, NoSecretField, ""},
		{"value", []string{"value", "value"}, InSecretField, "value"},
		{"value.users.0", []string{"value"}, InSecretField, "value"},
		{"credentials", []string{"credentials.minio_root_password", "credentials.aws_secret_access_key"}, HoldsSecretFields, "credentials.minio_root_password,credentials.aws_secret_access_key"},
		{"x", nil, NoSecretField, ""},
	} {
		var keys []string
		if c.path != "" {
			keys = splitKeyPath(c.path)
		}
		rel, matched := secretRelation(keys, c.fields)
		if rel != c.want || strings.Join(matched, ",") != c.match {
			t.Errorf("secretRelation(%q, %q) = %v %q, want %v %q", c.path, c.fields, rel, matched, c.want, c.match)
		}
	}
}
