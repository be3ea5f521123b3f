package api_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/prefect-secrets/prefect-secrets/internal/prefect/api"
	"github.com/prefect-secrets/prefect-secrets/internal/testkit/prefecttest"
	"github.com/prefect-secrets/prefect-secrets/resolve"
)

// echo422 is Prefect's validation answer, which repeats the request body.
func echo422(reqBody any) string {
	b, _ := json.Marshal(map[string]any{
		"exception_message": "Invalid request received.",
		"exception_detail":  []any{map[string]any{"loc": []any{"body", "data"}, "msg": "bad", "type": "value_error"}},
		"request_body":      reqBody,
	})
	return string(b)
}

func detailBody(s string) string {
	b, _ := json.Marshal(map[string]string{"detail": s})
	return string(b)
}

// Whatever a server echoes while a value is being written, the error never
// holds the value (nor the key).
func TestWriteErrorsNeverEchoTheValue(t *testing.T) {
	pass := prefecttest.Response{}
	createEcho := echo422(map[string]any{"name": "k", "data": map[string]any{"value": canaryValue}, "is_anonymous": false})
	cases := []struct {
		name   string
		setup  func(srv *prefecttest.V2)
		script []prefecttest.Response
		kind   error
	}{
		{"create 422 echoing the request", nil,
			[]prefecttest.Response{pass, pass, pass, {Status: 422, Body: createEcho}}, resolve.ErrUnavailable},
		{"create 400 with the value in detail", nil,
			[]prefecttest.Response{pass, pass, pass, {Status: 400, Body: detailBody("bad value " + canaryValue)}}, resolve.ErrUnavailable},
		{"create 400 with the value's first line in detail", nil,
			[]prefecttest.Response{pass, pass, pass, {Status: 400, Body: detailBody("bad value CANARYVALUE-7c1f9e-do-not-print")}}, resolve.ErrUnavailable},
		{"create 503s echoing the value", nil,
			[]prefecttest.Response{pass, pass, pass,
				{Status: 503, Body: detailBody(canaryValue)}, {Status: 503, Body: detailBody(canaryValue)}, {Status: 503, Body: detailBody(canaryValue)},
				{Status: 503, Body: detailBody(canaryValue)}, {Status: 503, Body: detailBody(canaryValue)}, {Status: 503, Body: detailBody(canaryValue)}},
			resolve.ErrUnavailable},
		{"create 500 echoing the value", nil,
			[]prefecttest.Response{pass, pass, pass, {Status: 500, Body: detailBody(canaryValue)}}, resolve.ErrUnavailable},
		{"update 422 echoing the request", func(srv *prefecttest.V2) { srv.SetBlock("k", "old") },
			[]prefecttest.Response{pass, {Status: 422, Body: echo422(map[string]any{"data": map[string]any{"value": canaryValue}, "merge_existing_data": false})}},
			resolve.ErrUnavailable},
		{"update 401", func(srv *prefecttest.V2) { srv.SetBlock("k", "old") },
			[]prefecttest.Response{pass, {Status: 401, Body: detailBody("Unauthorized " + canaryValue)}}, resolve.ErrDenied},
		{"update with a stalled read echoing the key", func(srv *prefecttest.V2) { srv.SetBlock("k", "old") },
			[]prefecttest.Response{{Status: 400, Body: detailBody("bad key " + canaryKey)}}, resolve.ErrUnavailable},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv, c, r := v2(t)
			if tc.setup != nil {
				tc.setup(srv)
			}
			srv.Script(tc.script...)
			err := c.Set(ctx(t), "k", []byte(canaryValue))
			wantKind(t, err, tc.kind)
			noLeak(t, err, r, "do-not-print", "ünïcödé")
			wantLogLines(t, r, 1)
			if !strings.Contains(err.Error(), srv.Addr()) {
				t.Errorf("error %q does not name the API", err)
			}
		})
	}
	t.Run("V1 set: GraphQL error echoing the value", func(t *testing.T) {
		srv, c, r := v1(t)
		srv.Script(prefecttest.Response{Status: 200, Body: `{"data":null,"errors":[{"message":"invalid value ` + strings.ReplaceAll(canaryValue, "\n", `\n`) + `","extensions":{"code":"BAD_USER_INPUT"}}]}`})
		err := c.Set(ctx(t), "K", []byte(canaryValue))
		wantKind(t, err, resolve.ErrUnavailable)
		noLeak(t, err, r, "do-not-print")
	})
	t.Run("V1 set: HTTP 400 echoing the request", func(t *testing.T) {
		srv, c, r := v1(t)
		srv.Script(prefecttest.Response{Status: 400, Body: detailBody("bad " + canaryValue)})
		err := c.Set(ctx(t), "K", []byte(canaryValue))
		wantKind(t, err, resolve.ErrUnavailable)
		noLeak(t, err, r, "do-not-print")
	})
}

