package commands

import (
	"fmt"
	"slices"

	"github.com/urfave/cli/v2"

	"github.com/fatih/color"

	"github.com/prefect-secrets/prefect-secrets/resolve"
)

func explainCommand(g *globals) *cli.Command {
	var envFiles, secrets []string
	var dep deploymentInput
	return &cli.Command{
		Name:      "explain",
		Usage:     "show which source answers for a name and which it shadows (never a value)",
		UsageText: "prefect-secrets [global options] explain NAME | --env-file FILE... | --deployment NAME [--prefect-file FILE | --from-api] [-s NAME | -s VAR=NAME]... [--env-file FILE]...",
		Description: `Asks every source in order, not only up to the first that has the name, and
says for each whether it has it, which one wins, and why a source was
skipped or disabled. Exits 66 when no source has the name.

With --env-file, does so for the secret of each variable of the reference
files, and exits 66 when any is missing.

With --deployment, lists each variable exec --deployment would give the
command (with the -s, --env-file and environment references given too)
and where its value comes from: plain text, a block or a variable of the
Prefect API (and the source that answers), $X from the environment, -s,
a reference file. Never a value. Exits 66 when any is missing.

For an address (prefect.blocks.<slug>.<block>[.<key path>] or
prefect.variables.<name>), says whether the block type, the block and the
key path exist in the Prefect 2/3 API (or the variable), and whether the
key path is a secret field of the block's schema; exits 66 when the
address has no value, as get would.

Examples:
  prefect-secrets explain DB_PASSWORD
  prefect-secrets explain prefect.blocks.slack-webhook.alerts.url
  prefect-secrets --sources env,context explain API_TOKEN
  prefect-secrets explain --env-file .env.secrets
  prefect-secrets explain --deployment my-flow/prod -s DB_PASSWORD`,
		Flags: append([]cli.Flag{
			&option{name: "env-file", value: stringList{&envFiles}, usage: "explain the secret of each variable of the reference `FILE` (repeatable)"},
			&option{name: "secret", alias: "s", value: stringList{&secrets}, repeatable: true,
				usage: "with --deployment: a secret `NAME` exec -s would add, as NAME, or VAR=NAME as VAR (repeatable)"},
		}, dep.flags()...),
		Action: func(c *cli.Context) error {
			args := c.Args().Slice()
			if dep.Name != "" || dep.File != "" || dep.FromAPI {
				if err := exactArgs("explain --deployment NAME", args); err != nil {
					return err
				}
				return g.explainDeployment(dep, secrets, envFiles)
			}
			if len(secrets) > 0 {
				return usagef("use explain NAME, or -s with --deployment", "explain takes -s only with --deployment")
			}
			if len(envFiles) > 0 {
				if err := exactArgs("explain --env-file FILE", args); err != nil {
					return err
				}
				return g.explainEnvFiles(envFiles)
			}
			if err := exactArgs("explain", args, "NAME"); err != nil {
				return err
			}
			return g.explain(args[0])
		},
	}
}

func (g *globals) explain(name string) error {
	if a, ok, err := resolve.ParseAddress(name); ok {
		if err != nil {
			return err
		}
		return g.explainAddress(a)
	}
	if err := resolve.CheckName(name); err != nil {
		return err
	}
	chain, err := g.chain()
	if err != nil {
		return err
	}
	found, err := g.explainName(chain, name)
	if err != nil {
		return err
	}
	if !found {
		return &resolve.Error{Kind: resolve.ErrNotFound, Msg: fmt.Sprintf("secret %s not found in any source", resolve.QuoteName(name))}
	}
	return nil
}

// explainSecret is explainName for a name, explainAddressLayout for an
// address: what each source says, and whether one has it.
func (g *globals) explainSecret(chain *resolve.Chain, name string) (bool, error) {
	if a, ok, err := resolve.ParseAddress(name); ok {
		if err != nil {
			return false, err
		}
		why, err := g.explainAddressLayout(a)
		return err == nil && why == "", err
	}
	return g.explainName(chain, name)
}

// explainName prints what each source says about name, and reports
// whether one has it; a source that fails before the winner is an error.
func (g *globals) explainName(chain *resolve.Chain, name string) (bool, error) {
	order, _, _ := g.sourceOrder()
	findings := chain.Explain(g.ctx(), name)
	green := g.io.paint(g.io.OutTTY, color.FgGreen, color.Bold)
	dim := g.io.paint(g.io.OutTTY, color.Faint)
	w := g.io.Out
	fmt.Fprintf(w, "secret %s:\n", resolve.QuoteName(name))
	found := false
	for i, f := range findings {
		fmt.Fprintf(w, "  %d. %-8s ", i+1, f.Source)
		switch f.State {
		case resolve.Has:
			origin := ""
			if o, ok := chain.Sources[i].(interface{ Origin(string) string }); ok {
				origin = o.Origin(name)
			}
			if f.Wins {
				found = true
				fmt.Fprint(w, green.Sprint("has it: wins"))
			} else {
				fmt.Fprint(w, "has it: shadowed by an earlier source")
			}
			if origin != "" {
				fmt.Fprintf(w, " (%s)", origin)
			}
		case resolve.Lacks:
			fmt.Fprint(w, "does not have it")
		case resolve.Skipped:
			fmt.Fprintf(w, "skipped: %s", f.Reason)
		case resolve.Failed:
			fmt.Fprintf(w, "failed: %s", f.Reason)
		}
		where := f.Where
		if wf, ok := chain.Sources[i].(interface{ WhereFor(string) string }); ok {
			where = wf.WhereFor(name)
		}
		fmt.Fprintf(w, "\n     %s\n", dim.Sprint("reads "+where))
		for _, line := range settingLines(chain.Sources[i]) {
			fmt.Fprintf(w, "     %s\n", dim.Sprint(line))
		}
		if f.State == resolve.Skipped && f.Hint != "" {
			fmt.Fprintf(w, "     %s\n", dim.Sprint("hint: "+f.Hint))
		}
	}
	for _, s := range knownSources {
		if !slices.Contains(order, s) {
			fmt.Fprintf(w, "  -  %-8s disabled: not in the source order (add it with --sources)\n", s)
		}
	}
	// get would fail on a source that fails before the winner: so does explain.
	for _, f := range findings {
		if f.Wins {
			break
		}
		if f.State == resolve.Failed {
			return false, f.Err
		}
	}
	return found, nil
}
