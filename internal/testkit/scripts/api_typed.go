//go:build unix

package scripts

import (
	"encoding/json"

	"github.com/prefect-secrets/prefect-secrets/internal/testkit/prefecttest"
	"github.com/rogpeppe/go-internal/testscript"
)

// apitypedblock SLUG NAME JSON stores a block of type SLUG in the fake
// Prefect 2/3 API, its data the JSON object given.
func cmdAPITypedBlock(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: apitypedblock SLUG NAME JSON")
	}
	v2 := fakeV2(ts, "apitypedblock")
	v2.SetTypedBlock(args[0], args[1], json.RawMessage(args[2]))
}

// apiblocktype SLUG [SECRET_FIELD]... makes a block type known to the
// fake, with its schema's secret fields ("url", "headers.*").
func cmdAPIBlockType(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 1 {
		ts.Fatalf("usage: apiblocktype SLUG [SECRET_FIELD]...")
	}
	v2 := fakeV2(ts, "apiblocktype")
	v2.SetBlockType(args[0], args[1:]...)
}

// apivariable NAME JSON stores a variable in the fake Prefect 2/3 API.
func cmdAPIVariable(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: apivariable NAME JSON")
	}
	v2 := fakeV2(ts, "apivariable")
	if !json.Valid([]byte(args[1])) {
		ts.Fatalf("apivariable %s: %q is not JSON", args[0], args[1])
	}
	v2.SetVariable(args[0], json.RawMessage(args[1]))
}

// fakeV2 is the script's fake Prefect 2/3 API, for the command cmd that
// needs one.
func fakeV2(ts *testscript.TestScript, cmd string) *prefecttest.V2 {
	a := apiOf(ts)
	if a.v2 == nil {
		ts.Fatalf("%s needs prefectapi v2", cmd)
	}
	return a.v2
}
