package resolve

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
)

// Chain asks its sources in order. Each source is asked once, for the names
// still missing, so a later source (a keyring, an API) is never asked for a
// name an earlier one already has.
type Chain struct {
	Sources []Source
	// Explicit is set when the user named the sources: then a source that is
	// absent from this machine is an error, not a skip.
	Explicit bool
	// Trace, if set, is told of every call to a source (never of values).
	Trace func(TraceEvent)
	// Asides are local sources not in Sources, looked in only to say, when
	// a name is missing, that one of them has it (see nameHints).
	Asides []Aside
}

// TraceEvent describes one call to a source, for --verbose.
type TraceEvent struct {
	Source string
	Op     string   // "lookup" or "names"
	Asked  []string // names asked for (lookup)
	Found  int      // how many it had
	Took   time.Duration
	Err    error
}

// Skip records a source that was skipped and why.
type Skip struct {
	Source string
	Reason string
	Hint   string
}

// Result is what Resolve found.
type Result struct {
	Values  map[string]Secret
	From    map[string]string // name -> the source that had it
	Missing []string          // names no source had, in the order asked
	Asked   []string          // sources that were asked, in order
	Skipped []Skip
	// Why says, for each address in Missing, why it has no value.
	Why map[string]string
}

func (c *Chain) trace(ev TraceEvent) {
	if c.Trace != nil {
		c.Trace(ev)
	}
}

// absent turns an *AbsentError into a skip in the default chain, and leaves
// every other error (and an absent source the user named) as it is.
func (c *Chain) absent(err error) (Skip, bool) {
	var ae *AbsentError
	if c.Explicit || !errors.As(err, &ae) {
		return Skip{}, false
	}
	return Skip{Source: ae.Source, Reason: ae.Reason, Hint: ae.Hint}, true
}

// Resolve finds each of names (deduplicated, order kept). A source that
// fails while names are still missing is an error naming them.
func (c *Chain) Resolve(ctx context.Context, names []string) (*Result, error) {
	res := &Result{Values: make(map[string]Secret), From: make(map[string]string)}
	missing, addrs, err := splitAddresses(dedupe(names))
	if err != nil {
		return nil, err
	}
	if len(addrs) > 0 {
		if err := c.resolveAddresses(ctx, addrs, res); err != nil {
			return nil, err
		}
	}
	// Asked is what the names were looked in, in the chain's order; the
	// address source joins it after them, once.
	addressMisses, addressAsked := res.Missing, res.Asked
	res.Asked = nil
	for _, src := range c.Sources {
		if len(missing) == 0 {
			break
		}
		start := time.Now()
		got, err := src.Lookup(ctx, missing)
		c.trace(TraceEvent{Source: src.Name(), Op: "lookup", Asked: missing, Found: len(got), Took: time.Since(start), Err: err})
		if err != nil {
			if skip, ok := c.absent(err); ok {
				res.Skipped = append(res.Skipped, skip)
				continue
			}
			return nil, sourceError(src, missing, err)
		}
		res.Asked = append(res.Asked, src.Name())
		still := missing[:0:0]
		for _, n := range missing {
			if v, ok := got[n]; ok {
				res.Values[n] = v
				res.From[n] = src.Name()
			} else {
				still = append(still, n)
			}
		}
		missing = still
	}
	res.Missing = append(addressMisses, missing...)
	for _, a := range addressAsked {
		if !contains(res.Asked, a) {
			res.Asked = append(res.Asked, a)
		}
	}
	return res, nil
}

// sourceError wraps a source's failure with the source and the names it
// was needed for, keeping the kind (and so the exit code) of the cause.
func sourceError(src Source, names []string, err error) error {
	kind := ErrUnavailable
	var e *Error
	if errors.As(err, &e) {
		if e.Kind == ErrConfig || e.Kind == ErrBadInput {
			return err // the file or the input is at fault, and the message says which
		}
		kind = e.Kind
	} else if errors.Is(err, ErrDenied) {
		kind = ErrDenied
	}
	var ae *AbsentError
	if errors.As(err, &ae) {
		kind := ErrUnavailable
		if ae.KindIfNamed != nil {
			kind = ae.KindIfNamed
		}
		return &Error{Kind: kind, Msg: fmt.Sprintf("the %s source was asked for %s but is not available: %s", src.Name(), quoteNames(names), ae.Reason), Hint: ae.Hint}
	}
	return &Error{Kind: kind, Msg: fmt.Sprintf("%s source failed looking up %s", src.Name(), quoteNames(names)), Err: err}
}

