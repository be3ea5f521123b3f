package cloud

import (
	"errors"

	"github.com/prefect-secrets/prefect-secrets/resolve"
)

// The helper program (cmd/prefect-secrets-cloud) reads one Request as JSON
// on stdin and writes one Response as JSON on stdout. Values and
// credentials cross this private pipe and nothing else: never argv, never
// the environment, never a file.

// Request is one call to the helper.
type Request struct {
	Op        string   `json:"op"` // get, names, has, set, delete, check
	Names     []string `json:"names,omitempty"`
	Name      string   `json:"name,omitempty"`
	Value     []byte   `json:"value,omitempty"` // set: the exact bytes (base64 in JSON)
	TimeoutMS int64    `json:"timeout_ms"`
	// AllowHTTP lets a key go over plain HTTP to a host that is not this
	// machine (--allow-insecure-http).
	AllowHTTP bool       `json:"allow_http,omitempty"`
	API       WireConfig `json:"api"`
}

// WireConfig is a Config on the pipe.
type WireConfig struct {
	Version    Version `json:"version"`
	URL        string  `json:"url"`
	Key        []byte  `json:"key,omitempty"`
	KeyFrom    string  `json:"key_from,omitempty"`
	AuthString []byte  `json:"auth_string,omitempty"`
	AuthFrom   string  `json:"auth_from,omitempty"`
	TenantID   string  `json:"tenant_id,omitempty"`
}

// Wire is c as it goes to the helper.
func (c *Config) Wire() WireConfig {
	return WireConfig{Version: c.Version, URL: c.URL, Key: c.Key.Reveal(), KeyFrom: c.KeyFrom,
		AuthString: c.AuthString.Reveal(), AuthFrom: c.AuthStringFrom, TenantID: c.TenantID}
}

// Config is the helper's side of Wire.
func (w WireConfig) Config() *Config {
	return &Config{Version: w.Version, URL: w.URL, Key: resolve.NewSecret(w.Key), KeyFrom: w.KeyFrom,
		AuthString: resolve.NewSecret(w.AuthString), AuthStringFrom: w.AuthFrom, TenantID: w.TenantID}
}

// Response is the helper's answer.
type Response struct {
	Values map[string]WireValue `json:"values,omitempty"`
	Names  []string             `json:"names,omitempty"`
	Has    bool                 `json:"has,omitempty"`
	// Log is what --verbose shows: method, path, status, duration. Never a
	// key or a value.
	Log   []string   `json:"log,omitempty"`
	Error *WireError `json:"error,omitempty"`
}

// WireValue is one value on the pipe.
type WireValue struct {
	Bytes  []byte `json:"b"`
	IsJSON bool   `json:"json,omitempty"`
}

// WireError is a failure on the pipe; Kind keeps its exit code.
type WireError struct {
	Kind string `json:"kind"`
	Msg  string `json:"msg"`
	Hint string `json:"hint,omitempty"`
}

// kinds in the order an error is matched against them, as ExitCode does.
var kinds = []struct {
	name string
	kind error
}{
	{"bad-input", resolve.ErrBadInput},
	{"not-found", resolve.ErrNotFound},
	{"denied", resolve.ErrDenied},
	{"config", resolve.ErrConfig},
	{"unavailable", resolve.ErrUnavailable},
}

// ToWire turns an error into a WireError.
func ToWire(err error) *WireError {
	w := &WireError{Kind: "unavailable", Msg: err.Error(), Hint: resolve.HintText(err)}
	for _, k := range kinds {
		if errors.Is(err, k.kind) {
			w.Kind = k.name
			break
		}
	}
	return w
}

// FromWire turns a WireError back into an error of its kind.
func (w *WireError) FromWire() error {
	kind := resolve.ErrUnavailable
	for _, k := range kinds {
		if k.name == w.Kind {
			kind = k.kind
		}
	}
	return &resolve.Error{Kind: kind, Msg: w.Msg, Hint: w.Hint}
}
