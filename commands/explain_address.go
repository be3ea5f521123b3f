package commands

import (
	"errors"
	"fmt"
	"strings"

	"github.com/fatih/color"

	"github.com/prefect-secrets/prefect-secrets/internal/prefect/api"
	"github.com/prefect-secrets/prefect-secrets/resolve"
)

// explainAddress says what of an address exists in the Prefect 2/3 API
// (the block type, the block, the key path; or the variable) and whether
// its key path is a secret field of the block's schema, in explain's
// layout, never a value. It reads what get would (one GET, two for a
// missing block), and exits as get would: 66 when the address has no
// value, saying why in get's words.
func (g *globals) explainAddress(a resolve.Address) error {
	why, err := g.explainAddressLayout(a)
	if err == nil && why != "" {
		err = &resolve.Error{Kind: resolve.ErrNotFound, Msg: "address not found: " + resolve.QuoteName(a.Text) + " (" + why + ")"}
	}
	return err
}

// explainAddressLayout prints what explainAddress says, and returns why
// the address has no value ("" when it has one).
func (g *globals) explainAddressLayout(a resolve.Address) (why string, err error) {
	src, err := g.addressAPI(resolve.QuoteName(a.Text))
	if err != nil {
		return "", err
	}
	order, _, _ := g.sourceOrder()
	w := g.io.Out
	fmt.Fprintf(w, "address %s:\n", resolve.QuoteName(a.Text))
	rep, err := src.ExplainAddress(g.ctx(), a)
	var absent *resolve.AbsentError
	switch {
	case errors.As(err, &absent):
		fmt.Fprintf(w, "  1. %-8s skipped: %s\n", src.Name(), absent.Reason)
		g.explainAddressFooter(src, order, "hint: "+absent.Hint)
		return "", noAddressAPI(resolve.QuoteName(a.Text), err)
	case err != nil:
		fmt.Fprintf(w, "  1. %-8s failed: %s\n", src.Name(), err)
		g.explainAddressFooter(src, order)
		return "", err
	}
	if rep.Why == "" {
		fmt.Fprintf(w, "  1. %-8s %s\n", src.Name(), g.io.paint(g.io.OutTTY, color.FgGreen, color.Bold).Sprint("has it"))
	} else {
		fmt.Fprintf(w, "  1. %-8s does not have it\n", src.Name())
	}
	for _, line := range addressFacts(rep) {
		fmt.Fprintf(w, "     %s\n", line)
	}
	g.explainAddressFooter(src, order)
	return rep.Why, nil
}

// explainAddressFooter prints where the API source reads (and extra
// lines), then the sources of the order that are not asked.
func (g *globals) explainAddressFooter(src *api.Source, order []string, extra ...string) {
	w := g.io.Out
	dim := g.io.paint(g.io.OutTTY, color.Faint)
	for _, line := range append(append([]string{"reads " + src.Where()}, settingLines(src)...), extra...) {
		fmt.Fprintf(w, "     %s\n", dim.Sprint(line))
	}
	for _, s := range order {
		if s != src.Name() {
			fmt.Fprintf(w, "  -  %-8s not asked: only the Prefect 2/3 API holds blocks and variables\n", s)
		}
	}
}

// addressFacts are the lines that say what of an address exists, part by
// part, and how it stands to the schema's secret fields.
func addressFacts(r *api.AddressReport) []string {
	a := r.Address
	if a.Kind == resolve.VariableAddress {
		if !r.Found {
			return []string{fmt.Sprintf("variable %q: does not exist (Prefect itself would give \"\")", a.Variable)}
		}
		return []string{fmt.Sprintf("variable %q: exists", a.Variable),
			"secret: no, variables are not secrets: exec does not mask their values"}
	}
	if !r.TypeKnown {
		return []string{fmt.Sprintf("block type %q: the server does not know it", a.Slug)}
	}
	typeLine := fmt.Sprintf("block type %q: known to the server", a.Slug)
	if r.TypeName != "" {
		typeLine += " (" + r.TypeName + ")"
	}
	lines := []string{typeLine}
	if !r.Found {
		return append(lines, fmt.Sprintf("block %q: does not exist", a.Block))
	}
	lines = append(lines, fmt.Sprintf("block %q: exists", a.Block))
	lines = append(lines, pathFact(r))
	return append(lines, secretFact(r))
}

// pathFact is the line about the key path.
func pathFact(r *api.AddressReport) string {
	a := r.Address
	const unwraps = `the block's data is only "value", which Prefect unwraps`
	switch {
	case !a.HasPath && r.Unwrapped:
		return "key path: none: the block's value (" + unwraps + ")"
	case !a.HasPath:
		return "key path: none: the whole block's data, as JSON"
	case !r.PathFound:
		return fmt.Sprintf("key path %q: not in the block's data (its fields: %s)", a.Path, strings.Join(r.Fields, ", "))
	case r.Null:
		return fmt.Sprintf("key path %q: exists, and holds null: no value", a.Path)
	case r.Unwrapped:
		return fmt.Sprintf("key path %q: exists, inside the block's value (%s)", a.Path, unwraps)
	}
	return fmt.Sprintf("key path %q: exists", a.Path)
}

// secretFact is the line about the schema's secret fields.
func secretFact(r *api.AddressReport) string {
	schema := "the schema lists no secret fields"
	if len(r.SecretFields) > 0 {
		schema = "the schema's secret fields: " + strings.Join(r.SecretFields, ", ")
	}
	all := "prefect-secrets masks every string of it all the same"
	switch {
	case r.Relation == api.InSecretField && len(r.Matched) == 1 && r.Matched[0] == strings.Join(r.Keys, "."):
		return fmt.Sprintf("secret field: yes, %s (%s)", r.Matched[0], schema)
	case r.Relation == api.InSecretField:
		return fmt.Sprintf("secret field: yes, inside %s (%s)", strings.Join(r.Matched, ", "), schema)
	case r.Relation == api.HoldsSecretFields:
		return fmt.Sprintf("secret field: no, but it holds %s (%s); %s", strings.Join(r.Matched, ", "), schema, all)
	}
	return fmt.Sprintf("secret field: no (%s); %s", schema, all)
}
