package prefecttest

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/prefect-secrets/prefect-secrets/internal/uuid"
)

// Where Prefect's server is lenient, the fake is too: these requests are
// answered as Prefect answers them, and not reported.
func TestV2LenientAsPrefect(t *testing.T) {
	ft := newFakeT(t)
	s := NewV2(ft)
	s.SetBlock("a", "1")
	s.SetBlock("b", map[string]any{"x": 1.0})
	typeID, _ := ids(t, s)

	t.Run("a POST without Content-Type is JSON", func(t *testing.T) {
		r := do(t, nil, "POST", s.URL()+"/block_documents/filter", `{"block_types": {"slug": {"any_": ["secret"]}}, "include_secrets": true}`, "Content-Type", "")
		wantStatus(t, r, 200)
		if l := r.json(t).([]any); len(l) != 2 {
			t.Errorf("filter %s", r.body)
		}
		ft.wantNone(t)
	})
	t.Run("a filter without block_types, as Prefect's own client sends it", func(t *testing.T) {
		r := do(t, nil, "POST", s.URL()+"/block_documents/filter", `{"block_schema_type": null, "offset": null, "limit": null, "include_secrets": true}`)
		wantStatus(t, r, 200)
		if l := r.json(t).([]any); len(l) != 2 || l[0].(map[string]any)["data"].(map[string]any)["value"] != "1" {
			t.Errorf("filter %s", r.body)
		}
		ft.wantNone(t)
	})
	t.Run("a schema filter without block_schemas lists every schema", func(t *testing.T) {
		r := do(t, nil, "POST", s.URL()+"/block_schemas/filter", `{}`)
		wantStatus(t, r, 200)
		if l := r.json(t).([]any); len(l) != 2 {
			t.Errorf("schemas %s", r.body)
		}
		r = do(t, nil, "POST", s.URL()+"/block_schemas/filter", `{"block_schemas": null, "limit": 1}`)
		if l := r.json(t).([]any); len(l) != 1 || l[0].(map[string]any)["block_type_id"] != typeID {
			t.Errorf("schemas %s", r.body)
		}
		ft.wantNone(t)
	})
	t.Run("a PATCH without merge_existing_data merges, which replaces a Secret's value", func(t *testing.T) {
		id, _ := s.BlockID("a")
		wantStatus(t, do(t, nil, "PATCH", s.URL()+"/block_documents/"+id, `{"data": {"value": "2"}}`), 204)
		if v, _ := s.Block("a"); v != "2" {
			t.Errorf("a = %v", v)
		}
		wantStatus(t, do(t, nil, "PATCH", s.URL()+"/block_documents/"+id, `{"data": {"value": "3"}, "merge_existing_data": true}`), 204)
		if v, _ := s.Block("a"); v != "3" {
			t.Errorf("a = %v", v)
		}
		ft.wantNone(t)
	})
	t.Run("a PATCH of the mask keeps the old value", func(t *testing.T) {
		id, _ := s.BlockID("a")
		for _, merge := range []string{"false", "true"} {
			wantStatus(t, do(t, nil, "PATCH", s.URL()+"/block_documents/"+id, `{"data": {"value": "********"}, "merge_existing_data": `+merge+`}`), 204)
			if v, _ := s.Block("a"); v != "3" {
				t.Errorf("merge %s: a = %v, want the old value kept", merge, v)
			}
		}
		// Prefect compares the flattened data: a JSON object value has no
		// flat "value" key, so the mask replaces it.
		idb, _ := s.BlockID("b")
		wantStatus(t, do(t, nil, "PATCH", s.URL()+"/block_documents/"+idb, `{"data": {"value": "********"}, "merge_existing_data": false}`), 204)
		if v, _ := s.Block("b"); v != Obfuscated {
			t.Errorf("b = %v", v)
		}
		ft.wantNone(t)
	})
	t.Run("still reported: a top-level field Prefect ignores", func(t *testing.T) {
		r := do(t, nil, "POST", s.URL()+"/block_documents/filter", `{"block_documents": {"name": {"any_": ["a"]}}, "names": ["a"]}`)
		wantStatus(t, r, 200)
		ft.want(t, `unexpected field "names"`)
	})
	t.Run("still refused: a Content-Type that is not JSON", func(t *testing.T) {
		wantStatus(t, do(t, nil, "POST", s.URL()+"/block_documents/filter", `{}`, "Content-Type", "text/plain"), 422)
		ft.want(t, "Content-Type")
	})
}

