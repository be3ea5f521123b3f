package api

import (
	"context"
	"fmt"
	"time"

	"github.com/prefect-secrets/prefect-secrets/internal/prefect"
	"github.com/prefect-secrets/prefect-secrets/resolve"
)

// Source is the Prefect API as a source and a store. Its configuration is
// read on first use, and the HTTP client is made only when the API is
// really asked: a command answered by the local context builds neither.
type Source struct {
	Settings prefect.Settings
	// Timeout is the user's --timeout, zero when none was given. When set
	// it is ONE deadline for each whole call to the API (Lookup, Names,
	// Has, Set, Delete, Check): every request, retry and wait fits in it,
	// and a Retry-After past it fails at once. Each try of a request is
	// still bounded by the request timeout of Prefect's settings
	// (PREFECT_API_REQUEST_TIMEOUT, 60s; Prefect 1: 15s), so a read that
	// times out early is tried again while the deadline allows; a
	// --timeout shorter than the request timeout simply cuts the try short.
	// When zero, the deadline of a call is twice the request timeout plus
	// the longest Prefect's retry schedule waits (3m14.4s by default).
	Timeout time.Duration
	// AllowHTTP lets a key go over plain HTTP to another machine.
	AllowHTTP bool
	// Log receives one line per request (method, path, status, time).
	Log func(line string)
	// Warn receives what the user must hear whatever the verbosity (e.g.
	// a key sent over plain HTTP).
	Warn func(line string)

	loaded bool
	cfg    *prefect.Config
	err    error
	client *Client
}

// Config is the API in use, or why there is none.
func (s *Source) Config() (*prefect.Config, error) {
	if !s.loaded {
		s.loaded = true
		s.cfg, s.err = prefect.Load(s.Settings)
	}
	return s.cfg, s.err
}

func (s *Source) Name() string { return "cloud" }

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
	if err != nil || c.Version != prefect.V2 {
		return s.Where()
	}
	block, ok := prefect.BlockName(name)
	if !ok {
		return fmt.Sprintf("%s; %s maps to no valid block name (%q)", c.Describe(), resolve.QuoteName(name), block)
	}
	return fmt.Sprintf("%s; %s is Secret block %q", c.Describe(), resolve.QuoteName(name), block)
}

// api is the client for the configured API, made on first use.
func (s *Source) api() (*Client, error) {
	if s.client != nil {
		return s.client, nil
	}
	cfg, err := s.Config()
	if err != nil {
		return nil, err
	}
	c, err := New(cfg, Options{Timeout: s.Timeout, AllowHTTP: s.AllowHTTP, Log: s.Log})
	if err != nil {
		return nil, err
	}
	if s.Warn != nil {
		for _, w := range c.Warnings {
			s.Warn(w)
		}
	}
	s.client = c
	return c, nil
}

func (s *Source) Lookup(ctx context.Context, names []string) (map[string]resolve.Secret, error) {
	c, err := s.api()
	if err != nil {
		return nil, err
	}
	return c.Get(ctx, names)
}

func (s *Source) Names(ctx context.Context) ([]string, error) {
	c, err := s.api()
	if err != nil {
		return nil, err
	}
	return c.Names(ctx)
}

// Has reports whether the API holds name.
func (s *Source) Has(ctx context.Context, name string) (bool, error) {
	c, err := s.api()
	if err != nil {
		return false, err
	}
	return c.Has(ctx, name)
}

// Set stores value under name (Prefect 2/3: creates or updates the block).
func (s *Source) Set(ctx context.Context, name string, value resolve.Secret) error {
	c, err := s.api()
	if err != nil {
		return err
	}
	return c.Set(ctx, name, value.Reveal())
}

// Create stores value under name only if the API does not hold it yet
// (see Client.Create): else a resolve.ErrExists error.
func (s *Source) Create(ctx context.Context, name string, value resolve.Secret) error {
	c, err := s.api()
	if err != nil {
		return err
	}
	return c.Create(ctx, name, value.Reveal())
}

// CheckValue refuses, before any request, a value the API cannot store
// as given (Prefect 2/3: a name with no block name, a value that is not
// UTF-8, or exactly "********", Prefect's mask, which a server keeps the
// old value for). Set checks it too; a command calls it before asking
// anything of the API. A configuration that cannot be read is left for Set
// to report.
func (s *Source) CheckValue(name string, value resolve.Secret) error {
	cfg, err := s.Config()
	if err != nil || cfg.Version != prefect.V2 {
		return nil
	}
	_, err = v2CheckValue(name, value.Reveal())
	return err
}

// Delete removes name; a missing one is a not-found error.
func (s *Source) Delete(ctx context.Context, name string) error {
	c, err := s.api()
	if err != nil {
		return err
	}
	return c.Delete(ctx, name)
}

// Check asks the API something cheap that needs the credentials.
func (s *Source) Check(ctx context.Context) error {
	c, err := s.api()
	if err != nil {
		return err
	}
	return c.Check(ctx)
}
