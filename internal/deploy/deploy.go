// Package deploy gives exec --deployment the environment a Prefect 2/3
// deployment's flow runs get, as definitions of their own
// (inject.ByDeployment, below everything else the user gives). The
// deployment is found in prefect.yaml as `prefect deploy -n NAME` finds
// it, its work_pool.job_variables.env resolved as prefect deploy resolves
// it; or, otherwise, over the API, its env built as a worker builds it
// from the work pool's base job template. Blocks and variables in the
// values become addresses the sources resolve; {{ $X }} is filled in from
// the caller's environment. It resolves no address and prints nothing.
// docs/deployments.md says how, and where it differs from Prefect.
package deploy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/prefect-secrets/prefect-secrets/internal/inject"
	"github.com/prefect-secrets/prefect-secrets/resolve"
)

// DefaultFile is the prefect.yaml read when no file is named: in the
// current directory, as prefect deploy reads it.
const DefaultFile = "prefect.yaml"

// API reads deployments and work pools from the Prefect 2/3 API.
type API interface {
	// ReadDeployment is GET /deployments/name/{flow}/{name}; a missing
	// one is a *resolve.Error of kind ErrNotFound.
	ReadDeployment(ctx context.Context, flow, name string) (Deployment, error)
	// ReadWorkPool is GET /work_pools/{name}'s base_job_template.
	ReadWorkPool(ctx context.Context, name string) (json.RawMessage, error)
}

// Deployment is what a worker reads of a deployment.
type Deployment struct {
	JobVariables json.RawMessage // an object, or null
	WorkPool     string          // "" for a deployment with no work pool
}

// Request says which deployment to read, and where.
type Request struct {
	Name    string // NAME, or FLOW/NAME
	File    string // --prefect-file: read only this file; "" for DefaultFile, then the API
	FromAPI bool   // read only the API
	Environ []string
	API     API
	Log     func(format string, args ...any)
}

// Found is a deployment's environment.
type Found struct {
	Where string // which deployment, from where, for messages
	Defs  []inject.Definition
}

func (r Request) logf(format string, args ...any) {
	if r.Log != nil {
		r.Log(format, args...)
	}
}

const nameHint = "name a deployment as prefect deploy -n does: NAME, or FLOW/NAME"

// Find reads the deployment r names: from the file when it has it, else
// from the API.
func Find(ctx context.Context, r Request) (*Found, error) {
	flow, dep, byFlow := strings.Cut(r.Name, "/")
	switch {
	case r.Name == "":
		return nil, &resolve.Error{Kind: resolve.ErrUsage, Msg: "--deployment needs a deployment's name", Hint: nameHint}
	case byFlow && (flow == "" || dep == "" || strings.Contains(dep, "/")):
		return nil, &resolve.Error{Kind: resolve.ErrUsage, Msg: fmt.Sprintf("--deployment %s is neither NAME nor FLOW/NAME", resolve.QuoteName(r.Name)), Hint: nameHint}
	}
	notInFile := ""
	if !r.FromAPI {
		found, why, err := r.fromFile()
		if found != nil || err != nil {
			return found, err
		}
		notInFile = why
	}
	if !byFlow {
		return nil, &resolve.Error{Kind: resolve.ErrNotFound,
			Msg:  fmt.Sprintf("deployment %s: %sthe Prefect API finds a deployment by FLOW/NAME", resolve.QuoteName(r.Name), notInFile),
			Hint: "name it as FLOW/NAME (prefect deployment ls lists them), or run where its prefect.yaml is"}
	}
	return r.fromAPI(ctx, flow, dep, notInFile)
}

