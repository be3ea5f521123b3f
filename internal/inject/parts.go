package inject

import (
	"errors"
	"fmt"

	"github.com/prefect-secrets/prefect-secrets/internal/placeholder"
	"github.com/prefect-secrets/prefect-secrets/resolve"
)

// Render puts d's Parts together, each address's value in its place as
// Prefect puts it there (Python's str(): a string as itself, True, None,
// a number as Python writes it). An object or a list is refused: Prefect's
// worker would put its Python repr in the variable. The error names the
// variable and the address, never the value.
func (d Definition) Render(values map[string]resolve.Secret) ([]byte, error) {
	var out []byte
	for _, p := range d.Parts {
		if p.Address == "" {
			out = append(out, p.Text...)
			continue
		}
		v, ok := values[p.Address]
		if !ok {
			return nil, fmt.Errorf("$%s: no value for %s", d.Var, resolve.QuoteName(p.Address))
		}
		text, err := placeholder.PyStr(v.Reveal(), v.IsJSON())
		if err != nil {
			msg := fmt.Sprintf("%s, asked for in $%s (%s), is not a value a variable can hold", resolve.QuoteName(p.Address), d.Var, d.Origin)
			hint := ""
			if errors.Is(err, placeholder.ErrNotScalar) {
				msg = fmt.Sprintf("%s, asked for in $%s (%s), is an object or a list: Prefect's worker would put its Python repr in the variable", resolve.QuoteName(p.Address), d.Var, d.Origin)
				hint = "address one field of it, e.g. " + p.Address + ".<key>"
			}
			return nil, &resolve.Error{Kind: resolve.ErrBadInput, Msg: msg, Hint: hint}
		}
		out = append(out, text...)
	}
	return out, nil
}
