// Command apiserver is bench/run's stand-in for a Prefect 2/3 server: plain
// HTTP on 127.0.0.1, a random port, N Secret blocks s01..sNN whose values
// are value-01..value-NN, and a fixed delay added to every API request.
//
//	apiserver [-n 50] [-delay 50ms] [-rate R -burst B -retry-after S]
//	apiserver count API_URL
//	apiserver stats API_URL
//
// It prints its API URL (http://127.0.0.1:PORT/api) as the first line on
// stdout, then serves until it gets SIGTERM or SIGINT, and prints how many
// requests it served on stderr. "apiserver count" prints a running
// server's GET /count, "apiserver stats" its GET /stats (so bench/run
// needs no curl).
//
// With -rate, it limits requests as Prefect Cloud limits an account: a
// token bucket holding up to -burst tokens (full at first), gaining -rate
// a second; a request to /api that finds no whole token is answered at
// once (no delay) 429 {"detail":"Too Many Requests"} with Retry-After:
// -retry-after, and counted as refused (and as a request, not as bad).
//
// It answers POST /api/block_documents/filter as Prefect's server does
// (src/prefect/server/api/block_documents.py): the body is checked field by
// field (block_types.slug.any_ == ["secret"], block_documents.name.any_,
// block_documents.is_anonymous.eq_, include_secrets, limit <= 200,
// offset >= 0, sort); the answer is a JSON list of full block documents
// ({"id", "created", "updated", "name", "data": {"value"}, "block_schema_id",
// "block_schema", "block_type_id", "block_type_name", "block_type",
// "block_document_references", "is_anonymous"}), sorted by name, with
// data.value "********" unless include_secrets is true; a bad body is
// Prefect's 422. GET /api/block_types/slug/secret and GET
// /api/block_types/slug/secret/block_documents/name/NAME are answered too.
// So are the addresses cases' database-credentials blocks (typed.go).
// Anything else under /api is a 404 and counted as bad.
//
// GET /count (outside /api: no delay, not counted) answers
// "REQUESTS BAD\n": how many requests came to /api, and how many of them
// were not what Prefect's client would send. Each bad request is also
// logged on stderr. GET /stats answers "REQUESTS BAD REFUSED\n", REFUSED
// being the 429s of -rate.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

const (
	pageLimit  = 200 // PREFECT_API_DEFAULT_LIMIT
	obfuscated = "********"
	typeID     = "3c1ad5d6-6b2a-4e7f-9d0c-6a3e1f0b7a51"
	schemaID   = "9d5e8f7a-2b1c-4d3e-8f6a-1b2c3d4e5f60"
	stamp      = "2024-05-14T09:26:53.115405Z"
)

type doc struct {
	id, name, value string
}

var (
	docs     []doc // sorted by name
	requests atomic.Int64
	bad      atomic.Int64
	refused  atomic.Int64
	delay    time.Duration
	limiter  *bucket // nil: no rate limit
)

// bucket is -rate's token bucket.
type bucket struct {
	mu         sync.Mutex
	rate       float64
	burst      float64
	tokens     float64
	last       time.Time
	retryAfter string
}

// take takes a token; false when there is no whole one.
func (b *bucket) take() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := time.Now()
	b.tokens = min(b.burst, b.tokens+now.Sub(b.last).Seconds()*b.rate)
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

func main() {
	if len(os.Args) == 3 && (os.Args[1] == "count" || os.Args[1] == "stats") {
		get(os.Args[2], os.Args[1])
		return
	}
	n := flag.Int("n", 50, "Secret blocks s01..sNN, values value-01..value-NN")
	flag.DurationVar(&delay, "delay", 50*time.Millisecond, "added to every request under /api")
	rate := flag.Float64("rate", 0, "limit requests to this many a second (a token bucket; 0: no limit)")
	burst := flag.Int("burst", 3, "with -rate: the bucket's size")
	retryAfter := flag.String("retry-after", "1", "with -rate: the Retry-After of a refusal")
	flag.Parse()
	if *rate > 0 {
		limiter = &bucket{rate: *rate, burst: float64(*burst), tokens: float64(*burst), last: time.Now(), retryAfter: *retryAfter}
	}
	for i := 1; i <= *n; i++ {
		docs = append(docs, doc{
			id:    fmt.Sprintf("6f0c%04x-1d2e-4f3a-8b4c-5d6e7f80%04x", i, i),
			name:  fmt.Sprintf("s%02d", i),
			value: fmt.Sprintf("value-%02d", i),
		})
	}
	sort.Slice(docs, func(i, j int) bool { return docs[i].name < docs[j].name })

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatalf("apiserver: %v", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/count", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%d %d\n", requests.Load(), bad.Load())
	})
	mux.HandleFunc("/stats", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%d %d %d\n", requests.Load(), bad.Load(), refused.Load())
	})
	mux.HandleFunc("/api/", api)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != http.ErrServerClosed {
			log.Fatalf("apiserver: %v", err)
		}
	}()
	fmt.Printf("http://%s/api\n", ln.Addr())
	os.Stdout.Sync()

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	<-sig
	srv.Close()
	fmt.Fprintf(os.Stderr, "apiserver: %d requests, %d bad, %d refused (rate limit)\n", requests.Load(), bad.Load(), refused.Load())
}

