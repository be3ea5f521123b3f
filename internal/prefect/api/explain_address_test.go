package api_test

import (
	"strings"
	"testing"

	"github.com/prefect-secrets/prefect-secrets/internal/prefect/api"
	"github.com/prefect-secrets/prefect-secrets/resolve"
)

func mustAddress(t *testing.T, text string) resolve.Address {
	t.Helper()
	a, ok, err := resolve.ParseAddress(text)
	if !ok || err != nil {
		t.Fatalf("ParseAddress(%q): %v %v", text, ok, err)
	}
	return a
}

// ExplainAddress says what exists of an address (type, block, key path),
// how its key path stands to the schema's secret fields, and why it has
// no value, in get's words: one GET (two when the block is missing, to
// tell a missing type), never a value.
func TestExplainAddress(t *testing.T) {
	srv, c, r := v2(t)
	srv.SetBlockType("webhook", "url", "headers.*")
	srv.SetTypedBlock("webhook", "hook", map[string]any{"method": "POST", "url": canaryValue, "headers": map[string]any{"X-Key": canaryValue}, "none": nil})
	srv.SetBlock("pw", canaryValue)
	srv.SetVariable("region", "eu-west-1")
	type want struct {
		typeKnown, found, pathFound, null, unwrapped bool
		rel                                          api.FieldRelation
		matched, fields, why                         string
		requests                                     int
	}
	for _, tc := range []struct {
		addr string
		want want
	}{
		{"prefect.blocks.webhook.hook.url", want{true, true, true, false, false, api.InSecretField, "url", "", "", 1}},
		{"prefect.blocks.webhook.hook.headers.X-Key", want{true, true, true, false, false, api.InSecretField, "headers.*", "", "", 1}},
		{"prefect.blocks.webhook.hook.headers", want{true, true, true, false, false, api.HoldsSecretFields, "headers.*", "", "", 1}},
		{"prefect.blocks.webhook.hook", want{true, true, true, false, false, api.HoldsSecretFields, "url,headers.*", "", "", 1}},
		{"prefect.blocks.webhook.hook.method", want{true, true, true, false, false, api.NoSecretField, "", "", "", 1}},
		{"prefect.blocks.webhook.hook.none", want{true, true, true, true, false, api.NoSecretField, "", "", `key path "none" of block "hook" of type "webhook" holds null`, 1}},
		{"prefect.blocks.webhook.hook.urll", want{true, true, false, false, false, api.NoSecretField, "", "headers,method,none,url", `block "hook" of type "webhook" has no key path "urll" (its fields: headers, method, none, url)`, 1}},
		{"prefect.blocks.webhook.gone.url", want{true, false, false, false, false, api.NoSecretField, "", "", `there is no block "gone" of type "webhook"`, 2}},
		{"prefect.blocks.nosuch.hook.url", want{false, false, false, false, false, api.NoSecretField, "", "", `the server knows no block type "nosuch"`, 2}},
		{"prefect.blocks.secret.pw", want{true, true, true, false, true, api.InSecretField, "value", "", "", 1}},
		{"prefect.variables.region", want{true, true, false, false, false, api.NoSecretField, "", "", "", 1}},
		{"prefect.variables.gone", want{true, false, false, false, false, api.NoSecretField, "", "", `there is no variable "gone"`, 1}},
	} {
		t.Run(tc.addr, func(t *testing.T) {
			before := len(srv.Requests())
			rep, err := c.ExplainAddress(ctx(t), mustAddress(t, tc.addr))
			if err != nil {
				t.Fatal(err)
			}
			got := want{rep.TypeKnown, rep.Found, rep.PathFound, rep.Null, rep.Unwrapped, rep.Relation,
				strings.Join(rep.Matched, ","), strings.Join(rep.Fields, ","), rep.Why, len(srv.Requests()) - before}
			if got != tc.want {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
			if strings.Contains(rep.Why, canaryValue) || strings.Contains(strings.Join(rep.Fields, ""), canaryValue) {
				t.Errorf("a value in the report: %+v", rep)
			}
		})
	}
	noLeak(t, nil, r)
}
