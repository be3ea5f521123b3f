package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"

	"github.com/prefect-secrets/prefect-secrets/internal/prefect"
	"github.com/prefect-secrets/prefect-secrets/resolve"
)

// A deployment and its work pool, read as a worker reads them (exec
// --deployment): GET /deployments/name/{flow}/{deployment} and
// GET /work_pools/{name}. A deployment's job variables may hold values
// prefect deploy resolved from blocks: each string in them is marked as
// text no error may show.

// v2Client is the client of a Prefect 2/3 API, or why there is none.
func (s *Source) v2Client(what string) (*Client, error) {
	cfg, err := s.Config()
	if err != nil {
		return nil, err
	}
	if cfg.Version != prefect.V2 {
		return nil, &resolve.Error{Kind: resolve.ErrUnavailable,
			Msg:  what + " is read from a Prefect 2/3 API, and Prefect's settings point at " + cfg.Describe(),
			Hint: "point PREFECT_API_URL at a Prefect 2/3 API (Prefect Cloud or a self-hosted server)"}
	}
	return s.api()
}

// ReadDeployment reads deployment name of flow: its job variables (an
// object, or null) and its work pool's name ("" for none).
func (s *Source) ReadDeployment(ctx context.Context, flow, name string) (jobVariables json.RawMessage, workPool string, err error) {
	what := fmt.Sprintf("deployment %q of flow %q", name, flow)
	c, err := s.v2Client(what)
	if err != nil {
		return nil, "", err
	}
	ctx, cancel := c.call(ctx)
	defer cancel()
	path := "/deployments/name/" + url.PathEscape(flow) + "/" + url.PathEscape(name)
	body, err := c.readObject(ctx, path, "Deployment not found", what)
	if err != nil {
		return nil, "", err
	}
	var d struct {
		ID           string          `json:"id"`
		Name         string          `json:"name"`
		JobVariables json.RawMessage `json:"job_variables"`
		WorkPoolName *string         `json:"work_pool_name"`
	}
	if err := json.Unmarshal(body, &d); err != nil || d.ID == "" || d.Name != name || (len(d.JobVariables) > 0 && firstByte(d.JobVariables) != '{' && string(d.JobVariables) != "null") {
		return nil, "", c.malformed(http.MethodGet, path)
	}
	c.carryingLeaves(d.JobVariables, true)
	if d.WorkPoolName != nil {
		workPool = *d.WorkPoolName
	}
	return d.JobVariables, workPool, nil
}

// ReadWorkPool reads work pool name's base job template.
func (s *Source) ReadWorkPool(ctx context.Context, name string) (json.RawMessage, error) {
	what := fmt.Sprintf("work pool %q", name)
	c, err := s.v2Client(what)
	if err != nil {
		return nil, err
	}
	ctx, cancel := c.call(ctx)
	defer cancel()
	path := "/work_pools/" + url.PathEscape(name)
	body, err := c.readObject(ctx, path, `Work pool "`+name+`" not found.`, what)
	if err != nil {
		return nil, err
	}
	var p struct {
		Name            string          `json:"name"`
		BaseJobTemplate json.RawMessage `json:"base_job_template"`
	}
	if err := json.Unmarshal(body, &p); err != nil || p.Name != name || firstByte(p.BaseJobTemplate) != '{' {
		return nil, c.malformed(http.MethodGet, path)
	}
	c.carryingLeaves(p.BaseJobTemplate, true)
	return p.BaseJobTemplate, nil
}

// readObject GETs path; Prefect's own 404 (its detail missing) is a
// not-found error naming what.
func (c *Client) readObject(ctx context.Context, path, missing, what string) ([]byte, error) {
	r, err := c.do(ctx, request{method: http.MethodGet, path: path, read: true})
	if err != nil {
		return nil, err
	}
	if r.status == http.StatusNotFound {
		var d struct {
			Detail string `json:"detail"`
		}
		if json.Unmarshal(r.body, &d) == nil && d.Detail == missing {
			return nil, &resolve.Error{Kind: resolve.ErrNotFound, Msg: fmt.Sprintf("the Prefect API at %s has no %s", c.base.Host, what),
				Hint: "prefect deployment ls and prefect work-pool ls list what the API has"}
		}
	}
	if r.status != http.StatusOK {
		return nil, c.statusFailure(http.MethodGet, path, r)
	}
	return r.body, nil
}
