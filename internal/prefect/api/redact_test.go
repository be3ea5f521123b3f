package api_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prefect-secrets/prefect-secrets/internal/prefect/api"
	"github.com/prefect-secrets/prefect-secrets/internal/testkit/prefecttest"
	"github.com/prefect-secrets/prefect-secrets/resolve"
)

// TestServerTextRedactedOfTheRunsValues: what a server says reaches an
// error only without any value this run resolved, whichever source or
// request gave it, in any form exec masks: the API's own earlier answer,
// a value another source resolved, and a redirect's target.
func TestServerTextRedactedOfTheRunsValues(t *testing.T) {
	srv, c, r := v2(t)
	const fromAPI, fromElsewhere = "canary-from-the-api-1", "canary-elsewhere-2"
	srv.SetBlock("first", fromAPI)
	srv.SetBlock("second", "x")
	if got, err := c.Get(ctx(t), []string{"FIRST"}); err != nil || string(got["FIRST"].Reveal()) != fromAPI {
		t.Fatalf("Get(FIRST) = %v, %v", got, err)
	}
	_ = resolve.NewSecret([]byte(fromElsewhere)) // as the keyring or the context resolves one

	b64 := base64.StdEncoding.EncodeToString([]byte("user:" + fromElsewhere))
	srv.Script(prefecttest.Response{Status: 500,
		Body: `{"detail": "cannot decrypt ` + fromAPI + ` for ` + b64 + `"}`})
	_, err := c.Get(ctx(t), []string{"SECOND"})
	wantIn(t, "the error", err.Error(), "with 500: cannot decrypt [redacted] for dXNlcjp[redacted]I=")

	srv.Script(prefecttest.Response{Status: 302, Header: map[string]string{"Location": "http://" + fromElsewhere + ".example/x"}})
	_, err = c.Get(ctx(t), []string{"SECOND"})
	wantIn(t, "the error", err.Error(), "the API redirected to http://[redacted].example, another host")

	all := err.Error() + strings.Join(r.Logs(), "\n")
	for _, v := range []string{fromAPI, fromElsewhere, "Y2FuYXJ5"} {
		if strings.Contains(all, v) {
			t.Errorf("%q shows: %s", v, all)
		}
	}
}

