package prefecttest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"sync"
)

// V1 fakes Prefect 1 Cloud's GraphQL API: POST to URL() itself (path "/"),
// Content-Type: application/json, body {"query": "...", "variables": "<JSON
// text>"} (Prefect's client sends variables as a JSON-encoded string; an
// object there is reported). Whitespace and commas in the query do not
// matter; operation names are allowed. It understands exactly:
//
//	read:   query($n0: String!, $n1: String!) { s0: secret_value(name: $n0) s1: secret_value(name: $n1) }
//	        query($name: String!) { secret_value(name: $name) }
//	        → {"data": {"s0": <value>, "s1": null}, "errors": [{"message": "No value found for the requested key",
//	           "path": ["s1"], "extensions": {"code": "INTERNAL_SERVER_ERROR"}}]}   (errors only when one is missing)
//	list:   query { secret_names }  → {"data": {"secret_names": ["A", ...]}} (sorted)
//	set:    mutation($input: set_secret_input!) { set_secret(input: $input) { success } }
//	        variables {"input": {"name": "A", "value": <any JSON>}} → {"data": {"set_secret": {"success": true}}}
//	tenant: query { auth_info { tenant_id } } → {"data": {"auth_info": {"tenant_id": <WithTenant's id, else DefaultTenantID>}}}
//	        (Prefect 1.4.1's client asks it when no tenant is set; it needs no tenant header)
//	delete: mutation($name: String!) { delete_secret(input: {name: $name}) { success } }
//	        → {"data": {"delete_secret": {"success": true}}}; for a missing name (a guess: PREFECT.md
//	        does not say) {"data": {"delete_secret": null}, "errors": [{"message": "No value found for
//	        the requested key", "path": ["delete_secret"], "extensions": {"code": "INTERNAL_SERVER_ERROR"}}]}
//
// Reported with T.Errorf and answered HTTP 400 {"errors": [{"message": ...,
// "extensions": {"code": "GRAPHQL_VALIDATION_FAILED"}}]} (as a GraphQL server
// answers a query it cannot validate): any other query, a literal string
// argument (names must travel in variables), a variable declared but
// unused, used but undeclared, of the wrong type, missing from variables or
// of the wrong JSON type, extra variables, variables sent as an object, a
// body with other fields, a path other than "/", a method other than POST,
// a query string, a Content-Type other than JSON.
//
// A missing or wrong API key (WithV1APIKey) is answered HTTP 200 {"errors":
// [{"message": "Unauthenticated", "path": null, "extensions": {"code":
// "UNAUTHENTICATED"}}], "data": null}, not reported. With WithTenant, a
// missing X-PREFECT-TENANT-ID is reported; a wrong one is answered HTTP 200
// {"errors": [{"message": "Unauthorized", ..., "code": "FORBIDDEN"}]} (a
// guess).
type V1 struct {
	*base
	cfg v1config

	smu     sync.Mutex
	secrets map[string]json.RawMessage
}

type v1config struct {
	apiKey string
	tenant string
}

// V1Option configures NewV1.
type V1Option func(*v1config)

// WithV1APIKey requires Authorization: Bearer <key>.
func WithV1APIKey(key string) V1Option { return func(c *v1config) { c.apiKey = key } }

// WithTenant requires X-PREFECT-TENANT-ID: id.
func WithTenant(id string) V1Option { return func(c *v1config) { c.tenant = id } }

// DefaultTenantID is the tenant auth_info answers when WithTenant is not
// given: the API key's own tenant.
const DefaultTenantID = "5f0d8bd0-1f6b-4bd3-9d4e-60b3c5a1e0aa"

// V1NotFound is the message of Prefect 1 Cloud's error for a missing secret.
const V1NotFound = "No value found for the requested key"

// NewV1 starts a fake Prefect 1 Cloud API on http://127.0.0.1, stopped when
// the test ends.
func NewV1(t T, opts ...V1Option) *V1 {
	t.Helper()
	return newV1(t, false, opts)
}

