package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"unicode/utf8"

	"github.com/prefect-secrets/prefect-secrets/internal/prefect"
	"github.com/prefect-secrets/prefect-secrets/resolve"
)

// PageLimit is the most block documents Prefect's server returns at once
// (PREFECT_API_DEFAULT_LIMIT).
const PageLimit = 200

// blockDocument is the part of a Prefect block document used here.
type blockDocument struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Data struct {
		Value json.RawMessage `json:"value"`
	} `json:"data"`
}

// value turns a Secret block's data.value into a Secret: a JSON string is
// its text (Prefect 2.x), any other JSON value its JSON text (3.x). A block
// with no value (Prefect saves Secret(value=None) as null; a PATCH can
// leave data empty) is the JSON null, which Prefect's own Secret.get()
// gives as None: the block is there, and one odd block never fails a read
// of many.
func (d *blockDocument) value() (resolve.Secret, bool) {
	v := d.Data.Value
	if len(v) == 0 {
		v = json.RawMessage("null")
	}
	if v[0] == '"' {
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return resolve.Secret{}, false
		}
		return resolve.NewSecret([]byte(s)), true
	}
	return resolve.NewJSONSecret(v), true
}

func blockPath(block string) string {
	return "/block_types/slug/secret/block_documents/name/" + url.PathEscape(block)
}

// v2Get reads names; one name is one GET by name, several are one filter
// request (paged past the server's limit).
func (c *Client) v2Get(ctx context.Context, names []string) (map[string]resolve.Secret, error) {
	byBlock := make(map[string][]string)
	var blocks []string
	for _, n := range names {
		b, ok := prefect.BlockName(n)
		if !ok {
			continue // no block can have this name
		}
		if _, seen := byBlock[b]; !seen {
			blocks = append(blocks, b)
		}
		byBlock[b] = append(byBlock[b], n)
	}
	out := make(map[string]resolve.Secret)
	if len(blocks) == 0 {
		return out, nil
	}
	var docs []blockDocument
	method, path := http.MethodPost, "/block_documents/filter"
	if len(blocks) == 1 {
		method, path = http.MethodGet, blockPath(blocks[0])
		d, err := c.v2Document(ctx, blocks[0])
		if err != nil {
			return nil, err
		}
		if d != nil {
			docs = append(docs, *d)
		}
	} else {
		var err error
		if docs, err = c.v2Filter(ctx, blocks); err != nil {
			return nil, err
		}
	}
	for i := range docs {
		v, ok := docs[i].value()
		if !ok {
			return nil, c.malformed(method, path)
		}
		for _, n := range byBlock[docs[i].Name] {
			out[n] = v
		}
	}
	return out, nil
}

// v2Document reads one block with its secret; nil when there is none.
func (c *Client) v2Document(ctx context.Context, block string) (*blockDocument, error) {
	path := blockPath(block)
	r, err := c.do(ctx, request{method: http.MethodGet, path: path, query: "include_secrets=true", read: true})
	if err != nil {
		return nil, err
	}
	switch {
	case r.status == http.StatusOK:
	case r.status == http.StatusNotFound && isMissingBlock(r.body):
		return nil, nil
	default:
		// A 404 for the route itself means a wrong API URL or workspace:
		// an error, never a false "not found".
		return nil, c.statusFailure(http.MethodGet, path, r)
	}
	var d blockDocument
	if err := json.Unmarshal(r.body, &d); err != nil || d.ID == "" || d.Name != block {
		return nil, c.malformed(http.MethodGet, path)
	}
	return &d, nil
}

// smallerLimit reads Prefect's 422 "Invalid limit: must be less than or
// equal to N." and returns N when it is a usable, smaller page size.
func smallerLimit(r *reply, limit int) (int, bool) {
	if r.status != http.StatusUnprocessableEntity {
		return 0, false
	}
	_, rest, found := bytes.Cut(r.body, []byte("less than or equal to "))
	digits := 0
	for digits < len(rest) && digits < 9 && rest[digits] >= '0' && rest[digits] <= '9' {
		digits++
	}
	if !found || digits == 0 {
		return 0, false
	}
	n, err := strconv.Atoi(string(rest[:digits]))
	return n, err == nil && n > 0 && n < limit
}

// isMissingBlock says a 404 is Prefect's "Block document not found", not
// a route the server does not have.
func isMissingBlock(body []byte) bool {
	var d struct {
		Detail string `json:"detail"`
	}
	return json.Unmarshal(body, &d) == nil && d.Detail == "Block document not found"
}

