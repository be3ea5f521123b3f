package resolve

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/xrash/smetrics"
)

// A not-found message tries to end the search, not only report it. For
// each missing name it says, as hint lines (names only, never a value):
//
//   - the names that differ from it only in case (Prefect's own docs read
//     PREFECT__CONTEXT__SECRETS__FOO as Secret('foo'));
//   - else the closest names by edit distance, among the names the sources
//     asked can list (the local ones, and the API's since it was asked
//     anyway);
//   - what a source reads that almost names it (a NearMisser: the local
//     context's PREFECT__CONTEXT__SECRETS_NAME, with one underscore);
//   - a source left out of the chain that has it (an Aside: the env source,
//     when a plain NAME variable is set), and how to ask it.

// NearMisser is implemented by a source that can say, of a name it does
// not have, what it reads that comes close: something spelt almost as its
// rules want, which those rules do not take for that name. Each near miss
// is one line: what is there, why it is not the secret, what to write. It
// names no value.
type NearMisser interface {
	NearMisses(name string) []string
}

// Aside is a local source the chain does not ask (not in --sources), still
// looked in when a name is missing, so the message can say it has it.
type Aside struct {
	Source Source
	// HowToAsk ends the hint, e.g. "--sources context,env reads it".
	HowToAsk string
}

// nameHints are the hint lines for one missing name.
func (c *Chain) nameHints(ctx context.Context, name string, known []string) []string {
	var hints []string
	if alike := caseAlike(name, known); len(alike) > 0 {
		hints = append(hints, fmt.Sprintf("names are case-sensitive: did you mean %s instead of %s?", quoteOr(alike), QuoteName(name)))
	} else if close := closest(name, known); len(close) > 0 {
		hints = append(hints, fmt.Sprintf("did you mean %s instead of %s?", quoteOr(close), QuoteName(name)))
	}
	seen := make(map[string]bool)
	for _, src := range c.allSources() {
		if nm, ok := src.(NearMisser); ok && !seen[src.Name()] {
			seen[src.Name()] = true
			hints = append(hints, nm.NearMisses(name)...)
		}
	}
	for _, a := range c.Asides {
		got, err := a.Source.Lookup(ctx, []string{name})
		c.trace(TraceEvent{Source: a.Source.Name(), Op: "lookup", Asked: []string{name}, Found: len(got), Err: err})
		if _, has := got[name]; has && err == nil {
			hints = append(hints, fmt.Sprintf("the %s source has %s, but it is not among the sources asked: %s", a.Source.Name(), QuoteName(name), a.HowToAsk))
		}
	}
	return hints
}

func (c *Chain) allSources() []Source {
	all := slices.Clone(c.Sources)
	for _, a := range c.Asides {
		all = append(all, a.Source)
	}
	return all
}

// knownNames lists the names of the sources already asked; a failure here
// only costs a suggestion.
func (c *Chain) knownNames(ctx context.Context, asked []string) []string {
	var known []string
	for _, src := range c.Sources {
		if !slices.Contains(asked, src.Name()) {
			continue
		}
		names, err := src.Names(ctx)
		c.trace(TraceEvent{Source: src.Name(), Op: "names", Found: len(names), Err: err})
		if err == nil {
			known = append(known, names...)
		}
	}
	slices.Sort(known)
	return slices.Compact(known)
}

// caseAlike are the known names that differ from name only in case.
func caseAlike(name string, known []string) []string {
	var alike []string
	for _, k := range known {
		if k != name && strings.EqualFold(k, name) {
			alike = append(alike, k)
		}
	}
	return alike
}

// closest are the known names nearest to name, at most three, if any is
// near enough. Names are compared with case and the difference between -
// and _ ignored (DB_PASSWORD and db-password, a Prefect block's name, are
// one name apart by nothing), so that those confusions cost no edit; a name
// may be some edits away the longer it is (none below 4 characters, one up
// to 7, two up to 11, at most three), and never all of it.
func closest(name string, known []string) []string {
	n := utf8.RuneCountInString(name)
	limit := min(3, n/4)
	want := fold(name)
	best, bestDist := []string(nil), limit+1
	for _, k := range known {
		if k == name {
			continue
		}
		d := smetrics.WagnerFischer(want, fold(k), 1, 1, 1)
		if d > limit || d >= n || d >= utf8.RuneCountInString(k) {
			continue
		}
		switch {
		case d < bestDist:
			best, bestDist = []string{k}, d
		case d == bestDist && len(best) < 3:
			best = append(best, k)
		}
	}
	return best
}

func fold(name string) string { return strings.ReplaceAll(strings.ToLower(name), "-", "_") }

// quoteOr is `"A"`, `"A" or "B"`, `"A", "B" or "C"`.
func quoteOr(names []string) string {
	last := len(names) - 1
	if last == 0 {
		return QuoteName(names[0])
	}
	return quoteNames(names[:last]) + " or " + QuoteName(names[last])
}
