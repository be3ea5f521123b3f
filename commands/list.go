package commands

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/urfave/cli/v2"

	"github.com/fatih/color"

	"github.com/prefect-secrets/prefect-secrets/resolve"
)

func listCommand(g *globals) *cli.Command {
	var asJSON, blocks bool
	var envFiles []string
	return &cli.Command{
		Name:      "list",
		Usage:     "list every secret name the sources know, and which source wins (never a value)",
		UsageText: "prefect-secrets [global options] list [--json] [--blocks | --env-file FILE...]",
		Description: `One line per name: the name, the source that answers for it, and the sources
it shadows. On a terminal the list has a header and aligned columns; in a
pipe it is NAME<TAB>SOURCE[<TAB>ALSO_IN,...]. A name holding control or
invisible characters, spaces or invalid UTF-8, or starting with a quote, is
shown quoted in Go's style ("A\tB"); --json shows every name as it is.

A source that fails does not hide what the others know: they are listed,
the failing source is named on stderr with why, and list exits non-zero
(69 for a source that is unavailable).

With --env-file, one line per variable of the reference files instead: the
variable, its secret, and the source that will answer (as exec and export
would ask), "missing" where none will (then the exit code is 66, so a CI
job can check before it runs anything), or "plain" for a plain value.

With --blocks, the address of every secret field of every block in the
Prefect 2/3 API instead, one a line, e.g.
prefect.blocks.slack-webhook.alerts.url: each field its block's schema
lists in secret_fields that the block holds something in (not null), a
"headers.*" as one address per key, a Secret block as
prefect.blocks.secret.NAME. The blocks are read without their secrets
(one request per 200 blocks). Variables are not listed: they are not
secrets.

Examples:
  prefect-secrets list
  prefect-secrets --sources context,env list
  prefect-secrets list --json | jq -r '.[].name'
  prefect-secrets list --env-file .env.secrets
  prefect-secrets list --blocks`,
		Flags: []cli.Flag{
			&option{name: "json", value: boolValue{&asJSON}, usage: `print an array of {"name", "source", "also_in"} objects (with --env-file: {"var", "secret", "source", "defined_at"})`},
			&option{name: "env-file", value: stringList{&envFiles}, usage: "list the variables of the reference `FILE` and which source answers for each (repeatable)"},
			&option{name: "blocks", value: boolValue{&blocks}, usage: `list the address of every secret field of every Prefect 2/3 block instead (with --json: {"name", "source", "block_type", "block", "secret_field"})`},
		},
		Action: func(c *cli.Context) error {
			if err := exactArgs("list", c.Args().Slice()); err != nil {
				return err
			}
			if blocks {
				if len(envFiles) > 0 {
					return usagef("usage: prefect-secrets list --blocks | --env-file FILE...", "list takes --blocks or --env-file, not both")
				}
				return g.listBlocks(asJSON)
			}
			if len(envFiles) > 0 {
				return g.listEnvFiles(envFiles, asJSON)
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
	items, skipped, failed := chain.List(g.ctx())
	for _, s := range skipped {
		g.logf("the %s source was skipped: %s", s.Source, s.Reason)
	}
	switch {
	case asJSON:
		enc := json.NewEncoder(g.io.Out)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		err = enc.Encode(items)
	case !g.io.OutTTY:
		for _, it := range items {
			line := displayName(it.Name) + "\t" + it.Source
			if len(it.AlsoIn) > 0 {
				line += "\t" + strings.Join(it.AlsoIn, ",")
			}
			if _, err = fmt.Fprintln(g.io.Out, line); err != nil {
				break
			}
		}
	case len(items) == 0 && len(failed) == 0:
		fmt.Fprintln(g.io.Err, "prefect-secrets: no secrets found")
	case len(items) > 0:
		err = g.listTable(items)
	}
	if err != nil {
		return err
	}
	// What the other sources know is printed; each source that failed is
	// named, with why, and the exit code is the last one's.
	for i, f := range failed {
		if i == len(failed)-1 {
			return f
		}
		g.io.Report(f)
	}
	return nil
}

// listTable prints the list as aligned columns under a bold header. Cells
// are padded by the width they show, then coloured: colour codes take no
// room on the screen.
func (g *globals) listTable(items []resolve.Listing) error {
	bold := g.io.paint(true, color.Bold)
	rows := [][]string{{"NAME", "SOURCE", "SHADOWS"}}
	for _, it := range items {
		rows = append(rows, []string{displayName(it.Name), it.Source, strings.Join(it.AlsoIn, ", ")})
	}
	widths := make([]int, len(rows[0]))
	for _, r := range rows {
		for i, cell := range r {
			widths[i] = max(widths[i], textWidth(cell))
		}
	}
	var b strings.Builder
	for n, r := range rows {
		last := len(r) - 1
		for last > 0 && r[last] == "" {
			last--
		}
		for i, cell := range r[:last+1] {
			if n == 0 {
				b.WriteString(bold.Sprint(cell))
			} else {
				b.WriteString(cell)
			}
			if i < last {
				b.WriteString(strings.Repeat(" ", widths[i]-textWidth(cell)+2))
			}
		}
		b.WriteByte('\n')
	}
	_, err := io.WriteString(g.io.Out, b.String())
	return err
}

// displayName is a name as list shows it: as it is, or quoted in Go's %q
// style when it holds anything that could drive the terminal or break a
// line or a column (control or invisible characters, spaces, invalid
// UTF-8), or starts with a quote, so a quoted name is never ambiguous.
func displayName(name string) string {
	if name == "" || strings.HasPrefix(name, `"`) || !utf8.ValidString(name) {
		return strconv.Quote(name)
	}
	for _, r := range name {
		if !strconv.IsPrint(r) || unicode.IsSpace(r) {
			return strconv.Quote(name)
		}
	}
	return name
}

// textWidth is how many terminal columns text takes: wide (East Asian,
// emoji) characters take two, combining marks none.
func textWidth(text string) int {
	w := 0
	for _, r := range text {
		switch {
		case unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Me, r) || r == '\u200d':
		case wide(r):
			w += 2
		default:
			w++
		}
	}
	return w
}

func wide(r rune) bool {
	return r >= 0x1100 && (r <= 0x115f || r == 0x2329 || r == 0x232a ||
		(r >= 0x2e80 && r <= 0xa4cf && r != 0x303f) ||
		(r >= 0xac00 && r <= 0xd7a3) ||
		(r >= 0xf900 && r <= 0xfaff) ||
		(r >= 0xfe30 && r <= 0xfe6f) ||
		(r >= 0xff00 && r <= 0xff60) ||
		(r >= 0xffe0 && r <= 0xffe6) ||
		(r >= 0x1f300 && r <= 0x1f64f) ||
		(r >= 0x1f900 && r <= 0x1f9ff) ||
		(r >= 0x20000 && r <= 0x3fffd))
}
