package api_test

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/prefect-secrets/prefect-secrets/cloud"
	"github.com/prefect-secrets/prefect-secrets/cloud/api"
	"github.com/prefect-secrets/prefect-secrets/internal/prefecttest"
	"github.com/prefect-secrets/prefect-secrets/resolve"
)

// serve runs one request through api.Serve, as the helper program does,
// and returns the response and its raw JSON.
func serve(t *testing.T, req cloud.Request, opts api.Options) (*cloud.Response, string) {
	t.Helper()
	if opts.Sleep == nil {
		opts.Sleep = (&rec{}).sleep
	}
	in, err := json.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := api.Serve(ctx(t), bytes.NewReader(in), &out, opts); err != nil {
		t.Fatalf("Serve: %v", err)
	}
	var resp cloud.Response
	if err := json.Unmarshal(out.Bytes(), &resp); err != nil {
		t.Fatalf("Serve wrote %q: %v", out.String(), err)
	}
	return &resp, out.String()
}

// wireLeak fails if a canary is anywhere in a response that carries no value.
func wireLeak(t *testing.T, raw string) {
	t.Helper()
	for _, c := range []string{canaryKey, "CANARYKEY", "CANARYVALUE", "CANARYAUTH"} {
		if strings.Contains(raw, c) {
			t.Errorf("the response holds %q: %s", c, raw)
		}
	}
	// Values and keys travel base64 encoded in JSON: check those forms too.
	for _, c := range [][]byte{[]byte(canaryKey), []byte(canaryValue)} {
		b, _ := json.Marshal(c)
		if strings.Contains(raw, strings.Trim(string(b), `"`)) {
			t.Errorf("the response holds a secret, base64 encoded: %s", raw)
		}
	}
}

func TestServeRoundTripV2(t *testing.T) {
	srv := prefecttest.NewV2(t, prefecttest.WithAPIKey(canaryKey))
	srv.SetBlock("my-api-key", canaryValue)
	srv.SetBlock("cfg", map[string]any{"a": 1})
	api2 := v2cfg(srv.URL()).Wire()
	req := func(op string) cloud.Request {
		return cloud.Request{Op: op, TimeoutMS: 5000, API: api2}
	}

	// get: one name, then several.
	r := req("get")
	r.Names = []string{"MY_API_KEY", "CFG", "MISSING"}
	resp, _ := serve(t, r, api.Options{})
	if resp.Error != nil {
		t.Fatalf("get: %+v", resp.Error)
	}
	if v := resp.Values["MY_API_KEY"]; string(v.Bytes) != canaryValue || v.IsJSON {
		t.Errorf("MY_API_KEY = %q json %v", v.Bytes, v.IsJSON)
	}
	if v := resp.Values["CFG"]; string(v.Bytes) != `{"a":1}` || !v.IsJSON {
		t.Errorf("CFG = %q json %v", v.Bytes, v.IsJSON)
	}
	if _, ok := resp.Values["MISSING"]; ok || len(resp.Values) != 2 {
		t.Errorf("values %v", resp.Values)
	}
	if len(resp.Log) != 1 || !logLineRE.MatchString(resp.Log[0]) {
		t.Errorf("log %q", resp.Log)
	}
	if n := srv.Count("POST", "/block_documents/filter"); n != 1 {
		t.Errorf("%d filter requests", n)
	}

	// names
	resp, raw := serve(t, req("names"), api.Options{})
	if resp.Error != nil || !reflect.DeepEqual(resp.Names, []string{"cfg", "my-api-key"}) {
		t.Errorf("names: %q, %+v", resp.Names, resp.Error)
	}
	wireLeak(t, raw)

	// has
	r = req("has")
	r.Name = "MY_API_KEY"
	if resp, raw := serve(t, r, api.Options{}); resp.Error != nil || !resp.Has {
		t.Errorf("has MY_API_KEY: %v, %+v", resp.Has, resp.Error)
	} else {
		wireLeak(t, raw)
	}
	r.Name = "NOPE"
	if resp, _ := serve(t, r, api.Options{}); resp.Error != nil || resp.Has {
		t.Errorf("has NOPE: %v, %+v", resp.Has, resp.Error)
	}

	// set (create, then update)
	r = req("set")
	r.Name, r.Value = "NEW_ONE", []byte(canaryValue)
	resp, raw = serve(t, r, api.Options{})
	if resp.Error != nil {
		t.Fatalf("set: %+v", resp.Error)
	}
	wireLeak(t, raw)
	if v, _ := srv.Block("new-one"); v != canaryValue {
		t.Errorf("new-one = %v", v)
	}
	r.Value = []byte("second")
	if resp, _ := serve(t, r, api.Options{}); resp.Error != nil {
		t.Fatalf("set again: %+v", resp.Error)
	}
	if v, _ := srv.Block("new-one"); v != "second" || len(srv.BlockNames()) != 3 {
		t.Errorf("new-one = %v, blocks %q", v, srv.BlockNames())
	}

	// delete
	r = req("delete")
	r.Name = "NEW_ONE"
	if resp, _ := serve(t, r, api.Options{}); resp.Error != nil {
		t.Fatalf("delete: %+v", resp.Error)
	}
	if _, ok := srv.Block("new-one"); ok {
		t.Errorf("not deleted")
	}

	// check
	if resp, _ := serve(t, req("check"), api.Options{}); resp.Error != nil {
		t.Errorf("check: %+v", resp.Error)
	}
}

