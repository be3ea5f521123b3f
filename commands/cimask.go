package commands

import (
	"fmt"
	"sort"

	"github.com/prefect-secrets/prefect-secrets/internal/ghactions"
	"github.com/prefect-secrets/prefect-secrets/internal/mask"
	"github.com/prefect-secrets/prefect-secrets/resolve"
)

// ciMaskFlags are the flags of every command that resolves values: get,
// exec, export, inject.
type ciMaskFlags struct {
	NoCIMask bool
	MaskMin  int
}

const noCIMaskUsage = "do not register the values with GitHub Actions' log masking (::add-mask:: on stderr, done when GITHUB_ACTIONS=true)"

// registerCIMasks registers every value with GitHub Actions' log masking
// before it goes anywhere, when this runs in a GitHub Actions step: one
// ::add-mask:: command on stderr per line of a value (and, for a
// structured value, per line of each string in it). This is the one place
// a value is written to stderr: the runner reads these lines, keeps the
// values out of every later line of the job's log, and does not log the
// commands themselves.
func (g *globals) registerCIMasks(f ciMaskFlags, values map[string]resolve.Secret) error {
	if f.NoCIMask || !ghactions.Enabled(g.io.Getenv) || len(values) == 0 {
		return nil
	}
	minLen := f.MaskMin
	if minLen <= 0 {
		minLen = mask.DefaultMinLen
	}
	names := make([]string, 0, len(values))
	for n, v := range values {
		if !v.IsPublic() { // a Prefect variable is no secret
			names = append(names, n)
		}
	}
	sort.Strings(names)
	var warnings, out []byte
	for _, n := range names {
		v := values[n]
		var short int
		out, short = ghactions.AppendAddMask(out, v.Reveal(), minLen)
		if v.IsJSON() {
			for _, leaf := range structuredStrings(v.Reveal()) {
				out, _ = ghactions.AppendAddMask(out, leaf, minLen)
			}
		}
		if short > 0 {
			warnings = fmt.Appendf(warnings, "prefect-secrets: warning: %d line(s) of secret %s are shorter than %d bytes and are not registered with GitHub Actions' log masking\n", short, resolve.QuoteName(n), minLen)
		}
	}
	g.logf("github actions: registering %d values with the log masking", len(names))
	if _, err := g.io.Err.Write(append(warnings, out...)); err != nil {
		return fmt.Errorf("registering the values with GitHub Actions' log masking on stderr: %w", err)
	}
	return nil
}

// structuredStrings returns every string leaf of a structured value (its
// JSON text), as the masker finds them: the parts of it a step is most
// likely to print alone.
func structuredStrings(jsonText []byte) [][]byte {
	leaves, _ := mask.Leaves("", jsonText)
	out := make([][]byte, len(leaves))
	for i, l := range leaves {
		out[i] = l.Value
	}
	return out
}