// get prints GET /what (count or stats) of the server at api.
func get(api, what string) {
	resp, err := http.Get(strings.TrimSuffix(strings.TrimSuffix(api, "/"), "/api") + "/" + what)
	if err != nil {
		log.Fatalf("apiserver %s: %v", what, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		log.Fatalf("apiserver %s: %s", what, resp.Status)
	}
	io.Copy(os.Stdout, resp.Body)
}

func badf(w http.ResponseWriter, r *http.Request, status int, format string, args ...any) {
	bad.Add(1)
	msg := fmt.Sprintf(format, args...)
	log.Printf("apiserver: bad request %s %s: %s", r.Method, r.URL.Path, msg)
	if status == http.StatusUnprocessableEntity {
		writeJSON(w, status, map[string]any{
			"exception_message": "Invalid request received.",
			"exception_detail":  []any{map[string]any{"loc": []string{"body"}, "msg": msg, "type": "value_error"}},
		})
		return
	}
	writeJSON(w, status, map[string]string{"detail": msg})
}

func api(w http.ResponseWriter, r *http.Request) {
	requests.Add(1)
	if limiter != nil && !limiter.take() {
		refused.Add(1)
		w.Header().Set("Retry-After", limiter.retryAfter)
		writeJSON(w, http.StatusTooManyRequests, map[string]string{"detail": "Too Many Requests"})
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	time.Sleep(delay)
	if err != nil {
		badf(w, r, http.StatusBadRequest, "reading the body: %v", err)
		return
	}
	const byName = "/api/block_types/slug/secret/block_documents/name/"
	switch p := r.URL.Path; {
	case p == "/api/block_documents/filter":
		if r.Method != http.MethodPost {
			badf(w, r, http.StatusMethodNotAllowed, "Method Not Allowed")
			return
		}
		if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			badf(w, r, http.StatusUnprocessableEntity, "Content-Type is %q, want application/json", ct)
			return
		}
		if r.URL.RawQuery != "" {
			badf(w, r, http.StatusUnprocessableEntity, "unexpected query %q", r.URL.RawQuery)
			return
		}
		filter(w, r, body)
	case p == "/api/block_types/slug/secret" && r.Method == http.MethodGet:
		writeJSON(w, http.StatusOK, blockType())
	case strings.HasPrefix(p, byName) && r.Method == http.MethodGet:
		name := p[len(byName):]
		include := r.URL.Query().Get("include_secrets") == "true"
		for i := range docs {
			if docs[i].name == name {
				writeJSON(w, http.StatusOK, docJSON(&docs[i], include))
				return
			}
		}
		writeJSON(w, http.StatusNotFound, map[string]string{"detail": "Block document not found"})
	case typed(w, r, p): // typed.go: the addresses cases
	default:
		badf(w, r, http.StatusNotFound, "Not Found")
	}
}

// filterBody is BlockDocumentFilter's request body; unknown fields are 422.
type filterBody struct {
	BlockTypes *struct {
		Slug *struct {
			Any []string `json:"any_"`
		} `json:"slug"`
	} `json:"block_types"`
	BlockDocuments *struct {
		Name *struct {
			Any []string `json:"any_"`
		} `json:"name"`
		IsAnonymous *struct {
			Eq *bool `json:"eq_"`
		} `json:"is_anonymous"`
	} `json:"block_documents"`
	IncludeSecrets *bool   `json:"include_secrets"`
	Limit          *int    `json:"limit"`
	Offset         *int    `json:"offset"`
	Sort           *string `json:"sort"`
}

func filter(w http.ResponseWriter, r *http.Request, body []byte) {
	var f filterBody
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		badf(w, r, http.StatusUnprocessableEntity, "body: %v", err)
		return
	}
	if f.BlockTypes == nil || f.BlockTypes.Slug == nil || len(f.BlockTypes.Slug.Any) != 1 || f.BlockTypes.Slug.Any[0] != "secret" {
		badf(w, r, http.StatusUnprocessableEntity, `block_types.slug.any_ must be ["secret"]`)
		return
	}
	limit, offset := pageLimit, 0
	if f.Limit != nil {
		if *f.Limit < 0 || *f.Limit > pageLimit {
			badf(w, r, http.StatusUnprocessableEntity, "Invalid limit: must be less than or equal to %d.", pageLimit)
			return
		}
		limit = *f.Limit
	}
	if f.Offset != nil {
		if *f.Offset < 0 {
			badf(w, r, http.StatusUnprocessableEntity, "offset must be >= 0")
			return
		}
		offset = *f.Offset
	}
	desc := false
	if f.Sort != nil {
		switch *f.Sort {
		case "NAME_ASC", "BLOCK_TYPE_AND_NAME_ASC":
		case "NAME_DESC":
			desc = true
		default:
			badf(w, r, http.StatusUnprocessableEntity, "sort %q", *f.Sort)
			return
		}
	}
	var names map[string]bool
	anonymous := false
	if bd := f.BlockDocuments; bd != nil {
		if bd.Name != nil {
			names = map[string]bool{}
			for _, n := range bd.Name.Any {
				names[n] = true
			}
		}
		if bd.IsAnonymous != nil && bd.IsAnonymous.Eq != nil {
			anonymous = *bd.IsAnonymous.Eq
		}
	}
	include := f.IncludeSecrets != nil && *f.IncludeSecrets
	var match []*doc
	if !anonymous { // every document here is named
		for i := range docs {
			if names == nil || names[docs[i].name] {
				match = append(match, &docs[i])
			}
		}
	}
	if desc {
		for i, j := 0, len(match)-1; i < j; i, j = i+1, j-1 {
			match[i], match[j] = match[j], match[i]
		}
	}
	if offset >= len(match) {
		match = nil
	} else {
		match = match[offset:]
	}
	if limit < len(match) {
		match = match[:limit]
	}
	out := make([]any, 0, len(match))
	for _, d := range match {
		out = append(out, docJSON(d, include))
	}
	writeJSON(w, http.StatusOK, out)
}