// NewV1TLS is NewV1 over HTTPS; Client() trusts its certificate.
func NewV1TLS(t T, opts ...V1Option) *V1 {
	t.Helper()
	return newV1(t, true, opts)
}

func newV1(t T, tls bool, opts []V1Option) *V1 {
	s := &V1{secrets: map[string]json.RawMessage{}}
	for _, o := range opts {
		o(&s.cfg)
	}
	s.base = &base{name: "V1", handle: s.serve}
	s.start(t, tls)
	return s
}

// URL returns the API URL (PREFECT__CLOUD__API), without a trailing slash.
func (s *V1) URL() string { return s.srv.URL }

// URLWithHost returns URL() with host (e.g. "localhost") for 127.0.0.1.
func (s *V1) URLWithHost(host string) string { return s.urlWithHost(s.URL(), host) }

// Count returns how many requests the server received.
func (s *V1) Count() int { return len(s.Requests()) }

// SetSecret stores a secret; value is any JSON-encodable value (a
// json.RawMessage is stored as is).
func (s *V1) SetSecret(name string, value any) {
	raw, ok := s.encode(fmt.Sprintf("SetSecret(%q)", name), value)
	if !ok {
		return
	}
	s.smu.Lock()
	defer s.smu.Unlock()
	s.secrets[name] = raw
}

// Secret returns a stored secret, decoded (JSON numbers as float64).
func (s *V1) Secret(name string) (any, bool) {
	raw, ok := s.SecretJSON(name)
	if !ok {
		return nil, false
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, false
	}
	return v, true
}

// SecretJSON returns a stored secret as its JSON text.
func (s *V1) SecretJSON(name string) (json.RawMessage, bool) {
	s.smu.Lock()
	defer s.smu.Unlock()
	raw, ok := s.secrets[name]
	return append(json.RawMessage(nil), raw...), ok
}

