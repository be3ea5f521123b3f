package cloud

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/prefect-secrets/prefect-secrets/resolve"
)

// HelperName is the helper program that makes the HTTP calls.
const HelperName = "prefect-secrets-cloud"

// Source is the Prefect API as a source and a store. Its configuration is
// read on first use; the helper runs only when the API is really asked.
type Source struct {
	Settings Settings
	// Timeout bounds each request (default DefaultTimeout).
	Timeout time.Duration
	// AllowHTTP lets a key go over plain HTTP to another machine.
	AllowHTTP bool
	// Log receives the helper's request log (method, path, status, time).
	Log func(line string)

	loaded bool
	cfg    *Config
	err    error
}

// Config is the API in use, or why there is none.
func (s *Source) Config() (*Config, error) {
	if !s.loaded {
		s.loaded = true
		s.cfg, s.err = Load(s.Settings)
	}
	return s.cfg, s.err
}

func (s *Source) Name() string { return "cloud" }

// Remote tells the chain every call is a request to the API.
func (s *Source) Remote() bool { return true }

func (s *Source) Where() string {
	c, err := s.Config()
	if err != nil {
		return "the Prefect API (not configured)"
	}
	return c.Describe()
}

// WhereFor is Where for one name: Prefect 2/3 keeps it under a block name.
func (s *Source) WhereFor(name string) string {
	c, err := s.Config()
	if err != nil || c.Version != V2 {
		return s.Where()
	}
	block, ok := BlockName(name)
	if !ok {
		return fmt.Sprintf("%s; %s maps to no valid block name (%q)", c.Describe(), resolve.QuoteName(name), block)
	}
	return fmt.Sprintf("%s; %s is Secret block %q", c.Describe(), resolve.QuoteName(name), block)
}

// Describe says which API this is and where its settings came from,
// never a credential.
func (c *Config) Describe() string {
	api := "Prefect 2/3 API"
	if c.Version == V1 {
		api = "Prefect 1 Cloud API (GraphQL)"
	}
	parts := []string{fmt.Sprintf("%s at %s (URL from %s", api, c.URL, c.URLFrom)}
	switch {
	case c.AuthString.Len() > 0:
		parts = append(parts, "basic auth from "+c.AuthStringFrom)
	case c.Key.Len() > 0:
		parts = append(parts, "key from "+c.KeyFrom)
	default:
		parts = append(parts, "no key")
	}
	if c.TenantID != "" {
		parts = append(parts, "tenant from "+c.TenantIDFrom)
	}
	return strings.Join(parts, ", ") + ")"
}

func (s *Source) Lookup(ctx context.Context, names []string) (map[string]resolve.Secret, error) {
	resp, err := s.call(ctx, &Request{Op: "get", Names: names})
	if err != nil {
		return nil, err
	}
	out := make(map[string]resolve.Secret, len(resp.Values))
	for n, v := range resp.Values {
		if v.IsJSON {
			out[n] = resolve.NewJSONSecret(v.Bytes)
		} else {
			out[n] = resolve.NewSecret(v.Bytes)
		}
		clear(v.Bytes)
	}
	return out, nil
}

func (s *Source) Names(ctx context.Context) ([]string, error) {
	resp, err := s.call(ctx, &Request{Op: "names"})
	if err != nil {
		return nil, err
	}
	return resp.Names, nil
}

// Has reports whether the API holds name.
func (s *Source) Has(ctx context.Context, name string) (bool, error) {
	resp, err := s.call(ctx, &Request{Op: "has", Name: name})
	if err != nil {
		return false, err
	}
	return resp.Has, nil
}

// Set stores value under name (Prefect 2/3: creates or updates the block).
func (s *Source) Set(ctx context.Context, name string, value resolve.Secret) error {
	_, err := s.call(ctx, &Request{Op: "set", Name: name, Value: value.Reveal()})
	return err
}

// Delete removes name; a missing one is a not-found error.
func (s *Source) Delete(ctx context.Context, name string) error {
	_, err := s.call(ctx, &Request{Op: "delete", Name: name})
	return err
}

// Check asks the API something cheap that needs the credentials.
func (s *Source) Check(ctx context.Context) error {
	_, err := s.call(ctx, &Request{Op: "check"})
	return err
}

// call runs the helper with one request.
func (s *Source) call(ctx context.Context, req *Request) (*Response, error) {
	cfg, err := s.Config()
	if err != nil {
		return nil, err
	}
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	req.TimeoutMS = timeout.Milliseconds()
	req.AllowHTTP = s.AllowHTTP
	req.API = cfg.Wire()
	helper, err := findHelper()
	if err != nil {
		return nil, err
	}
	in, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	defer clear(in)
	// Each request has its deadline in the helper; this bounds the whole,
	// retries and their waits included, in case the helper itself hangs.
	ctx, cancel := context.WithTimeout(ctx, 6*timeout+2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, helper)
	cmd.Stdin = bytes.NewReader(in)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	runErr := cmd.Run()
	var resp Response
	if decErr := json.Unmarshal(out.Bytes(), &resp); decErr != nil || runErr != nil {
		reason := "it wrote no answer"
		if runErr != nil {
			reason = runErr.Error()
		}
		return nil, &resolve.Error{Kind: resolve.ErrUnavailable,
			Msg:  fmt.Sprintf("the Prefect API helper %s failed: %s", helper, reason),
			Hint: "rebuild both programs from the same source (see the README); run with --verbose for the requests made"}
	}
	for _, line := range resp.Log {
		if s.Log != nil {
			s.Log(line)
		}
	}
	if resp.Error != nil {
		return nil, resp.Error.FromWire()
	}
	return &resp, nil
}

// findHelper looks for the helper next to this program, then on PATH.
func findHelper() (string, error) {
	name := HelperName
	if runtime.GOOS == "windows" {
		name += ".exe"
	}
	self, err := os.Executable()
	if err == nil {
		if real, err := filepath.EvalSymlinks(self); err == nil {
			self = real
		}
		candidate := filepath.Join(filepath.Dir(self), name)
		if info, err := os.Stat(candidate); err == nil && !info.IsDir() {
			return candidate, nil
		}
	}
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	} else if !errors.Is(err, exec.ErrNotFound) {
		return "", err
	}
	return "", &resolve.Error{Kind: resolve.ErrUnavailable,
		Msg:  fmt.Sprintf("the Prefect API is reached through %s, which is neither next to prefect-secrets nor on PATH", HelperName),
		Hint: "build both: CGO_ENABLED=0 go build -o bin/ . ./cmd/prefect-secrets-cloud"}
}
