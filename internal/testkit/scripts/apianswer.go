//go:build unix

package scripts

import (
	"strconv"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/prefect-secrets/prefect-secrets/internal/testkit/prefecttest"
)

// apianswer STATUS BODY [header=NAME:VALUE]... makes the fake API answer
// the next request with STATUS and exactly BODY ($VARS expanded, as in any
// argument): a server's own words, such as an error that quotes a value.
func cmdAPIAnswer(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: apianswer STATUS BODY [header=NAME:VALUE]...")
	}
	status, err := strconv.Atoi(args[0])
	ts.Check(err)
	r := prefecttest.Response{Status: status, Body: args[1], Header: map[string]string{}}
	for _, a := range args[2:] {
		h, ok := strings.CutPrefix(a, "header=")
		name, v, ok2 := strings.Cut(h, ":")
		if !ok || !ok2 {
			ts.Fatalf("apianswer: header=NAME:VALUE, not %q", a)
		}
		r.Header[name] = v
	}
	if a := apiOf(ts); a.v2 != nil {
		a.v2.Script(r)
	} else {
		a.v1.Script(r)
	}
}
