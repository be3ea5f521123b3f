package api

import (
	"context"
	"fmt"

	"github.com/prefect-secrets/prefect-secrets/internal/prefect"
	"github.com/prefect-secrets/prefect-secrets/resolve"
)

// Each call below has one deadline for everything it does (see the
// package comment); a call inside another keeps the outer one.

// Get reads names in one request (Prefect 2/3: one GET for one name, one
// filter for several; Prefect 1: one query with an alias per name). Names
// the API does not have are absent from the map.
func (c *Client) Get(ctx context.Context, names []string) (map[string]resolve.Secret, error) {
	ctx, cancel := c.call(ctx)
	defer cancel()
	if c.cfg.Version == prefect.V1 {
		return c.v1Get(ctx, names)
	}
	return c.v2Get(ctx, names)
}

// Names lists every secret the API holds (Prefect 2/3: block names).
func (c *Client) Names(ctx context.Context) ([]string, error) {
	ctx, cancel := c.call(ctx)
	defer cancel()
	if c.cfg.Version == prefect.V1 {
		return c.v1Names(ctx)
	}
	return c.v2Names(ctx)
}

// Has reports whether the API holds name.
func (c *Client) Has(ctx context.Context, name string) (bool, error) {
	ctx, cancel := c.call(ctx)
	defer cancel()
	got, err := c.Get(ctx, []string{name})
	if err != nil {
		return false, err
	}
	_, ok := got[name]
	return ok, nil
}

// Set stores value under name: Prefect 2/3 creates the block or updates it;
// Prefect 1 calls set_secret.
func (c *Client) Set(ctx context.Context, name string, value []byte) error {
	ctx, cancel := c.call(ctx)
	defer cancel()
	c.carrying(value)
	if c.cfg.Version == prefect.V1 {
		return c.v1Set(ctx, name, value)
	}
	return c.v2Set(ctx, name, value)
}

// Create stores value under name only if the API does not hold it yet;
// else it is a resolve.ErrExists error and nothing is written. Prefect 2/3
// decides it in one request (POST, 409 when the block exists), so of two
// creators exactly one wins; Prefect 1 has no such request, so it is asked
// first and written after, and a writer in between can still win.
func (c *Client) Create(ctx context.Context, name string, value []byte) error {
	ctx, cancel := c.call(ctx)
	defer cancel()
	c.carrying(value)
	if c.cfg.Version == prefect.V1 {
		got, err := c.v1Get(ctx, []string{name})
		if err != nil {
			return err
		}
		if _, ok := got[name]; ok {
			return exists(name)
		}
		return c.v1Set(ctx, name, value)
	}
	block, err := v2CheckValue(name, value)
	if err != nil {
		return err
	}
	created, err := c.v2Create(ctx, block, value)
	if err == nil && !created {
		return exists(name)
	}
	return err
}

func exists(name string) error {
	return &resolve.Error{Kind: resolve.ErrExists, Msg: fmt.Sprintf("secret %s already exists in the Prefect API", resolve.QuoteName(name))}
}

// Delete removes name; a missing one is a not-found error.
func (c *Client) Delete(ctx context.Context, name string) error {
	ctx, cancel := c.call(ctx)
	defer cancel()
	if c.cfg.Version == prefect.V1 {
		return c.v1Delete(ctx, name)
	}
	return c.v2Delete(ctx, name)
}

// Check asks the API something cheap that needs the credentials.
func (c *Client) Check(ctx context.Context) error {
	ctx, cancel := c.call(ctx)
	defer cancel()
	if c.cfg.Version == prefect.V1 {
		return c.v1Check(ctx)
	}
	return c.v2Check(ctx)
}