// SecretNames returns the stored secrets' names, sorted.
func (s *V1) SecretNames() []string {
	s.smu.Lock()
	defer s.smu.Unlock()
	names := make([]string, 0, len(s.secrets))
	for n := range s.secrets {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

type gqlError struct {
	Message    string         `json:"message"`
	Path       []string       `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

func gqlErr(msg string, path []string, code string) gqlError {
	return gqlError{Message: msg, Path: path, Extensions: map[string]any{"code": code}}
}

// invalidQuery reports a wrong request and answers a GraphQL validation error.
func (s *V1) invalidQuery(w http.ResponseWriter, r *http.Request, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	s.errorf(r, "%s", msg)
	writeJSON(w, http.StatusBadRequest, map[string]any{"errors": []gqlError{gqlErr(msg, nil, "GRAPHQL_VALIDATION_FAILED")}})
}

// serve answers one request: checked as Prefect 1 Cloud would (HTTP,
// credentials, the GraphQL operation), then the operation, one kind each.
func (s *V1) serve(w http.ResponseWriter, r *http.Request, body []byte) {
	if !s.httpPasses(w, r) {
		return
	}
	m, ok := object(body)
	if !ok {
		s.invalidQuery(w, r, "the body is not a JSON object")
		return
	}
	if s.answeredAuth(w, r, m) {
		return
	}
	op, vars, ok := s.operation(w, r, m)
	if !ok {
		return
	}
	switch {
	case op.isRead():
		s.read(w, op, vars)
	case op.isList():
		writeJSON(w, http.StatusOK, map[string]any{"data": map[string]any{"secret_names": s.SecretNames()}})
	case op.isSet():
		s.set(w, r, op, vars)
	case op.isDelete():
		s.deleteSecret(w, op, vars)
	default:
		s.invalidQuery(w, r, "not an operation Prefect's client sends (secret_value reads, secret_names, set_secret, delete_secret): %s", op.summary())
	}
}

// httpPasses checks the request as HTTP: path, method, query string,
// Content-Type and API key; false if it answered.
func (s *V1) httpPasses(w http.ResponseWriter, r *http.Request) bool {
	if p := r.URL.Path; p != "/" && p != "" {
		s.errorf(r, "Prefect 1's GraphQL API is the API URL itself (path /), not %s", p)
		writeRaw(w, http.StatusNotFound, `{"message":"Not Found"}`)
		return false
	}
	if r.Method != http.MethodPost {
		s.errorf(r, "method %s: Prefect's client POSTs", r.Method)
		writeRaw(w, http.StatusMethodNotAllowed, `{"message":"Method Not Allowed"}`)
		return false
	}
	if r.URL.RawQuery != "" {
		s.errorf(r, "unexpected query string %q", r.URL.RawQuery)
	}
	if !isJSONContentType(r.Header.Get("Content-Type")) {
		s.invalidQuery(w, r, "Content-Type is %q, want application/json", r.Header.Get("Content-Type"))
		return false
	}
	if s.cfg.apiKey != "" && r.Header.Get("Authorization") != "Bearer "+s.cfg.apiKey {
		writeRaw(w, http.StatusOK, `{"errors":[{"message":"Unauthenticated","path":null,"extensions":{"code":"UNAUTHENTICATED"}}],"data":null}`)
		return false
	}
	return true
}

// answeredAuth answers the auth_info query, which needs no tenant, and a
// request without the tenant WithTenant wants; true if it answered.
func (s *V1) answeredAuth(w http.ResponseWriter, r *http.Request, m map[string]json.RawMessage) bool {
	if s.isAuthInfo(m) {
		// The key's own tenant: asked before any tenant is known.
		tenant := s.cfg.tenant
		if tenant == "" {
			tenant = DefaultTenantID
		}
		writeJSON(w, http.StatusOK, map[string]any{"data": map[string]any{"auth_info": map[string]any{"tenant_id": tenant}}})
		return true
	}
	if s.cfg.tenant != "" {
		switch got := r.Header.Get("X-Prefect-Tenant-Id"); {
		case got == "":
			s.errorf(r, "no X-PREFECT-TENANT-ID header (want %s)", s.cfg.tenant)
			fallthrough
		case got != s.cfg.tenant:
			writeRaw(w, http.StatusOK, `{"errors":[{"message":"Unauthorized","path":null,"extensions":{"code":"FORBIDDEN"}}],"data":null}`)
			return true
		}
	}
	return false
}

// operation reads the body's query and variables (a JSON-encoded string)
// and checks one against the other; false if it answered.
func (s *V1) operation(w http.ResponseWriter, r *http.Request, m map[string]json.RawMessage) (*gqlOp, map[string]json.RawMessage, bool) {
	if p := checkKeys("body", m, []string{"query"}, "variables", "operationName"); p != "" {
		s.invalidQuery(w, r, "%s", p)
		return nil, nil, false
	}
	var query string
	if jsonKind(m["query"]) != "string" || json.Unmarshal(m["query"], &query) != nil {
		s.invalidQuery(w, r, "query is not a string")
		return nil, nil, false
	}
	vars := map[string]json.RawMessage{}
	if raw, has := m["variables"]; has && jsonKind(raw) != "null" {
		var text string
		if jsonKind(raw) != "string" || json.Unmarshal(raw, &text) != nil {
			s.invalidQuery(w, r, "variables is %s, not a string: Prefect's client sends the variables JSON-encoded as a string", jsonKind(raw))
			return nil, nil, false
		}
		if strings.TrimSpace(text) != "null" {
			v, ok := object(json.RawMessage(text))
			if !ok {
				s.invalidQuery(w, r, "variables is not the JSON text of an object")
				return nil, nil, false
			}
			vars = v
		}
	}
	op, err := parseGraphQL(query)
	if err != nil {
		s.invalidQuery(w, r, "query: %v", err)
		return nil, nil, false
	}
	if msg := op.checkVariables(vars); msg != "" {
		s.invalidQuery(w, r, "%s", msg)
		return nil, nil, false
	}
	return op, vars, true
}

// set answers set_secret: it stores the value, any JSON.
func (s *V1) set(w http.ResponseWriter, r *http.Request, op *gqlOp, vars map[string]json.RawMessage) {
	in, ok := object(vars[op.fields[0].args["input"].name])
	if !ok {
		s.invalidQuery(w, r, "variable $%s is not an object", op.fields[0].args["input"].name)
		return
	}
	if p := checkKeys("set_secret_input", in, []string{"name", "value"}); p != "" {
		s.invalidQuery(w, r, "%s", p)
		return
	}
	var name string
	if jsonKind(in["name"]) != "string" || json.Unmarshal(in["name"], &name) != nil || name == "" {
		s.invalidQuery(w, r, "set_secret_input.name is not a non-empty string")
		return
	}
	s.smu.Lock()
	s.secrets[name] = append(json.RawMessage(nil), in["value"]...)
	s.smu.Unlock()
	writeRaw(w, http.StatusOK, `{"data":{"set_secret":{"success":true}}}`)
}

// deleteSecret answers delete_secret; a missing name is an error.
func (s *V1) deleteSecret(w http.ResponseWriter, op *gqlOp, vars map[string]json.RawMessage) {
	var name string
	_ = json.Unmarshal(vars[op.fields[0].args["input"].fields["name"].name], &name)
	s.smu.Lock()
	_, had := s.secrets[name]
	delete(s.secrets, name)
	s.smu.Unlock()
	if !had {
		writeJSON(w, http.StatusOK, map[string]any{
			"data":   map[string]any{"delete_secret": nil},
			"errors": []gqlError{gqlErr(V1NotFound, []string{"delete_secret"}, "INTERNAL_SERVER_ERROR")},
		})
		return
	}
	writeRaw(w, http.StatusOK, `{"data":{"delete_secret":{"success":true}}}`)
}

// isAuthInfo says whether the body is exactly the auth_info query, with
// no variables (null or "{}" or "null" text).
func (s *V1) isAuthInfo(m map[string]json.RawMessage) bool {
	var query string
	if json.Unmarshal(m["query"], &query) != nil {
		return false
	}
	op, err := parseGraphQL(query)
	if err != nil || op.kind != "query" || len(op.fields) != 1 || len(op.varOrder) != 0 {
		return false
	}
	f := op.fields[0]
	if f.name != "auth_info" || f.alias != "" || len(f.args) != 0 || len(f.sel) != 1 || f.sel[0].name != "tenant_id" || f.sel[0].hasSel {
		return false
	}
	if raw, has := m["variables"]; has && jsonKind(raw) != "null" {
		var text string
		if json.Unmarshal(raw, &text) != nil {
			return false
		}
		if t := strings.TrimSpace(text); t != "null" && t != "{}" {
			return false
		}
	}
	return true
}

func (s *V1) read(w http.ResponseWriter, op *gqlOp, vars map[string]json.RawMessage) {
	var buf bytes.Buffer
	var errs []gqlError
	buf.WriteString(`{"data":{`)
	s.smu.Lock()
	for i, f := range op.fields {
		var name string
		_ = json.Unmarshal(vars[f.args["name"].name], &name)
		key, _ := json.Marshal(f.key())
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.Write(key)
		buf.WriteByte(':')
		if v, ok := s.secrets[name]; ok {
			buf.Write(v)
		} else {
			buf.WriteString("null")
			errs = append(errs, gqlErr(V1NotFound, []string{f.key()}, "INTERNAL_SERVER_ERROR"))
		}
	}
	s.smu.Unlock()
	buf.WriteByte('}')
	if len(errs) > 0 {
		e, _ := json.Marshal(errs)
		buf.WriteString(`,"errors":`)
		buf.Write(e)
	}
	buf.WriteByte('}')
	writeRaw(w, http.StatusOK, buf.String())
}

// A small GraphQL parser, enough for the operations above.

type gqlOp struct {
	kind     string            // "query" or "mutation"
	varTypes map[string]string // declared variables: name → type, e.g. "String!"
	varOrder []string
	fields   []gqlField
}

type gqlField struct {
	alias, name string
	args        map[string]*gqlValue
	argOrder    []string
	sel         []gqlField
	hasSel      bool
}

func (f gqlField) key() string {
	if f.alias != "" {
		return f.alias
	}
	return f.name
}

type gqlValue struct {
	kind   string // "var", "string", "object", "other"
	name   string // the variable's name, or the literal's text
	fields map[string]*gqlValue
}

var gqlCommentRE = regexp.MustCompile(`#[^\n]*`)

var gqlTokenRE = regexp.MustCompile(`\$?[_A-Za-z][_0-9A-Za-z]*|"(?:[^"\\]|\\.)*"|-?[0-9]+(?:\.[0-9]+)?|\.\.\.|[!(){}:\[\]=@]|\S`)

type gqlParser struct {
	toks []string
	i    int
}

func (p *gqlParser) peek() string {
	if p.i < len(p.toks) {
		return p.toks[p.i]
	}
	return ""
}

func (p *gqlParser) next() string {
	t := p.peek()
	p.i++
	return t
}

func (p *gqlParser) expect(t string) error {
	if got := p.next(); got != t {
		if got == "" {
			got = "end of query"
		}
		return fmt.Errorf("expected %q, got %q", t, got)
	}
	return nil
}

func isName(t string) bool {
	return t != "" && (t[0] == '_' || t[0] >= 'a' && t[0] <= 'z' || t[0] >= 'A' && t[0] <= 'Z')
}

func parseGraphQL(q string) (*gqlOp, error) {
	// Drop comments; commas are insignificant in GraphQL.
	q = gqlCommentRE.ReplaceAllString(q, " ")
	q = strings.ReplaceAll(q, ",", " ")
	p := &gqlParser{toks: gqlTokenRE.FindAllString(q, -1)}
	op := &gqlOp{kind: "query", varTypes: map[string]string{}}
	if t := p.peek(); t == "query" || t == "mutation" || t == "subscription" {
		op.kind = p.next()
		if isName(p.peek()) {
			p.next() // operation name
		}
		if p.peek() == "(" {
			p.next()
			for p.peek() != ")" {
				v := p.next()
				if !strings.HasPrefix(v, "$") || len(v) < 2 {
					return nil, fmt.Errorf("expected a variable definition, got %q", v)
				}
				if err := p.expect(":"); err != nil {
					return nil, err
				}
				typ, err := p.parseType()
				if err != nil {
					return nil, err
				}
				if _, dup := op.varTypes[v[1:]]; dup {
					return nil, fmt.Errorf("variable %s declared twice", v)
				}
				op.varTypes[v[1:]] = typ
				op.varOrder = append(op.varOrder, v[1:])
			}
			p.next()
		}
	}
	sel, err := p.parseSelection()
	if err != nil {
		return nil, err
	}
	op.fields = sel
	if p.i < len(p.toks) {
		return nil, fmt.Errorf("unexpected %q after the operation (one operation per request)", p.peek())
	}
	return op, nil
}

func (p *gqlParser) parseType() (string, error) {
	t := p.next()
	if t == "[" {
		inner, err := p.parseType()
		if err != nil {
			return "", err
		}
		if err := p.expect("]"); err != nil {
			return "", err
		}
		t = "[" + inner + "]"
	} else if !isName(t) || strings.HasPrefix(t, "$") {
		return "", fmt.Errorf("expected a type, got %q", t)
	}
	if p.peek() == "!" {
		p.next()
		t += "!"
	}
	return t, nil
}

func (p *gqlParser) parseSelection() ([]gqlField, error) {
	if err := p.expect("{"); err != nil {
		return nil, err
	}
	var fields []gqlField
	for p.peek() != "}" {
		t := p.next()
		if !isName(t) || strings.HasPrefix(t, "$") {
			if t == "" {
				t = "end of query"
			}
			return nil, fmt.Errorf("expected a field, got %q", t)
		}
		f := gqlField{name: t, args: map[string]*gqlValue{}}
		if p.peek() == ":" {
			p.next()
			n := p.next()
			if !isName(n) || strings.HasPrefix(n, "$") {
				return nil, fmt.Errorf("expected a field after alias %q, got %q", t, n)
			}
			f.alias, f.name = t, n
		}
		if p.peek() == "(" {
			p.next()
			for p.peek() != ")" {
				a := p.next()
				if !isName(a) || strings.HasPrefix(a, "$") {
					return nil, fmt.Errorf("expected an argument name in %s(...), got %q", f.name, a)
				}
				if err := p.expect(":"); err != nil {
					return nil, err
				}
				v, err := p.parseValue()
				if err != nil {
					return nil, err
				}
				f.args[a] = v
				f.argOrder = append(f.argOrder, a)
			}
			p.next()
		}
		if p.peek() == "{" {
			sel, err := p.parseSelection()
			if err != nil {
				return nil, err
			}
			f.sel, f.hasSel = sel, true
		}
		fields = append(fields, f)
	}
	p.next()
	return fields, nil
}

func (p *gqlParser) parseValue() (*gqlValue, error) {
	t := p.next()
	switch {
	case strings.HasPrefix(t, "$") && len(t) > 1:
		return &gqlValue{kind: "var", name: t[1:]}, nil
	case strings.HasPrefix(t, `"`):
		return &gqlValue{kind: "string", name: t}, nil
	case t == "{":
		v := &gqlValue{kind: "object", fields: map[string]*gqlValue{}}
		for p.peek() != "}" {
			k := p.next()
			if !isName(k) || strings.HasPrefix(k, "$") {
				return nil, fmt.Errorf("expected an input field name, got %q", k)
			}
			if err := p.expect(":"); err != nil {
				return nil, err
			}
			fv, err := p.parseValue()
			if err != nil {
				return nil, err
			}
			v.fields[k] = fv
		}
		p.next()
		return v, nil
	case t == "" || t == ")" || t == "}":
		return nil, fmt.Errorf("expected a value, got %q", t)
	}
	return &gqlValue{kind: "other", name: t}, nil
}

// usedVars lists the variables used in the operation's arguments; literal
// strings are an error (names must travel in variables).
func (op *gqlOp) usedVars() (map[string]bool, string) {
	used := map[string]bool{}
	var walkValue func(v *gqlValue) string
	walkValue = func(v *gqlValue) string {
		switch v.kind {
		case "var":
			used[v.name] = true
		case "string":
			return fmt.Sprintf("literal argument %s: pass names and values in variables", v.name)
		case "object":
			for _, f := range v.fields {
				if m := walkValue(f); m != "" {
					return m
				}
			}
		default:
			return fmt.Sprintf("unexpected argument value %s", v.name)
		}
		return ""
	}
	var walk func(fs []gqlField) string
	walk = func(fs []gqlField) string {
		for _, f := range fs {
			for _, a := range f.argOrder {
				if m := walkValue(f.args[a]); m != "" {
					return m
				}
			}
			if m := walk(f.sel); m != "" {
				return m
			}
		}
		return ""
	}
	return used, walk(op.fields)
}

// checkVariables checks declarations against uses and the values sent.
func (op *gqlOp) checkVariables(vars map[string]json.RawMessage) string {
	used, msg := op.usedVars()
	if msg != "" {
		return msg
	}
	for v := range used {
		if _, ok := op.varTypes[v]; !ok {
			return fmt.Sprintf("variable $%s is used but not declared", v)
		}
	}
	for _, v := range op.varOrder {
		if !used[v] {
			return fmt.Sprintf("variable $%s is declared but not used", v)
		}
		raw, ok := vars[v]
		if !ok || jsonKind(raw) == "null" {
			return fmt.Sprintf("variable $%s of required type %s was not provided", v, op.varTypes[v])
		}
		switch op.varTypes[v] {
		case "String!":
			if jsonKind(raw) != "string" {
				return fmt.Sprintf("variable $%s got a %s, want String!", v, jsonKind(raw))
			}
		case "set_secret_input!":
			if jsonKind(raw) != "object" {
				return fmt.Sprintf("variable $%s got a %s, want set_secret_input!", v, jsonKind(raw))
			}
		default:
			return fmt.Sprintf("variable $%s has type %s: Prefect's secret operations take String! or set_secret_input!", v, op.varTypes[v])
		}
	}
	for v := range vars {
		if _, ok := op.varTypes[v]; !ok {
			return fmt.Sprintf("variables has %q, which the query does not declare", v)
		}
	}
	return ""
}

// isRead: a query of one or more secret_value(name: $v) fields with
// distinct response keys, each $v a String!.
func (op *gqlOp) isRead() bool {
	if op.kind != "query" || len(op.fields) == 0 {
		return false
	}
	keys := map[string]bool{}
	for _, f := range op.fields {
		if f.name != "secret_value" || f.hasSel || len(f.args) != 1 || keys[f.key()] {
			return false
		}
		keys[f.key()] = true
		a := f.args["name"]
		if a == nil || a.kind != "var" || op.varTypes[a.name] != "String!" {
			return false
		}
	}
	return true
}

// successSel says whether f selects exactly { success }.
func successSel(f gqlField) bool {
	return f.hasSel && len(f.sel) == 1 && f.sel[0].name == "success" && f.sel[0].alias == "" && !f.sel[0].hasSel && len(f.sel[0].args) == 0
}

// isList: query { secret_names }.
func (op *gqlOp) isList() bool {
	if op.kind != "query" || len(op.fields) != 1 || len(op.varOrder) != 0 {
		return false
	}
	f := op.fields[0]
	return f.name == "secret_names" && f.alias == "" && len(f.args) == 0 && !f.hasSel
}

// isSet: mutation($v: set_secret_input!) { set_secret(input: $v) { success } }.
func (op *gqlOp) isSet() bool {
	if op.kind != "mutation" || len(op.fields) != 1 || len(op.varOrder) != 1 || op.varTypes[op.varOrder[0]] != "set_secret_input!" {
		return false
	}
	f := op.fields[0]
	if f.name != "set_secret" || f.alias != "" || len(f.args) != 1 || !successSel(f) {
		return false
	}
	in := f.args["input"]
	return in != nil && in.kind == "var" && in.name == op.varOrder[0]
}

// isDelete: mutation($v: String!) { delete_secret(input: {name: $v}) { success } }.
func (op *gqlOp) isDelete() bool {
	if op.kind != "mutation" || len(op.fields) != 1 || len(op.varOrder) != 1 || op.varTypes[op.varOrder[0]] != "String!" {
		return false
	}
	f := op.fields[0]
	if f.name != "delete_secret" || f.alias != "" || len(f.args) != 1 || !successSel(f) {
		return false
	}
	in := f.args["input"]
	if in == nil || in.kind != "object" || len(in.fields) != 1 {
		return false
	}
	n := in.fields["name"]
	return n != nil && n.kind == "var" && n.name == op.varOrder[0]
}

func (op *gqlOp) summary() string {
	var parts []string
	for _, f := range op.fields {
		parts = append(parts, f.key()+"="+f.name)
	}
	return op.kind + " {" + strings.Join(parts, " ") + "}"
}
