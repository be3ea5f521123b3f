package resolve

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// AddressSource is a source that can also read addresses (see
// ParseAddress): the Prefect 2/3 API. No other source is asked for one.
type AddressSource interface {
	Source
	// LookupAddresses reads addrs. values are keyed by Address.Text; an
	// address with no value (no such block, key path or variable, or a
	// stored null) is in missing with why, in words that name no value.
	LookupAddresses(ctx context.Context, addrs []Address) (values map[string]Secret, missing map[string]string, err error)
}

// splitAddresses parts what was asked into secret names and addresses.
func splitAddresses(asked []string) (names []string, addrs []Address, err error) {
	for _, n := range asked {
		a, ok, perr := ParseAddress(n)
		switch {
		case perr != nil:
			return nil, nil, perr
		case ok:
			addrs = append(addrs, a)
		default:
			names = append(names, n)
		}
	}
	return names, addrs, nil
}

// resolveAddresses asks the chain's address source for addrs and adds
// what it gives to res; those it cannot give go to res.Missing, with why
// in res.Why.
func (c *Chain) resolveAddresses(ctx context.Context, addrs []Address, res *Result) error {
	texts := make([]string, len(addrs))
	for i, a := range addrs {
		texts[i] = a.Text
	}
	var src AddressSource
	for _, s := range c.Sources {
		if as, ok := s.(AddressSource); ok {
			src = as
			break
		}
	}
	if src == nil {
		return &Error{Kind: ErrUsage, Msg: fmt.Sprintf("%s: blocks and variables are read from the Prefect 2/3 API, and the sources asked leave out cloud", quoteNames(texts)),
			Hint: "add cloud to --sources (or PREFECT_SECRETS_SOURCES), e.g. --sources context,keyring,cloud"}
	}
	start := time.Now()
	got, missing, err := src.LookupAddresses(ctx, addrs)
	c.trace(TraceEvent{Source: src.Name(), Op: "lookup", Asked: texts, Found: len(got), Took: time.Since(start), Err: err})
	if err != nil {
		var ae *AbsentError
		if errors.As(err, &ae) {
			return &Error{Kind: ErrUnavailable, Msg: fmt.Sprintf("%s: blocks and variables are read from the Prefect 2/3 API, and %s", quoteNames(texts), ae.Reason), Hint: ae.Hint}
		}
		return sourceError(src, texts, err)
	}
	if !contains(res.Asked, src.Name()) {
		res.Asked = append(res.Asked, src.Name())
	}
	for _, t := range texts {
		if v, ok := got[t]; ok {
			res.Values[t] = v
			res.From[t] = src.Name()
			continue
		}
		if res.Why == nil {
			res.Why = map[string]string{}
		}
		res.Why[t] = missing[t]
		if res.Why[t] == "" {
			res.Why[t] = "the API gave no value for it"
		}
		res.Missing = append(res.Missing, t)
	}
	return nil
}

func contains(l []string, s string) bool {
	for _, e := range l {
		if e == s {
			return true
		}
	}
	return false
}

// addressesNotFound is res without the addresses among its Missing, and
// the not-found error for those, saying why each has no value (nil when
// no address is missing).
func addressesNotFound(res *Result) (*Result, error) {
	if len(res.Why) == 0 {
		return res, nil
	}
	rest := *res
	rest.Missing, rest.Why = nil, nil
	var why []string
	for _, m := range res.Missing {
		if w, ok := res.Why[m]; ok {
			why = append(why, QuoteName(m)+" ("+w+")")
		} else {
			rest.Missing = append(rest.Missing, m)
		}
	}
	what := "address"
	if len(why) > 1 {
		what = "addresses"
	}
	return &rest, &Error{Kind: ErrNotFound, Msg: what + " not found: " + strings.Join(why, ", ")}
}

// joinNotFound is one not-found error for names and addresses both.
func joinNotFound(names, addrs error) error {
	var n, a *Error
	if !errors.As(names, &n) || !errors.As(addrs, &a) {
		return errors.Join(names, addrs)
	}
	return &Error{Kind: ErrNotFound, Msg: n.Msg + "; " + a.Msg, Hint: n.Hint}
}