// NotFound is the error for res.Missing: it names the sources looked in,
// those skipped and why, and for each missing name what may end the
// search (see nameHints: names alike, near misses, sources not asked).
func (c *Chain) NotFound(ctx context.Context, res *Result) error {
	if rest, addrErr := addressesNotFound(res); addrErr != nil {
		if len(rest.Missing) == 0 {
			return addrErr
		}
		nameErr := c.NotFound(ctx, rest)
		return joinNotFound(nameErr, addrErr)
	}
	msg := "secret " + quoteNames(res.Missing) + " not found"
	if len(res.Missing) > 1 {
		msg = "secrets " + quoteNames(res.Missing) + " not found"
	}
	if len(res.Asked) > 0 {
		msg += " (looked in: " + strings.Join(res.Asked, ", ") + ")"
	} else {
		msg += " (no source could be asked)"
	}
	var hints []string
	for _, s := range res.Skipped {
		hints = append(hints, fmt.Sprintf("the %s source was skipped: %s", s.Source, s.Reason))
	}
	known := c.knownNames(ctx, res.Asked)
	for _, n := range res.Missing {
		hints = append(hints, c.nameHints(ctx, n, known)...)
	}
	if len(res.Skipped) > 0 && len(res.Missing) > 0 {
		hints = append(hints, "prefect-secrets explain "+res.Missing[0]+" says more")
	}
	return &Error{Kind: ErrNotFound, Msg: msg, Hint: strings.Join(hints, "\n")}
}

// Finding is what one source says about one name, for explain.
type Finding struct {
	Source string
	Where  string
	State  State
	Reason string // why skipped, or what failed
	Hint   string
	Err    error // what failed, for State Failed
	Wins   bool
}

// State is a source's answer about a name.
type State int

const (
	Has State = iota
	Lacks
	Skipped
	Failed
)

// Explain asks every source about name (not only up to the first that has
// it, so shadowed values show) and marks the one that wins.
func (c *Chain) Explain(ctx context.Context, name string) []Finding {
	var out []Finding
	won := false
	for _, src := range c.Sources {
		f := Finding{Source: src.Name(), Where: src.Where()}
		start := time.Now()
		got, err := src.Lookup(ctx, []string{name})
		c.trace(TraceEvent{Source: src.Name(), Op: "lookup", Asked: []string{name}, Found: len(got), Took: time.Since(start), Err: err})
		switch {
		case err != nil:
			if skip, ok := c.absent(err); ok {
				f.State, f.Reason, f.Hint = Skipped, skip.Reason, skip.Hint
			} else {
				f.Err = sourceError(src, []string{name}, err)
				f.State, f.Reason, f.Hint = Failed, err.Error(), HintText(f.Err)
			}
		case len(got) > 0:
			f.State = Has
			f.Wins = !won
			won = true
		default:
			f.State = Lacks
		}
		out = append(out, f)
	}
	return out
}

// Listing is one name and the sources that have it, the winner first.
type Listing struct {
	Name   string   `json:"name"`
	Source string   `json:"source"`
	AlsoIn []string `json:"also_in"`
}

// List gathers every name every source knows. A source that fails does not
// hide what the others know: its names are missing from the list, and its
// failure is in failed, naming it and keeping the kind (and so the exit
// code) of the cause.
func (c *Chain) List(ctx context.Context) (items []Listing, skipped []Skip, failed []error) {
	byName := make(map[string]*Listing)
	for _, src := range c.Sources {
		start := time.Now()
		names, err := src.Names(ctx)
		c.trace(TraceEvent{Source: src.Name(), Op: "names", Found: len(names), Took: time.Since(start), Err: err})
		if err != nil {
			if skip, ok := c.absent(err); ok {
				skipped = append(skipped, skip)
			} else {
				failed = append(failed, listError(src, err))
			}
			continue
		}
		for _, n := range names {
			if l, ok := byName[n]; ok {
				if l.Source != src.Name() && !slices.Contains(l.AlsoIn, src.Name()) {
					l.AlsoIn = append(l.AlsoIn, src.Name())
				}
				continue
			}
			byName[n] = &Listing{Name: n, Source: src.Name(), AlsoIn: []string{}}
		}
	}
	items = make([]Listing, 0, len(byName))
	for _, l := range byName {
		items = append(items, *l)
	}
	sort.Slice(items, func(i, j int) bool { return items[i].Name < items[j].Name })
	return items, skipped, failed
}

// listError names the source whose names are missing from a list, and why.
func listError(src Source, err error) error {
	msg := fmt.Sprintf("the %s source failed listing names (they are not in the list)", src.Name())
	var ae *AbsentError
	if errors.As(err, &ae) {
		kind := ErrUnavailable
		if ae.KindIfNamed != nil {
			kind = ae.KindIfNamed
		}
		return &Error{Kind: kind, Msg: fmt.Sprintf("the %s source is not available (its names are not in the list): %s", src.Name(), ae.Reason), Hint: ae.Hint}
	}
	kind := ErrUnavailable
	for _, k := range []error{ErrConfig, ErrDenied, ErrBadInput} {
		if errors.Is(err, k) {
			kind = k
			break
		}
	}
	return &Error{Kind: kind, Msg: msg, Err: err}
}

func dedupe(names []string) []string {
	out := make([]string, 0, len(names))
	for _, n := range names {
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}

func quoteNames(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = QuoteName(n)
	}
	return strings.Join(q, ", ")
}
