// Command blockreq is the floor for prefect-secrets reading addresses
// (prefect.blocks.SLUG.NAME.FIELD) from a Prefect 2/3 API: the least a
// static Go program can do to make the requests such a read needs. It
// sends GET API/block_types/slug/SLUG/block_documents/name/NAME?include_secrets=true
// for each SLUG/NAME given, all at once (one goroutine each, as
// prefect-secrets reads distinct blocks), reads each whole answer, and
// exits 0 if every one is a 200 with a JSON object.
//
//	blockreq API_URL SLUG/NAME...
package main

import (
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
)

func main() {
	if len(os.Args) < 3 {
		os.Stderr.WriteString("usage: blockreq API_URL SLUG/NAME...\n")
		os.Exit(64)
	}
	api := strings.TrimSuffix(os.Args[1], "/")
	errs := make([]string, len(os.Args)-2)
	var wg sync.WaitGroup
	for i, block := range os.Args[2:] {
		slug, name, ok := strings.Cut(block, "/")
		if !ok {
			fail("not SLUG/NAME: " + block)
		}
		wg.Go(func() {
			errs[i] = get(api + "/block_types/slug/" + slug + "/block_documents/name/" + name + "?include_secrets=true")
		})
	}
	wg.Wait()
	for _, e := range errs {
		if e != "" {
			fail(e)
		}
	}
}

// get reads one block document; "" when it is a 200 with a JSON object.
func get(url string) string {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return err.Error()
	}
	req.Header.Set("Accept", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err.Error()
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	switch {
	case err != nil:
		return err.Error()
	case resp.StatusCode != http.StatusOK || len(b) == 0 || b[0] != '{':
		return url + " answered " + resp.Status
	}
	return ""
}

func fail(msg string) {
	os.Stderr.WriteString("blockreq: " + msg + "\n")
	os.Exit(1)
}