// Prefect's CSRF protection, as its middleware and /csrf-token route
// answer.
func TestV2CSRF(t *testing.T) {
	ft := newFakeT(t)
	s := NewV2(ft, WithAPIKey("k"), WithCSRF())
	s.SetBlock("a", "1")
	auth := []string{"Authorization", "Bearer k"}
	filter := `{"block_types": {"slug": {"any_": ["secret"]}}, "include_secrets": true}`
	detailOf := func(r resp) string {
		var d struct{ Detail string }
		_ = json.Unmarshal([]byte(r.body), &d)
		return d.Detail
	}

	// Reads by GET need nothing; every change request, the filter read
	// included, needs a token, checked before the key.
	wantStatus(t, do(t, nil, "GET", s.URL()+"/block_types/slug/secret/block_documents/name/a?include_secrets=true", "", auth...), 200)
	for _, h := range [][]string{auth, nil} {
		r := do(t, nil, "POST", s.URL()+"/block_documents/filter", filter, h...)
		wantStatus(t, r, 403)
		if detailOf(r) != "Missing CSRF token." {
			t.Errorf("403 body %s", r.body)
		}
	}
	r := do(t, nil, "DELETE", s.URL()+"/block_documents/"+uuid.New(), "", append(auth, "Prefect-Csrf-Token", "x")...)
	if r.status != 403 || detailOf(r) != "Missing client identifier." {
		t.Errorf("no client: %d %s", r.status, r.body)
	}

	// The token route needs the key; it wants a client.
	wantStatus(t, do(t, nil, "GET", s.URL()+"/csrf-token?client=c-1", ""), 401)
	wantStatus(t, do(t, nil, "GET", s.URL()+"/csrf-token", "", auth...), 422)
	ft.want(t, "no client query parameter")
	r = do(t, nil, "GET", s.URL()+"/csrf-token?client=c-1", "", auth...)
	wantStatus(t, r, 200)
	var tok struct{ ID, Token, Client, Expiration string }
	if err := json.Unmarshal([]byte(r.body), &tok); err != nil || !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(tok.Token) || tok.Client != "c-1" || tok.ID == "" {
		t.Fatalf("token %s", r.body)
	}
	if exp, err := time.Parse(time.RFC3339Nano, tok.Expiration); err != nil || time.Until(exp) < 50*time.Minute {
		t.Errorf("expiration %q", tok.Expiration)
	}
	with := append(append([]string{}, auth...), "Prefect-Csrf-Token", tok.Token, "Prefect-Csrf-Client", "c-1")
	r = do(t, nil, "POST", s.URL()+"/block_documents/filter", filter, with...)
	if r.status != 200 || !strings.Contains(r.body, `"value":"1"`) {
		t.Errorf("with the token: %d %s", r.status, r.body)
	}
	// Another client's id, a wrong token, an expired one: invalid.
	for _, h := range [][]string{
		{"Prefect-Csrf-Token", tok.Token, "Prefect-Csrf-Client", "c-2"},
		{"Prefect-Csrf-Token", strings.Repeat("0", 64), "Prefect-Csrf-Client", "c-1"},
	} {
		r := do(t, nil, "POST", s.URL()+"/block_documents/filter", filter, append(append([]string{}, auth...), h...)...)
		if r.status != 403 || detailOf(r) != "Invalid CSRF token or client identifier." {
			t.Errorf("%v: %d %s", h, r.status, r.body)
		}
	}
	s.ExpireCSRFTokens()
	r = do(t, nil, "POST", s.URL()+"/block_documents/filter", filter, with...)
	if r.status != 403 || detailOf(r) != "Invalid CSRF token or client identifier." {
		t.Errorf("expired: %d %s", r.status, r.body)
	}
	ft.wantNone(t)

	// Without CSRF protection the route says so; before CSRF support it
	// is not there.
	off := NewV2(ft)
	r = do(t, nil, "GET", off.URL()+"/csrf-token?client=c-1", "")
	if r.status != 422 || detailOf(r) != "CSRF protection is disabled." {
		t.Errorf("off: %d %s", r.status, r.body)
	}
	wantStatus(t, do(t, nil, "POST", off.URL()+"/block_documents/filter", filter), 200)
	old := NewV2(ft, WithoutCSRFRoute())
	wantStatus(t, do(t, nil, "GET", old.URL()+"/csrf-token?client=c-1", ""), 404)
	ft.wantNone(t)
}

func TestV2RequiredHeader(t *testing.T) {
	ft := newFakeT(t)
	s := NewV2(ft, WithRequiredHeader("X-Proxy-Token", "tok-1"), WithRequiredHeader("X-Team", "data"))
	u := s.URL() + "/block_types/slug/secret"
	for _, h := range [][]string{nil, {"X-Proxy-Token", "tok-1"}, {"X-Proxy-Token", "tok-2", "X-Team", "data"}} {
		r := do(t, nil, "GET", u, "", h...)
		if r.status != 401 || !strings.Contains(r.body, "the proxy wants header") {
			t.Errorf("%v: %d %s", h, r.status, r.body)
		}
	}
	wantStatus(t, do(t, nil, "GET", u, "", "X-Proxy-Token", "tok-1", "X-Team", "data"), 200)
	ft.wantNone(t)
}

