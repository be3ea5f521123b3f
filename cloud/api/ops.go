package api

import (
	"context"

	"github.com/prefect-secrets/prefect-secrets/cloud"
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
	if c.cfg.Version == cloud.V1 {
		return c.v1Get(ctx, names)
	}
	return c.v2Get(ctx, names)
}

// Names lists every secret the API holds (Prefect 2/3: block names).
func (c *Client) Names(ctx context.Context) ([]string, error) {
	ctx, cancel := c.call(ctx)
	defer cancel()
	if c.cfg.Version == cloud.V1 {
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
	if c.cfg.Version == cloud.V1 {
		return c.v1Set(ctx, name, value)
	}
	return c.v2Set(ctx, name, value)
}

// Delete removes name; a missing one is a not-found error.
func (c *Client) Delete(ctx context.Context, name string) error {
	ctx, cancel := c.call(ctx)
	defer cancel()
	if c.cfg.Version == cloud.V1 {
		return c.v1Delete(ctx, name)
	}
	return c.v2Delete(ctx, name)
}

// Check asks the API something cheap that needs the credentials.
func (c *Client) Check(ctx context.Context) error {
	ctx, cancel := c.call(ctx)
	defer cancel()
	if c.cfg.Version == cloud.V1 {
		return c.v1Check(ctx)
	}
	return c.v2Check(ctx)
}