// TestEveryServerTextRedacted: each text a server sends that can reach an
// error, a warning or the log (a redirect's target, a Location that is not
// a URL, a Retry-After, a 4xx and a 5xx detail, a GraphQL error, an answer
// that is not HTTP, a certificate's names, a block's field names, a block
// left out of list --blocks) is shown only redacted of a value this run
// resolved elsewhere: each case plants one there, and wants its message
// with [redacted] where the value was, and the value nowhere.
func TestEveryServerTextRedacted(t *testing.T) {
	type outcome struct {
		texts []string // the error, warnings, ...: what the user sees
		logs  []string
	}
	getV2 := func(t *testing.T, script ...prefecttest.Response) outcome {
		srv, c, r := v2(t)
		srv.SetBlock("a", "x")
		srv.Script(script...)
		_, err := c.Get(ctx(t), []string{"A"})
		return outcome{[]string{errText(t, err)}, r.Logs()}
	}
	cases := []struct {
		name, canary string
		// structured: the value resolved is {"password": canary}, a
		// structured value (a Secret block's dict, a JSON keyring item).
		structured bool
		run        func(t *testing.T, canary string) outcome
		want       []string // in the texts
		wantLog    string   // in a log line ("" for none)
	}{
		{"Location to another host", "loc-canary-4f1d", false, func(t *testing.T, v string) outcome {
			return getV2(t, prefecttest.Response{Status: 302, Header: map[string]string{"Location": "http://" + v + ".example/x"}})
		}, []string{"the API redirected to http://[redacted].example, another host"}, "redirected to http://[redacted].example"},
		{"Location that is not a URL", "bad-loc-canary-77e0", false, func(t *testing.T, v string) outcome {
			return getV2(t, prefecttest.Response{Status: 302, Header: map[string]string{"Location": "%zz" + v}})
		}, []string{`failed to parse Location header "%zz[redacted]"`}, `Location header "%zz[redacted]"`},
		{"Retry-After of a 429", "1414213562373", false, func(t *testing.T, v string) outcome {
			return getV2(t, prefecttest.Response{Status: 429, Header: map[string]string{"Retry-After": "0." + v}},
				prefecttest.Response{Status: 429, Header: map[string]string{"Retry-After": "86400." + v}})
		}, []string{"with 429 (Retry-After 86400.[redacted]) to 2 tries"}, "(try 1, Retry-After 0.[redacted])"},
		{"Retry-After of a 502", "1732050807568", false, func(t *testing.T, v string) outcome {
			return getV2(t, prefecttest.Response{Status: 502, Header: map[string]string{"Retry-After": "86400." + v}})
		}, []string{"(Retry-After: 86400.[redacted])"}, ""},
		{"4xx detail", "detail-4xx-canary-0b9c", false, func(t *testing.T, v string) outcome {
			return getV2(t, prefecttest.Response{Status: 400, Body: detailBody("bad key " + v)})
		}, []string{"with 400: bad key [redacted]"}, ""},
		{"5xx detail, the value base64 inside a longer text", "detail-5xx-canary-e1a2", false, func(t *testing.T, v string) outcome {
			return getV2(t, prefecttest.Response{Status: 500, Body: detailBody("no key for " + base64.StdEncoding.EncodeToString([]byte("u:"+v)))})
		}, []string{"with 500: no key for dTp[redacted]"}, ""},
		{"5xx detail, a structured value's string leaf", "leaf-canary-8d1c", true, func(t *testing.T, v string) outcome {
			return getV2(t, prefecttest.Response{Status: 500, Body: detailBody("cannot decrypt " + v)})
		}, []string{"with 500: cannot decrypt [redacted]"}, ""},
		{"GraphQL error message", "gql-canary-5c3d", false, func(t *testing.T, v string) outcome {
			srv, c, r := v1(t)
			srv.Script(prefecttest.Response{Status: 200, Body: `{"data":null,"errors":[{"message":"cannot decrypt ` + v + `","extensions":{"code":"INTERNAL_SERVER_ERROR"}}]}`})
			_, err := c.Get(ctx(t), []string{"A"})
			return outcome{[]string{errText(t, err)}, r.Logs()}
		}, []string{"answered with an error: cannot decrypt [redacted]"}, ""},
		{"an answer that is not HTTP", "raw-canary-9a8b", false, func(t *testing.T, v string) outcome {
			c, r := newClient(t, v2cfg(rawServer(t, "HTTP/1.1 "+v+" OK\r\n\r\n")), api.Options{})
			_, err := c.Get(ctx(t), []string{"A"})
			return outcome{[]string{errText(t, err)}, r.Logs()}
		}, []string{`malformed HTTP status code "[redacted]"`}, `malformed HTTP status code "[redacted]"`},
		{"a certificate's names", "cert-canary-3e6f", false, func(t *testing.T, v string) outcome {
			c, r := newClient(t, v2cfg(tlsServerFor(t, v+".example")), api.Options{})
			_, err := c.Get(ctx(t), []string{"A"})
			return outcome{[]string{errText(t, err)}, r.Logs()}
		}, []string{"certificate is valid for [redacted].example, not localhost"}, "valid for [redacted].example"},
		{"a block's field names", "field-canary-2d4e", false, func(t *testing.T, v string) outcome {
			srv, c, r := v2(t)
			srv.SetBlockType("webhook", "url")
			srv.SetTypedBlock("webhook", "hook", map[string]any{v: "u"})
			_, missing, err := c.ReadAddresses(ctx(t), []resolve.Address{mustAddress(t, "prefect.blocks.webhook.hook.url")})
			if err != nil {
				t.Fatal(err)
			}
			rep, err := c.ExplainAddress(ctx(t), mustAddress(t, "prefect.blocks.webhook.hook.url"))
			if err != nil {
				t.Fatal(err)
			}
			return outcome{[]string{missing["prefect.blocks.webhook.hook.url"], strings.Join(rep.Fields, ", ")}, r.Logs()}
		}, []string{`has no key path "url" (its fields: [redacted])`, "[redacted]"}, ""},
		{"a block left out of list --blocks", "name-canary-6b7c", false, func(t *testing.T, v string) outcome {
			srv, c, r := v2(t)
			srv.SetBlockType("webhook", "url")
			srv.SetTypedBlock("webhook", v+".x", map[string]any{"url": "u"})
			_, skipped, err := c.BlockFields(ctx(t))
			if err != nil {
				t.Fatal(err)
			}
			return outcome{skipped, r.Logs()}
		}, []string{`block "[redacted].x" of type "webhook"`}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// As the keyring or the context resolves one.
			if tc.structured {
				_ = resolve.NewJSONSecret([]byte(`{"password": "` + tc.canary + `"}`))
			} else {
				_ = resolve.NewSecret([]byte(tc.canary))
			}
			got := tc.run(t, tc.canary)
			texts := strings.Join(got.texts, "\n")
			for _, w := range tc.want {
				wantIn(t, "what is shown", texts, w)
			}
			if tc.wantLog != "" {
				wantIn(t, "the log", strings.Join(got.logs, "\n"), tc.wantLog)
			}
			if all := texts + "\n" + strings.Join(got.logs, "\n"); strings.Contains(all, tc.canary) {
				t.Errorf("%q shows:\n%s", tc.canary, all)
			}
		})
	}
}

// errText is err's message and hint; err must not be nil.
func errText(t *testing.T, err error) string {
	t.Helper()
	if err == nil {
		t.Fatal("no error")
	}
	var re *resolve.Error
	if errors.As(err, &re) {
		return err.Error() + "\nhint: " + re.Hint
	}
	return err.Error()
}

// rawServer answers every connection with answer, as it is, and closes
// it; it returns an API URL on it.
func rawServer(t *testing.T, answer string) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
				_, _ = conn.Read(make([]byte, 4096))
				_, _ = conn.Write([]byte(answer))
			}()
		}
	}()
	return "http://" + l.Addr().String() + "/api"
}

// tlsServerFor serves TLS with a self-signed certificate for host only,
// and returns an API URL on it by the name localhost, which the
// certificate does not hold.
func tlsServerFor(t *testing.T, host string) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), DNSNames: []string{host},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(http.NotFoundHandler())
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the client's refusal
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return strings.Replace(srv.URL, "127.0.0.1", "localhost", 1) + "/api"
}
