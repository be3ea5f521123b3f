package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/prefect-secrets/prefect-secrets/internal/prefect"
	"github.com/prefect-secrets/prefect-secrets/resolve"
)

// BlockField is one addressable secret field of a block document: what
// list --blocks names and completion offers.
type BlockField struct {
	// Address is the field's address, e.g.
	// prefect.blocks.slack-webhook.alerts.url; a block whose data is
	// exactly {"value": ...} (a Secret block) is addressed without a key
	// path, as Prefect unwraps it.
	Address string `json:"name"`
	Slug    string `json:"block_type"`
	Block   string `json:"block"`
	// SecretField is the schema's secret field it comes from ("url",
	// "headers.*", "credentials.aws_secret_access_key").
	SecretField string `json:"secret_field"`
}

// BlockFields lists every addressable secret field of every block
// document the API holds (see Client.BlockFields). A Prefect 1 API, or
// none, is an *resolve.AbsentError.
func (s *Source) BlockFields(ctx context.Context) (fields []BlockField, skipped []string, err error) {
	if err := s.needV2(); err != nil {
		return nil, nil, err
	}
	c, err := s.api()
	if err != nil {
		return nil, nil, err
	}
	return c.BlockFields(ctx)
}

// needV2 is nil when the configured API is Prefect 2/3's: only it holds
// blocks and variables. No API, or Prefect 1's, is an *resolve.AbsentError.
func (s *Source) needV2() error {
	cfg, err := s.Config()
	if err != nil {
		return err
	}
	if cfg.Version != prefect.V2 {
		return &resolve.AbsentError{Source: s.Name(),
			Reason: "Prefect's settings point at " + cfg.Describe(),
			Hint:   "point PREFECT_API_URL at a Prefect 2/3 API (Prefect Cloud or a self-hosted server)"}
	}
	return nil
}

// listedDocument is the part of a block document BlockFields reads.
type listedDocument struct {
	ID        string          `json:"id"`
	Name      string          `json:"name"`
	Data      json.RawMessage `json:"data"`
	BlockType struct {
		Slug string `json:"slug"`
	} `json:"block_type"`
	BlockSchema json.RawMessage `json:"block_schema"` // see schemaFacts
}

// BlockFields reads every named block document of every type WITHOUT its
// secrets (include_secrets false: the server writes its mask over each
// secret field), page by page (POST /block_documents/filter, the server's
// limit a page, sorted by block type and name), and names each secret
// field its schema lists that the document has and holds something at
// (see secretPaths), sorted by address. A document whose name or type no
// address can hold is left out, and described in skipped (its name and
// type: never anything of its data).
//
// Even without include_secrets, Prefect's server sends some values as
// they are (a Secret block whose value is a dict: the mask only covers
// leaves its secret_fields name exactly): nothing of a document's data
// but its keys ever leaves this function.
func (c *Client) BlockFields(ctx context.Context) (fields []BlockField, skipped []string, err error) {
	ctx, cancel := c.call(ctx)
	defer cancel()
	docs, err := c.allDocuments(ctx)
	if err != nil {
		return nil, nil, err
	}
	for _, d := range docs {
		if !addressableKey(d.BlockType.Slug) || !addressableKey(d.Name) {
			skipped = append(skipped, fmt.Sprintf("block %q of type %q", d.Name, d.BlockType.Slug))
			continue
		}
		fields = append(fields, documentFields(d)...)
	}
	sort.SliceStable(fields, func(i, j int) bool { return fields[i].Address < fields[j].Address })
	return fields, c.redactEach(skipped), nil
}

// allDocuments pages through every named block document, without secrets.
// A document seen on an earlier page (the set changed between pages) is
// kept once.
func (c *Client) allDocuments(ctx context.Context) ([]listedDocument, error) {
	const path = "/block_documents/filter"
	var all []listedDocument
	seen := map[string]bool{}
	limit, offset := PageLimit, 0
	for {
		body := map[string]any{
			"block_documents": map[string]any{"is_anonymous": map[string]any{"eq_": false}},
			"include_secrets": false,
			"sort":            "BLOCK_TYPE_AND_NAME_ASC",
			"limit":           limit,
			"offset":          offset,
		}
		var page []listedDocument
		if again, err := c.filterPage(ctx, path, body, &limit, &page); err != nil {
			return nil, err
		} else if again {
			continue
		}
		for _, d := range page {
			if d.ID == "" || d.BlockType.Slug == "" || firstByte(d.Data) != '{' {
				return nil, c.malformed(http.MethodPost, path)
			}
			if !seen[d.ID] {
				seen[d.ID] = true
				all = append(all, d)
			}
		}
		if len(page) < limit {
			return all, nil
		}
		offset += len(page)
	}
}

// documentFields are the addressable secret fields of one document.
func documentFields(d listedDocument) []BlockField {
	block := resolve.BlockPrefix + d.BlockType.Slug + "." + d.Name
	top := fieldNames(d.Data)
	unwrapped := len(top) == 1 && top[0] == "value"
	var out []BlockField
	secretFields, _ := schemaFacts(d.BlockSchema, nil)
	for _, p := range secretPaths(d.Data, secretFields) {
		addr := block
		if !(unwrapped && len(p.keys) == 1) { // {"value": X}: the block itself means X
			addr += "." + strings.Join(p.keys, ".")
		}
		out = append(out, BlockField{Address: addr, Slug: d.BlockType.Slug, Block: d.Name, SecretField: p.field})
	}
	return out
}

// schemaFacts reads a block document's schema's secret fields and its
// type's name, as far as they are there and well-formed.
func schemaFacts(schema, blockType json.RawMessage) (secretFields []string, typeName string) {
	var sc struct {
		Fields struct {
			SecretFields []string `json:"secret_fields"`
		} `json:"fields"`
	}
	var bt struct {
		Name string `json:"name"`
	}
	if json.Unmarshal(schema, &sc) == nil {
		secretFields = dedupe(sc.Fields.SecretFields)
	}
	if json.Unmarshal(blockType, &bt) == nil {
		typeName = bt.Name
	}
	return secretFields, typeName
}