func TestScriptStallBodyAndEcho(t *testing.T) {
	ft := newFakeT(t)
	s := NewV2(ft)
	s.Script(
		Response{Status: 200, Body: `[{"a": 1}]`, StallBody: true},
		Response{Status: 404, Echo: []string{"Authorization", "X-Other"}},
	)
	c := &http.Client{}
	res, err := c.Get(s.URL() + "/health")
	if err != nil {
		t.Fatalf("the headers did not come: %v", err)
	}
	if res.StatusCode != 200 {
		t.Errorf("status %d", res.StatusCode)
	}
	got := make(chan error, 1)
	go func() {
		_, err := io.ReadAll(res.Body)
		got <- err
	}()
	select {
	case err := <-got:
		t.Fatalf("the body was read to its end (%v): it should stall", err)
	case <-time.After(100 * time.Millisecond):
	}
	res.Body.Close() // the client gives up: the server drops it
	if err := <-got; err == nil {
		t.Error("reading a stalled body gave no error")
	}

	r := do(t, nil, "GET", s.URL()+"/health", "", "Authorization", "Basic YWRtaW46cHc=", "X-Other", "o-1")
	wantStatus(t, r, 404)
	if r.body != `{"detail":"Not Found; you sent Authorization: Basic YWRtaW46cHc=, X-Other: o-1"}` {
		t.Errorf("echo %s", r.body)
	}
	ft.wantNone(t)
}

// HoldFirst makes a burst overlap on any machine: requests sent one after
// the other, each waiting for nothing, still meet the throttle.
func TestHoldFirst(t *testing.T) {
	ft := newFakeT(t)
	s := NewV2(ft)
	s.Throttle(1, "1")
	s.HoldFirst(3)
	first := make(chan int, 1)
	go func() {
		res, err := http.Get(s.URL() + "/health")
		if err != nil {
			first <- 0
			return
		}
		res.Body.Close()
		first <- res.StatusCode
	}()
	for len(s.Requests()) < 1 {
		time.Sleep(5 * time.Millisecond)
	}
	for i := 0; i < 2; i++ {
		r := do(t, nil, "GET", s.URL()+"/health", "")
		if r.status != 429 || r.header.Get("Retry-After") != "1" {
			t.Errorf("request %d: %d Retry-After %q", i+2, r.status, r.header.Get("Retry-After"))
		}
	}
	if st := <-first; st != 200 {
		t.Errorf("the held request: %d", st)
	}
	reqs := s.Requests()
	if reqs[0].Done.Before(reqs[2].Arrived) {
		t.Errorf("the first request was answered at %v, before the third arrived at %v", reqs[0].Done, reqs[2].Arrived)
	}
	for _, q := range reqs {
		if q.RemoteAddr == "" || q.Arrived.IsZero() || q.Done.Before(q.Arrived) {
			t.Errorf("request recorded %+v", q)
		}
	}
	// Past the burst, nothing is held.
	s.Throttle(0, "")
	wantStatus(t, do(t, nil, "GET", s.URL()+"/health", ""), 200)
	ft.wantNone(t)
}

// The TLS servers' certificates come from a private CA: CertPEM is that
// CA, which trusts the server; nothing else does.
func TestPrivateCA(t *testing.T) {
	ft := newFakeT(t)
	s := NewV2TLS(ft)
	block, _ := pem.Decode(s.CertPEM())
	if block == nil {
		t.Fatalf("CertPEM %q", s.CertPEM())
	}
	ca, err := x509.ParseCertificate(block.Bytes)
	if err != nil || !ca.IsCA {
		t.Fatalf("CertPEM is not a CA certificate: %v", err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	for _, host := range []string{"127.0.0.1", "localhost"} {
		u := strings.Replace(s.URL(), "127.0.0.1", host, 1)
		tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}
		res, err := (&http.Client{Transport: tr}).Get(u + "/health")
		if err != nil {
			t.Fatalf("trusting the CA, %s: %v", host, err)
		}
		res.Body.Close()
		if st := res.TLS.PeerCertificates[0]; st.IsCA || st.Issuer.CommonName != ca.Subject.CommonName {
			t.Errorf("the server's certificate is %v, issued by %v", st.Subject, st.Issuer)
		}
	}
	_, err = http.Get(s.URL() + "/health")
	var ua x509.UnknownAuthorityError
	if !errors.As(err, &ua) {
		t.Errorf("a client trusting the system's roots: %v, want unknown authority", err)
	}
	wantStatus(t, do(t, s.Client(), "GET", s.URL()+"/health", ""), 200)
	ft.wantNone(t)
}

func TestV1AuthInfo(t *testing.T) {
	ft := newFakeT(t)
	for _, tc := range []struct {
		opts []V1Option
		want string
	}{
		{[]V1Option{WithV1APIKey("k"), WithTenant("t-9")}, "t-9"},
		{[]V1Option{WithV1APIKey("k")}, DefaultTenantID},
	} {
		s := NewV1(ft, tc.opts...)
		// Asked without a tenant header, as a client does before it knows one.
		r := gql(t, s, `query { auth_info { tenant_id } }`, map[string]any{}, "Authorization", "Bearer k")
		wantStatus(t, r, 200)
		if r.body != `{"data":{"auth_info":{"tenant_id":"`+tc.want+`"}}}` {
			t.Errorf("auth_info %s", r.body)
		}
		r = gql(t, s, `query { auth_info { tenant_id } }`, nil, "Authorization", "Bearer wrong")
		if !strings.Contains(r.body, "UNAUTHENTICATED") {
			t.Errorf("auth_info with a wrong key: %s", r.body)
		}
	}
	ft.wantNone(t)
}
