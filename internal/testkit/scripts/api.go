//go:build unix

package scripts

import (
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/prefect-secrets/prefect-secrets/internal/testkit/prefecttest"
)

// A script's fake Prefect API, kept by the script's work directory.
type scriptAPI struct {
	v2 *prefecttest.V2
	v1 *prefecttest.V1
	t  *scriptT
}

var (
	scriptAPIsMu sync.Mutex
	scriptAPIs   = map[string]*scriptAPI{}
)

func apiOf(ts *testscript.TestScript) *scriptAPI {
	scriptAPIsMu.Lock()
	defer scriptAPIsMu.Unlock()
	a := scriptAPIs[ts.Getenv("WORK")]
	if a == nil {
		ts.Fatalf("no fake API: start one with prefectapi v2|v1")
	}
	return a
}

// scriptT lets a fake report wrong requests into a script: they fail it at
// the next apicheck, and at the end.
type scriptT struct {
	ts   *testscript.TestScript
	mu   sync.Mutex
	errs []string
}

func (t *scriptT) Helper() {}
func (t *scriptT) Errorf(format string, args ...any) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.errs = append(t.errs, fmt.Sprintf(format, args...))
}
func (t *scriptT) Cleanup(f func()) { t.ts.Defer(f) }

func (t *scriptT) check() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.errs) > 0 {
		t.ts.Fatalf("the fake Prefect API got requests Prefect would reject:\n%s", strings.Join(t.errs, "\n"))
	}
}

// prefectapi v2|v2tls|v1 [key=KEY] [auth=STRING] [tenant=ID] [cloudpath]
// [csrf] [nocsrfroute] [header=NAME:VALUE]... [trust=none] starts a fake
// Prefect API for the rest of the script and points the environment at it
// as a user's configuration would: Prefect 2/3 through PREFECT_API_URL,
// PREFECT_API_KEY and PREFECT_API_AUTH_STRING; Prefect 1 through
// PREFECT__CLOUD__* with use_local_secrets false. The server requires the
// key KEY or the basic-auth STRING (none if not given), a CSRF token with
// csrf (nocsrfroute: a server from before CSRF support), and each header
// NAME with VALUE, as an authenticating proxy would (the script sets
// PREFECT_CLIENT_CUSTOM_HEADERS itself). v2tls serves HTTPS with a
// certificate from a private CA written to $WORK/fake-api-ca.pem, which
// SSL_CERT_FILE names unless trust=none; $WORK/other-ca.pem is another
// private CA's, which signs nothing here.
func cmdPrefectAPI(ts *testscript.TestScript, neg bool, args []string) {
	const usage = "usage: prefectapi v2|v2tls|v1 [key=KEY] [auth=STRING] [tenant=ID] [cloudpath] [csrf] [nocsrfroute] [header=NAME:VALUE]... [trust=none]"
	if neg || len(args) < 1 {
		ts.Fatalf(usage)
	}
	st := &scriptT{ts: ts}
	a := &scriptAPI{t: st}
	key, auth, tenant, trust := "", "", "", true
	var opts []prefecttest.V2Option
	for _, arg := range args[1:] {
		name, val, _ := strings.Cut(arg, "=")
		switch name {
		case "key":
			key = val
		case "auth":
			auth = val
			opts = append(opts, prefecttest.WithAuthString(val))
		case "tenant":
			tenant = val
		case "cloudpath":
			opts = append(opts, prefecttest.WithCloudPath())
		case "csrf":
			opts = append(opts, prefecttest.WithCSRF())
		case "nocsrfroute":
			opts = append(opts, prefecttest.WithoutCSRFRoute())
		case "header":
			h, v, ok := strings.Cut(val, ":")
			if !ok {
				ts.Fatalf("header=NAME:VALUE, not %q", val)
			}
			opts = append(opts, prefecttest.WithRequiredHeader(h, v))
		case "trust":
			trust = val != "none"
		default:
			ts.Fatalf("unknown prefectapi option %q; %s", arg, usage)
		}
	}
	switch args[0] {
	case "v2", "v2tls":
		if key != "" {
			opts = append(opts, prefecttest.WithAPIKey(key))
		}
		if args[0] == "v2tls" {
			a.v2 = prefecttest.NewV2TLS(st, opts...)
			pem := ts.MkAbs("fake-api-ca.pem")
			ts.Check(writeFile(pem, a.v2.CertPEM()))
			other, err := prefecttest.OtherCAPEM()
			ts.Check(err)
			ts.Check(writeFile(ts.MkAbs("other-ca.pem"), other))
			if trust {
				ts.Setenv("SSL_CERT_FILE", pem)
			}
		} else {
			a.v2 = prefecttest.NewV2(st, opts...)
		}
		ts.Setenv("PREFECT_API_URL", a.v2.URL())
		if key != "" {
			ts.Setenv("PREFECT_API_KEY", key)
		}
		if auth != "" {
			ts.Setenv("PREFECT_API_AUTH_STRING", auth)
		}
	case "v1":
		if auth != "" || len(opts) > 0 {
			ts.Fatalf("prefectapi v1 takes key=, tenant= only")
		}
		var v1opts []prefecttest.V1Option
		if key != "" {
			v1opts = append(v1opts, prefecttest.WithV1APIKey(key))
		}
		if tenant != "" {
			v1opts = append(v1opts, prefecttest.WithTenant(tenant))
		}
		a.v1 = prefecttest.NewV1(st, v1opts...)
		ts.Setenv("PREFECT__CLOUD__USE_LOCAL_SECRETS", "false")
		ts.Setenv("PREFECT__CLOUD__API", a.v1.URL())
		if key != "" {
			ts.Setenv("PREFECT__CLOUD__API_KEY", key)
		}
		if tenant != "" {
			ts.Setenv("PREFECT__CLOUD__TENANT_ID", tenant)
		}
	default:
		ts.Fatalf("unknown API %q", args[0])
	}
	scriptAPIsMu.Lock()
	scriptAPIs[ts.Getenv("WORK")] = a
	scriptAPIsMu.Unlock()
	ts.Defer(func() {
		st.check() // a wrong request fails the script even without an apicount
		scriptAPIsMu.Lock()
		delete(scriptAPIs, ts.Getenv("WORK"))
		scriptAPIsMu.Unlock()
	})
}