// fromFile reads the deployment from prefect.yaml; found nil and why
// (for the error, should the API not have it either) when the file is
// not there or has no such deployment and the API may be asked.
func (r Request) fromFile() (found *Found, why string, err error) {
	path := r.File
	if path == "" {
		path = DefaultFile
	}
	f, err := readPrefectFile(path)
	if err != nil {
		if r.File == "" && errors.Is(err, resolve.ErrNotFound) && isNotExist(err) {
			r.logf("deployment: no %s here; asking the Prefect API", path)
			return nil, "there is no " + path + " here, and ", nil
		}
		return nil, "", err
	}
	matches := f.find(r.Name)
	switch {
	case len(matches) > 1:
		var lines []string
		for _, m := range matches {
			lines = append(lines, fmt.Sprintf("%s:%d", path, m.at.Line))
		}
		return nil, "", &resolve.Error{Kind: resolve.ErrUsage,
			Msg:  fmt.Sprintf("deployment %s is in %s %d times (%s)", resolve.QuoteName(r.Name), path, len(matches), strings.Join(lines, ", ")),
			Hint: "name one as FLOW/NAME, FLOW its entrypoint's function"}
	case len(matches) == 0 && r.File != "":
		return nil, "", &resolve.Error{Kind: resolve.ErrNotFound, Msg: fmt.Sprintf("deployment %s is not in %s%s", resolve.QuoteName(r.Name), path, f.listNames()),
			Hint: "without --prefect-file, a deployment prefect.yaml lacks is read from the Prefect API"}
	case len(matches) == 0:
		r.logf("deployment: %s has no deployment %s; asking the Prefect API", path, resolve.QuoteName(r.Name))
		return nil, path + " has no such deployment, and ", nil
	}
	d := matches[0]
	entries, err := f.fileEntries(d)
	if err != nil {
		return nil, "", err
	}
	defs, err := filePass(environMap(r.Environ), path).definitions(entries)
	if err != nil {
		return nil, "", err
	}
	where := fmt.Sprintf("deployment %s of %s:%d", resolve.QuoteName(stringOf(d, "name")), path, d.at.Line)
	r.logf("deployment: %s, %d variables", where, len(defs))
	return &Found{Where: where, Defs: defs}, "", nil
}

func isNotExist(err error) bool {
	var e *resolve.Error
	return errors.As(err, &e) && errors.Is(e.Err, fs.ErrNotExist)
}

// listNames is " (its deployments: a, b)", or "" for a file with none.
func (f *prefectFile) listNames() string {
	var names []string
	for _, d := range f.deployments {
		if n := stringOf(d, "name"); n != "" {
			names = append(names, resolve.QuoteName(n))
		}
	}
	if len(names) == 0 {
		return " (it has no deployments)"
	}
	return " (its deployments: " + strings.Join(names, ", ") + ")"
}

// processTemplate is what a worker has of a deployment with no work pool:
// env is the deployment's.
var processTemplate = json.RawMessage(`{"job_configuration": {"env": "{{ env }}"}, "variables": {"properties": {}}}`)

// fromAPI reads the deployment and its work pool from the API.
func (r Request) fromAPI(ctx context.Context, flow, name, notInFile string) (*Found, error) {
	if r.API == nil {
		return nil, &resolve.Error{Kind: resolve.ErrUnavailable, Msg: "no Prefect API to read deployment " + resolve.QuoteName(r.Name) + " from"}
	}
	d, err := r.API.ReadDeployment(ctx, flow, name)
	if err != nil {
		var e *resolve.Error
		if errors.As(err, &e) && e.Kind == resolve.ErrNotFound {
			if notInFile != "" {
				e.Msg = strings.TrimSuffix(notInFile, ", and ") + "; " + e.Msg
			}
			return nil, err
		}
		return nil, fmt.Errorf("reading deployment %s from the Prefect API: %w", resolve.QuoteName(r.Name), err)
	}
	tmpl, pool := processTemplate, "(none)"
	where := fmt.Sprintf("deployment %s from the Prefect API, with no work pool", resolve.QuoteName(r.Name))
	if d.WorkPool != "" {
		pool = resolve.QuoteName(d.WorkPool)
		if tmpl, err = r.API.ReadWorkPool(ctx, d.WorkPool); err != nil {
			var e *resolve.Error
			if errors.As(err, &e) && e.Kind == resolve.ErrNotFound {
				e.Msg = fmt.Sprintf("deployment %s names work pool %s, and %s", resolve.QuoteName(r.Name), pool, e.Msg)
				return nil, err
			}
			return nil, fmt.Errorf("reading work pool %s of deployment %s from the Prefect API: %w", pool, resolve.QuoteName(r.Name), err)
		}
		where = fmt.Sprintf("deployment %s from the Prefect API, work pool %s", resolve.QuoteName(r.Name), pool)
	}
	entries, variables, err := workerEntries(tmpl, d.JobVariables, workerSource{pool: pool, deployment: resolve.QuoteName(r.Name)})
	if err != nil {
		return nil, err
	}
	defs, err := workerPass(environMap(r.Environ), variables).definitions(entries)
	if err != nil {
		return nil, err
	}
	r.logf("deployment: %s, %d variables", where, len(defs))
	return &Found{Where: where, Defs: defs}, nil
}
