package prefecttest

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/prefect-secrets/prefect-secrets/internal/uuid"
)

// V2 fakes Prefect 2/3's REST API for Secret blocks. Endpoints, under URL():
//
//	GET    /health                                            200 true (no auth with WithAuthString, as Prefect)
//	GET    /block_types/slug/secret                           200 the Secret block type
//	POST   /block_schemas/filter                              200 the Secret schemas, newest first
//	GET    /block_types/slug/secret/block_documents/name/{n}  200 the document, or 404 {"detail":"Block document not found"}
//	POST   /block_documents/filter                            200 the matching documents of any type (Secret and
//	                                                              v2_typed.go's), each with its block_type and
//	                                                              block_schema (fields.secret_fields), sorted, paged
//	POST   /block_documents/                                  201 the new document (value obfuscated, as Prefect answers), 409 if it exists
//	PATCH  /block_documents/{id}                              204, or 404 {"detail":"Block document not found"}
//	DELETE /block_documents/{id}                              204, or 404 {"detail":"Block document not found"}
//	GET    /csrf-token?client={id}                            200 a CSRF token (WithCSRF); else 422 {"detail":"CSRF protection is disabled."}
//	                                                          (404 WithoutCSRFRoute, as servers before CSRF support)
//
// Checks, each reported with T.Errorf: the path (unknown → 404
// {"detail":"Not Found"}; /block_documents without the slash → 307 to it,
// as FastAPI does; wrong method → 405), the query (only include_secrets on
// the read by name; anything else is reported and ignored, as FastAPI
// ignores it), a Content-Type other than application/json on bodies (→ 422;
// none at all is taken as JSON, as Prefect's server does for older
// clients), no body on GET and DELETE, the body's fields (missing or
// ill-typed → 422 in Prefect's validation shape, see below; unknown ones
// too where Prefect's models forbid extra fields, and reported but ignored
// at a filter's top level, where FastAPI ignores them), that the block type
// and schema ids are the ones this server handed out (else 409, Prefect's
// foreign-key conflict), block names matching ^[a-z0-9-]+$ (→ 422), and
// a well-formed X-PREFECT-API-VERSION when sent (→ 400).
//
// Lenient as Prefect's server is, and not reported: a filter without
// block_types (every block document), with Prefect's own client's
// block_schema_type, or with null limit or offset; a schema filter without
// block_schemas (every schema); a PATCH without merge_existing_data (true,
// Prefect's default: a Secret's data is {"value"}, so the value is
// replaced all the same); a PATCH whose value is "********" (Prefect's
// mask) keeps the old value, as the server does, and answers 204.
//
// Not reported (answered as Prefect would, for the client to handle): a
// missing or wrong credential (401), WithForbidden (403), a change request
// (POST, PUT, PATCH, DELETE) without a valid CSRF token WithCSRF (403
// {"detail": "Missing CSRF token."}, "Missing client identifier." or
// "Invalid CSRF token or client identifier.", checked before the
// credential, as Prefect's middleware is), a request without a header
// WithRequiredHeader wants (401, as an authenticating proxy), an unknown
// document name or id (404), an existing name (409), a filter limit above
// the page limit (422 {"detail": "Invalid limit: must be less than or equal
// to 200."}), a read without include_secrets=true (secret fields masked
// "********" as Prefect masks them: a Secret's dict value comes back as it
// is, a null as null; see obfuscate).
//
// Prefect's 422 for an invalid body is
//
//	{"exception_message": "Invalid request received.",
//	 "exception_detail": [{"loc": ["body", "name"], "msg": "...", "type": "value_error"}],
//	 "request_body": <the request's body, echoed>}
//
// which echoes secret values: a client must not print response bodies.
type V2 struct {
	*base
	cfg v2config

	typeID   string
	typeTime string
	schemas  []v2schema // newest first

	smu   sync.Mutex
	docs  map[string]*v2doc // by name
	typed *typedStore       // blocks of other types, variables (v2_typed.go)
	// deployments and work pools (v2_deployments.go)
	deploys *deploymentStore
	// csrf are the CSRF tokens handed out, by client id.
	csrf map[string]csrfToken
}

type csrfToken struct {
	token   string
	expires time.Time
}

type v2config struct {
	apiKey      string
	authString  string
	forbidden   bool
	cloud       bool
	pageLimit   int
	csrf        bool
	noCSRFRoute bool
	required    http.Header
}

// V2Option configures NewV2.
type V2Option func(*v2config)

// WithAPIKey requires Authorization: Bearer <key> (Prefect Cloud); a
// missing or wrong one gets 401 {"detail":"Unauthorized"}.
func WithAPIKey(key string) V2Option { return func(c *v2config) { c.apiKey = key } }

// WithAuthString requires Authorization: Basic base64(s) (a self-hosted
// server's PREFECT_SERVER_API_AUTH_STRING); a missing or wrong one gets 401
// {"exception_message":"Unauthorized"}, as Prefect's middleware answers.
// /health is exempt, as in Prefect.
func WithAuthString(s string) V2Option { return func(c *v2config) { c.authString = s } }

// WithForbidden answers every (authenticated) request 403
// {"detail":"Forbidden"}, as Prefect Cloud does for a key without access to
// the workspace.
func WithForbidden() V2Option { return func(c *v2config) { c.forbidden = true } }