func blockType() map[string]any {
	return map[string]any{
		"id":                typeID,
		"created":           stamp,
		"updated":           stamp,
		"name":              "Secret",
		"slug":              "secret",
		"logo_url":          "https://cdn.sanity.io/images/3ugk85nk/production/c6f20e556dd16effda9df16551feecfb5822092b-48x48.png",
		"documentation_url": "https://docs.prefect.io/latest/develop/blocks",
		"description":       "A block that represents a secret value. The value stored in this block will be obfuscated when this block is viewed or edited in the UI.",
		"code_example":      "```python\nfrom prefect.blocks.system import Secret\n\nsecret_block = Secret.load(\"BLOCK_NAME\")\nsecret_block.get()\n```",
		"is_protected":      true,
	}
}

func blockSchema() map[string]any {
	return map[string]any{
		"id":       schemaID,
		"created":  stamp,
		"updated":  stamp,
		"checksum": "sha256:0f01d400eb1ebd964d491132cda72e6a6d843f8ce940397b3dba7be219852106",
		"fields": map[string]any{
			"title":       "Secret",
			"description": "A block that represents a secret value. The value stored in this block will be obfuscated when\nthis block is viewed or edited in the UI.",
			"type":        "object",
			"properties": map[string]any{
				"value": map[string]any{
					"title":       "Value",
					"description": "A value that should be kept secret.",
					"examples":    []any{"sk-1234567890", map[string]string{"username": "johndoe", "password": "s3cr3t"}},
					"anyOf":       []any{map[string]any{"type": "string", "format": "password", "writeOnly": true}, map[string]any{"type": "object"}, map[string]any{"type": "array"}},
				},
			},
			"required":                []string{"value"},
			"block_type_slug":         "secret",
			"secret_fields":           []string{"value"},
			"block_schema_references": map[string]any{},
		},
		"block_type_id": typeID,
		"block_type":    blockType(),
		"capabilities":  []string{},
		"version":       "3.1.15",
	}
}

func docJSON(d *doc, include bool) map[string]any {
	value := d.value
	if !include {
		value = obfuscated
	}
	return map[string]any{
		"id":                        d.id,
		"created":                   stamp,
		"updated":                   stamp,
		"name":                      d.name,
		"data":                      map[string]any{"value": value},
		"block_schema_id":           schemaID,
		"block_schema":              blockSchema(),
		"block_type_id":             typeID,
		"block_type_name":           "Secret",
		"block_type":                blockType(),
		"block_document_references": map[string]any{},
		"is_anonymous":              false,
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(b)
}
