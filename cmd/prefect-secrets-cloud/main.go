// Command prefect-secrets-cloud is prefect-secrets' helper for the Prefect
// API: it reads one request as JSON on stdin, makes the HTTP calls, and
// writes one response as JSON on stdout. It lives apart so that
// prefect-secrets itself links no HTTP or TLS code, which would slow every
// start (see package cloud). It is not meant to be run by hand.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/prefect-secrets/prefect-secrets/cloud/api"
)

func main() {
	if err := api.Serve(context.Background(), os.Stdin, os.Stdout, api.Options{}); err != nil {
		fmt.Fprintf(os.Stderr, "prefect-secrets-cloud: %v\n", err)
		os.Exit(70)
	}
}