func TestServeErrorsKeepTheirKind(t *testing.T) {
	srv := prefecttest.NewV2(t, prefecttest.WithAPIKey(canaryKey))
	good := v2cfg(srv.URL()).Wire()
	badKey := good
	badKey.Key = []byte("pnu_wrong_CANARYKEY")
	var fail []prefecttest.Response
	for range 6 {
		fail = append(fail, prefecttest.Response{Status: 503})
	}
	cases := []struct {
		name   string
		req    cloud.Request
		script []prefecttest.Response
		kind   string
		err    error
		hint   string
	}{
		{"denied", cloud.Request{Op: "get", Names: []string{"A"}, API: badKey}, nil, "denied", resolve.ErrDenied, keyFrom},
		{"not found", cloud.Request{Op: "delete", Name: "NOPE", API: good}, nil, "not-found", resolve.ErrNotFound, ""},
		{"bad input: value", cloud.Request{Op: "set", Name: "A", Value: []byte{0xff, 'C', 'A', 'N', 'A', 'R', 'Y', 'V', 'A', 'L', 'U', 'E'}, API: good}, nil, "bad-input", resolve.ErrBadInput, ""},
		{"bad input: name", cloud.Request{Op: "set", Name: "a.b", Value: []byte("v"), API: good}, nil, "bad-input", resolve.ErrBadInput, ""},
		{"unavailable", cloud.Request{Op: "names", API: good}, fail, "unavailable", resolve.ErrUnavailable, ""},
		{"config: plain HTTP to another host", cloud.Request{Op: "get", Names: []string{"A"},
			API: cloud.WireConfig{Version: cloud.V2, URL: "http://prefect.example.com/api", Key: []byte(canaryKey), KeyFrom: keyFrom}}, nil, "config", resolve.ErrConfig, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv.Script(tc.script...)
			before := len(srv.Requests())
			tc.req.TimeoutMS = 5000
			resp, raw := serve(t, tc.req, api.Options{})
			if resp.Error == nil {
				t.Fatalf("no error: %s", raw)
			}
			if resp.Error.Kind != tc.kind {
				t.Errorf("kind %q, want %q (%s)", resp.Error.Kind, tc.kind, resp.Error.Msg)
			}
			wantKind(t, resp.Error.FromWire(), tc.err)
			if tc.hint != "" {
				wantIn(t, "hint", resp.Error.Hint, tc.hint)
			}
			wireLeak(t, raw)
			if tc.kind == "bad-input" || tc.kind == "config" {
				if n := len(srv.Requests()) - before; n != 0 {
					t.Errorf("%d requests for %s", n, tc.kind)
				}
			}
		})
	}
}

