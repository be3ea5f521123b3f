package commands

import (
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/fatih/color"
	"github.com/urfave/cli/v2"
)

func listCommand(g *globals) *cli.Command {
	var asJSON bool
	return &cli.Command{
		Name:      "list",
		Usage:     "list every secret name the sources know, and which source wins (never a value)",
		UsageText: "prefect-secrets [global options] list [--json]",
		Description: `One line per name: the name, the source that answers for it, and the sources
it shadows. On a terminal the list has a header and aligned columns; in a
pipe it is NAME<TAB>SOURCE[<TAB>ALSO_IN,...].

Examples:
  prefect-secrets list
  prefect-secrets --sources context,env list
  prefect-secrets list --json | jq -r '.[].name'`,
		Flags: []cli.Flag{
			&option{name: "json", value: boolValue{&asJSON}, usage: `print an array of {"name", "source", "also_in"} objects`},
		},
		Action: func(c *cli.Context) error {
			if err := exactArgs("list", c.Args().Slice()); err != nil {
				return err
			}
			return g.list(asJSON)
		},
	}
}

func (g *globals) list(asJSON bool) error {
	chain, err := g.chain()
	if err != nil {
		return err
	}
	items, skipped, err := chain.List(g.ctx())
	if err != nil {
		return err
	}
	for _, s := range skipped {
		g.logf("the %s source was skipped: %s", s.Source, s.Reason)
	}
	if asJSON {
		enc := json.NewEncoder(g.io.Out)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		return enc.Encode(items)
	}
	if !g.io.OutTTY {
		for _, it := range items {
			line := it.Name + "\t" + it.Source
			if len(it.AlsoIn) > 0 {
				line += "\t" + strings.Join(it.AlsoIn, ",")
			}
			fmt.Fprintln(g.io.Out, line)
		}
		return nil
	}
	bold := g.io.paint(true, color.Bold)
	tw := tabwriter.NewWriter(g.io.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, bold.Sprint("NAME")+"\t"+bold.Sprint("SOURCE")+"\t"+bold.Sprint("SHADOWS"))
	for _, it := range items {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", it.Name, it.Source, strings.Join(it.AlsoIn, ", "))
	}
	if len(items) == 0 {
		fmt.Fprintln(g.io.Err, "prefect-secrets: no secrets found")
	}
	return tw.Flush()
}
