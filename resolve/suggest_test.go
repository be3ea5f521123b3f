package resolve

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestClosest(t *testing.T) {
	known := []string{"DB_PASSWORD", "DB_PASSWORD_OLD", "db-password-x", "API_TOKEN", "API_TOKENS", "API-TOKEN2", "TOKEN", "AB", "slack-webhook-url"}
	for _, c := range []struct {
		name string
		want []string
	}{
		{"DB_PASSWRD", []string{"DB_PASSWORD"}},                           // one letter missing
		{"DB_PASWORD_OLD", []string{"DB_PASSWORD_OLD"}},                   // among three near ones, the nearest
		{"API_TOKN", []string{"API_TOKEN"}},                               // one edit; API_TOKENS is two
		{"API_TOKEN1", []string{"API_TOKEN", "API_TOKENS", "API-TOKEN2"}}, // all at one edit, in order
		{"SLACK_WEBHOOK_URL", []string{"slack-webhook-url"}},              // a block's name: case and - cost nothing
		{"TOKEM", []string{"TOKEN"}},                                      // 5 letters: one edit
		{"TOKNN_X", nil},                                                  // 7 letters, two edits: too far
		{"AC", nil},                                                       // under 4 letters: no edit at all
		{"TOKEN", nil},                                                    // itself is no suggestion
		{"COMPLETELY_ELSE", nil},
	} {
		if got := closest(c.name, known); !slices.Equal(got, c.want) {
			t.Errorf("closest(%q) = %q, want %q", c.name, got, c.want)
		}
	}
}

// nearSource is a source that offers near misses.
type nearSource struct {
	chainTestSource
	misses map[string][]string
}

func (s *nearSource) NearMisses(name string) []string { return s.misses[name] }

func TestChainNotFoundHints(t *testing.T) {
	local := &nearSource{chainTestSource: chainTestSource{name: "local", values: map[string]string{"DB_PASSWORD": "canary-1"}},
		misses: map[string][]string{"TOKEN": {"LOCAL_TOKEN is set, but is not it"}}}
	remote := &chainTestSource{name: "remote", values: map[string]string{"api-token": "canary-2"}}
	aside := &chainTestSource{name: "aside", values: map[string]string{"TOKEN": "canary-3"}}
	chain := &Chain{Sources: []Source{local, remote}, Asides: []Aside{{Source: aside, HowToAsk: "ask it with X"}}}
	var traced []string
	chain.Trace = func(ev TraceEvent) { traced = append(traced, ev.Source+" "+ev.Op) }
	res := &Result{Missing: []string{"DB_PASSWRD", "API_TOKN", "TOKEN"}, Asked: []string{"local", "remote"}}
	err := chain.NotFound(context.Background(), res)
	if !errors.Is(err, ErrNotFound) {
		t.Fatal(err)
	}
	want := strings.Join([]string{
		`did you mean "DB_PASSWORD" instead of "DB_PASSWRD"?`,
		`did you mean "api-token" instead of "API_TOKN"?`, // the remote source's names too: it was asked
		`LOCAL_TOKEN is set, but is not it`,
		`the aside source has "TOKEN", but it is not among the sources asked: ask it with X`,
	}, "\n")
	if hint := HintText(err); hint != want {
		t.Errorf("hint:\n%s\nwant:\n%s", hint, want)
	}
	if strings.Contains(err.Error()+HintText(err), "canary") {
		t.Errorf("a value in %q", err.Error()+HintText(err))
	}
	if local.namesCall != 1 || remote.namesCall != 1 || aside.namesCall != 0 {
		t.Errorf("names listed: local %d, remote %d, aside %d times; want once each asked source, never the aside", local.namesCall, remote.namesCall, aside.namesCall)
	}
	if want := []string{"local names", "remote names", "aside lookup", "aside lookup", "aside lookup"}; !slices.Equal(traced, want) {
		t.Errorf("traced %q, want %q: every call to a source", traced, want)
	}

	// A source not asked is neither listed nor offered as a name.
	res = &Result{Missing: []string{"API_TOKN"}, Asked: []string{"local"}}
	remote.namesCall = 0
	if hint := HintText(chain.NotFound(context.Background(), res)); strings.Contains(hint, "api-token") || remote.namesCall != 0 {
		t.Errorf("a source that was not asked gave names: %q (listed %d times)", hint, remote.namesCall)
	}
}