func TestServeV1AndOptions(t *testing.T) {
	srv := prefecttest.NewV1(t, prefecttest.WithV1APIKey(canaryKey), prefecttest.WithTenant("t1"))
	srv.SetSecret("A", map[string]any{"x": true})
	w := v1cfg(srv.URL()).Wire()
	w.TenantID = "t1"
	resp, _ := serve(t, cloud.Request{Op: "get", Names: []string{"A", "B"}, TimeoutMS: 5000, API: w}, api.Options{})
	if resp.Error != nil {
		t.Fatalf("%+v", resp.Error)
	}
	if v := resp.Values["A"]; string(v.Bytes) != `{"x":true}` || !v.IsJSON || len(resp.Values) != 1 {
		t.Errorf("values %v", resp.Values)
	}
	if srv.Count() != 1 {
		t.Errorf("%d requests", srv.Count())
	}
	resp, raw := serve(t, cloud.Request{Op: "set", Name: "B", Value: []byte(canaryValue), TimeoutMS: 5000, API: w}, api.Options{})
	if resp.Error != nil {
		t.Fatalf("%+v", resp.Error)
	}
	wireLeak(t, raw)
	if v, _ := srv.Secret("B"); v != canaryValue {
		t.Errorf("B = %v", v)
	}

	// The request's timeout is the deadline.
	v2srv := prefecttest.NewV2(t)
	v2srv.Script(prefecttest.Response{Hang: true})
	start := time.Now()
	resp, _ = serve(t, cloud.Request{Op: "names", TimeoutMS: 200, API: cloud.WireConfig{Version: cloud.V2, URL: v2srv.URL()}}, api.Options{})
	if resp.Error == nil || resp.Error.Kind != "unavailable" || !strings.Contains(resp.Error.Msg, "200ms") {
		t.Errorf("hang: %+v", resp.Error)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %v", d)
	}

	// AllowHTTP is taken from the request, and its warning reaches the log.
	// (A bad value stops it before any request: no other host is reached.)
	resp, _ = serve(t, cloud.Request{Op: "set", Name: "A", Value: []byte{0xff}, TimeoutMS: 300, AllowHTTP: true,
		API: cloud.WireConfig{Version: cloud.V2, URL: "http://prefect.example.com/api", Key: []byte(canaryKey)}}, api.Options{})
	if resp.Error == nil || resp.Error.Kind != "bad-input" {
		t.Errorf("AllowHTTP: %+v", resp.Error)
	}
	found := false
	for _, l := range resp.Log {
		found = found || strings.Contains(l, "plain HTTP")
	}
	if !found {
		t.Errorf("no plain-HTTP warning in the log %q", resp.Log)
	}

	// TLS through Serve with the trusting client.
	tls := prefecttest.NewV2TLS(t)
	tls.SetBlock("k", "v")
	resp, _ = serve(t, cloud.Request{Op: "get", Names: []string{"k"}, TimeoutMS: 5000, API: cloud.WireConfig{Version: cloud.V2, URL: tls.URL()}}, api.Options{HTTP: tls.Client()})
	if resp.Error != nil || string(resp.Values["k"].Bytes) != "v" {
		t.Errorf("TLS: %v, %+v", resp.Values, resp.Error)
	}
}

func TestServeBadRequest(t *testing.T) {
	var out bytes.Buffer
	if err := api.Serve(ctx(t), strings.NewReader("{not json"), &out, api.Options{}); err == nil {
		t.Errorf("Serve of a malformed request: no error")
	}
	srv := prefecttest.NewV2(t)
	resp, _ := serve(t, cloud.Request{Op: "frobnicate", TimeoutMS: 1000, API: cloud.WireConfig{Version: cloud.V2, URL: srv.URL()}}, api.Options{})
	if resp.Error == nil {
		t.Errorf("an unknown op: no error")
	}
	if len(srv.Requests()) != 0 {
		t.Errorf("an unknown op sent requests")
	}
}
