// Command filterreq is the floor for `prefect-secrets exec` with secrets
// from a Prefect 2/3 API: the least a static Go program can do to make the
// one request such an exec needs. It sends POST API/block_documents/filter
// with the body prefect-secrets sends for these block names (Secret blocks
// with their values, not anonymous, limit 200, offset 0), reads the whole
// answer, and exits 0 if it is a 200 with a JSON list.
//
//	filterreq API_URL BLOCK_NAME...
package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"strings"
)

func main() {
	if len(os.Args) < 3 {
		os.Stderr.WriteString("usage: filterreq API_URL BLOCK_NAME...\n")
		os.Exit(64)
	}
	body, _ := json.Marshal(map[string]any{
		"block_types": map[string]any{"slug": map[string]any{"any_": []string{"secret"}}},
		"block_documents": map[string]any{
			"name":         map[string]any{"any_": os.Args[2:]},
			"is_anonymous": map[string]any{"eq_": false},
		},
		"include_secrets": true,
		"limit":           200,
		"offset":          0,
	})
	url := strings.TrimSuffix(os.Args[1], "/") + "/block_documents/filter"
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		fail(err.Error())
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fail(err.Error())
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		fail(err.Error())
	}
	if resp.StatusCode != http.StatusOK || len(b) == 0 || b[0] != '[' {
		fail("answered " + resp.Status)
	}
}

func fail(msg string) {
	os.Stderr.WriteString("filterreq: " + msg + "\n")
	os.Exit(1)
}