// apiblock NAME JSON stores a secret in the fake API (a block named NAME
// for Prefect 2/3), its value given as JSON ("text" for a string).
func cmdAPIBlock(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: apiblock NAME JSON")
	}
	var v any
	ts.Check(json.Unmarshal([]byte(args[1]), &v))
	a := apiOf(ts)
	if a.v2 != nil {
		a.v2.SetBlock(args[0], v)
	} else {
		a.v1.SetSecret(args[0], v)
	}
}

// [!] apihas NAME [JSON] checks the fake API holds NAME (with that value).
func cmdAPIHas(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 1 || len(args) > 2 {
		ts.Fatalf("usage: [!] apihas NAME [JSON]")
	}
	a := apiOf(ts)
	var got any
	var ok bool
	if a.v2 != nil {
		got, ok = a.v2.Block(args[0])
	} else {
		got, ok = a.v1.Secret(args[0])
	}
	if neg {
		if ok {
			ts.Fatalf("the API holds %s", args[0])
		}
		return
	}
	if !ok {
		ts.Fatalf("the API does not hold %s", args[0])
	}
	if len(args) == 2 {
		var want any
		ts.Check(json.Unmarshal([]byte(args[1]), &want))
		gj, _ := json.Marshal(got)
		wj, _ := json.Marshal(want)
		if string(gj) != string(wj) {
			ts.Fatalf("the API holds %s = %s, want %s", args[0], gj, wj)
		}
	}
}

// apicount N [METHOD PATHPART] checks how many requests the fake API
// answered in all (or to METHOD on a path containing PATHPART; with a
// final $, ending in it), and that
// none was one Prefect would reject.
func cmdAPICount(ts *testscript.TestScript, neg bool, args []string) {
	if neg || (len(args) != 1 && len(args) != 3) {
		ts.Fatalf("usage: apicount N [METHOD PATHPART]")
	}
	want, err := strconv.Atoi(args[0])
	ts.Check(err)
	a := apiOf(ts)
	a.t.check()
	var reqs []prefecttest.Request
	if a.v2 != nil {
		reqs = a.v2.Requests()
	} else {
		reqs = a.v1.Requests()
	}
	matches := func(path string) bool {
		if exact, ok := strings.CutSuffix(args[2], "$"); ok {
			return strings.HasSuffix(path, exact)
		}
		return strings.Contains(path, args[2])
	}
	got := 0
	for _, r := range reqs {
		if len(args) == 1 || (r.Method == args[1] && matches(r.Path)) {
			got++
		}
	}
	if got != want {
		var seen []string
		for _, r := range reqs {
			seen = append(seen, r.Method+" "+r.Path+"?"+r.RawQuery)
		}
		ts.Fatalf("%d requests, want %d; the API saw:\n%s", got, want, strings.Join(seen, "\n"))
	}
}

// apiscript STATUS [retry-after=N] [echo=HEADER,...] [header=NAME:VALUE]...
// | hang | reset | stall: the next request gets this answer instead of
// the normal one. echo= repeats the request's values of those headers in
// the body, as some servers' error pages do; stall sends a 200's headers
// and half its body, then nothing.
func cmdAPIScript(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 1 {
		ts.Fatalf("usage: apiscript STATUS [retry-after=N] [echo=HEADER,...] [header=NAME:VALUE]... | hang | reset | stall")
	}
	var r prefecttest.Response
	switch args[0] {
	case "hang":
		r.Hang = true
	case "reset":
		r.Reset = true
	case "stall":
		r.StallBody, r.Body = true, `[{"id": "stalled"}]`
	default:
		status, err := strconv.Atoi(args[0])
		ts.Check(err)
		r.Status = status
		r.Header = map[string]string{}
		echo := false
		for _, a := range args[1:] {
			name, val, _ := strings.Cut(a, "=")
			switch name {
			case "retry-after":
				r.Header["Retry-After"] = val
			case "echo":
				r.Echo, echo = strings.Split(val, ","), true
			case "header":
				h, v, _ := strings.Cut(val, ":")
				r.Header[h] = v
			default:
				ts.Fatalf("unknown apiscript option %q", a)
			}
		}
		if !echo {
			r.Body = fmt.Sprintf(`{"detail": "scripted %d"}`, status)
		}
	}
	a := apiOf(ts)
	if a.v2 != nil {
		a.v2.Script(r)
	} else {
		a.v1.Script(r)
	}
}
func writeFile(path string, data []byte) error { return os.WriteFile(path, data, 0o644) }