// v2Filter reads Secret block documents, all of them (blocks nil) or
// those named, page by page. A page of named blocks asks only for those
// not yet read, from offset 0: a page that was answered is never asked
// again, a retry repeats only what is still missing, and blocks made or
// removed between pages shift nothing.
func (c *Client) v2Filter(ctx context.Context, blocks []string) ([]blockDocument, error) {
	const path = "/block_documents/filter"
	var all []blockDocument
	missing := blocks
	limit := PageLimit
	for offset := 0; ; {
		body := map[string]any{
			"block_types":     map[string]any{"slug": map[string]any{"any_": []string{"secret"}}},
			"include_secrets": blocks != nil,
			"limit":           limit,
			"offset":          offset,
		}
		docFilter := map[string]any{"is_anonymous": map[string]any{"eq_": false}}
		if blocks != nil {
			docFilter["name"] = map[string]any{"any_": missing}
		}
		body["block_documents"] = docFilter
		var page []blockDocument
		if again, err := c.filterPage(ctx, path, body, &limit, &page); err != nil {
			return nil, err
		} else if again {
			continue
		}
		all = append(all, page...)
		if len(page) < limit {
			return all, nil
		}
		if blocks == nil {
			offset += limit
			continue
		}
		still := unread(missing, page)
		if len(still) == len(missing) {
			// A full page of none of the names asked: the server does not
			// filter, and asking again would get the same page.
			return nil, c.malformed(http.MethodPost, path)
		}
		if missing = still; len(missing) == 0 {
			return all, nil
		}
	}
}

// filterPage sends one page of a filter request (body, whose "limit" is
// *limit) and decodes its answer into page. again is true when the server
// asked for smaller pages (its PREFECT_API_DEFAULT_LIMIT is lower): *limit
// is lowered, and the page is to be asked again.
func (c *Client) filterPage(ctx context.Context, path string, body map[string]any, limit *int, page any) (again bool, err error) {
	r, err := c.do(ctx, request{method: http.MethodPost, path: path, body: body, read: true})
	if err != nil {
		return false, err
	}
	if lower, ok := smallerLimit(r, *limit); ok {
		*limit = lower
		return true, nil
	}
	if r.status != http.StatusOK {
		return false, c.statusFailure(http.MethodPost, path, r)
	}
	if err := json.Unmarshal(r.body, page); err != nil {
		return false, c.malformed(http.MethodPost, path)
	}
	return false, nil
}

// unread is names without those of the documents read.
func unread(names []string, read []blockDocument) []string {
	got := make(map[string]bool, len(read))
	for _, d := range read {
		got[d.Name] = true
	}
	var out []string
	for _, n := range names {
		if !got[n] {
			out = append(out, n)
		}
	}
	return out
}

func (c *Client) v2Names(ctx context.Context) ([]string, error) {
	docs, err := c.v2Filter(ctx, nil)
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(docs))
	for _, d := range docs {
		names = append(names, d.Name)
	}
	sort.Strings(names)
	return names, nil
}

// Obfuscated is the mask Prefect shows instead of a secret value. A PATCH
// that sends it as a Secret block's value is taken as "unchanged": the
// server keeps the old value (models/block_documents.py).
const Obfuscated = "********"

// v2CheckValue refuses, before any request, what a Secret block cannot
// store as given: a name with no block name, a value that is not UTF-8, or
// exactly Prefect's mask.
func v2CheckValue(name string, value []byte) (string, error) {
	block, ok := prefect.BlockName(name)
	if !ok {
		return "", &resolve.Error{Kind: resolve.ErrBadInput,
			Msg:  fmt.Sprintf("secret name %s has no Prefect block name: %q is not lower-case letters, digits and dashes", resolve.QuoteName(name), block),
			Hint: "Prefect 2/3 block names match ^[a-z0-9-]+$; NAMES_LIKE_THIS map to names-like-this"}
	}
	if !utf8.Valid(value) {
		return "", &resolve.Error{Kind: resolve.ErrBadInput,
			Msg: fmt.Sprintf("the value for %s is not valid UTF-8, which a Prefect Secret block (a JSON string) cannot hold exactly", resolve.QuoteName(name))}
	}
	if string(value) == Obfuscated {
		return "", &resolve.Error{Kind: resolve.ErrBadInput,
			Msg:  fmt.Sprintf("the value for %s is %s, Prefect's mask for a hidden secret: a Prefect server given it to store keeps the old value, so it would report success and change nothing", resolve.QuoteName(name), Obfuscated),
			Hint: "store the real value; if that text is the value, keep it elsewhere (e.g. set --to keyring)"}
	}
	return block, nil
}