// WithCloudPath serves the API under /api/accounts/<uuid>/workspaces/<uuid>,
// as Prefect Cloud does.
func WithCloudPath() V2Option { return func(c *v2config) { c.cloud = true } }

// WithCSRF turns on Prefect's CSRF protection
// (PREFECT_SERVER_CSRF_PROTECTION_ENABLED): POST, PUT, PATCH and DELETE
// need the Prefect-Csrf-Token and Prefect-Csrf-Client headers of a token
// from GET /csrf-token?client=<id>, valid for an hour.
func WithCSRF() V2Option { return func(c *v2config) { c.csrf = true } }

// WithoutCSRFRoute makes the server one from before CSRF support: GET
// /csrf-token is 404 {"detail":"Not Found"}.
func WithoutCSRFRoute() V2Option { return func(c *v2config) { c.noCSRFRoute = true } }

// WithRequiredHeader puts the server behind an authenticating proxy that
// wants header name with exactly value on every request (as users reach
// one with PREFECT_CLIENT_CUSTOM_HEADERS): without it, 401
// {"detail":"Unauthorized: the proxy wants header <name>"}. May be given
// several times.
func WithRequiredHeader(name, value string) V2Option {
	return func(c *v2config) {
		if c.required == nil {
			c.required = http.Header{}
		}
		c.required.Set(name, value)
	}
}

// WithPageLimit sets PREFECT_API_DEFAULT_LIMIT (default 200): a filter's
// default limit, and its maximum (a larger limit is a 422).
func WithPageLimit(n int) V2Option { return func(c *v2config) { c.pageLimit = n } }

type v2schema struct {
	id, checksum, version, created string
}

type v2doc struct {
	id, name, schemaID string
	created, updated   string
	value              json.RawMessage
}

// NewV2 starts a fake Prefect 2/3 API on http://127.0.0.1, stopped when the
// test ends.
func NewV2(t T, opts ...V2Option) *V2 {
	t.Helper()
	return newV2(t, false, opts)
}

// NewV2TLS is NewV2 over HTTPS; Client() trusts its certificate.
func NewV2TLS(t T, opts ...V2Option) *V2 {
	t.Helper()
	return newV2(t, true, opts)
}

func newV2(t T, tls bool, opts []V2Option) *V2 {
	s := &V2{docs: map[string]*v2doc{}, csrf: map[string]csrfToken{}}
	s.cfg.pageLimit = 200
	for _, o := range opts {
		o(&s.cfg)
	}
	if s.cfg.apiKey != "" && s.cfg.authString != "" {
		t.Errorf("prefecttest: NewV2 with both WithAPIKey and WithAuthString: a Prefect server checks one or the other")
	}
	now := time.Now()
	s.typeID = uuid.New()
	s.typeTime = timestamp(now.Add(-48 * time.Hour))
	s.schemas = []v2schema{
		{id: uuid.New(), checksum: "sha256:" + strings.Repeat("3b", 32), version: "3.1.11", created: timestamp(now.Add(-24 * time.Hour))},
		{id: uuid.New(), checksum: "sha256:" + strings.Repeat("a1", 32), version: "2.20.4", created: timestamp(now.Add(-48 * time.Hour))},
	}
	s.base = &base{name: "V2", handle: s.serve}
	if s.cfg.cloud {
		s.basePath = "/api/accounts/" + uuid.New() + "/workspaces/" + uuid.New()
	} else {
		s.basePath = "/api"
	}
	s.start(t, tls)
	return s
}

// URL returns the API base, e.g. http://127.0.0.1:PORT/api (PREFECT_API_URL).
func (s *V2) URL() string { return s.srv.URL + s.basePath }

// URLWithHost returns URL() with host (e.g. "localhost") for 127.0.0.1:
// another host name for the same server, for redirect tests.
func (s *V2) URLWithHost(host string) string { return s.urlWithHost(s.URL(), host) }

// BlockTypeID returns the Secret block type's id this server hands out.
func (s *V2) BlockTypeID() string { return s.typeID }

// BlockSchemaIDs returns the Secret block schemas' ids, newest first.
func (s *V2) BlockSchemaIDs() []string {
	ids := make([]string, len(s.schemas))
	for i, sc := range s.schemas {
		ids[i] = sc.id
	}
	return ids
}

// SetBlock stores a Secret block document named name (created, or its value
// replaced). value is any JSON-encodable value (a string in Prefect 2.x);
// a json.RawMessage is stored as is.
func (s *V2) SetBlock(name string, value any) {
	raw, ok := s.encode(fmt.Sprintf("SetBlock(%q)", name), value)
	if !ok {
		return
	}
	s.smu.Lock()
	defer s.smu.Unlock()
	now := timestamp(time.Now())
	if d, ok := s.docs[name]; ok {
		d.value, d.updated = raw, now
		return
	}
	s.docs[name] = &v2doc{id: uuid.New(), name: name, schemaID: s.schemas[0].id, created: now, updated: now, value: raw}
}

