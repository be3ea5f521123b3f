package prefecttest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/prefect-secrets/prefect-secrets/internal/uuid"
)

// Block types other than Secret, their documents, and variables: what
// addresses (prefect.blocks.<slug>.<name>[.<path>], prefect.variables.<name>)
// read. A type is known once SetBlockType or SetTypedBlock named it; an
// unknown slug is a 404 "Block type not found" for the type and
// "Block document not found" for a document, as Prefect's server answers.

type typedType struct {
	id, schemaID, created string
	slug, name            string
	secretFields          []string // as a schema's secret_fields: "url", "headers.*"
	docs                  map[string]*typedDoc
}

type typedDoc struct {
	id, name, created string
	data              json.RawMessage // the block's data object
}

// typedStore is the V2 fake's blocks of other types, and its variables.
type typedStore struct {
	types     map[string]*typedType // by slug
	variables map[string]*v2variable
}

type v2variable struct {
	id, name, created string
	value             json.RawMessage
}

func (s *V2) store() *typedStore {
	if s.typed == nil {
		s.typed = &typedStore{types: map[string]*typedType{}, variables: map[string]*v2variable{}}
	}
	return s.typed
}

// SetBlockType makes a block type known, with the secret fields of its
// schema (e.g. "url", "headers.*").
func (s *V2) SetBlockType(slug string, secretFields ...string) {
	s.smu.Lock()
	defer s.smu.Unlock()
	s.blockTypeLocked(slug).secretFields = secretFields
}

func (s *V2) blockTypeLocked(slug string) *typedType {
	st := s.store()
	t := st.types[slug]
	if t == nil {
		t = &typedType{id: uuid.New(), schemaID: uuid.New(), created: timestamp(time.Now()), slug: slug, name: titleOf(slug), docs: map[string]*typedDoc{}}
		st.types[slug] = t
	}
	return t
}

// titleOf is a block type's name from its slug, as Prefect's are
// ("slack-webhook" is "Slack Webhook").
func titleOf(slug string) string {
	words := strings.Split(slug, "-")
	for i, w := range words {
		if w != "" {
			words[i] = strings.ToUpper(w[:1]) + w[1:]
		}
	}
	return strings.Join(words, " ")
}

// SetTypedBlock stores a block document of type slug (made known if it is
// not) with data, any JSON-encodable object (a json.RawMessage as is).
// For the Secret type, use SetBlock.
func (s *V2) SetTypedBlock(slug, name string, data any) {
	raw, err := json.Marshal(data)
	if err != nil || !strings.HasPrefix(string(raw), "{") {
		s.t.Errorf("prefecttest V2: SetTypedBlock(%q, %q): data must be a JSON object (%v)", slug, name, err)
		return
	}
	s.smu.Lock()
	defer s.smu.Unlock()
	t := s.blockTypeLocked(slug)
	t.docs[name] = &typedDoc{id: uuid.New(), name: name, created: timestamp(time.Now()), data: raw}
}

// SetVariable stores a variable holding value (any JSON-encodable value).
func (s *V2) SetVariable(name string, value any) {
	raw, ok := s.encode(fmt.Sprintf("SetVariable(%q)", name), value)
	if !ok {
		return
	}
	s.smu.Lock()
	defer s.smu.Unlock()
	s.store().variables[name] = &v2variable{id: uuid.New(), name: name, created: timestamp(time.Now()), value: raw}
}

// serveTyped answers the routes of typed blocks and variables; false when
// rel is none of them.
func (s *V2) serveTyped(w http.ResponseWriter, r *http.Request, body []byte, rel string) bool {
	const slugs, docs = "/block_types/slug/", "/block_documents/name/"
	switch {
	case strings.HasPrefix(rel, "/variables/name/") && !strings.Contains(rel[len("/variables/name/"):], "/"):
		if s.route(w, r, body, "GET", "") {
			s.readVariable(w, r, rel[len("/variables/name/"):])
		}
	case strings.HasPrefix(rel, slugs):
		slug, rest, _ := strings.Cut(rel[len(slugs):], "/")
		escName, isDoc := strings.CutPrefix("/"+rest, docs)
		switch {
		case slug == "secret" || slug == "":
			return false
		case rest == "":
			if s.route(w, r, body, "GET", "") {
				s.readBlockType(w, r, slug)
			}
		case isDoc && escName != "" && !strings.Contains(escName, "/"):
			if s.route(w, r, body, "GET", "include_secrets") {
				s.readTypedDoc(w, r, slug, escName)
			}
		default:
			return false
		}
	default:
		return false
	}
	return true
}

func (s *V2) unescape(w http.ResponseWriter, r *http.Request, esc, what string) (string, bool) {
	name, err := url.PathUnescape(esc)
	if err != nil {
		s.errorf(r, "malformed escape in the %s: %v", what, err)
		detail(w, http.StatusNotFound, "Not Found")
		return "", false
	}
	return name, true
}

func (s *V2) readBlockType(w http.ResponseWriter, r *http.Request, escSlug string) {
	slug, ok := s.unescape(w, r, escSlug, "block type's slug")
	if !ok {
		return
	}
	s.smu.Lock()
	defer s.smu.Unlock()
	t := s.store().types[slug]
	if t == nil {
		detail(w, http.StatusNotFound, "Block type not found")
		return
	}
	writeJSON(w, http.StatusOK, t.json())
}

func (t *typedType) json() map[string]any {
	return map[string]any{"id": t.id, "name": t.name, "slug": t.slug, "is_protected": false}
}