// A server's words are shown when no value is in flight, but never the key.
func TestReadErrorsNeverEchoTheKey(t *testing.T) {
	t.Run("V2 400 detail", func(t *testing.T) {
		srv, c, r := v2(t)
		srv.Script(prefecttest.Response{Status: 400, Body: detailBody("bad key " + canaryKey)})
		_, err := c.Get(ctx(t), []string{"k"})
		wantKind(t, err, resolve.ErrUnavailable)
		wantIn(t, "error", err.Error(), "400", srv.Addr())
		noLeak(t, err, r)
	})
	t.Run("V2 auth string in detail", func(t *testing.T) {
		srv := prefecttest.NewV2(t, prefecttest.WithAuthString(canaryAuth))
		cfg := v2cfg(srv.URL())
		cfg.AuthString = resolve.NewSecret([]byte(canaryAuth))
		c, r := newClient(t, cfg, api.Options{})
		srv.Script(prefecttest.Response{Status: 418, Body: detailBody("who is " + canaryAuth)})
		_, err := c.Names(ctx(t))
		wantKind(t, err, resolve.ErrUnavailable)
		noLeak(t, err, r)
	})
	t.Run("V1 GraphQL error", func(t *testing.T) {
		srv, c, r := v1(t)
		srv.Script(prefecttest.Response{Status: 200, Body: `{"data":null,"errors":[{"message":"key ` + canaryKey + ` is odd","extensions":{"code":"INTERNAL_SERVER_ERROR"}}]}`})
		_, err := c.Get(ctx(t), []string{"A"})
		wantKind(t, err, resolve.ErrUnavailable)
		noLeak(t, err, r)
	})
}

