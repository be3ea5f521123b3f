package api_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/prefect-secrets/prefect-secrets/internal/prefect/api"
	"github.com/prefect-secrets/prefect-secrets/internal/testkit/prefecttest"
	"github.com/prefect-secrets/prefect-secrets/resolve"
)

// fieldAddresses lists the addresses of fields, one per line, with the
// secret field each comes from.
func fieldAddresses(fields []api.BlockField) string {
	var b strings.Builder
	for _, f := range fields {
		fmt.Fprintf(&b, "%s %s/%s %s\n", f.Address, f.Slug, f.Block, f.SecretField)
	}
	return b.String()
}

// BlockFields is one filter request over every type, without secrets,
// and names exactly the secret fields each document has, as addresses.
func TestBlockFieldsNamesSecretFieldsWithoutSecrets(t *testing.T) {
	srv, c, r := v2(t)
	srv.SetBlock("db-password", canaryValue)
	srv.SetBlock("db-config", map[string]any{"user": "app", "password": canaryValue})
	srv.SetBlock("empty", nil)
	srv.SetBlockType("slack-webhook", "url")
	srv.SetTypedBlock("slack-webhook", "alerts", map[string]any{"url": canaryValue, "notify_type": "info"})
	srv.SetBlockType("webhook", "url", "headers.*")
	srv.SetTypedBlock("webhook", "hook", map[string]any{"url": canaryValue, "headers": map[string]any{"X-Key": canaryValue, "Has Space": canaryValue}})
	srv.SetTypedBlock("webhook", "bare", map[string]any{"url": canaryValue, "headers": map[string]any{}})
	srv.SetBlockType("aws-credentials", "aws_secret_access_key")
	srv.SetTypedBlock("aws-credentials", "nokey", map[string]any{"aws_access_key_id": "A", "aws_secret_access_key": nil})
	srv.SetBlockType("s3-bucket", "credentials.minio_root_password", "credentials.aws_secret_access_key")
	srv.SetTypedBlock("s3-bucket", "bucket", map[string]any{"bucket_name": "b", "credentials": map[string]any{"aws_secret_access_key": canaryValue}})
	srv.SetBlockType("local-file-system")
	srv.SetTypedBlock("local-file-system", "fs", map[string]any{"basepath": "/tmp"})

	fields, skipped, err := c.BlockFields(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	want := `prefect.blocks.s3-bucket.bucket.credentials.aws_secret_access_key s3-bucket/bucket credentials.aws_secret_access_key
prefect.blocks.secret.db-config secret/db-config value
prefect.blocks.secret.db-password secret/db-password value
prefect.blocks.slack-webhook.alerts.url slack-webhook/alerts url
prefect.blocks.webhook.bare.url webhook/bare url
prefect.blocks.webhook.hook.headers webhook/hook headers.*
prefect.blocks.webhook.hook.headers.X-Key webhook/hook headers.*
prefect.blocks.webhook.hook.url webhook/hook url
`
	if got := fieldAddresses(fields); got != want {
		t.Errorf("fields:\n%s\nwant:\n%s", got, want)
	}
	if len(skipped) > 0 {
		t.Errorf("skipped %q", skipped)
	}
	reqs := srv.Requests()
	if len(reqs) != 1 || reqs[0].Method != "POST" || !strings.HasSuffix(reqs[0].Path, "/block_documents/filter") {
		t.Fatalf("requests %q, want one POST /block_documents/filter", calls(reqs))
	}
	b := body(t, reqs[0])
	if b["include_secrets"] != false || b["block_types"] != nil || b["sort"] != "BLOCK_TYPE_AND_NAME_ASC" {
		t.Errorf("filter body %s: want include_secrets false, every block type, sorted by type and name", reqs[0].Body)
	}
	noLeak(t, nil, r)
	if strings.Contains(fieldAddresses(fields), canaryValue) {
		t.Errorf("a value in the fields")
	}
}

// Past the server's page limit, BlockFields pages by it, each document
// once.
func TestBlockFieldsPages(t *testing.T) {
	srv, c, _ := v2(t, prefecttest.WithPageLimit(2))
	srv.SetBlockType("slack-webhook", "url")
	for i := range 5 {
		srv.SetTypedBlock("slack-webhook", fmt.Sprintf("s%d", i), map[string]any{"url": "u"})
	}
	fields, _, err := c.BlockFields(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(fields) != 5 {
		t.Errorf("%d fields, want 5:\n%s", len(fields), fieldAddresses(fields))
	}
	// One 422 naming the limit, then 3 pages of 2, 2 and 1.
	if n := srv.Count("POST", "/block_documents/filter"); n != 4 {
		t.Errorf("%d filter requests, want 4: %q", n, calls(srv.Requests()))
	}
}

// A document whose name no address can hold is left out, and said.
func TestBlockFieldsSkipsUnaddressableNames(t *testing.T) {
	srv, c, _ := v2(t)
	srv.SetBlockType("webhook", "url")
	srv.SetTypedBlock("webhook", "has.dot", map[string]any{"url": "u"})
	srv.SetTypedBlock("webhook", "ok", map[string]any{"url": "u"})
	fields, skipped, err := c.BlockFields(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if got := fieldAddresses(fields); got != "prefect.blocks.webhook.ok.url webhook/ok url\n" {
		t.Errorf("fields %s", got)
	}
	if strings.Join(skipped, ";") != `block "has.dot" of type "webhook"` {
		t.Errorf("skipped %q", skipped)
	}
}

// The API failing: denied, unavailable, a malformed answer; none of them
// with a value.
func TestBlockFieldsFailures(t *testing.T) {
	for _, tc := range []struct {
		name   string
		answer prefecttest.Response
		kind   error
		says   string
	}{
		{"403", prefecttest.Response{Status: 403, Body: `{"detail": "Forbidden"}`}, resolve.ErrDenied, "refused POST /api/block_documents/filter with 403"},
		{"500", prefecttest.Response{Status: 500, Body: `{"detail": "boom"}`}, resolve.ErrUnavailable, "POST /api/block_documents/filter with 500"},
		{"malformed", prefecttest.Response{Body: `[{"id": "x", "name": "a", "data": {"value": "` + canaryValue + `"}}]`}, resolve.ErrUnavailable, "malformed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, c, r := v2(t)
			srv.Script(tc.answer)
			_, _, err := c.BlockFields(ctx(t))
			wantKind(t, err, tc.kind)
			wantIn(t, "error", err.Error(), tc.says)
			noLeak(t, err, r)
		})
	}
}