// schemaJSON is the type's one block schema, as Prefect's server gives it
// (its properties left out: nothing here reads them).
func (t *typedType) schemaJSON() map[string]any {
	fields := append([]string{}, t.secretFields...)
	return map[string]any{
		"id": t.schemaID, "created": t.created, "updated": t.created,
		"checksum": "sha256:" + strings.Repeat("5c", 32),
		"fields": map[string]any{
			"title": strings.ReplaceAll(t.name, " ", ""), "type": "object", "properties": map[string]any{},
			"block_type_slug": t.slug, "secret_fields": fields, "block_schema_references": map[string]any{},
		},
		"block_type_id": t.id, "block_type": t.json(), "capabilities": []string{}, "version": "3.9.1",
	}
}

// docJSON is a document of the type as the server answers with it;
// without include, its secret fields masked as Prefect masks them.
func (t *typedType) docJSON(d *typedDoc, include bool) map[string]any {
	data := d.data
	if !include {
		data = obfuscate(data, t.secretFields)
	}
	return map[string]any{
		"id": d.id, "created": d.created, "updated": d.created, "name": d.name,
		"data": data, "block_type_id": t.id, "block_type_name": t.name, "block_type": t.json(),
		"block_schema_id": t.schemaID, "block_schema": t.schemaJSON(), "block_document_references": map[string]any{}, "is_anonymous": false,
	}
}

func (s *V2) readTypedDoc(w http.ResponseWriter, r *http.Request, slug, escName string) {
	name, include, ok := s.docQuery(w, r, escName)
	if !ok {
		return
	}
	s.smu.Lock()
	defer s.smu.Unlock()
	t := s.store().types[slug]
	var d *typedDoc
	if t != nil {
		d = t.docs[name]
	}
	if d == nil {
		detail(w, http.StatusNotFound, "Block document not found")
		return
	}
	writeJSON(w, http.StatusOK, t.docJSON(d, include))
}

// docQuery reads a block document request's name and include_secrets;
// false if it answered.
func (s *V2) docQuery(w http.ResponseWriter, r *http.Request, escName string) (name string, include, ok bool) {
	if name, ok = s.unescape(w, r, escName, "block name"); !ok {
		return "", false, false
	}
	include, ok = s.includeSecrets(w, r)
	return name, include, ok
}

// includeSecrets reads the include_secrets query parameter as FastAPI
// reads a boolean; false, false if it answered 422.
func (s *V2) includeSecrets(w http.ResponseWriter, r *http.Request) (include, ok bool) {
	v := r.URL.Query()["include_secrets"]
	if len(v) == 0 {
		return false, true
	}
	switch strings.ToLower(v[len(v)-1]) {
	case "true", "1", "yes", "on":
		return true, true
	case "false", "0", "no", "off":
		return false, true
	}
	s.errorf(r, "include_secrets=%q is not a boolean", v[len(v)-1])
	s.invalid(w, nil, []any{"query", "include_secrets"}, "Input should be a valid boolean", "bool_parsing")
	return false, false
}

// obfuscate writes Prefect's mask over data's secret fields as Prefect's
// server does without include_secrets (schemas/core.py,
// BlockDocument.from_orm_model): data is flattened into its leaves (a
// non-empty object is walked into; anything else, an empty object, a list
// or null included, is a leaf); a field naming a leaf that is not null is
// masked; else, a field holding "*" masks every leaf whose key path
// starts with the keys before the "*" (null too). So a secret field that
// holds a non-empty object (a Secret block whose value is a dict) comes
// back as it is, and a null one as null.
func obfuscate(data json.RawMessage, fields []string) json.RawMessage {
	var m map[string]any
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.UseNumber()
	if dec.Decode(&m) != nil {
		return data
	}
	var leaves []leaf
	flatten(m, nil, &leaves)
	for _, f := range fields {
		keys := strings.Split(f, ".")
		if i := findLeaf(leaves, keys); i >= 0 && leaves[i].value != nil {
			leaves[i].value = Obfuscated
			continue
		}
		star := slices.Index(keys, "*")
		if star < 0 {
			continue
		}
		for i := range leaves {
			if len(leaves[i].keys) >= star && slices.Equal(leaves[i].keys[:star], keys[:star]) {
				leaves[i].value = Obfuscated
			}
		}
	}
	out, _ := json.Marshal(unflatten(leaves))
	return out
}

// leaf is one leaf of flattened data: its key path and value.
type leaf struct {
	keys  []string
	value any
}

func flatten(m map[string]any, at []string, out *[]leaf) {
	for k, v := range m {
		keys := append(slices.Clip(at), k)
		if inner, ok := v.(map[string]any); ok && len(inner) > 0 {
			flatten(inner, keys, out)
			continue
		}
		*out = append(*out, leaf{keys: keys, value: v})
	}
}

func findLeaf(leaves []leaf, keys []string) int {
	for i, l := range leaves {
		if slices.Equal(l.keys, keys) {
			return i
		}
	}
	return -1
}

func unflatten(leaves []leaf) map[string]any {
	root := map[string]any{}
	for _, l := range leaves {
		cur := root
		for _, k := range l.keys[:len(l.keys)-1] {
			next, ok := cur[k].(map[string]any)
			if !ok {
				next = map[string]any{}
				cur[k] = next
			}
			cur = next
		}
		cur[l.keys[len(l.keys)-1]] = l.value
	}
	return root
}

func (s *V2) readVariable(w http.ResponseWriter, r *http.Request, escName string) {
	name, ok := s.unescape(w, r, escName, "variable name")
	if !ok {
		return
	}
	s.smu.Lock()
	defer s.smu.Unlock()
	v := s.store().variables[name]
	if v == nil {
		detail(w, http.StatusNotFound, "Variable not found.")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"id": v.id, "created": v.created, "updated": v.created, "name": v.name, "value": v.value, "tags": []string{},
	})
}
