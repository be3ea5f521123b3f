package resolve

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// chainTestSource is a fake Source that records what it was asked.
type chainTestSource struct {
	name      string
	values    map[string]string
	lookupErr error // returned by Lookup
	namesErr  error // returned by Names
	asked     [][]string
	namesCall int
}

func (s *chainTestSource) Name() string  { return s.name }
func (s *chainTestSource) Where() string { return "the " + s.name + " test store" }

func (s *chainTestSource) Lookup(_ context.Context, names []string) (map[string]Secret, error) {
	s.asked = append(s.asked, slices.Clone(names))
	if s.lookupErr != nil {
		return nil, s.lookupErr
	}
	out := make(map[string]Secret)
	for _, n := range names {
		if v, ok := s.values[n]; ok {
			out[n] = NewSecret([]byte(v))
		}
	}
	return out, nil
}

func (s *chainTestSource) Names(context.Context) ([]string, error) {
	s.namesCall++
	if s.namesErr != nil {
		return nil, s.namesErr
	}
	var names []string
	for n := range s.values {
		names = append(names, n)
	}
	slices.Sort(names)
	return names, nil
}

func chainTestValues(res *Result) map[string]string {
	out := make(map[string]string)
	for k, v := range res.Values {
		out[k] = string(v.Reveal())
	}
	return out
}

func TestChainResolveBatches(t *testing.T) {
	a := &chainTestSource{name: "a", values: map[string]string{"X": "a-x", "Y": "a-y"}}
	b := &chainTestSource{name: "b", values: map[string]string{"Y": "b-y", "Z": "b-z"}}
	c := &chainTestSource{name: "c", values: map[string]string{"W": "c-w", "Z": "c-z"}}
	var events []TraceEvent
	chain := &Chain{Sources: []Source{a, b, c}, Trace: func(ev TraceEvent) { events = append(events, ev) }}
	res, err := chain.Resolve(context.Background(), []string{"X", "Z", "Y", "X", "NONE"})
	if err != nil {
		t.Fatal(err)
	}
	// Each source is asked once, only for the names still missing, in the
	// order asked, without duplicates.
	if want := [][]string{{"X", "Z", "Y", "NONE"}}; !reflect.DeepEqual(a.asked, want) {
		t.Errorf("a was asked %q, want %q", a.asked, want)
	}
	if want := [][]string{{"Z", "NONE"}}; !reflect.DeepEqual(b.asked, want) {
		t.Errorf("b was asked %q, want %q", b.asked, want)
	}
	if want := [][]string{{"NONE"}}; !reflect.DeepEqual(c.asked, want) {
		t.Errorf("c was asked %q, want %q", c.asked, want)
	}
	if want := map[string]string{"X": "a-x", "Y": "a-y", "Z": "b-z"}; !reflect.DeepEqual(chainTestValues(res), want) {
		t.Errorf("Values = %q, want %q", chainTestValues(res), want)
	}
	if want := map[string]string{"X": "a", "Y": "a", "Z": "b"}; !reflect.DeepEqual(res.From, want) {
		t.Errorf("From = %q, want %q", res.From, want)
	}
	if !slices.Equal(res.Missing, []string{"NONE"}) {
		t.Errorf("Missing = %q", res.Missing)
	}
	if !slices.Equal(res.Asked, []string{"a", "b", "c"}) {
		t.Errorf("Asked = %q", res.Asked)
	}
	if len(events) != 3 || events[1].Source != "b" || events[1].Op != "lookup" || events[1].Found != 1 || !slices.Equal(events[1].Asked, []string{"Z", "NONE"}) {
		t.Errorf("trace = %+v", events)
	}
}

func TestChainResolveStopsWhenAllFound(t *testing.T) {
	a := &chainTestSource{name: "a", values: map[string]string{"X": "1"}}
	b := &chainTestSource{name: "b", lookupErr: errors.New("must not be asked")}
	chain := &Chain{Sources: []Source{a, b}}
	res, err := chain.Resolve(context.Background(), []string{"X"})
	if err != nil {
		t.Fatal(err)
	}
	if len(b.asked) != 0 {
		t.Errorf("b was asked %q after a had every name", b.asked)
	}
	if len(res.Missing) != 0 || !slices.Equal(res.Asked, []string{"a"}) {
		t.Errorf("Missing %q, Asked %q", res.Missing, res.Asked)
	}
}

