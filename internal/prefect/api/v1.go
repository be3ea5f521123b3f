package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/prefect-secrets/prefect-secrets/resolve"
)

// Prefect 1 Cloud's GraphQL API: POST to the API URL itself, with
// "variables" sent as a JSON-encoded string, as Prefect's client does.

type gqlError struct {
	Message    string `json:"message"`
	Path       []any  `json:"path"`
	Extensions struct {
		Code string `json:"code"`
	} `json:"extensions"`
}

type gqlReply struct {
	Data   map[string]json.RawMessage `json:"data"`
	Errors []gqlError                 `json:"errors"`
}

const missingMessage = "No value found for the requested key"

// graphql sends one query and returns its data and errors. An
// authentication error is a denial whatever else came back. With a key and
// no tenant, the key's tenant is asked first.
func (c *Client) graphql(ctx context.Context, query string, variables map[string]any, secrets ...[]byte) (*gqlReply, error) {
	if err := c.v1Tenant(ctx); err != nil {
		return nil, err
	}
	return c.graphqlOnce(ctx, query, variables, secrets...)
}

// graphqlOnce is graphql without the tenant step. A query is a read; an
// answer with an API_ERROR is tried again, as Prefect 1.4.1 does.
func (c *Client) graphqlOnce(ctx context.Context, query string, variables map[string]any, secrets ...[]byte) (*gqlReply, error) {
	vars, err := json.Marshal(variables)
	if err != nil {
		return nil, err
	}
	body := map[string]any{"query": query, "variables": string(vars)}
	r, err := c.do(ctx, request{method: http.MethodPost, body: body, secrets: secrets,
		read:  strings.HasPrefix(query, "query"),
		again: func(r *reply) bool { return r.status == http.StatusOK && apiError(r.body) }})
	if err != nil {
		return nil, err
	}
	if r.status != http.StatusOK {
		return nil, c.statusFailure(http.MethodPost, "", r, secrets...)
	}
	var g gqlReply
	if err := json.Unmarshal(r.body, &g); err != nil || (g.Data == nil && len(g.Errors) == 0) {
		return nil, c.malformed(http.MethodPost, "")
	}
	for _, e := range g.Errors {
		if e.Extensions.Code == "UNAUTHENTICATED" || e.Extensions.Code == "FORBIDDEN" {
			return nil, c.denied(fmt.Sprintf("the Prefect 1 API at %s refused the request (%s)", c.base.Host, e.Extensions.Code))
		}
	}
	return &g, nil
}

// apiError says a GraphQL answer's errors hold API_ERROR, which Prefect
// 1.4.1's client tries again (client.py, _request).
func apiError(body []byte) bool {
	var g gqlReply
	if json.Unmarshal(body, &g) != nil {
		return false
	}
	for _, e := range g.Errors {
		if e.Extensions.Code == "API_ERROR" || strings.Contains(e.Message, "API_ERROR") {
			return true
		}
	}
	return false
}

// v1Tenant asks the key's own tenant when none is set, as Prefect 1.4.1's
// client does (Client.tenant_id, _get_auth_tenant): query { auth_info {
// tenant_id } }, once per client. A null tenant is an old API token, which
// needs no tenant header.
func (c *Client) v1Tenant(ctx context.Context) error {
	if c.cfg.TenantID != "" || c.cfg.Key.Len() == 0 {
		return nil
	}
	c.mu.Lock()
	known := c.tenant != nil
	c.mu.Unlock()
	if known {
		return nil
	}
	g, err := c.graphqlOnce(ctx, "query { auth_info { tenant_id } }", map[string]any{})
	if err != nil {
		return err
	}
	if err := c.otherErrors(g); err != nil {
		return err
	}
	var ai struct {
		TenantID *string `json:"tenant_id"`
	}
	if json.Unmarshal(g.Data["auth_info"], &ai) != nil {
		return c.malformed(http.MethodPost, "")
	}
	t := ""
	if ai.TenantID != nil {
		t = *ai.TenantID
	}
	c.mu.Lock()
	c.tenant = &t
	c.mu.Unlock()
	return nil
}

