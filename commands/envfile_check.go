package commands

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/fatih/color"

	"github.com/prefect-secrets/prefect-secrets/internal/inject"
	"github.com/prefect-secrets/prefect-secrets/resolve"
)

// envFileRow is one variable of the reference files, for list --env-file:
// never its value.
type envFileRow struct {
	Var       string `json:"var"`
	Secret    string `json:"secret"`
	Source    string `json:"source"` // the source that answers, "missing", or "plain"
	DefinedAt string `json:"defined_at"`
}

// listEnvFiles lists each variable of the reference files and the source
// that will answer for it, asking the sources as exec and export do; it
// fails (66) naming every secret that none has.
func (g *globals) listEnvFiles(files []string, asJSON bool) error {
	defs, chain, err := g.fileDefinitions(files)
	if err != nil {
		return err
	}
	res := &resolve.Result{From: map[string]string{}}
	if names := inject.Names(defs); len(names) > 0 {
		if res, err = chain.Resolve(g.ctx(), names); err != nil {
			return err
		}
	}
	rows := make([]envFileRow, 0, len(defs))
	for _, d := range defs {
		row := envFileRow{Var: d.Var, Secret: d.Name, Source: res.From[d.Name], DefinedAt: d.Origin}
		switch {
		case d.Plain:
			row.Source = "plain"
		case slices.Contains(res.Missing, d.Name):
			row.Source = "missing"
		}
		rows = append(rows, row)
	}
	if err := g.printEnvFileRows(rows, asJSON); err != nil {
		return err
	}
	if len(res.Missing) > 0 {
		return inject.MissingError(chain.NotFound(g.ctx(), res), defs, res.Missing, "exec and export would fail")
	}
	return nil
}

func (g *globals) printEnvFileRows(rows []envFileRow, asJSON bool) error {
	w := g.io.Out
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		return enc.Encode(rows)
	}
	cells := [][]string{{"VAR", "SECRET", "SOURCE", "DEFINED AT"}}
	for _, r := range rows {
		secret := "-"
		if r.Secret != "" {
			secret = displayName(r.Secret)
		}
		cells = append(cells, []string{r.Var, secret, r.Source, displayName(r.DefinedAt)})
	}
	var b strings.Builder
	if !g.io.OutTTY {
		for _, r := range cells[1:] {
			b.WriteString(strings.Join(r, "\t") + "\n")
		}
		_, err := io.WriteString(w, b.String())
		return err
	}
	// Aligned columns under a bold header, padded by the width each cell
	// shows, then coloured.
	bold := g.io.paint(true, color.Bold)
	red := g.io.paint(true, color.FgRed, color.Bold)
	widths := make([]int, len(cells[0]))
	for _, r := range cells {
		for i, c := range r {
			widths[i] = max(widths[i], textWidth(c))
		}
	}
	for n, r := range cells {
		for i, c := range r {
			shown := c
			switch {
			case n == 0:
				shown = bold.Sprint(c)
			case i == 2 && c == "missing":
				shown = red.Sprint(c)
			}
			b.WriteString(shown)
			if i < len(r)-1 {
				b.WriteString(strings.Repeat(" ", widths[i]-textWidth(c)+2))
			}
		}
		b.WriteByte('\n')
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// explainEnvFiles explains the secret of each variable of the reference
// files; it fails (66) naming every secret that none has.
func (g *globals) explainEnvFiles(files []string) error {
	defs, chain, err := g.fileDefinitions(files)
	if err != nil {
		return err
	}
	w := g.io.Out
	var missing []string
	for i, d := range defs {
		if i > 0 {
			fmt.Fprintln(w)
		}
		if d.Plain {
			fmt.Fprintf(w, "$%s (%s): a plain value, from the file\n", d.Var, d.Origin)
			continue
		}
		fmt.Fprintf(w, "$%s (%s):\n", d.Var, d.Origin)
		found, err := g.explainSecret(chain, d.Name)
		if err != nil {
			return err
		}
		if !found && !slices.Contains(missing, d.Name) {
			missing = append(missing, d.Name)
		}
	}
	if len(missing) > 0 {
		q := make([]string, len(missing))
		for i, n := range missing {
			q[i] = resolve.QuoteName(n)
		}
		what := "secret"
		if len(missing) > 1 {
			what = "secrets"
		}
		err := &resolve.Error{Kind: resolve.ErrNotFound, Msg: fmt.Sprintf("%s %s not found in any source", what, strings.Join(q, ", "))}
		return inject.MissingError(err, defs, missing, "exec and export would fail")
	}
	return nil
}

// fileDefinitions reads the reference files' definitions (no -s, no
// references in the environment) and the chain that answers them.
func (g *globals) fileDefinitions(files []string) ([]inject.Definition, *resolve.Chain, error) {
	defs, err := g.definitions(nil, files, false)
	if err != nil {
		return nil, nil, err
	}
	chain, err := g.chain()
	return defs, chain, err
}