func TestChainAbsentSource(t *testing.T) {
	absent := &AbsentError{Source: "keyring", Reason: "no session bus", Hint: "start one"}
	mk := func() (*chainTestSource, *chainTestSource) {
		return &chainTestSource{name: "keyring", lookupErr: absent, namesErr: absent},
			&chainTestSource{name: "b", values: map[string]string{"X": "b-x"}}
	}

	// In the default chain an absent source is skipped, and says why.
	k, b := mk()
	chain := &Chain{Sources: []Source{k, b}}
	res, err := chain.Resolve(context.Background(), []string{"X", "NONE"})
	if err != nil {
		t.Fatalf("default chain: %v", err)
	}
	if chainTestValues(res)["X"] != "b-x" {
		t.Errorf("X = %q", chainTestValues(res)["X"])
	}
	if want := []Skip{{Source: "keyring", Reason: "no session bus", Hint: "start one"}}; !reflect.DeepEqual(res.Skipped, want) {
		t.Errorf("Skipped = %+v", res.Skipped)
	}
	if !slices.Equal(res.Asked, []string{"b"}) {
		t.Errorf("Asked = %q, want only b", res.Asked)
	}
	nf := chain.NotFound(context.Background(), res)
	if !errors.Is(nf, ErrNotFound) {
		t.Errorf("NotFound = %v", nf)
	}
	if !strings.Contains(nf.Error(), "(looked in: b)") || !strings.Contains(HintText(nf), "the keyring source was skipped: no session bus") {
		t.Errorf("NotFound = %q, hint %q", nf, HintText(nf))
	}

	// Named explicitly, an absent source is an error for the names.
	k, b = mk()
	chain = &Chain{Sources: []Source{k, b}, Explicit: true}
	_, err = chain.Resolve(context.Background(), []string{"X"})
	if err == nil || !errors.Is(err, ErrUnavailable) {
		t.Fatalf("explicit chain: %v, want ErrUnavailable", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "keyring") || !strings.Contains(msg, `"X"`) || !strings.Contains(msg, "no session bus") || HintText(err) != "start one" {
		t.Errorf("explicit chain: %q, hint %q", err, HintText(err))
	}
	if len(b.asked) != 0 {
		t.Error("a later source was asked after an error")
	}

	// List: skipped by default, an error when explicit.
	k, b = mk()
	chain = &Chain{Sources: []Source{k, b}}
	items, skipped, failed := chain.List(context.Background())
	if len(failed) != 0 || len(items) != 1 || len(skipped) != 1 || skipped[0].Source != "keyring" {
		t.Errorf("List = %+v, %+v, %v", items, skipped, failed)
	}
	chain.Explicit = true
	items, _, failed = chain.List(context.Background())
	if len(failed) != 1 || !errors.Is(failed[0], ErrUnavailable) || HintText(failed[0]) != "start one" || len(items) != 1 {
		t.Errorf("explicit List = %+v, %v; want the other source's names, and the keyring's absence with its hint", items, failed)
	}
}

func TestChainFailingSource(t *testing.T) {
	cases := []struct {
		err  error
		kind error
	}{
		{errors.New("dial unix: connection refused"), ErrUnavailable},
		{fmt.Errorf("keyring is locked: %w", ErrDenied), ErrDenied},
		{&Error{Kind: ErrConfig, Msg: "config broken"}, ErrConfig},
	}
	for _, c := range cases {
		a := &chainTestSource{name: "a", lookupErr: c.err}
		b := &chainTestSource{name: "b", values: map[string]string{"X": "b-x"}}
		chain := &Chain{Sources: []Source{a, b}}
		_, err := chain.Resolve(context.Background(), []string{"X", "Y"})
		if !errors.Is(err, c.kind) {
			t.Errorf("%v: Resolve = %v, want %v", c.err, err, c.kind)
		}
		if len(b.asked) != 0 {
			t.Errorf("%v: a failing source was silently skipped", c.err)
		}
		var e *Error
		if errors.As(c.err, &e) {
			if err != c.err {
				t.Errorf("an *Error of the source was rewrapped: %v", err)
			}
		} else if !strings.Contains(err.Error(), `a source failed looking up "X", "Y"`) {
			t.Errorf("Resolve = %q, want the source and names", err)
		}
	}
}

func TestChainNotFoundSuggestsCase(t *testing.T) {
	a := &chainTestSource{name: "a", values: map[string]string{"FOO": "1", "Foo": "2", "foobar": "3"}}
	b := &chainTestSource{name: "b", values: map[string]string{"BAR": "1"}}
	never := &chainTestSource{name: "never", values: map[string]string{"foo": "x"}}
	chain := &Chain{Sources: []Source{a, b, never}}
	res := &Result{Missing: []string{"foo", "bar", "baz"}, Asked: []string{"a", "b"}}
	err := chain.NotFound(context.Background(), res)
	if !errors.Is(err, ErrNotFound) {
		t.Fatal(err)
	}
	if want := `secrets "foo", "bar", "baz" not found (looked in: a, b)`; err.Error() != want {
		t.Errorf("NotFound = %q, want %q", err, want)
	}
	hint := HintText(err)
	for _, w := range []string{
		`did you mean "FOO" or "Foo" instead of "foo"?`,
		`did you mean "BAR" instead of "bar"?`,
	} {
		if !strings.Contains(hint, w) {
			t.Errorf("hint %q, want %q", hint, w)
		}
	}
	if strings.Contains(hint, "baz") || strings.Contains(hint, "foobar") {
		t.Errorf("hint %q suggests a name that differs by more than case", hint)
	}
	if never.namesCall != 0 {
		t.Error("a source that was not asked was listed for suggestions")
	}

	one := chain.NotFound(context.Background(), &Result{Missing: []string{"X"}})
	if one.Error() != `secret "X" not found (no source could be asked)` {
		t.Errorf("NotFound with no source = %q", one)
	}
}

func TestChainExplain(t *testing.T) {
	absent := &AbsentError{Source: "keyring", Reason: "no session bus", Hint: "start one"}
	k := &chainTestSource{name: "keyring", lookupErr: absent}
	a := &chainTestSource{name: "a", values: map[string]string{"X": "a-x"}}
	none := &chainTestSource{name: "none"}
	b := &chainTestSource{name: "b", values: map[string]string{"X": "b-x"}}
	bad := &chainTestSource{name: "bad", lookupErr: errors.New("timeout")}
	chain := &Chain{Sources: []Source{k, a, none, b, bad}}
	got := chain.Explain(context.Background(), "X")
	if len(got) != 5 {
		t.Fatalf("Explain = %+v", got)
	}
	want := []struct {
		state State
		wins  bool
	}{{Skipped, false}, {Has, true}, {Lacks, false}, {Has, false}, {Failed, false}}
	for i, w := range want {
		if got[i].State != w.state || got[i].Wins != w.wins {
			t.Errorf("finding %d (%s) = state %v wins %v, want %v %v", i, got[i].Source, got[i].State, got[i].Wins, w.state, w.wins)
		}
		if got[i].Where != "the "+got[i].Source+" test store" {
			t.Errorf("finding %d: Where = %q", i, got[i].Where)
		}
	}
	if got[0].Reason != "no session bus" || got[0].Hint != "start one" {
		t.Errorf("skip = %+v", got[0])
	}
	if got[4].Err == nil || !errors.Is(got[4].Err, ErrUnavailable) || !strings.Contains(got[4].Reason, "timeout") {
		t.Errorf("failure = %+v", got[4])
	}
	// Every source is asked, also the ones after the winner.
	for _, s := range []*chainTestSource{a, none, b, bad} {
		if len(s.asked) != 1 || !slices.Equal(s.asked[0], []string{"X"}) {
			t.Errorf("%s asked %q", s.name, s.asked)
		}
	}
	// Explicit: the absent source is a failure, not a skip.
	chain.Explicit = true
	if f := chain.Explain(context.Background(), "X"); f[0].State != Failed || !errors.Is(f[0].Err, ErrUnavailable) {
		t.Errorf("explicit: %+v", f[0])
	}
	// Findings never carry a value.
	if s := fmt.Sprintf("%+v", got); strings.Contains(s, "a-x") || strings.Contains(s, "b-x") {
		t.Errorf("findings show a value: %s", s)
	}
}

func TestChainList(t *testing.T) {
	a := &chainTestSource{name: "a", values: map[string]string{"X": "1", "Y": "2"}}
	b := &chainTestSource{name: "b", values: map[string]string{"Y": "3", "Z": "4"}}
	c := &chainTestSource{name: "c", values: map[string]string{"Y": "5", "X": "6"}}
	chain := &Chain{Sources: []Source{a, b, c}}
	items, skipped, failed := chain.List(context.Background())
	if len(failed) != 0 || len(skipped) != 0 {
		t.Fatal(failed, skipped)
	}
	want := []Listing{
		{Name: "X", Source: "a", AlsoIn: []string{"c"}},
		{Name: "Y", Source: "a", AlsoIn: []string{"b", "c"}},
		{Name: "Z", Source: "b", AlsoIn: []string{}},
	}
	if !reflect.DeepEqual(items, want) {
		t.Errorf("List =\n%+v\nwant\n%+v", items, want)
	}

	// A failing source does not hide what the others know: the list has
	// their names, and the failure names the source and keeps its kind.
	bad := &chainTestSource{name: "bad", namesErr: errors.New("timeout")}
	cfg := &chainTestSource{name: "cfg", namesErr: &Error{Kind: ErrConfig, Msg: "broken"}}
	chain = &Chain{Sources: []Source{bad, a, cfg}}
	items, _, failed = chain.List(context.Background())
	if len(items) != 2 || items[0].Name != "X" || items[1].Name != "Y" {
		t.Errorf("List with failing sources = %+v, want a's names", items)
	}
	if len(failed) != 2 || !errors.Is(failed[0], ErrUnavailable) || !strings.Contains(failed[0].Error(), "the bad source failed listing names") ||
		!strings.Contains(failed[0].Error(), "timeout") || !errors.Is(failed[1], ErrConfig) || !strings.Contains(failed[1].Error(), "cfg") {
		t.Errorf("failures = %v, want bad's (unavailable) then cfg's (config), each naming its source and why", failed)
	}

	// No names at all: an empty list, not nil (it prints as [] in JSON).
	chain = &Chain{Sources: []Source{&chainTestSource{name: "empty"}}}
	items, _, failed = chain.List(context.Background())
	if len(failed) != 0 || items == nil || len(items) != 0 {
		t.Errorf("empty List = %#v, %v", items, failed)
	}
}