// otherErrors is the first GraphQL error that is not "missing".
func (c *Client) otherErrors(g *gqlReply, secrets ...[]byte) error {
	for _, e := range g.Errors {
		if !strings.Contains(e.Message, missingMessage) {
			return &resolve.Error{Kind: resolve.ErrUnavailable,
				Msg: fmt.Sprintf("the Prefect 1 API at %s answered with an error: %s", c.base.Host, c.redact(e.Message, secrets...))}
		}
	}
	return nil
}

// v1Get reads every name in one query, an alias per name.
func (c *Client) v1Get(ctx context.Context, names []string) (map[string]resolve.Secret, error) {
	if len(names) == 0 {
		return map[string]resolve.Secret{}, nil
	}
	var decl, sel []string
	vars := make(map[string]any, len(names))
	for i, n := range names {
		decl = append(decl, fmt.Sprintf("$n%d: String!", i))
		sel = append(sel, fmt.Sprintf("s%d: secret_value(name: $n%d)", i, i))
		vars[fmt.Sprintf("n%d", i)] = n
	}
	query := "query(" + strings.Join(decl, ", ") + ") { " + strings.Join(sel, " ") + " }"
	g, err := c.graphql(ctx, query, vars)
	if err != nil {
		return nil, err
	}
	if err := c.otherErrors(g); err != nil {
		return nil, err
	}
	out := make(map[string]resolve.Secret)
	for i, n := range names {
		raw, ok := g.Data[fmt.Sprintf("s%d", i)]
		if !ok || len(raw) == 0 || string(raw) == "null" {
			continue
		}
		if raw[0] == '"' {
			var s string
			if json.Unmarshal(raw, &s) != nil {
				return nil, c.malformed(http.MethodPost, "")
			}
			out[n] = resolve.NewSecret([]byte(s))
		} else {
			out[n] = resolve.NewJSONSecret(raw)
		}
	}
	return out, nil
}

func (c *Client) v1Names(ctx context.Context) ([]string, error) {
	g, err := c.graphql(ctx, "query { secret_names }", map[string]any{})
	if err != nil {
		return nil, err
	}
	if err := c.otherErrors(g); err != nil {
		return nil, err
	}
	var names []string
	if json.Unmarshal(g.Data["secret_names"], &names) != nil {
		return nil, c.malformed(http.MethodPost, "")
	}
	sort.Strings(names)
	return names, nil
}

func (c *Client) v1Set(ctx context.Context, name string, value []byte) error {
	if !utf8.Valid(value) {
		return &resolve.Error{Kind: resolve.ErrBadInput,
			Msg: fmt.Sprintf("the value for %s is not valid UTF-8, which a Prefect secret (a JSON string) cannot hold exactly", resolve.QuoteName(name))}
	}
	g, err := c.graphql(ctx, "mutation($input: set_secret_input!) { set_secret(input: $input) { success } }",
		map[string]any{"input": map[string]any{"name": name, "value": string(value)}}, value)
	if err != nil {
		return err
	}
	if len(g.Errors) > 0 {
		// Its message may echo the request, value included: not shown.
		return &resolve.Error{Kind: resolve.ErrUnavailable,
			Msg: fmt.Sprintf("the Prefect 1 API at %s did not store %s (it answered with an error)", c.base.Host, resolve.QuoteName(name))}
	}
	return c.v1Success(g, "set_secret")
}

func (c *Client) v1Delete(ctx context.Context, name string) error {
	g, err := c.graphql(ctx, "mutation($name: String!) { delete_secret(input: {name: $name}) { success } }",
		map[string]any{"name": name})
	if err != nil {
		return err
	}
	for _, e := range g.Errors {
		m := strings.ToLower(e.Message)
		if strings.Contains(m, "not found") || strings.Contains(m, "no value found") || strings.Contains(m, "does not exist") {
			return notFound(name, "")
		}
	}
	if err := c.otherErrors(g); err != nil {
		return err
	}
	return c.v1Success(g, "delete_secret")
}

func (c *Client) v1Success(g *gqlReply, field string) error {
	var r struct {
		Success bool `json:"success"`
	}
	if json.Unmarshal(g.Data[field], &r) != nil {
		return c.malformed(http.MethodPost, "")
	}
	if !r.Success {
		return &resolve.Error{Kind: resolve.ErrUnavailable, Msg: fmt.Sprintf("the Prefect 1 API at %s answered %s with success: false", c.base.Host, field)}
	}
	return nil
}

func (c *Client) v1Check(ctx context.Context) error {
	_, err := c.v1Names(ctx)
	return err
}