// Block returns the stored value of the Secret block named name, decoded
// (JSON numbers as float64).
func (s *V2) Block(name string) (value any, ok bool) {
	raw, ok := s.BlockJSON(name)
	if !ok {
		return nil, false
	}
	if err := json.Unmarshal(raw, &value); err != nil {
		return nil, false
	}
	return value, true
}

// BlockJSON returns the stored value of the Secret block named name as the
// JSON text stored.
func (s *V2) BlockJSON(name string) (json.RawMessage, bool) {
	s.smu.Lock()
	defer s.smu.Unlock()
	d, ok := s.docs[name]
	if !ok {
		return nil, false
	}
	return append(json.RawMessage(nil), d.value...), true
}

// BlockID returns the id of the block document named name.
func (s *V2) BlockID(name string) (string, bool) {
	s.smu.Lock()
	defer s.smu.Unlock()
	d, ok := s.docs[name]
	if !ok {
		return "", false
	}
	return d.id, true
}

// BlockNames returns the names of the stored block documents, sorted.
func (s *V2) BlockNames() []string {
	s.smu.Lock()
	defer s.smu.Unlock()
	names := make([]string, 0, len(s.docs))
	for n := range s.docs {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// DeleteBlock removes the block document named name, if any.
func (s *V2) DeleteBlock(name string) {
	s.smu.Lock()
	defer s.smu.Unlock()
	delete(s.docs, name)
}

// ExpireCSRFTokens makes every CSRF token handed out so far invalid, as
// when they outlive PREFECT_SERVER_CSRF_TOKEN_EXPIRATION.
func (s *V2) ExpireCSRFTokens() {
	s.smu.Lock()
	defer s.smu.Unlock()
	s.csrf = map[string]csrfToken{}
}

// Count returns how many requests had this method and this path after the
// API base, e.g. Count("POST", "/block_documents/filter").
func (s *V2) Count(method, pathSuffix string) int {
	n := 0
	for _, r := range s.Requests() {
		if r.Method == method && r.Path == s.basePath+pathSuffix {
			n++
		}
	}
	return n
}

var (
	blockNameRE  = regexp.MustCompile(`^[a-z0-9-]+$`)
	uuidRE       = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	apiVersionRE = regexp.MustCompile(`^\d+\.\d+\.\d+$`)
)

// Obfuscated is what Prefect shows instead of a secret value when
// include_secrets is not true.
const Obfuscated = "********"

func (s *V2) serve(w http.ResponseWriter, r *http.Request, body []byte) {
	for name, want := range s.cfg.required {
		if got := r.Header.Values(name); len(got) != 1 || got[0] != want[0] {
			detail(w, http.StatusUnauthorized, "Unauthorized: the proxy wants header "+name)
			return
		}
	}
	// Prefect's CSRF middleware wraps the whole app: it answers before
	// routing and before the credential is checked.
	if s.cfg.csrf && !s.csrfPasses(w, r) {
		return
	}
	path := r.URL.EscapedPath()
	rel, under := strings.CutPrefix(path, s.basePath)
	if !under || (rel != "" && !strings.HasPrefix(rel, "/")) {
		s.errorf(r, "path is not under the API base %s", s.basePath)
		detail(w, http.StatusNotFound, "Not Found")
		return
	}
	if !s.authorized(w, r, rel) {
		return
	}
	if s.cfg.forbidden {
		detail(w, http.StatusForbidden, "Forbidden")
		return
	}
	if v := r.Header.Get("X-Prefect-Api-Version"); v != "" && !apiVersionRE.MatchString(v) {
		s.errorf(r, "malformed X-PREFECT-API-VERSION %q", v)
		detail(w, http.StatusBadRequest, "Invalid X-PREFECT-API-VERSION header format.Expected header in format 'x.y.z' but received "+v)
		return
	}

	const byName = "/block_types/slug/secret/block_documents/name/"
	switch {
	case rel == "/health":
		if s.route(w, r, body, "GET", "") {
			writeRaw(w, http.StatusOK, "true")
		}
	case rel == "/csrf-token":
		if s.cfg.noCSRFRoute {
			detail(w, http.StatusNotFound, "Not Found")
			return
		}
		if s.route(w, r, body, "GET", "client") {
			s.csrfToken(w, r)
		}
	case rel == "/block_types/slug/secret":
		if s.route(w, r, body, "GET", "") {
			writeJSON(w, http.StatusOK, s.blockType())
		}
	case strings.HasPrefix(rel, byName) && !strings.Contains(rel[len(byName):], "/") && len(rel) > len(byName):
		if s.route(w, r, body, "GET", "include_secrets") {
			s.readByName(w, r, rel[len(byName):])
		}
	case s.serveTyped(w, r, body, rel):
	case s.serveDeployments(w, r, body, rel):
	case rel == "/block_schemas/filter":
		if s.route(w, r, body, "POST", "") {
			s.filterSchemas(w, r, body)
		}
	case rel == "/block_documents/filter":
		if s.route(w, r, body, "POST", "") {
			s.filterDocs(w, r, body)
		}
	case rel == "/block_documents/":
		if s.route(w, r, body, "POST", "") {
			s.create(w, r, body)
		}
	case rel == "/block_documents":
		s.errorf(r, "the path needs its trailing slash: %s/block_documents/", s.basePath)
		loc := path + "/"
		if r.URL.RawQuery != "" {
			loc += "?" + r.URL.RawQuery
		}
		http.Redirect(w, r, loc, http.StatusTemporaryRedirect)
	case strings.HasPrefix(rel, "/block_documents/") && uuidRE.MatchString(rel[len("/block_documents/"):]):
		id := strings.ToLower(rel[len("/block_documents/"):])
		switch r.Method {
		case "PATCH":
			if s.route(w, r, body, "PATCH", "") {
				s.update(w, r, body, id)
			}
		case "DELETE":
			if s.route(w, r, body, "DELETE", "") {
				s.delete(w, id)
			}
		default:
			s.errorf(r, "method %s: this fake serves PATCH and DELETE here", r.Method)
			detail(w, http.StatusMethodNotAllowed, "Method Not Allowed")
		}
	default:
		s.errorf(r, "no such endpoint in Prefect's API")
		detail(w, http.StatusNotFound, "Not Found")
	}
}

// authorized checks the credential; false if it answered 401.
func (s *V2) authorized(w http.ResponseWriter, r *http.Request, rel string) bool {
	got := r.Header.Get("Authorization")
	switch {
	case s.cfg.authString != "":
		if rel == "/health" {
			return true
		}
		scheme, creds, _ := strings.Cut(got, " ")
		dec, err := base64.StdEncoding.DecodeString(strings.TrimSpace(creds))
		if scheme != "Basic" || err != nil || string(dec) != s.cfg.authString {
			writeJSON(w, http.StatusUnauthorized, map[string]string{"exception_message": "Unauthorized"})
			return false
		}
	case s.cfg.apiKey != "":
		if got != "Bearer "+s.cfg.apiKey {
			detail(w, http.StatusUnauthorized, "Unauthorized")
			return false
		}
	}
	return true
}

// route checks method, query and body framing; false if it answered.
func (s *V2) route(w http.ResponseWriter, r *http.Request, body []byte, method, allowedQuery string) bool {
	if r.Method != method {
		s.errorf(r, "method %s: Prefect serves %s here", r.Method, method)
		detail(w, http.StatusMethodNotAllowed, "Method Not Allowed")
		return false
	}
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		s.errorf(r, "malformed query: %v", err)
	}
	for k := range q {
		if k != allowedQuery || allowedQuery == "" {
			s.errorf(r, "unexpected query parameter %q", k)
		}
	}
	switch method {
	case "GET", "DELETE":
		if len(body) > 0 {
			s.errorf(r, "unexpected request body on %s", method)
		}
	default:
		// Prefect's server takes a body without Content-Type as JSON
		// (older clients sent none).
		if ct := r.Header.Get("Content-Type"); !isJSONContentType(ct) && !(ct == "" && len(body) > 0) {
			s.errorf(r, "Content-Type is %q, want application/json", ct)
			s.invalid(w, body, []any{"body"}, "Input should be a valid dictionary or object to extract fields from", "model_attributes_type")
			return false
		}
		if !json.Valid(body) {
			s.errorf(r, "the body is not valid JSON")
			s.invalid(w, nil, []any{"body", 0}, "JSON decode error", "json_invalid")
			return false
		}
	}
	return true
}

// invalid answers Prefect's 422 for a request that fails validation.
func (s *V2) invalid(w http.ResponseWriter, body []byte, loc []any, msg, typ string) {
	var echoed any
	if json.Valid(body) {
		echoed = json.RawMessage(body)
	} else if body != nil {
		echoed = string(body)
	}
	writeJSON(w, http.StatusUnprocessableEntity, map[string]any{
		"exception_message": "Invalid request received.",
		"exception_detail":  []any{map[string]any{"loc": loc, "msg": msg, "type": typ}},
		"request_body":      echoed,
	})
}

// bad reports a malformed body and answers 422.
func (s *V2) bad(w http.ResponseWriter, r *http.Request, body []byte, field, problem string) {
	s.errorf(r, "%s", problem)
	loc := []any{"body"}
	if field != "" {
		for _, f := range strings.Split(field, ".") {
			loc = append(loc, f)
		}
	}
	s.invalid(w, body, loc, problem, "value_error")
}

func (s *V2) blockType() map[string]any {
	return map[string]any{
		"id":                s.typeID,
		"created":           s.typeTime,
		"updated":           s.typeTime,
		"name":              "Secret",
		"slug":              "secret",
		"logo_url":          "https://cdn.sanity.io/images/3ugk85nk/production/c6f20e556dd16effda9df16551feecfb5822092b-48x48.png",
		"documentation_url": "https://docs.prefect.io/latest/develop/blocks",
		"description":       "A block that represents a secret value. The value stored in this block will be obfuscated when this block is viewed or edited in the UI.",
		"code_example":      "```python\nfrom prefect.blocks.system import Secret\n\nsecret_block = Secret.load(\"BLOCK_NAME\")\nsecret_block.get()\n```",
		"is_protected":      true,
	}
}

func (s *V2) schemaJSON(sc v2schema) map[string]any {
	return map[string]any{
		"id":       sc.id,
		"created":  sc.created,
		"updated":  sc.created,
		"checksum": sc.checksum,
		"fields": map[string]any{
			"title":       "Secret",
			"description": "A block that represents a secret value.",
			"type":        "object",
			"properties": map[string]any{
				"value": map[string]any{
					"title":       "Value",
					"description": "A value that should be kept secret.",
					"anyOf":       []any{map[string]any{"type": "string", "format": "password", "writeOnly": true}, map[string]any{}},
				},
			},
			"required":                []string{"value"},
			"block_type_slug":         "secret",
			"secret_fields":           []string{"value"},
			"block_schema_references": map[string]any{},
		},
		"block_type_id": s.typeID,
		"block_type":    s.blockType(),
		"capabilities":  []string{},
		"version":       sc.version,
	}
}

func (s *V2) schemaByID(id string) (v2schema, bool) {
	for _, sc := range s.schemas {
		if strings.EqualFold(sc.id, id) {
			return sc, true
		}
	}
	return v2schema{}, false
}

// docJSON is a Secret block document as the server answers with it;
// without includeSecrets, its value masked as Prefect masks it (see
// obfuscate: a dict value comes back as it is, null as null).
func (s *V2) docJSON(d *v2doc, includeSecrets bool) map[string]any {
	data, _ := json.Marshal(map[string]json.RawMessage{"value": d.value})
	if !includeSecrets {
		data = obfuscate(data, []string{"value"})
	}
	sc, _ := s.schemaByID(d.schemaID)
	return map[string]any{
		"id":                        d.id,
		"created":                   d.created,
		"updated":                   d.updated,
		"name":                      d.name,
		"data":                      json.RawMessage(data),
		"block_schema_id":           d.schemaID,
		"block_schema":              s.schemaJSON(sc),
		"block_type_id":             s.typeID,
		"block_type_name":           "Secret",
		"block_type":                s.blockType(),
		"block_document_references": map[string]any{},
		"is_anonymous":              false,
	}
}

func (s *V2) readByName(w http.ResponseWriter, r *http.Request, escName string) {
	name, include, ok := s.docQuery(w, r, escName)
	if !ok {
		return
	}
	s.smu.Lock()
	defer s.smu.Unlock()
	d, ok := s.docs[name]
	if !ok {
		detail(w, http.StatusNotFound, "Block document not found")
		return
	}
	writeJSON(w, http.StatusOK, s.docJSON(d, include))
}

// limitOffset validates limit and offset as Prefect's LimitBody and
// Body(0, ge=0) do; false if it answered.
func (s *V2) limitOffset(w http.ResponseWriter, r *http.Request, body []byte, m map[string]json.RawMessage) (limit, offset int, ok bool) {
	limit, offset = s.cfg.pageLimit, 0
	if raw, has := m["limit"]; has && jsonKind(raw) != "null" {
		n, isInt := integer(raw)
		if !isInt {
			s.bad(w, r, body, "limit", "limit is not an integer")
			return 0, 0, false
		}
		if n < 0 {
			detail(w, http.StatusUnprocessableEntity, "Invalid limit: must be greater than or equal to 0.")
			return 0, 0, false
		}
		if n > s.cfg.pageLimit {
			detail(w, http.StatusUnprocessableEntity, fmt.Sprintf("Invalid limit: must be less than or equal to %d.", s.cfg.pageLimit))
			return 0, 0, false
		}
		limit = n
	}
	if raw, has := m["offset"]; has && jsonKind(raw) != "null" {
		n, isInt := integer(raw)
		if !isInt || n < 0 {
			s.bad(w, r, body, "offset", "offset is not an integer >= 0")
			return 0, 0, false
		}
		offset = n
	}
	return limit, offset, true
}

func page[E any](l []E, limit, offset int) []E {
	if offset >= len(l) {
		return []E{}
	}
	l = l[offset:]
	if limit < len(l) {
		l = l[:limit]
	}
	return l
}

// filterBody is the body of a filter request being read: a check that
// fails is reported and answered 422 (V2.bad).
type filterBody struct {
	s    *V2
	w    http.ResponseWriter
	r    *http.Request
	body []byte
}

func (f filterBody) bad(field, problem string) { f.s.bad(f.w, f.r, f.body, field, problem) }

// object reads raw, the body's field (e.g. "block_types.slug"), as an
// object with the keys required, and others only from allowed.
func (f filterBody) object(raw json.RawMessage, field string, required []string, allowed ...string) (map[string]json.RawMessage, bool) {
	o, ok := object(raw)
	if !ok {
		f.bad(field, field+" is not an object")
		return nil, false
	}
	if p := checkKeys(field, o, required, allowed...); p != "" {
		f.bad(field, p)
		return nil, false
	}
	return o, true
}

// anyOf reads raw, the body's field, as {"any_": [strings]}.
func (f filterBody) anyOf(raw json.RawMessage, field string) ([]string, bool) {
	o, ok := f.object(raw, field, []string{"any_"})
	if !ok {
		return nil, false
	}
	l, ok := stringList(o["any_"])
	if !ok {
		f.bad(field+".any_", field+".any_ is not a list of strings")
		return nil, false
	}
	return l, true
}

func (s *V2) filterSchemas(w http.ResponseWriter, r *http.Request, body []byte) {
	m, ok := object(body)
	if !ok {
		s.bad(w, r, body, "", "the body is not a JSON object")
		return
	}
	f := filterBody{s, w, r, body}
	s.unknownTopLevel(r, m, "block_schemas", "limit", "offset")
	// Without block_schemas (or with null) Prefect lists every schema.
	matches := true
	if raw, has := m["block_schemas"]; has && jsonKind(raw) != "null" {
		bs, ok := f.object(raw, "block_schemas", []string{"block_type_id"})
		if !ok {
			return
		}
		ids, ok := f.anyOf(bs["block_type_id"], "block_schemas.block_type_id")
		if !ok {
			return
		}
		matches = false
		for _, id := range ids {
			if !uuidRE.MatchString(id) {
				f.bad("block_schemas.block_type_id.any_", fmt.Sprintf("block type id %q is not a UUID", id))
				return
			}
			if strings.EqualFold(id, s.typeID) {
				matches = true
			}
		}
		if !matches {
			s.errorf(r, "block_type_id.any_ %q does not hold the Secret block type's id %s (from GET /block_types/slug/secret)", ids, s.typeID)
		}
	}
	limit, offset, ok := s.limitOffset(w, r, body, m)
	if !ok {
		return
	}
	out := []any{}
	if matches {
		for _, sc := range page(s.schemas, limit, offset) {
			out = append(out, s.schemaJSON(sc))
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// unknownTopLevel reports a filter body's top-level fields outside known:
// FastAPI ignores them, so the server answers as if they were not there,
// which a client sending them surely did not mean.
func (s *V2) unknownTopLevel(r *http.Request, m map[string]json.RawMessage, known ...string) {
	ok := map[string]bool{}
	for _, k := range known {
		ok[k] = true
	}
	var extra []string
	for k := range m {
		if !ok[k] {
			extra = append(extra, k)
		}
	}
	sort.Strings(extra)
	for _, k := range extra {
		s.errorf(r, "body: unexpected field %q (Prefect's server ignores it)", k)
	}
}

var blockDocumentSorts = map[string]bool{"NAME_ASC": true, "NAME_DESC": true, "BLOCK_TYPE_AND_NAME_ASC": true}

// docQuery is what a POST /block_documents/filter asks for.
type docQuery struct {
	types         map[string]bool // the block types' slugs asked for; nil for any
	names         map[string]bool // the names asked for; nil for any
	include       bool            // include_secrets
	sort          string          // NAME_ASC (the default), NAME_DESC, BLOCK_TYPE_AND_NAME_ASC
	limit, offset int
}

func (s *V2) filterDocs(w http.ResponseWriter, r *http.Request, body []byte) {
	m, ok := object(body)
	if !ok {
		s.bad(w, r, body, "", "the body is not a JSON object")
		return
	}
	// block_schema_type is sent by Prefect's own client and ignored by its
	// server; block_schemas is a filter this fake does not apply.
	s.unknownTopLevel(r, m, "block_types", "block_documents", "block_schemas", "block_schema_type", "include_secrets", "limit", "offset", "sort")
	f := filterBody{s, w, r, body}
	q := docQuery{}
	if q.types, ok = f.blockTypes(m); !ok {
		return
	}
	if q.names, ok = f.docNames(m); !ok {
		return
	}
	if q.include, q.sort, ok = f.docOptions(m); !ok {
		return
	}
	if q.limit, q.offset, ok = s.limitOffset(w, r, body, m); !ok {
		return
	}
	writeJSON(w, http.StatusOK, s.matchDocs(q))
}

// blockTypes reads block_types: optional; when sent, {"slug": {"any_":
// [...]}}, the types whose documents match (a slug the server does not
// know matches nothing, as in Prefect).
func (f filterBody) blockTypes(m map[string]json.RawMessage) (map[string]bool, bool) {
	raw, has := m["block_types"]
	if !has || jsonKind(raw) == "null" {
		return nil, true
	}
	bt, ok := f.object(raw, "block_types", []string{"slug"})
	if !ok {
		return nil, false
	}
	slugs, ok := f.anyOf(bt["slug"], "block_types.slug")
	if !ok {
		return nil, false
	}
	types := map[string]bool{}
	for _, sl := range slugs {
		types[sl] = true
	}
	return types, true
}

// docNames reads block_documents: optional name.any_ and is_anonymous.eq_.
func (f filterBody) docNames(m map[string]json.RawMessage) (names map[string]bool, ok bool) {
	raw, has := m["block_documents"]
	if !has || jsonKind(raw) == "null" {
		return nil, true
	}
	bd, ok := f.object(raw, "block_documents", nil, "name", "is_anonymous")
	if !ok {
		return nil, false
	}
	if raw, has := bd["name"]; has {
		l, ok := f.anyOf(raw, "block_documents.name")
		if !ok {
			return nil, false
		}
		names = map[string]bool{}
		for _, n := range l {
			names[n] = true
		}
	}
	if raw, has := bd["is_anonymous"]; has && jsonKind(raw) != "null" {
		an, ok := f.object(raw, "block_documents.is_anonymous", []string{"eq_"})
		if !ok {
			return nil, false
		}
		if jsonKind(an["eq_"]) != "bool" {
			f.bad("block_documents.is_anonymous.eq_", "block_documents.is_anonymous.eq_ is not a boolean")
			return nil, false
		}
		if string(an["eq_"]) == "true" {
			names = map[string]bool{} // every document here is named
		}
	}
	return names, true
}

// docOptions reads include_secrets and sort.
func (f filterBody) docOptions(m map[string]json.RawMessage) (include bool, sortBy string, ok bool) {
	if raw, has := m["include_secrets"]; has {
		if jsonKind(raw) != "bool" {
			f.bad("include_secrets", "include_secrets is not a boolean")
			return false, "", false
		}
		include = string(raw) == "true"
	}
	sortBy = "NAME_ASC"
	if raw, has := m["sort"]; has && jsonKind(raw) != "null" {
		if json.Unmarshal(raw, &sortBy) != nil || !blockDocumentSorts[sortBy] {
			f.bad("sort", fmt.Sprintf("sort is %s, want one of NAME_ASC, NAME_DESC, BLOCK_TYPE_AND_NAME_ASC", raw))
			return false, "", false
		}
	}
	return include, sortBy, true
}

// matchDocs is the page of documents q asks for, as JSON: Secret blocks
// and those of every other type alike, sorted as q asks (documents of one
// name in NAME_ASC or NAME_DESC by type name, where Prefect's order is
// the database's).
func (s *V2) matchDocs(q docQuery) []any {
	s.smu.Lock()
	defer s.smu.Unlock()
	type match struct {
		name, typeName string
		json           func() map[string]any
	}
	var all []match
	wanted := func(slug, name string) bool {
		return (q.types == nil || q.types[slug]) && (q.names == nil || q.names[name])
	}
	for n, d := range s.docs {
		if wanted("secret", n) {
			all = append(all, match{n, "Secret", func() map[string]any { return s.docJSON(d, q.include) }})
		}
	}
	for _, t := range s.store().types {
		for n, d := range t.docs {
			if wanted(t.slug, n) {
				all = append(all, match{n, t.name, func() map[string]any { return t.docJSON(d, q.include) }})
			}
		}
	}
	sort.Slice(all, func(i, j int) bool {
		a, b := all[i], all[j]
		switch {
		case q.sort == "BLOCK_TYPE_AND_NAME_ASC" && a.typeName != b.typeName:
			return a.typeName < b.typeName
		case a.name != b.name && q.sort == "NAME_DESC":
			return a.name > b.name
		case a.name != b.name:
			return a.name < b.name
		}
		return a.typeName < b.typeName
	})
	out := []any{}
	for _, m := range page(all, q.limit, q.offset) {
		out = append(out, m.json())
	}
	return out
}

// blockValue checks data is exactly {"value": <any JSON>}.
func blockValue(raw json.RawMessage) (json.RawMessage, string) {
	data, ok := object(raw)
	if !ok {
		return nil, "data is not an object"
	}
	if p := checkKeys("data", data, []string{"value"}); p != "" {
		return nil, p
	}
	return data["value"], ""
}

func (s *V2) create(w http.ResponseWriter, r *http.Request, body []byte) {
	m, ok := object(body)
	if !ok {
		s.bad(w, r, body, "", "the body is not a JSON object")
		return
	}
	if p := checkKeys("body", m, []string{"name", "data", "block_type_id", "block_schema_id"}, "is_anonymous"); p != "" {
		s.bad(w, r, body, "", p)
		return
	}
	var name string
	if json.Unmarshal(m["name"], &name) != nil || jsonKind(m["name"]) != "string" {
		s.bad(w, r, body, "name", "name is not a string")
		return
	}
	if !blockNameRE.MatchString(name) {
		s.bad(w, r, body, "name", fmt.Sprintf("Block document name %q must only contain lowercase letters, numbers, and dashes.", name))
		return
	}
	value, p := blockValue(m["data"])
	if p != "" {
		s.bad(w, r, body, "data", p)
		return
	}
	var typeID, schemaID string
	if json.Unmarshal(m["block_type_id"], &typeID) != nil || !uuidRE.MatchString(typeID) {
		s.bad(w, r, body, "block_type_id", "block_type_id is not a UUID string")
		return
	}
	if json.Unmarshal(m["block_schema_id"], &schemaID) != nil || !uuidRE.MatchString(schemaID) {
		s.bad(w, r, body, "block_schema_id", "block_schema_id is not a UUID string")
		return
	}
	if raw, has := m["is_anonymous"]; has && string(raw) != "false" {
		s.bad(w, r, body, "is_anonymous", fmt.Sprintf("is_anonymous is %s, want false", raw))
		return
	}
	if !strings.EqualFold(typeID, s.typeID) {
		s.errorf(r, "block_type_id %s is not the Secret block type's id %s (from GET /block_types/slug/secret)", typeID, s.typeID)
		detail(w, http.StatusConflict, "Data integrity conflict. This usually means a unique or foreign key constraint was violated. See server logs for details.")
		return
	}
	if _, ok := s.schemaByID(schemaID); !ok {
		s.errorf(r, "block_schema_id %s is not one of the Secret schemas' ids %v (from POST /block_schemas/filter)", schemaID, s.BlockSchemaIDs())
		detail(w, http.StatusConflict, "Data integrity conflict. This usually means a unique or foreign key constraint was violated. See server logs for details.")
		return
	}

	s.smu.Lock()
	defer s.smu.Unlock()
	if _, exists := s.docs[name]; exists {
		detail(w, http.StatusConflict, "Block already exists")
		return
	}
	now := timestamp(time.Now())
	d := &v2doc{id: uuid.New(), name: name, schemaID: strings.ToLower(schemaID), created: now, updated: now, value: append(json.RawMessage(nil), value...)}
	s.docs[name] = d
	// Prefect answers with the document read back without secrets.
	writeJSON(w, http.StatusCreated, s.docJSON(d, false))
}

func (s *V2) update(w http.ResponseWriter, r *http.Request, body []byte, id string) {
	m, ok := object(body)
	if !ok {
		s.bad(w, r, body, "", "the body is not a JSON object")
		return
	}
	if p := checkKeys("body", m, []string{"data"}, "merge_existing_data", "block_schema_id"); p != "" {
		s.bad(w, r, body, "", p)
		return
	}
	value, p := blockValue(m["data"])
	if p != "" {
		s.bad(w, r, body, "data", p)
		return
	}
	// merge_existing_data defaults to true: the new data is merged into
	// the old, which for a Secret's {"value"} replaces the value too.
	switch raw, has := m["merge_existing_data"]; {
	case !has, string(raw) == "false", string(raw) == "true":
	default:
		s.bad(w, r, body, "merge_existing_data", "merge_existing_data is not a boolean")
		return
	}
	schemaID := ""
	if raw, has := m["block_schema_id"]; has && jsonKind(raw) != "null" {
		if json.Unmarshal(raw, &schemaID) != nil || !uuidRE.MatchString(schemaID) {
			s.bad(w, r, body, "block_schema_id", "block_schema_id is not a UUID string")
			return
		}
		if _, ok := s.schemaByID(schemaID); !ok {
			s.errorf(r, "block_schema_id %s is not one of the Secret schemas' ids", schemaID)
			detail(w, http.StatusConflict, "Data integrity conflict. This usually means a unique or foreign key constraint was violated. See server logs for details.")
			return
		}
	}
	s.smu.Lock()
	defer s.smu.Unlock()
	for _, d := range s.docs {
		if d.id == id {
			// Prefect keeps the old secret when it is sent back as its own
			// mask: a client posting what it read without include_secrets.
			if k := jsonKind(d.value); string(value) == `"`+Obfuscated+`"` && k != "object" && k != "null" {
				value = d.value
			}
			d.value = append(json.RawMessage(nil), value...)
			d.updated = timestamp(time.Now())
			if schemaID != "" {
				d.schemaID = strings.ToLower(schemaID)
			}
			w.WriteHeader(http.StatusNoContent)
			return
		}
	}
	detail(w, http.StatusNotFound, "Block document not found")
}

func (s *V2) delete(w http.ResponseWriter, id string) {
	s.smu.Lock()
	defer s.smu.Unlock()
	for n, d := range s.docs {
		if d.id == id {
			delete(s.docs, n)
			w.WriteHeader(http.StatusNoContent)
			return
		}
	}
	detail(w, http.StatusNotFound, "Block document not found")
}

// csrfPasses is Prefect's CsrfMiddleware: a change request needs a token
// this server handed to the client it names. False if it answered 403.
func (s *V2) csrfPasses(w http.ResponseWriter, r *http.Request) bool {
	switch r.Method {
	case "POST", "PUT", "PATCH", "DELETE":
	default:
		return true
	}
	token, client := r.Header.Values("Prefect-Csrf-Token"), r.Header.Values("Prefect-Csrf-Client")
	if len(token) == 0 {
		detail(w, http.StatusForbidden, "Missing CSRF token.")
		return false
	}
	if len(client) == 0 {
		detail(w, http.StatusForbidden, "Missing client identifier.")
		return false
	}
	s.smu.Lock()
	t, ok := s.csrf[client[0]]
	s.smu.Unlock()
	if !ok || time.Now().After(t.expires) || t.token != token[0] {
		w.Header().Set("Access-Control-Allow-Origin", "*")
		detail(w, http.StatusForbidden, "Invalid CSRF token or client identifier.")
		return false
	}
	return true
}

// csrfToken answers GET /csrf-token?client=<id> as Prefect's
// create_csrf_token: a new token for the client, replacing its old one.
func (s *V2) csrfToken(w http.ResponseWriter, r *http.Request) {
	if !s.cfg.csrf {
		detail(w, http.StatusUnprocessableEntity, "CSRF protection is disabled.")
		return
	}
	client := r.URL.Query().Get("client")
	if client == "" {
		s.errorf(r, "no client query parameter")
		s.invalid(w, nil, []any{"query", "client"}, "Field required", "missing")
		return
	}
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	now := time.Now()
	t := csrfToken{token: hex.EncodeToString(b[:]), expires: now.Add(time.Hour)}
	s.smu.Lock()
	s.csrf[client] = t
	s.smu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{
		"id":         uuid.New(),
		"created":    timestamp(now),
		"updated":    timestamp(now),
		"token":      t.token,
		"client":     client,
		"expiration": timestamp(t.expires),
	})
}
