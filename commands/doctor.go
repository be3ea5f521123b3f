package commands

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/fatih/color"
	"github.com/urfave/cli/v2"

	"github.com/prefect-secrets/prefect-secrets/internal/prefect"
	"github.com/prefect-secrets/prefect-secrets/internal/prefect/api"
	"github.com/prefect-secrets/prefect-secrets/resolve"
)

func doctorCommand(g *globals) *cli.Command {
	return &cli.Command{
		Name:      "doctor",
		Usage:     "check each source: where it reads, whether it is there, whether it answers (never a value)",
		UsageText: "prefect-secrets [global options] doctor",
		Description: `For each source: where it reads and where its settings come from (never a
key), then a check that it answers: the local context's config file parses,
the keyring lists its names, the Prefect API answers a request that needs
the credentials. Exits 0 when nothing failed (a source that is merely not
configured is not a failure), else with the first failure's code.

Examples:
  prefect-secrets doctor
  PREFECT_PROFILE=prod prefect-secrets doctor`,
		Action: func(c *cli.Context) error {
			if err := exactArgs("doctor", c.Args().Slice()); err != nil {
				return err
			}
			return g.doctor()
		},
	}
}

func (g *globals) doctor() error {
	order, _, err := g.sourceOrder()
	if err != nil {
		return err
	}
	ok := g.io.paint(g.io.OutTTY, color.FgGreen, color.Bold)
	bad := g.io.paint(g.io.OutTTY, color.FgRed, color.Bold)
	w := g.io.Out
	var first error
	for _, name := range knownSources {
		if name == "env" {
			continue
		}
		src := g.source(name)
		inOrder := "in the source order"
		if !slices.Contains(order, name) {
			inOrder = "not in the source order (--sources)"
		}
		fmt.Fprintf(w, "%-8s %s\n", name, inOrder)
		fmt.Fprintf(w, "         reads %s\n", src.Where())
		for _, line := range settingLines(src) {
			fmt.Fprintf(w, "         %s\n", line)
		}
		start := time.Now()
		var checkErr error
		what := ""
		if c, isCloud := src.(interface{ Check(context.Context) error }); isCloud {
			checkErr = c.Check(g.ctx())
			what = "answers and accepts the credentials"
		} else {
			var names []string
			names, checkErr = src.Names(g.ctx())
			what = fmt.Sprintf("answers: %d %s", len(names), plural(len(names), "name", "names"))
		}
		took := time.Since(start).Round(time.Millisecond)
		var absent *resolve.AbsentError
		switch {
		case errors.As(checkErr, &absent):
			fmt.Fprintf(w, "         skipped: %s\n", absent.Reason)
			if h := doctorHint(absent.Hint); h != "" {
				fmt.Fprintf(w, "         hint: %s\n", h)
			}
		case checkErr != nil:
			fmt.Fprintf(w, "         %s %v\n", bad.Sprint("failed:"), checkErr)
			if h := doctorHint(Hint(checkErr)); h != "" {
				fmt.Fprintf(w, "         hint: %s\n", h)
			}
			if first == nil {
				first = checkErr
			}
		default:
			fmt.Fprintf(w, "         %s %s (%s)\n", ok.Sprint("ok:"), what, took)
		}
	}
	if first != nil {
		// The failure and its hint are printed above; keep its exit code.
		kind := resolve.ErrUnavailable
		for _, k := range []error{resolve.ErrBadInput, resolve.ErrDenied, resolve.ErrConfig} {
			if errors.Is(first, k) {
				kind = k
				break
			}
		}
		return &resolve.Error{Kind: kind, Msg: "a source failed (see above)"}
	}
	return nil
}

// doctorHint is a source's hint as doctor shows it: without the pointer to
// doctor that the same hint ends with in other commands' errors.
func doctorHint(hint string) string {
	return strings.ReplaceAll(hint, "; see prefect-secrets doctor", "")
}

// settingLines says, for the cloud source, where each Prefect setting it
// reads came from and what it shadows (never a credential's value).
func settingLines(src resolve.Source) []string {
	a, ok := src.(*api.Source)
	if !ok {
		return nil
	}
	origins, err := prefect.Origins(a.Settings)
	if err != nil {
		return nil // the source's own check reports it
	}
	lines := make([]string, len(origins))
	for i, o := range origins {
		lines[i] = "setting " + o.String()
	}
	return lines
}

// plural is one or other, by n.
func plural(n int, one, other string) string {
	if n == 1 {
		return one
	}
	return other
}
