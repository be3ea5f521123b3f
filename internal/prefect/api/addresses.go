package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/prefect-secrets/prefect-secrets/resolve"
)

// Addresses (resolve.Address) are Prefect 2/3's own names for a block's
// fields and for variables. Each distinct block and variable of a call is
// one GET, all of them at once; what they resolve to follows Prefect's
// resolve_block_document_references and resolve_variables
// (prefect/utilities/templating), with the differences docs/blocks.md
// lists.

// LookupAddresses reads addrs: see resolve.AddressSource.
func (s *Source) LookupAddresses(ctx context.Context, addrs []resolve.Address) (map[string]resolve.Secret, map[string]string, error) {
	if err := s.needV2(); err != nil {
		return nil, nil, err
	}
	c, err := s.api()
	if err != nil {
		return nil, nil, err
	}
	return c.ReadAddresses(ctx, addrs)
}

// blockKey names one block document.
type blockKey struct{ slug, name string }

// fetched is what one GET found: the document's data (a block) or value
// (a variable); found false for a 404 of Prefect's own.
type fetched struct {
	data  json.RawMessage
	found bool
	// unknownType: the block type's slug is one the server does not know.
	unknownType bool
	// A block's schema's secret fields and its type's name, for explain.
	secretFields []string
	typeName     string
	err          error
}

// ReadAddresses reads every distinct block and variable of addrs, in
// parallel under one deadline, and resolves each address from them.
// values are keyed by Address.Text; missing says, for each address that
// has no value, why (names only). err is a failure of the API itself,
// the first in addrs' order.
func (c *Client) ReadAddresses(ctx context.Context, addrs []resolve.Address) (values map[string]resolve.Secret, missing map[string]string, err error) {
	ctx, cancel := c.call(ctx)
	defer cancel()
	blocks := map[blockKey]*fetched{}
	variables := map[string]*fetched{}
	var wg sync.WaitGroup
	for _, a := range addrs {
		switch a.Kind {
		case resolve.BlockAddress:
			k := blockKey{a.Slug, a.Block}
			if blocks[k] == nil {
				f := &fetched{}
				blocks[k] = f
				wg.Go(func() { *f = c.readBlock(ctx, k) })
			}
		case resolve.VariableAddress:
			if variables[a.Variable] == nil {
				f := &fetched{}
				variables[a.Variable] = f
				wg.Go(func() { *f = c.readVariable(ctx, a.Variable) })
			}
		}
	}
	wg.Wait()
	values, missing = map[string]resolve.Secret{}, map[string]string{}
	for _, a := range addrs {
		var f *fetched
		if a.Kind == resolve.BlockAddress {
			f = blocks[blockKey{a.Slug, a.Block}]
		} else {
			f = variables[a.Variable]
		}
		if f.err != nil {
			return nil, nil, f.err
		}
		v, why := c.addressValue(a, f)
		if why != "" {
			missing[a.Text] = why
			continue
		}
		values[a.Text] = v
	}
	return values, missing, nil
}

func blockDocumentPath(k blockKey) string {
	return "/block_types/slug/" + url.PathEscape(k.slug) + "/block_documents/name/" + url.PathEscape(k.name)
}

// readBlock GETs one block document with its secrets. On Prefect's 404 it
// asks whether the block type exists, to say which of the two is missing.
func (c *Client) readBlock(ctx context.Context, k blockKey) fetched {
	path := blockDocumentPath(k)
	r, err := c.do(ctx, request{method: http.MethodGet, path: path, query: "include_secrets=true", read: true})
	if err != nil {
		return fetched{err: err}
	}
	switch {
	case r.status == http.StatusNotFound && isMissingBlock(r.body):
		return fetched{unknownType: c.unknownBlockType(ctx, k.slug)}
	case r.status != http.StatusOK:
		return fetched{err: c.statusFailure(http.MethodGet, path, r)}
	}
	var d struct {
		ID   string          `json:"id"`
		Name string          `json:"name"`
		Data json.RawMessage `json:"data"`
		// Only explain reads these: an odd one never fails a read.
		BlockType   json.RawMessage `json:"block_type"`
		BlockSchema json.RawMessage `json:"block_schema"`
	}
	if err := json.Unmarshal(r.body, &d); err != nil || d.ID == "" || d.Name != k.name || firstByte(d.Data) != '{' {
		return fetched{err: c.malformed(http.MethodGet, path)}
	}
	f := fetched{data: d.Data, found: true}
	f.secretFields, f.typeName = schemaFacts(d.BlockSchema, d.BlockType)
	return f
}