// Every failure path, one client each: no canary in any error, hint or log
// line, and every log line has method, path, status (or why) and duration.
func TestCanaryAcrossEveryErrorPath(t *testing.T) {
	type scenario struct {
		name string
		run  func(t *testing.T) (error, *rec)
	}
	setV2 := func(t *testing.T, script ...prefecttest.Response) (error, *rec) {
		srv, c, r := v2(t)
		srv.SetBlock("exists", "old")
		srv.Script(script...)
		err := c.Set(ctx(t), "EXISTS", []byte(canaryValue))
		return err, r
	}
	getV2 := func(t *testing.T, script ...prefecttest.Response) (error, *rec) {
		srv, c, r := v2(t)
		srv.SetBlock("a", canaryValue)
		srv.Script(script...)
		_, err := c.Get(ctx(t), []string{"A", "B"})
		return err, r
	}
	var many []prefecttest.Response
	for range 6 {
		many = append(many, prefecttest.Response{Status: 503, Body: detailBody(canaryKey)})
	}
	scenarios := []scenario{
		{"401", func(t *testing.T) (error, *rec) {
			srv := prefecttest.NewV2(t, prefecttest.WithAPIKey("other"))
			c, r := newClient(t, v2cfg(srv.URL()), api.Options{})
			return c.Set(ctx(t), "k", []byte(canaryValue)), r
		}},
		{"403", func(t *testing.T) (error, *rec) {
			srv := prefecttest.NewV2(t, prefecttest.WithAPIKey(canaryKey), prefecttest.WithForbidden())
			c, r := newClient(t, v2cfg(srv.URL()), api.Options{})
			_, err := c.Get(ctx(t), []string{"a"})
			return err, r
		}},
		{"503 x6 on get", func(t *testing.T) (error, *rec) { return getV2(t, many...) }},
		{"503 x6 on set", func(t *testing.T) (error, *rec) { return setV2(t, many...) }},
		{"malformed get", func(t *testing.T) (error, *rec) {
			return getV2(t, prefecttest.Response{Status: 200, Body: `[{"id":"x","name":"a","data":` + canaryKey})
		}},
		{"hang on set", func(t *testing.T) (error, *rec) {
			srv, _, _ := v2(t)
			srv.SetBlock("exists", "old")
			c, r := newClient(t, v2cfg(srv.URL()), api.Options{Timeout: 100 * time.Millisecond})
			srv.Script(prefecttest.Response{}, prefecttest.Response{Hang: true})
			return c.Set(ctx(t), "EXISTS", []byte(canaryValue)), r
		}},
		{"reset x6 on set", func(t *testing.T) (error, *rec) {
			rs := prefecttest.Response{Reset: true}
			return setV2(t, prefecttest.Response{}, rs, rs, rs, rs, rs, rs)
		}},
		{"redirect on set", func(t *testing.T) (error, *rec) {
			srv, c, r := v2(t)
			other := prefecttest.NewV2(t)
			srv.RedirectTo(other.URLWithHost("localhost"))
			return c.Set(ctx(t), "k", []byte(canaryValue)), r
		}},
		{"422 on set", func(t *testing.T) (error, *rec) {
			return setV2(t, prefecttest.Response{}, prefecttest.Response{Status: 422, Body: echo422(map[string]any{"data": map[string]any{"value": canaryValue}})})
		}},
		{"V1 unauthenticated", func(t *testing.T) (error, *rec) {
			srv := prefecttest.NewV1(t, prefecttest.WithV1APIKey("other"))
			c, r := newClient(t, v1cfg(srv.URL()), api.Options{})
			return c.Set(ctx(t), "K", []byte(canaryValue)), r
		}},
		{"V1 503 x7 on set", func(t *testing.T) (error, *rec) {
			srv, c, r := v1(t)
			srv.Script(append(many, many[0])...)
			return c.Set(ctx(t), "K", []byte(canaryValue)), r
		}},
		{"bad input", func(t *testing.T) (error, *rec) {
			_, c, r := v2(t)
			return c.Set(ctx(t), "K", append([]byte(canaryValue), 0xff)), r
		}},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			err, r := sc.run(t)
			if err == nil {
				t.Fatal("no error")
			}
			noLeak(t, err, r, "do-not-print")
			for _, l := range r.Logs() {
				if !logLineRE.MatchString(l) {
					t.Errorf("log line %q", l)
				}
			}
			// %+v and %#v of the error hold nothing either.
			noLeak(t, fmt.Errorf("%+v %#v", err, err), nil, "do-not-print")
		})
	}
}

// A server with a page limit below 200 rejects the client's limit: the
// error says so clearly (Prefect's own words, no value in flight).
func TestLowerServerPageLimit(t *testing.T) {
	srv := prefecttest.NewV2(t, prefecttest.WithAPIKey(canaryKey), prefecttest.WithPageLimit(50))
	c, r := newClient(t, v2cfg(srv.URL()), api.Options{})
	_, err := c.Names(ctx(t))
	if err == nil {
		return // paged within the server's limit: fine too
	}
	wantKind(t, err, resolve.ErrUnavailable)
	t.Logf("with a server page limit of 50: %v", err)
	wantIn(t, "error", err.Error(), "422", "limit")
	noLeak(t, err, r)
}
