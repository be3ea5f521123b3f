package commands

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/prefect-secrets/prefect-secrets/internal/deploy"
	"github.com/prefect-secrets/prefect-secrets/internal/inject"
	"github.com/prefect-secrets/prefect-secrets/internal/prefect/api"
	"github.com/prefect-secrets/prefect-secrets/resolve"
)

// deploymentInput is --deployment and how to find it, for exec and
// explain: the variables of a Prefect deployment's environment (see
// internal/deploy and docs/deployments.md).
type deploymentInput struct {
	Name    string
	File    string
	FromAPI bool
}

func (d *deploymentInput) flags() []cli.Flag {
	return []cli.Flag{
		&option{name: "deployment", value: stringValue{&d.Name},
			usage: "also give the variables of Prefect deployment `NAME` (or FLOW/NAME): from prefect.yaml when it has it, else from the Prefect API; everything else adds to them"},
		&option{name: "prefect-file", value: stringValue{&d.File},
			usage: "read --deployment from `FILE` only (default: prefect.yaml here, then the API)"},
		&option{name: "from-api", value: boolValue{&d.FromAPI},
			usage: "read --deployment from the Prefect API only, even where prefect.yaml has it"},
	}
}

const deploymentHint = "use --deployment NAME [--prefect-file FILE | --from-api]"

// definitions are the deployment's variables, and which deployment it
// is; none without --deployment.
func (g *globals) deploymentDefinitions(d deploymentInput) ([]inject.Definition, string, error) {
	switch {
	case d.Name == "" && (d.File != "" || d.FromAPI):
		return nil, "", usagef(deploymentHint, "--prefect-file and --from-api say where --deployment is read, and no --deployment is given")
	case d.File != "" && d.FromAPI:
		return nil, "", usagef(deploymentHint, "--prefect-file and --from-api ask for two different places to read the deployment")
	case d.Name == "":
		return nil, "", nil
	}
	found, err := deploy.Find(g.ctx(), deploy.Request{
		Name: d.Name, File: d.File, FromAPI: d.FromAPI, Environ: g.io.Environ,
		API: deploymentAPI{g.cloud()}, Log: g.logf,
	})
	if err != nil {
		return nil, "", err
	}
	return found.Defs, found.Where, nil
}

// deploymentAPI reads deployments and work pools with the cloud source's
// client.
type deploymentAPI struct{ s *api.Source }

func (a deploymentAPI) ReadDeployment(ctx context.Context, flow, name string) (deploy.Deployment, error) {
	jv, pool, err := a.s.ReadDeployment(ctx, flow, name)
	return deploy.Deployment{JobVariables: jv, WorkPool: pool}, err
}

func (a deploymentAPI) ReadWorkPool(ctx context.Context, name string) (json.RawMessage, error) {
	return a.s.ReadWorkPool(ctx, name)
}

// describeParts says where each piece of a deployment's value comes
// from, never a value: "plain text", "block "ADDR" (a secret: masked)",
// "$HOME", and so on, joined by " + ".
func describeParts(parts []inject.Part, from map[string]string, missing []string) string {
	var out []string
	for _, p := range parts {
		var what string
		switch {
		case p.Address != "":
			a, _, _ := resolve.ParseAddress(p.Address)
			what = "block " + resolve.QuoteName(p.Address) + " (a secret: masked)"
			if a.Kind == resolve.VariableAddress {
				what = "variable " + resolve.QuoteName(p.Address) + " (no secret: not masked)"
			}
			switch {
			case slices.Contains(missing, p.Address):
				what += ", missing"
			case from[p.Address] != "":
				what += ", from " + from[p.Address]
			}
		case p.From == "" && p.Text == "":
			continue
		case p.From == "":
			what = "plain text"
		case strings.HasPrefix(p.From, "$"):
			what = p.From + " from the environment (not masked)"
		default:
			what = p.From
		}
		out = append(out, what)
	}
	if len(out) == 0 {
		return "empty"
	}
	return strings.Join(out, " + ")
}

// explainDeployment lists each variable exec --deployment would give and
// where its value comes from, asking the sources for the secrets and
// addresses as exec does; it fails (66) naming every one none has.
func (g *globals) explainDeployment(d deploymentInput, flags, files []string) error {
	fromDeployment, where, err := g.deploymentDefinitions(d)
	if err != nil {
		return err
	}
	defs, err := inject.Gather(inject.Request{Flags: flags, Files: files, Environ: g.io.Environ, Deployment: fromDeployment})
	if err != nil {
		return err
	}
	res := &resolve.Result{From: map[string]string{}}
	var chain *resolve.Chain
	if names := inject.Names(defs); len(names) > 0 {
		if chain, err = g.chain(); err != nil {
			return err
		}
		if res, err = chain.Resolve(g.ctx(), names); err != nil {
			return err
		}
	}
	w := g.io.Out
	fmt.Fprintf(w, "%s:\n", where)
	shadowed := map[string]string{}
	for _, fd := range fromDeployment {
		shadowed[fd.Var] = fd.Origin
	}
	for _, def := range defs {
		var what string
		switch {
		case def.Parts != nil:
			what = describeParts(def.Parts, res.From, res.Missing)
		case resolve.IsAddress(def.Name):
			what = describeParts([]inject.Part{{Address: def.Name}}, res.From, res.Missing)
		case def.Plain:
			what = "plain text"
		case slices.Contains(res.Missing, def.Name):
			what = "secret " + resolve.QuoteName(def.Name) + ", missing"
		default:
			what = "secret " + resolve.QuoteName(def.Name) + ", from " + res.From[def.Name]
		}
		fmt.Fprintf(w, "  $%s (%s): %s\n", def.Var, def.Origin, what)
		if o, ok := shadowed[def.Var]; ok && def.Given != inject.ByDeployment {
			fmt.Fprintf(w, "      wins over the deployment's (%s)\n", o)
		}
	}
	if len(res.Missing) > 0 {
		return inject.MissingError(chain.NotFound(g.ctx(), res), defs, res.Missing, "exec would fail")
	}
	return nil
}