// unknownBlockType says whether the server answers 404 for the block type
// itself; any other answer (or none) leaves the block as what is missing.
func (c *Client) unknownBlockType(ctx context.Context, slug string) bool {
	r, err := c.do(ctx, request{method: http.MethodGet, path: "/block_types/slug/" + url.PathEscape(slug), read: true})
	return err == nil && r.status == http.StatusNotFound
}

// readVariable GETs one variable.
func (c *Client) readVariable(ctx context.Context, name string) fetched {
	path := "/variables/name/" + url.PathEscape(name)
	r, err := c.do(ctx, request{method: http.MethodGet, path: path, read: true})
	if err != nil {
		return fetched{err: err}
	}
	switch {
	case r.status == http.StatusNotFound && isMissingVariable(r.body):
		return fetched{}
	case r.status != http.StatusOK:
		return fetched{err: c.statusFailure(http.MethodGet, path, r)}
	}
	var v struct {
		Name  string          `json:"name"`
		Value json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal(r.body, &v); err != nil || v.Name != name {
		return fetched{err: c.malformed(http.MethodGet, path)}
	}
	if len(v.Value) == 0 {
		v.Value = json.RawMessage("null")
	}
	return fetched{data: v.Value, found: true}
}

// isMissingVariable says a 404 is Prefect's "Variable not found.", not a
// route the server does not have.
func isMissingVariable(body []byte) bool {
	var d struct {
		Detail string `json:"detail"`
	}
	return json.Unmarshal(body, &d) == nil && d.Detail == "Variable not found."
}

// addressValue resolves one address from what was fetched: its value, or
// why it has none.
func (c *Client) addressValue(a resolve.Address, f *fetched) (resolve.Secret, string) {
	if a.Kind == resolve.VariableAddress {
		if !f.found {
			return resolve.Secret{}, fmt.Sprintf("there is no variable %q", a.Variable)
		}
		text, isJSON, err := jsonText(f.data)
		if err != nil {
			return resolve.Secret{}, fmt.Sprintf("variable %q holds a value that is not valid JSON", a.Variable)
		}
		return resolve.NewPublic(text, isJSON), ""
	}
	block := fmt.Sprintf("block %q of type %q", a.Block, a.Slug)
	switch {
	case f.unknownType:
		return resolve.Secret{}, fmt.Sprintf("the server knows no block type %q", a.Slug)
	case !f.found:
		return resolve.Secret{}, fmt.Sprintf("there is no %s", block)
	}
	v := unwrapValue(f.data, a.Path, a.HasPath)
	if a.HasPath {
		at, ok := walkKeyPath(v, a.Path)
		if !ok {
			fields := fieldNames(v)
			if len(fields) == 0 {
				fields = fieldNames(f.data)
			}
			return resolve.Secret{}, fmt.Sprintf("%s has no key path %q (its fields: %s)", block, a.Path, strings.Join(c.redactEach(fields), ", "))
		}
		v = at
	}
	text, isJSON, err := jsonText(v)
	switch {
	case err != nil:
		return resolve.Secret{}, fmt.Sprintf("%s holds a value that is not valid JSON", block)
	case isJSON && string(text) == "null":
		what := block
		if a.HasPath {
			what = fmt.Sprintf("key path %q of %s", a.Path, block)
		}
		return resolve.Secret{}, what + " holds null"
	}
	c.carryingLeaves(text, isJSON)
	if isJSON {
		return resolve.NewJSONSecret(text), ""
	}
	return resolve.NewSecret(text), ""
}

// jsonText is a JSON value as a command gives it: a string as its text,
// anything else as compact JSON (keys in the order the API sent them).
func jsonText(v json.RawMessage) (text []byte, isJSON bool, err error) {
	if firstByte(v) == '"' {
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return nil, false, err
		}
		return []byte(s), false, nil
	}
	var b bytes.Buffer
	if err := json.Compact(&b, v); err != nil {
		return nil, false, err
	}
	return b.Bytes(), true, nil
}

// carryingLeaves marks a resolved value, and each string in it (not the
// keys: they are field names), as text no message built from a server's
// words may show.
func (c *Client) carryingLeaves(text []byte, isJSON bool) {
	if !isJSON {
		c.carrying(text)
		return
	}
	var v any
	if json.Unmarshal(text, &v) == nil {
		c.carryingStrings(v)
	}
}

func (c *Client) carryingStrings(v any) {
	switch x := v.(type) {
	case string:
		c.carrying([]byte(x))
	case []any:
		for _, e := range x {
			c.carryingStrings(e)
		}
	case map[string]any:
		for _, e := range x {
			c.carryingStrings(e)
		}
	}
}