// v2Set creates the block, or updates it when it exists.
func (c *Client) v2Set(ctx context.Context, name string, value []byte) error {
	block, err := v2CheckValue(name, value)
	if err != nil {
		return err
	}
	existing, err := c.v2Document(ctx, block)
	if err != nil {
		return err
	}
	if existing == nil {
		created, err := c.v2Create(ctx, block, value)
		if err != nil || created {
			return err
		}
		// Someone created it since we looked: update theirs.
		if existing, err = c.v2Document(ctx, block); err != nil {
			return err
		}
		if existing == nil {
			return &resolve.Error{Kind: resolve.ErrUnavailable, Msg: fmt.Sprintf("block %q exists and does not, by turns; try again", block)}
		}
	}
	path := "/block_documents/" + url.PathEscape(existing.ID)
	body := map[string]any{"data": map[string]any{"value": string(value)}, "merge_existing_data": false}
	r, err := c.do(ctx, request{method: http.MethodPatch, path: path, body: body, secrets: [][]byte{value}})
	if err != nil {
		return err
	}
	if r.status != http.StatusNoContent && r.status != http.StatusOK {
		return c.statusFailure(http.MethodPatch, path, r, value)
	}
	return nil
}

// v2Create creates a Secret block; false when it already exists (409).
func (c *Client) v2Create(ctx context.Context, block string, value []byte) (bool, error) {
	typePath := "/block_types/slug/secret"
	r, err := c.do(ctx, request{method: http.MethodGet, path: typePath, read: true})
	if err != nil {
		return false, err
	}
	if r.status != http.StatusOK {
		return false, c.statusFailure(http.MethodGet, typePath, r)
	}
	var bt struct {
		ID string `json:"id"`
	}
	if json.Unmarshal(r.body, &bt) != nil || bt.ID == "" {
		return false, c.malformed(http.MethodGet, typePath)
	}
	schemaPath := "/block_schemas/filter"
	r, err = c.do(ctx, request{method: http.MethodPost, path: schemaPath, read: true, body: map[string]any{
		"block_schemas": map[string]any{"block_type_id": map[string]any{"any_": []string{bt.ID}}},
	}})
	if err != nil {
		return false, err
	}
	if r.status != http.StatusOK {
		return false, c.statusFailure(http.MethodPost, schemaPath, r)
	}
	var schemas []struct {
		ID string `json:"id"`
	}
	if json.Unmarshal(r.body, &schemas) != nil || len(schemas) == 0 || schemas[0].ID == "" {
		return false, c.malformed(http.MethodPost, schemaPath)
	}
	createPath := "/block_documents/"
	r, err = c.do(ctx, request{method: http.MethodPost, path: createPath, secrets: [][]byte{value}, body: map[string]any{
		"name":            block,
		"data":            map[string]any{"value": string(value)},
		"block_type_id":   bt.ID,
		"block_schema_id": schemas[0].ID,
		"is_anonymous":    false,
	}})
	if err != nil {
		return false, err
	}
	switch r.status {
	case http.StatusCreated, http.StatusOK:
		return true, nil
	case http.StatusConflict:
		return false, nil
	}
	return false, c.statusFailure(http.MethodPost, createPath, r, value)
}

func (c *Client) v2Delete(ctx context.Context, name string) error {
	block, ok := prefect.BlockName(name)
	if !ok {
		return notFound(name, block)
	}
	d, err := c.v2Document(ctx, block)
	if err != nil {
		return err
	}
	if d == nil {
		return notFound(name, block)
	}
	path := "/block_documents/" + url.PathEscape(d.ID)
	r, err := c.do(ctx, request{method: http.MethodDelete, path: path})
	if err != nil {
		return err
	}
	switch r.status {
	case http.StatusNoContent, http.StatusOK:
		return nil
	case http.StatusNotFound:
		return notFound(name, block)
	}
	return c.statusFailure(http.MethodDelete, path, r)
}

func notFound(name, block string) error {
	msg := fmt.Sprintf("secret %s is not in the Prefect API", resolve.QuoteName(name))
	if block != "" && block != name {
		msg += fmt.Sprintf(" (as block %q)", block)
	}
	return &resolve.Error{Kind: resolve.ErrNotFound, Msg: msg}
}

func (c *Client) v2Check(ctx context.Context) error {
	path := "/block_types/slug/secret"
	r, err := c.do(ctx, request{method: http.MethodGet, path: path, read: true})
	if err != nil {
		return err
	}
	if r.status != http.StatusOK {
		return c.statusFailure(http.MethodGet, path, r)
	}
	var bt struct {
		Slug string `json:"slug"`
	}
	if json.Unmarshal(r.body, &bt) != nil || bt.Slug != "secret" {
		return c.malformed(http.MethodGet, path)
	}
	return nil
}
